import { describe, expect, it } from 'vitest';
import type { L2VNIResource, L3VNIResource, RouterConfig } from '../../src/config/model.js';
import { validateMerged } from '../../src/config/validate/index.js';
import { IncrementalValidation, validateIncrementally } from '../../src/config/validate/incremental.js';
import * as b from '../support/builders.js';
import { seededUnit } from '../support/rng.js';

type Vni = L3VNIResource | L2VNIResource;

/**
 * Random L3VNIs and L2VNIs over key spaces small enough to collide now and then (names, VNIs,
 * VRFs, host-session CIDRs that overlap, references to L3VNIs that may not exist), some
 * invalid on their own, from static files and from the API (with creation times).
 */
function randomObject(r: () => number): Vni {
  const int = (n: number): number => Math.floor(r() * n);
  const origin =
    r() < 0.6
      ? b.staticOrigin()
      : { source: 'api' as const, uid: 'u', creationTimestamp: new Date(Date.UTC(2026, 0, 1, 0, int(50))).toISOString() };
  const namespace = r() < 0.9 ? 'ns' : 'other';
  if (r() < 0.7) {
    const vrf = r() < 0.03 ? 'lo' : `vrf${int(200)}`; // lo: reserved, fails alone
    const cidr = r() < 0.03 ? `10.${int(4)}.0.0/16` : `10.${int(4)}.${int(100)}.0/24`;
    const hostSession = r() < 0.15 ? undefined : b.hostSession({ ipv4: cidr });
    const exportRTs = r() < 0.03 ? ['not-a-target'] : undefined;
    return b.l3vni(vrf, 1 + int(500), { hostSession, ...(exportRTs ? { exportRTs } : {}) }, { name: `l3-${int(200)}`, namespace, origin });
  }
  const over = r() < 0.5 ? { gatewayIPs: [`172.16.${int(30)}.1/24`] } : {};
  const l2 = b.l2vni(1 + int(500), undefined, over, { name: `l2-${int(100)}`, namespace, origin });
  if (r() < 0.8) l2.spec.routingDomain = { type: 'L3VNI', l3vni: { name: `l3-${int(200)}` } };
  return l2;
}

// The same underlay and passthrough objects at every build, as the file cache keeps them.
const UNDERLAY = b.underlay();
const PASSTHROUGH = b.passthrough(b.hostSession({ ipv4: '10.3.39.0/24' }));

const split = (objs: readonly Vni[], source: 'static' | 'api'): RouterConfig =>
  b.routerConfig({
    underlays: source === 'static' ? [UNDERLAY] : [],
    l3vnis: objs.filter((o): o is L3VNIResource => o.kind === 'L3VNI' && o.origin.source === source),
    l2vnis: objs.filter((o): o is L2VNIResource => o.kind === 'L2VNI' && o.origin.source === source),
    l3passthroughs: source === 'static' ? [PASSTHROUGH] : [],
  });

describe('IncrementalValidation', () => {
  it('gives exactly what validateMerged gives over random add/remove/edit sequences, and validates only the changed objects when it can', () => {
    let partial = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const r = seededUnit(seed);
      const v = new IncrementalValidation();
      const objs: Vni[] = Array.from({ length: 30 + Math.floor(r() * 30) }, () => randomObject(r));
      for (let step = 0; step < 40; step++) {
        const op = r();
        const at = Math.floor(r() * objs.length);
        const burst = r() < 0.1 ? 5 : 1;
        for (let k = 0; k < burst; k++) {
          if (op < 0.4) objs.splice(Math.floor(r() * (objs.length + 1)), 0, randomObject(r));
          else if (op < 0.7 && objs.length > 0) objs.splice(at, 1);
          else if (op < 0.95 && objs.length > 0) objs[at % objs.length] = randomObject(r);
        } // else: nothing changed
        const [s, a] = [split(objs, 'static'), split(objs, 'api')];
        const opts = { nodeIndex: 1 };
        expect(validateIncrementally(v, s, a, opts), `seed ${seed} step ${step}`).toEqual(validateMerged(s, a, opts));
      }
      partial += v.partial;
    }
    expect(partial).toBeGreaterThan(150); // the shortcut is taken, not only the full pass
  });

  it('validates everything again when the underlay changes', () => {
    const v = new IncrementalValidation();
    const l3 = [b.l3vni('red', 100), b.l3vni('blue', 200, { hostSession: b.hostSession({ ipv4: '192.169.11.0/24' }) })];
    validateIncrementally(v, b.routerConfig({ underlays: [b.underlay()], l3vnis: l3 }), b.routerConfig({}));
    const other = b.routerConfig({
      underlays: [b.underlay({ asn: 65000 })],
      l3vnis: [...l3, b.l3vni('green', 300, { hostSession: undefined })],
    });
    expect(validateIncrementally(v, other, b.routerConfig({}))).toEqual(validateMerged(other, b.routerConfig({})));
    expect([v.full, v.partial]).toEqual([2, 0]);
  });

  it('adds an L3VNI that claims nothing another holds without validating the others', () => {
    const v = new IncrementalValidation();
    const base = [b.l3vni('red', 100), b.l3vni('blue', 200, { hostSession: b.hostSession({ ipv4: '192.169.11.0/24' }) })];
    const green = b.l3vni('green', 300, { hostSession: b.hostSession({ ipv4: '192.169.12.0/24' }) });
    const at = (l3vnis: L3VNIResource[]) => b.routerConfig({ underlays: [UNDERLAY], l3vnis });
    validateIncrementally(v, at(base), b.routerConfig({}));
    const r = validateIncrementally(v, at([...base, green]), b.routerConfig({}));
    expect(r.valid.l3vnis.map((x) => x.spec.vrf)).toEqual(['blue', 'green', 'red']);
    expect([v.full, v.partial]).toEqual([1, 1]);
    // A host session overlapping red's: everything again (red would win it).
    const clash = b.l3vni('pink', 400, { hostSession: b.hostSession({ ipv4: '192.169.10.128/25' }) });
    expect(validateIncrementally(v, at([...base, green, clash]), b.routerConfig({}))).toEqual(
      validateMerged(at([...base, green, clash]), b.routerConfig({})),
    );
    expect([v.full, v.partial]).toEqual([2, 1]);
  });
});
