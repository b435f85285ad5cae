import { describe, expect, it } from 'vitest';
import { loadStaticConfig } from '../../src/config/load.js';
import type { L2VNISpec, L3VNISpec, Neighbor, RouterConfig, UnderlaySpec } from '../../src/config/model.js';
import { sortByName, validateRouterConfig } from '../../src/config/validate/index.js';
import { FIXTURES, NODE, tempDir, underlayYaml } from '../fixtures/config/harness.js';
import * as b from '../support/builders.js';

/** API objects in namespace `ns` (validation sees no static precedence here). */
const api = (name: string, namespace = 'ns'): b.Meta => ({ name, namespace, origin: { source: 'api' } });

const underlay = (name = 'u', spec: Partial<UnderlaySpec> = {}) => b.underlay(spec, api(name));
const l3 = (name: string, spec: Partial<L3VNISpec> = {}, namespace = 'ns') =>
  b.l3vni(name, 100, { hostSession: undefined, ...spec }, api(name, namespace));
const l2 = (name: string, spec: Partial<L2VNISpec> = {}, namespace = 'ns') => b.l2vni(110, undefined, spec, api(name, namespace));
const pt = (name: string, ipv4 = '192.169.100.0/24') => b.passthrough(b.hostSession({ ipv4 }), api(name));

function session(ipv4?: string, ipv6?: string): L3VNISpec['hostSession'] {
  return b.hostSession({ ...(ipv4 ? { ipv4 } : {}), ...(ipv6 ? { ipv6 } : {}) });
}

function cfg(parts: Partial<RouterConfig>): RouterConfig {
  return b.routerConfig({ underlays: [underlay()], ...parts });
}

const names = (xs: Array<{ name: string }>): string[] => xs.map((x) => x.name);

/** The same resource as if it came from a static file. */
const fromFile = <T extends { origin: unknown }>(r: T): T => ({ ...r, origin: b.staticOrigin() });

describe('sortByName', () => {
  it('sorts by namespace/name, stable', () => {
    const xs = [l3('b'), l3('a', {}, 'z'), l3('a'), l3('b', { vni: 2 }), l3('A')];
    const sorted = sortByName(xs);
    expect(sorted.map((x) => `${x.namespace}/${x.name}`)).toEqual(['ns/A', 'ns/a', 'ns/b', 'ns/b', 'z/a']);
    expect(sorted[2]?.spec.vni).toBe(100);
    expect(sorted[3]?.spec.vni).toBe(2);
    expect(xs[0]?.name).toBe('b'); // input untouched
  });
});

describe('validateRouterConfig: accepted', () => {
  it('a complete valid configuration passes untouched', () => {
    const c = cfg({
      l3vnis: [
        l3('red', { hostSession: session('192.169.10.0/24', '2001:db8:1::/64') }),
        l3('blue', { vni: 200, hostSession: session('192.169.11.0/24') }),
      ],
      l2vnis: [
        l2('red-l2', { routingDomain: { type: 'L3VNI', l3vni: { name: 'red' } }, gatewayIPs: ['192.170.1.1/24'] }),
        l2('plain', { vni: 300 }),
      ],
      l3passthroughs: [pt('p')],
      rawFrrConfigs: [b.raw('!', 0, 0, api('r'))],
    });
    const r = validateRouterConfig(c, { nodeIndex: 3 });
    expect(r.fatal).toBeUndefined();
    expect(r.failed).toEqual([]);
    expect(names(r.valid.l3vnis)).toEqual(['blue', 'red']);
    expect(names(r.valid.l2vnis)).toEqual(['plain', 'red-l2']);
    expect(names(r.valid.l3passthroughs)).toEqual(['p']);
    expect(r.valid.rawFrrConfigs).toHaveLength(1);
    expect(r.valid.underlays).toHaveLength(1);
  });

  it('no underlay and nothing else is valid (and empty)', () => {
    const r = validateRouterConfig(cfg({ underlays: [] }));
    expect(r).toEqual({ valid: { underlays: [], l3vnis: [], l2vnis: [], l3passthroughs: [], rawFrrConfigs: [] }, failed: [] });
  });

  it('the static fixtures validate cleanly', () => {
    for (const dir of ['basic', 'multi', 'full']) {
      const loaded = loadStaticConfig(`${FIXTURES}${dir}`, NODE);
      const r = validateRouterConfig(loaded.config, { nodeIndex: NODE.nodeIndex });
      expect(r.fatal, dir).toBeUndefined();
      expect(r.failed, dir).toEqual([]);
    }
  });
});

