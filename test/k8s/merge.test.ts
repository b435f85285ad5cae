// mergeApiOverStatic: the static side wins every conflict with an API object; the loser is
// reported (ValidationFailed, naming the winner); conflicts among API objects are left to
// validateRouterConfig. Acceptance test of the precedence that validation's order gives
// (src/config/validate/state.ts).
import { describe, expect, it } from 'vitest';
import { emptyRouterConfig, type L2VNISpec, type L3VNISpec, type RouterConfig } from '../../src/config/model.js';
import { mergeApiOverStatic, validateRouterConfig } from '../../src/config/validate/index.js';
import * as b from '../support/builders.js';

const NS = b.NAMESPACE;

type Src = 'static' | 'api';
/** Static objects get upstream's static names; API objects keep theirs. */
const meta = (s: Src, n: string, namespace = NS): b.Meta => ({
  name: s === 'static' ? `static-node1-${n}` : n,
  namespace,
  origin: s === 'static' ? b.staticOrigin() : b.apiOrigin,
});

const underlay = (s: Src, name = 'underlay-0') => b.underlay({}, meta(s, name));
const l3 = (s: Src, name: string, vni: number, extra: Partial<L3VNISpec> = {}, ns = NS) =>
  b.l3vni(name, vni, { hostSession: undefined, ...extra }, meta(s, name, ns));
const hs = (cidr: string): L3VNISpec['hostSession'] => b.hostSession({ ipv4: cidr });
const l2 = (s: Src, name: string, vni: number, extra: Partial<L2VNISpec> = {}) => b.l2vni(vni, undefined, extra, meta(s, name));
const pt = (s: Src, name: string, cidr: string) => b.passthrough(b.hostSession({ ipv4: cidr }, { hostASN: 64516 }), meta(s, name));
const raw = (s: Src, name: string) => b.raw('! x', 0, 0, meta(s, name));

function cfg(parts: Partial<RouterConfig>): RouterConfig {
  return { ...emptyRouterConfig(), ...parts };
}

const names = (c: RouterConfig): string[] =>
  [...c.underlays, ...c.l3vnis, ...c.l2vnis, ...c.l3passthroughs, ...c.rawFrrConfigs].map((r) => `${r.kind}/${r.name}`);