describe('validateRouterConfig: underlay (fatal)', () => {
  const fatal = (c: RouterConfig, nodeIndex?: number): string => {
    const r = validateRouterConfig(c, nodeIndex === undefined ? {} : { nodeIndex });
    expect(r.valid).toEqual({ underlays: [], l3vnis: [], l2vnis: [], l3passthroughs: [], rawFrrConfigs: [] });
    expect(r.fatal).toBeDefined();
    for (const f of r.fatal?.failed ?? []) expect(f).toMatchObject({ kind: 'Underlay', reason: 'ValidationFailed' });
    return r.fatal?.failed.map((f) => f.message).join('\n') ?? '';
  };
  const neighbors = (...ns: Neighbor[]): Partial<UnderlaySpec> => ({ neighbors: ns });

  it('more than one underlay, reported on the first', () => {
    const r = validateRouterConfig(cfg({ underlays: [underlay('u1'), underlay('u2')], l3vnis: [l3('red')] }));
    expect(r.fatal?.failed).toEqual([
      { kind: 'Underlay', name: 'u1', reason: 'ValidationFailed', message: "can't have more than one underlay per node (found 2: u1, u2)" },
    ]);
    expect(r.fatal?.message).toMatch(/^underlay failed validation, nothing applied: can't have more than one underlay per node/);
    expect(r.valid.l3vnis).toEqual([]);
  });
  it('asn 0', () => expect(fatal(cfg({ underlays: [underlay('u', { asn: 0 })] }))).toMatch(/must have a valid ASN/));
  it('no neighbors', () =>
    expect(fatal(cfg({ underlays: [underlay('u', neighbors())] }))).toMatch(/must have at least one neighbor configured/));
  it('duplicate neighbor address (canonical IPv6 compare)', () => {
    expect(
      fatal(cfg({ underlays: [underlay('u', neighbors({ asn: 1, address: '2001:db8::1' }, { asn: 2, address: '2001:DB8:0::1' }))] })),
    ).toMatch(/has duplicate neighbor address 2001:DB8:0::1/);
  });
  it('duplicate interface neighbor', () => {
    expect(
      fatal(
        cfg({ underlays: [underlay('u', neighbors({ type: 'External', interface: 'eth2' }, { type: 'Internal', interface: 'eth2' }))] }),
      ),
    ).toMatch(/only one peer is allowed per interface/);
  });
  it('listen ranges overlap', () => {
    expect(
      fatal(
        cfg({
          underlays: [
            underlay('u', neighbors({ type: 'Internal', listenRange: '10.0.0.0/16' }, { type: 'Internal', listenRange: '10.0.5.0/24' })),
          ],
        }),
      ),
    ).toMatch(/listenRange 10.0.5.0\/24 overlaps with listenRange 10.0.0.0\/16/);
    expect(
      fatal(
        cfg({
          underlays: [
            underlay('u', neighbors({ type: 'Internal', listenRange: '10.0.0.0/24' }, { type: 'Internal', listenRange: '10.0.0.7/24' })),
          ],
        }),
      ),
    ).toMatch(/overlaps/);
    expect(fatal(cfg({ underlays: [underlay('u', neighbors({ type: 'Internal', listenRange: 'x' }))] }))).toMatch(/invalid listenRange x/);
  });
  it('listen ranges that do not overlap are fine', () => {
    const r = validateRouterConfig(
      cfg({
        underlays: [
          underlay('u', neighbors({ type: 'Internal', listenRange: '10.0.0.0/24' }, { type: 'Internal', listenRange: '10.0.1.0/24' })),
        ],
      }),
    );
    expect(r.fatal).toBeUndefined();
  });
  it('interfaces: invalid name, duplicate, mixed kinds, CNIDevice', () => {
    expect(
      fatal(cfg({ underlays: [underlay('u', { interfaces: [{ type: 'NetworkDevice', networkDevice: { interfaceName: '' } }] })] })),
    ).toMatch(/cannot be empty/);
    expect(
      fatal(cfg({ underlays: [underlay('u', { interfaces: [{ type: 'NetworkDevice', networkDevice: { interfaceName: 'eth 1' } }] })] })),
    ).toMatch(/invalid characters/);
    expect(fatal(cfg({ underlays: [underlay('u', { interfaces: [{ type: 'NetworkDevice' }] })] }))).toMatch(/cannot be empty/);
    expect(
      fatal(
        cfg({
          underlays: [
            underlay('u', {
              interfaces: [
                { type: 'NetworkDevice', networkDevice: { interfaceName: 'eth1' } },
                { type: 'NetworkDevice', networkDevice: { interfaceName: 'eth1' } },
              ],
            }),
          ],
        }),
      ),
    ).toMatch(/duplicate interface name eth1/);
    const mixed = fatal(
      cfg({
        underlays: [
          underlay('u', {
            interfaces: [
              { type: 'NetworkDevice', networkDevice: { interfaceName: 'eth1' } },
              { type: 'CNIDevice', cniDevice: {} },
            ],
          }),
        ],
      }),
    );
    expect(mixed).toMatch(/all interfaces must be of the same type/);
    expect(mixed).toMatch(/cniDevice: not supported yet by perouterd/i);
  });
  it('tunnel endpoint problems', () => {
    expect(fatal(cfg({ underlays: [underlay('u', { tunnelEndpoint: { cidrs: [] } })] }))).toMatch(/must not be empty/);
    expect(fatal(cfg({ underlays: [underlay('u', { tunnelEndpoint: { cidrs: ['100.65.0.0/24', '100.66.0.0/24'] } })] }))).toMatch(
      /at most one IPv4 and one IPv6/,
    );
    expect(fatal(cfg({ underlays: [underlay('u', { tunnelEndpoint: { cidrs: ['100.65.0.0/33'] } })] }))).toMatch(/not a valid CIDR/);
    expect(fatal(cfg({ underlays: [underlay('u', { tunnelEndpoint: { cidrs: ['a/1', 'b/2', 'c/3'] } })] }))).toMatch(/at most 2 entries/);
    expect(fatal(cfg({ underlays: [underlay('u', { tunnelEndpoint: { cidrs: ['100.65.0.0/30'] } })] }), 4)).toMatch(
      /no room for node index 4/,
    );
  });
  it('router-id CIDR', () => {
    expect(fatal(cfg({ underlays: [underlay('u', { routerIDCIDR: '2001:db8::/64' })] }))).toMatch(/must be an IPv4 CIDR/);
    expect(fatal(cfg({ underlays: [underlay('u', { routerIDCIDR: '10.0.0.0/30' })] }), 4)).toMatch(
      /routerIDCIDR 10.0.0.0\/30 has no room for node index 4/,
    );
  });
  it('isis and srv6 are not supported', () => {
    expect(fatal(cfg({ underlays: [underlay('u', { isis: { baseNet: 'x' } })] }))).toMatch(/isis: not supported yet/);
    expect(fatal(cfg({ underlays: [underlay('u', { srv6: {} })] }))).toMatch(/srv6: not supported yet/);
  });
});

describe('validateRouterConfig: per-resource failures', () => {
  it('duplicate L3VNI VNI: the first by sorted namespace/name wins', () => {
    const r = validateRouterConfig(cfg({ l3vnis: [l3('zeta', { vni: 100 }), l3('alpha', { vni: 100 })] }));
    expect(names(r.valid.l3vnis)).toEqual(['alpha']);
    expect(r.failed).toEqual([
      { kind: 'L3VNI', name: 'zeta', reason: 'ValidationFailed', message: 'duplicate vni 100: already used by L3VNI/alpha' },
    ]);
  });

  it('namespace sorts before name', () => {
    const r = validateRouterConfig(cfg({ l3vnis: [l3('a', { vni: 5 }, 'zz'), l3('b', { vni: 5 }, 'aa')] }));
    expect(r.valid.l3vnis.map((v) => v.namespace)).toEqual(['aa']);
  });

  it('L2VNI VNI collides with an L3VNI or an earlier L2VNI', () => {
    const r = validateRouterConfig(
      cfg({ l3vnis: [l3('red', { vni: 100 })], l2vnis: [l2('x', { vni: 100 }), l2('b', { vni: 110 }), l2('a', { vni: 110 })] }),
    );
    expect(names(r.valid.l2vnis)).toEqual(['a']);
    expect(r.failed.map((f) => [f.name, f.message])).toEqual([
      ['b', 'duplicate vni 110: already used by L2VNI/a'],
      ['x', 'duplicate vni 100: already used by L3VNI/red'],
    ]);
  });

  it('one L3VNI per VRF', () => {
    const r = validateRouterConfig(cfg({ l3vnis: [l3('b', { vrf: 'red', vni: 2 }), l3('a', { vrf: 'red', vni: 1 })] }));
    expect(names(r.valid.l3vnis)).toEqual(['a']);
    expect(r.failed).toEqual([
      { kind: 'L3VNI', name: 'b', reason: 'ValidationFailed', message: 'more than one L3VNI detected in VRF "red": "ns/a" already exists' },
    ]);
  });

  it('VRF name and route targets', () => {
    const r = validateRouterConfig(
      cfg({
        l3vnis: [
          l3('a', { vrf: '1red', vni: 1 }),
          l3('b', { vrf: 'blue', vni: 2, exportRTs: ['70000:70000'] }),
          l3('c', { vrf: 'green', vni: 3, importRTs: ['1.2.3.4:65536'] }),
          l3('d', { vrf: 'red.x', vni: 4, importRTs: ['65000:4294967295', '1.2.3.4:7'] }),
        ],
      }),
    );
    expect(names(r.valid.l3vnis)).toEqual(['d']);
    expect(r.failed.map((f) => [f.name, f.reason])).toEqual([
      ['a', 'ValidationFailed'],
      ['b', 'ValidationFailed'],
      ['c', 'ValidationFailed'],
    ]);
    expect(r.failed[0]?.message).toMatch(/invalid vrf name for vni "a", vrf "1red"/);
    expect(r.failed[1]?.message).toMatch(/invalid route targets for vni "b": .*4-byte ASN/);
    expect(r.failed[2]?.message).toMatch(/A.B.C.D:MN needs MN <= 65535/);
  });

  it('routing domain referencing a missing L3VNI: DependencyFailed', () => {
    const r = validateRouterConfig(cfg({ l2vnis: [l2('l2', { routingDomain: { type: 'L3VNI', l3vni: { name: 'nope' } } })] }));
    expect(r.valid.l2vnis).toEqual([]);
    expect(r.failed).toEqual([{ kind: 'L2VNI', name: 'l2', reason: 'DependencyFailed', message: 'referenced L3VNI "nope" not found' }]);
  });

  it('routing domain referencing an L3VNI that lost a duplicate check: DependencyFailed', () => {
    const r = validateRouterConfig(
      cfg({
        l3vnis: [l3('a', { vni: 100 }), l3('b', { vni: 100 })],
        l2vnis: [l2('l2', { routingDomain: { type: 'L3VNI', l3vni: { name: 'b' } } })],
      }),
    );
    expect(r.failed.map((f) => [f.kind, f.name, f.reason])).toEqual([
      ['L3VNI', 'b', 'ValidationFailed'],
      ['L2VNI', 'l2', 'DependencyFailed'],
    ]);
  });

  it('routing domain of type L3VPN is not available', () => {
    const r = validateRouterConfig(cfg({ l2vnis: [l2('l2', { routingDomain: { type: 'L3VPN', l3vpn: { name: 'v' } } })] }));
    expect(r.failed[0]).toMatchObject({ reason: 'DependencyFailed', message: expect.stringMatching(/referenced L3VPN "v" not found/) });
  });

  it('L2VNI host master and gateway IPs', () => {
    const r = validateRouterConfig(
      cfg({
        l3vnis: [l3('red')],
        l2vnis: [
          l2('a', { vni: 1, hostMaster: { type: 'OVSBridge', ovsBridge: { lifecycle: 'Managed' } } }),
          l2('b', { vni: 2, hostMaster: { type: 'LinuxBridge', linuxBridge: { lifecycle: 'External', name: 'br with space' } } }),
          l2('c', { vni: 3, routingDomain: { type: 'L3VNI', l3vni: { name: 'red' } }, gatewayIPs: ['192.170.1.1/24', '192.170.2.1/24'] }),
          l2('d', { vni: 4, routingDomain: { type: 'L3VNI', l3vni: { name: 'red' } }, gatewayIPs: ['192.170.1.1'] }),
          l2('e', { vni: 5, routingDomain: { type: 'L3VNI', l3vni: { name: 'red' } }, gatewayIPs: ['192.170.1.1/24', 'fd00:170::1/64'] }),
        ],
      }),
    );
    expect(names(r.valid.l2vnis)).toEqual(['e']);
    expect(r.failed.map((f) => f.name)).toEqual(['a', 'b', 'c', 'd']);
    expect(r.failed[0]?.message).toMatch(/ovsBridge: not supported yet/);
    expect(r.failed[1]?.message).toMatch(/invalid hostmaster name/);
    expect(r.failed[2]?.message).toMatch(/at most one IPv4 and one IPv6/);
    expect(r.failed[3]?.message).toMatch(/not a valid CIDR/);
  });

  it('subnet overlap inside a VRF between static objects rejects every VNI of that VRF only', () => {
    const r = validateRouterConfig(
      cfg({
        l3vnis: [
          l3('red', { vni: 100, hostSession: session('192.169.10.0/24') }),
          l3('blue', { vni: 200, hostSession: session('192.169.20.0/24') }),
        ].map(fromFile),
        l2vnis: [
          l2('red-l2', { vni: 110, routingDomain: { type: 'L3VNI', l3vni: { name: 'red' } }, gatewayIPs: ['192.169.10.1/24'] }),
          l2('blue-l2', { vni: 210, routingDomain: { type: 'L3VNI', l3vni: { name: 'blue' } }, gatewayIPs: ['192.170.1.1/24'] }),
          l2('free', { vni: 300, gatewayIPs: [] }),
        ].map(fromFile),
      }),
    );
    expect(names(r.valid.l3vnis)).toEqual(['blue']);
    expect(names(r.valid.l2vnis)).toEqual(['blue-l2', 'free']);
    expect(r.failed.map((f) => f.name)).toEqual(['red', 'red-l2']);
    expect(r.failed[0]?.message).toBe(
      'subnet overlap in VRF "red": 192.169.10.0/24 (L2VNI ns/red-l2) overlaps with 192.169.10.0/24 (L3VNI ns/red)',
    );
  });

  it('subnet overlap inside a VRF: an API object fails alone, the VRF stays', () => {
    const r = validateRouterConfig(
      cfg({
        l3vnis: [l3('red', { vni: 100, hostSession: session('192.169.10.0/24') })],
        l2vnis: [
          l2('a-l2', { vni: 110, routingDomain: { type: 'L3VNI', l3vni: { name: 'red' } }, gatewayIPs: ['192.169.10.1/24'] }),
          l2('b-l2', { vni: 111, routingDomain: { type: 'L3VNI', l3vni: { name: 'red' } }, gatewayIPs: ['192.169.11.1/24'] }),
        ],
      }),
    );
    expect(names(r.valid.l3vnis)).toEqual(['red']);
    expect(names(r.valid.l2vnis)).toEqual(['b-l2']);
    expect(r.failed).toEqual([
      {
        kind: 'L2VNI',
        name: 'a-l2',
        reason: 'ValidationFailed',
        message: 'subnet overlap in VRF "red": gateway 192.169.10.1/24 overlaps 192.169.10.0/24 of L3VNI ns/red',
      },
    ]);
  });

  it('IPv6 subnet overlap inside a VRF', () => {
    const r = validateRouterConfig(
      cfg({
        l3vnis: [fromFile(l3('red', { hostSession: session(undefined, '2001:db8:1::/48') }))],
        l2vnis: [fromFile(l2('l2', { routingDomain: { type: 'L3VNI', l3vni: { name: 'red' } }, gatewayIPs: ['2001:db8:1:5::1/64'] }))],
      }),
    );
    expect(r.failed.map((f) => f.name)).toEqual(['red', 'l2']);
    expect(r.failed[0]?.message).toMatch(/2001:db8:1:5::\/64 \(L2VNI ns\/l2\) overlaps with 2001:db8:1::\/48 \(L3VNI ns\/red\)/);
  });

  it('more than one passthrough rejects all of them', () => {
    const r = validateRouterConfig(cfg({ l3passthroughs: [pt('b', '192.169.100.0/24'), pt('a', '192.169.101.0/24')] }));
    expect(r.valid.l3passthroughs).toEqual([]);
    expect(r.failed.map((f) => [f.kind, f.name, f.message])).toEqual([
      ['L3Passthrough', 'a', "can't have more than one l3passthrough per node (found 2)"],
      ['L3Passthrough', 'b', "can't have more than one l3passthrough per node (found 2)"],
    ]);
  });

  it('VNIs need the underlay tunnel endpoint', () => {
    const noTep = validateRouterConfig(
      cfg({ underlays: [underlay('u', { tunnelEndpoint: undefined })], l3vnis: [l3('red')], l2vnis: [l2('l2')] }),
    );
    expect(noTep.fatal).toBeUndefined();
    expect(noTep.failed.map((f) => [f.kind, f.reason, f.message])).toEqual([
      ['L3VNI', 'DependencyFailed', 'underlay tunnel endpoint configuration is required when L3VNIs are defined'],
      ['L2VNI', 'DependencyFailed', 'underlay tunnel endpoint configuration is required when L2VNIs are defined'],
    ]);
    const noUnderlay = validateRouterConfig(cfg({ underlays: [], l3vnis: [l3('red')], l3passthroughs: [pt('p')] }));
    expect(noUnderlay.failed.map((f) => [f.kind, f.reason])).toEqual([
      ['L3VNI', 'DependencyFailed'],
      ['L3Passthrough', 'DependencyFailed'],
    ]);
    expect(noUnderlay.failed[0]?.message).toMatch(/no underlay configured/);
  });

  it('underlayAddressFamily needs a VTEP of that family', () => {
    const r = validateRouterConfig(
      cfg({
        l3vnis: [
          l3('v6', { vni: 1, underlayAddressFamily: 'IPv6' }),
          l3('v4', { vni: 2, underlayAddressFamily: 'IPv4' }),
          l3('auto', { vni: 3 }),
        ],
        l2vnis: [l2('l2v6', { vni: 4, underlayAddressFamily: 'IPv6' })],
      }),
    );
    expect(names(r.valid.l3vnis)).toEqual(['auto', 'v4']);
    expect(r.failed.map((f) => [f.name, f.reason, f.message])).toEqual([
      ['v6', 'DependencyFailed', 'underlayAddressFamily is IPv6 but the underlay has no IPv6 tunnelEndpoint CIDR'],
      ['l2v6', 'DependencyFailed', 'underlayAddressFamily is IPv6 but the underlay has no IPv6 tunnelEndpoint CIDR'],
    ]);
    const v6only = validateRouterConfig(
      cfg({
        underlays: [underlay('u', { tunnelEndpoint: { cidrs: ['fd00::/64'] } })],
        l3vnis: [l3('v4', { underlayAddressFamily: 'IPv4' })],
      }),
    );
    expect(v6only.failed[0]?.message).toMatch(/IPv4 but the underlay has no IPv4/);
  });

  it('host-session pools must have room for the node index', () => {
    const r = validateRouterConfig(cfg({ l3vnis: [l3('red', { hostSession: session('192.169.10.0/30') })] }), { nodeIndex: 2 });
    expect(r.failed[0]?.message).toBe('hostSession.localCIDR.ipv4 192.169.10.0/30 has no room for node index 2');
    expect(
      validateRouterConfig(cfg({ l3vnis: [l3('red', { hostSession: session('192.169.10.0/30') })] }), { nodeIndex: 1 }).failed,
    ).toEqual([]);
  });
});

describe('validateRouterConfig: host sessions', () => {
  it('overlapping static L3VNI and passthrough CIDRs abort everything', () => {
    const r = validateRouterConfig(
      cfg({
        l3vnis: [fromFile(l3('red', { hostSession: session('192.169.10.0/24') }))],
        l3passthroughs: [fromFile(pt('p', '192.169.10.128/25'))],
      }),
    );
    expect(r.valid.l3vnis).toEqual([]);
    expect(r.fatal?.message).toBe('overlapping host-session cidrs 192.169.10.0/24 - 192.169.10.128/25 for l3vni red - l3passthrough p');
    expect(r.fatal?.failed.map((f) => [f.kind, f.name])).toEqual([
      ['L3VNI', 'red'],
      ['L3Passthrough', 'p'],
    ]);
  });
  it('overlapping IPv6 host sessions of two static L3VNIs in different VRFs', () => {
    const r = validateRouterConfig(
      cfg({
        l3vnis: [
          l3('a', { vni: 1, hostSession: session(undefined, '2001:db8::/32') }),
          l3('b', { vni: 2, hostSession: session(undefined, '2001:db8:5::/48') }),
        ].map(fromFile),
      }),
    );
    expect(r.fatal?.message).toMatch(/for l3vni a - l3vni b/);
  });
  it('two API L3VNIs with overlapping host sessions: the later fails alone, the rest applies', () => {
    const r = validateRouterConfig(
      cfg({
        l3vnis: [
          l3('a', { vni: 1, hostSession: session('192.169.10.0/24') }),
          l3('b', { vni: 2, hostSession: session('192.169.10.0/25') }, 'other'),
          l3('c', { vni: 3, hostSession: session('192.169.11.0/24') }),
        ],
        l3passthroughs: [pt('p', '192.169.11.5/32')],
      }),
    );
    expect(r.fatal).toBeUndefined();
    expect(names(r.valid.l3vnis)).toEqual(['a', 'c']);
    expect(r.failed.map((f) => [f.kind, f.name, f.message])).toEqual([
      ['L3VNI', 'b', 'overlapping host-session cidrs 192.169.10.0/24 - 192.169.10.0/25 for l3vni a - l3vni b'],
      ['L3Passthrough', 'p', 'overlapping host-session cidrs 192.169.11.0/24 - 192.169.11.5/32 for l3vni c - l3passthrough p'],
    ]);
  });
  it('an API L3VNI overlapping a static one loses, whatever its name', () => {
    const r = validateRouterConfig(
      cfg({
        l3vnis: [
          l3('a', { vni: 1, hostSession: session('192.169.10.0/24') }),
          fromFile(l3('z', { vni: 2, hostSession: session('192.169.10.0/24') })),
        ],
      }),
    );
    expect(names(r.valid.l3vnis)).toEqual(['z']);
    expect(r.failed[0]?.message).toBe(
      'host-session cidr 192.169.10.0/24 overlaps: conflicts with static L3VNI ns/z, the static configuration wins',
    );
  });
  it('disjoint host sessions are fine', () => {
    const r = validateRouterConfig(
      cfg({ l3vnis: [l3('a', { vni: 1, hostSession: session('192.169.10.0/24') })], l3passthroughs: [pt('p', '192.169.11.0/24')] }),
    );
    expect(r.fatal).toBeUndefined();
  });
});

describe('failures carry the static location', () => {
  it('duplicate VNI across two static files', () => {
    const dir = tempDir({
      'openpe_a.yaml': `${underlayYaml()}l3vnis:\n  - {name: red, vrf: red, vni: 100}\n`,
      'openpe_b.yaml': '# another file\nl3vnis:\n  - name: blue\n    vrf: blue\n    vni: 100\n',
    });
    const loaded = loadStaticConfig(dir, NODE);
    const r = validateRouterConfig(loaded.config, { nodeIndex: 3 });
    expect(names(r.valid.l3vnis)).toEqual(['static-node1-blue']);
    expect(r.failed).toEqual([
      {
        kind: 'L3VNI',
        name: 'static-node1-red',
        reason: 'ValidationFailed',
        message: 'duplicate vni 100: already used by L3VNI/static-node1-blue',
        location: { file: `${dir}/openpe_a.yaml`, line: 13, column: 5, field: 'l3vnis[0]' },
      },
    ]);
  });
  it('two underlays in two files', () => {
    const dir = tempDir({ 'openpe_a.yaml': underlayYaml(), 'openpe_b.yaml': underlayYaml() });
    const r = validateRouterConfig(loadStaticConfig(dir, NODE).config);
    expect(r.fatal?.failed[0]?.location).toEqual({ file: `${dir}/openpe_a.yaml`, line: 2, column: 5, field: 'underlays[0]' });
  });
});