describe('mergeApiOverStatic', () => {
  it('appends API objects that do not conflict, static ones first', () => {
    const st = cfg({ underlays: [underlay('static')], l3vnis: [l3('static', 'red', 100, { hostSession: hs('192.169.10.0/24') })] });
    const api = cfg({
      l3vnis: [l3('api', 'blue', 200, { hostSession: hs('192.169.20.0/24') })],
      l2vnis: [l2('api', 'l2', 300)],
      rawFrrConfigs: [raw('api', 'extra')],
    });
    const { merged, conflicts } = mergeApiOverStatic(st, api);
    expect(conflicts).toEqual([]);
    expect(names(merged)).toEqual([
      'Underlay/static-node1-underlay-0',
      'L3VNI/static-node1-red',
      'L3VNI/blue',
      'L2VNI/l2',
      'RawFRRConfig/extra',
    ]);
    // Inputs are not modified.
    expect(st.l3vnis).toHaveLength(1);
    expect(api.l3vnis).toHaveLength(1);
  });

  it('keeps everything when either side is empty', () => {
    const api = cfg({ underlays: [underlay('api', 'u')], l3passthroughs: [pt('api', 'p', '192.168.50.0/24')] });
    expect(mergeApiOverStatic(emptyRouterConfig(), api)).toEqual({ merged: api, conflicts: [] });
    const st = cfg({ underlays: [underlay('static')] });
    expect(mergeApiOverStatic(st, emptyRouterConfig())).toEqual({ merged: st, conflicts: [] });
  });

  it('drops a second underlay coming from the API', () => {
    const { merged, conflicts } = mergeApiOverStatic(
      cfg({ underlays: [underlay('static')] }),
      cfg({ underlays: [underlay('api', 'my-underlay')] }),
    );
    expect(merged.underlays.map((u) => u.name)).toEqual(['static-node1-underlay-0']);
    expect(conflicts).toEqual([
      {
        kind: 'Underlay',
        name: 'my-underlay',
        reason: 'ValidationFailed',
        message: `can't have more than one underlay per node: conflicts with static Underlay ${NS}/static-node1-underlay-0, the static configuration wins`,
      },
    ]);
    // Without the merge, validation would fail the whole node (UnderlayFailed).
    expect(validateRouterConfig(merged).fatal).toBeUndefined();
  });

  it('drops an API L3VNI with the VNI of a static L3VNI or L2VNI', () => {
    const st = cfg({ underlays: [underlay('static')], l3vnis: [l3('static', 'red', 100)], l2vnis: [l2('static', 'pods', 300)] });
    const api = cfg({ l3vnis: [l3('api', 'aaa', 100), l3('api', 'bbb', 300), l3('api', 'ccc', 400)] });
    const { merged, conflicts } = mergeApiOverStatic(st, api);
    expect(merged.l3vnis.map((v) => v.name)).toEqual(['static-node1-red', 'ccc']);
    expect(conflicts.map((c) => `${c.kind}/${c.name}: ${c.message}`)).toEqual([
      `L3VNI/aaa: duplicate vni 100: conflicts with static L3VNI ${NS}/static-node1-red, the static configuration wins`,
      `L3VNI/bbb: duplicate vni 300: conflicts with static L2VNI ${NS}/static-node1-pods, the static configuration wins`,
    ]);
    // Precedence is validation's order (static first), not the merge: "aaa" sorts before
    // "static-…" and still loses when both are validated together.
    const together = validateRouterConfig({ ...st, l3vnis: [...st.l3vnis, ...api.l3vnis] });
    expect(together.valid.l3vnis.map((v) => v.name)).toEqual(['ccc', 'static-node1-red']);
    const merged2 = validateRouterConfig(merged);
    expect(merged2.valid.l3vnis.map((v) => v.name)).toEqual(['ccc', 'static-node1-red']);
  });

  it('drops an API L3VNI in the VRF of a static L3VNI', () => {
    const st = cfg({ l3vnis: [l3('static', 'red', 100)] });
    const api = cfg({ l3vnis: [{ ...l3('api', 'red-too', 101), spec: { vrf: 'red', vni: 101, vxlanPort: 4789 } }] });
    const { merged, conflicts } = mergeApiOverStatic(st, api);
    expect(merged.l3vnis).toHaveLength(1);
    expect(conflicts[0]).toMatchObject({ kind: 'L3VNI', name: 'red-too', reason: 'ValidationFailed' });
    expect(conflicts[0]?.message).toBe(
      `more than one L3VNI in VRF "red": conflicts with static L3VNI ${NS}/static-node1-red, the static configuration wins`,
    );
  });

  it('drops an API L2VNI with the VNI of a static L3VNI or L2VNI', () => {
    const st = cfg({ l3vnis: [l3('static', 'red', 100)], l2vnis: [l2('static', 'pods', 300)] });
    const api = cfg({ l2vnis: [l2('api', 'x', 100), l2('api', 'y', 300), l2('api', 'z', 301)] });
    const { merged, conflicts } = mergeApiOverStatic(st, api);
    expect(merged.l2vnis.map((v) => v.name)).toEqual(['static-node1-pods', 'z']);
    expect(conflicts.map((c) => c.name)).toEqual(['x', 'y']);
    expect(conflicts[1]?.message).toContain(`static L2VNI ${NS}/static-node1-pods`);
  });

  it('drops an API object with the kind and namespace/name of a static one', () => {
    const st = cfg({ l3vnis: [l3('static', 'red', 100)], rawFrrConfigs: [raw('static', 'rawfrrconfig-0')] });
    const api = cfg({
      l3vnis: [{ ...l3('api', 'x', 900), name: 'static-node1-red' }],
      rawFrrConfigs: [{ ...raw('api', 'x'), name: 'static-node1-rawfrrconfig-0' }, raw('api', 'mine')],
    });
    const { merged, conflicts } = mergeApiOverStatic(st, api);
    expect(conflicts.map((c) => `${c.kind}/${c.name}`)).toEqual(['L3VNI/static-node1-red', 'RawFRRConfig/static-node1-rawfrrconfig-0']);
    expect(conflicts[0]?.message).toContain('same name as a static object');
    expect(merged.rawFrrConfigs.map((r) => r.name)).toEqual(['static-node1-rawfrrconfig-0', 'mine']);
    // Same name in another namespace is another object.
    const other = mergeApiOverStatic(st, cfg({ l3vnis: [{ ...l3('api', 'x', 900, {}, 'default'), name: 'static-node1-red' }] }));
    expect(other.conflicts).toEqual([]);
  });

  it('drops a second passthrough, and API host sessions overlapping static ones', () => {
    const st = cfg({
      underlays: [underlay('static')],
      l3vnis: [l3('static', 'red', 100, { hostSession: hs('192.169.10.0/24') })],
      l3passthroughs: [pt('static', 'l3passthrough', '192.168.50.0/24')],
    });
    const api = cfg({
      l3vnis: [
        l3('api', 'blue', 200, { hostSession: hs('192.169.10.128/25') }),
        l3('api', 'green', 201, { hostSession: hs('192.169.11.0/24') }),
      ],
      l3passthroughs: [pt('api', 'mypt', '192.168.60.0/24')],
    });
    const { merged, conflicts } = mergeApiOverStatic(st, api);
    expect(merged.l3vnis.map((v) => v.name)).toEqual(['static-node1-red', 'green']);
    expect(merged.l3passthroughs.map((p) => p.name)).toEqual(['static-node1-l3passthrough']);
    expect(conflicts.map((c) => `${c.kind}/${c.name}: ${c.message}`)).toEqual([
      `L3VNI/blue: host-session cidr 192.169.10.128/25 overlaps: conflicts with static L3VNI ${NS}/static-node1-red, the static configuration wins`,
      `L3Passthrough/mypt: can't have more than one l3passthrough per node: conflicts with static L3Passthrough ${NS}/static-node1-l3passthrough, the static configuration wins`,
    ]);
    // Validated together, the overlapping API L3VNI fails alone (no fatal).
    const together = validateRouterConfig({ ...st, l3vnis: [...st.l3vnis, ...api.l3vnis] });
    expect(together.fatal).toBeUndefined();
    expect(together.failed.map((f) => f.name)).toEqual(['blue']);
    expect(validateRouterConfig(merged).fatal).toBeUndefined();
  });

  it('drops an API passthrough whose host session overlaps a static L3VNI', () => {
    const st = cfg({ underlays: [underlay('static')], l3vnis: [l3('static', 'red', 100, { hostSession: hs('192.169.10.0/24') })] });
    const { merged, conflicts } = mergeApiOverStatic(st, cfg({ l3passthroughs: [pt('api', 'p', '192.169.10.0/28')] }));
    expect(merged.l3passthroughs).toEqual([]);
    expect(conflicts[0]?.message).toContain(`static L3VNI ${NS}/static-node1-red`);
  });

  it('drops an API L2VNI whose gateway overlaps a subnet of the static VRF it joins', () => {
    const st = cfg({
      underlays: [underlay('static')],
      l3vnis: [l3('static', 'red', 100, { hostSession: hs('192.169.10.0/24') })],
    });
    const rd = { type: 'L3VNI' as const, l3vni: { name: 'static-node1-red' } };
    const api = cfg({
      l2vnis: [
        l2('api', 'bad', 300, { routingDomain: rd, gatewayIPs: ['192.169.10.1/24'] }),
        l2('api', 'good', 301, { routingDomain: rd, gatewayIPs: ['192.170.0.1/24'] }),
      ],
    });
    const { merged, conflicts } = mergeApiOverStatic(st, api);
    expect(merged.l2vnis.map((v) => v.name)).toEqual(['good']);
    expect(conflicts).toHaveLength(1);
    expect(conflicts[0]?.message).toBe(
      `subnet overlap in VRF "red": gateway 192.169.10.1/24 overlaps 192.169.10.0/24: conflicts with static L3VNI ${NS}/static-node1-red, the static configuration wins`,
    );
    // Validated together, only the API L2VNI fails: the static L3VNI's VRF stays.
    const together = validateRouterConfig({ ...st, l2vnis: api.l2vnis });
    expect(together.failed.map((f) => f.name)).toEqual(['bad']);
    const v = validateRouterConfig(merged);
    expect(v.failed).toEqual([]);
    expect(v.valid.l3vnis.map((x) => x.name)).toEqual(['static-node1-red']);
  });

  it('leaves conflicts among API objects to validation (sorted name, first wins)', () => {
    const api = cfg({ underlays: [underlay('api', 'u')], l3vnis: [l3('api', 'zzz', 100), l3('api', 'aaa', 100)] });
    const { merged, conflicts } = mergeApiOverStatic(emptyRouterConfig(), api);
    expect(conflicts).toEqual([]);
    expect(merged.l3vnis.map((v) => v.name).sort()).toEqual(['aaa', 'zzz']);
    const v = validateRouterConfig(merged);
    expect(v.valid.l3vnis.map((x) => x.name)).toEqual(['aaa']);
    expect(v.failed.map((f) => f.name)).toEqual(['zzz']);
  });

  it('ranks API objects in a conflict by creationTimestamp (older wins), then namespace/name', () => {
    const at = <T extends { origin: unknown }>(r: T, ts?: string): T => ({
      ...r,
      origin: { ...b.apiOrigin, ...(ts ? { creationTimestamp: ts } : {}) },
    });
    const older = at(l3('api', 'zzz', 100, { hostSession: hs('192.169.10.0/24') }), '2026-11-01T10:00:00Z');
    const newer = at(l3('api', 'aaa', 100, { hostSession: hs('192.169.20.0/24') }), '2026-12-01T10:00:00Z');
    const noTime = at(l3('api', '000', 100));
    for (const order of [
      [older, newer, noTime],
      [noTime, newer, older],
    ]) {
      const v = validateRouterConfig(cfg({ underlays: [underlay('api', 'u')], l3vnis: order }));
      expect(v.valid.l3vnis.map((x) => x.name)).toEqual(['zzz']);
      expect(v.failed.map((f) => f.name).sort()).toEqual(['000', 'aaa']);
    }
    // Same second: by name.
    const twin = at(l3('api', 'bbb', 100), '2026-11-01T10:00:00Z');
    const v = validateRouterConfig(cfg({ underlays: [underlay('api', 'u')], l3vnis: [older, twin] }));
    expect(v.valid.l3vnis.map((x) => x.name)).toEqual(['bbb']);
    // Overlapping host sessions: the newer API object fails, the older keeps its session.
    const a = at(l3('api', 'a-new', 101, { vrf: 'blue', hostSession: hs('192.169.10.0/24') }), '2026-12-01T00:00:00Z');
    const z = at(l3('api', 'z-old', 102, { vrf: 'green', hostSession: hs('192.169.10.0/24') }), '2026-01-01T00:00:00Z');
    const h = validateRouterConfig(cfg({ underlays: [underlay('api', 'u')], l3vnis: [a, z] }));
    expect(h.valid.l3vnis.map((x) => x.name)).toEqual(['z-old']);
    expect(h.failed.map((f) => f.name)).toEqual(['a-new']);
  });

  it('is deterministic: the input order of API objects does not change the outcome', () => {
    const st = cfg({ l3vnis: [l3('static', 'red', 100)], l2vnis: [l2('static', 'pods', 300)] });
    const list = [l3('api', 'b', 100), l3('api', 'a', 300), l3('api', 'c', 500), l3('api', 'd', 600)];
    const one = mergeApiOverStatic(st, cfg({ l3vnis: list }));
    const two = mergeApiOverStatic(st, cfg({ l3vnis: [...list].reverse() }));
    expect(two).toEqual(one);
    expect(one.conflicts.map((c) => c.name)).toEqual(['a', 'b']);
  });

  it('reports a static object that later fails validation as the winner all the same', () => {
    const st = cfg({ l3vnis: [l3('static', 'red', 100, { exportRTs: ['not-a-rt'] })] });
    const { merged, conflicts } = mergeApiOverStatic(st, cfg({ l3vnis: [l3('api', 'mine', 100)] }));
    expect(conflicts.map((c) => c.name)).toEqual(['mine']);
    expect(merged.l3vnis.map((v) => v.name)).toEqual(['static-node1-red']);
  });
});
