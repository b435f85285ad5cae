// The one set of hand-built resources for tests: what the loader (static files,
// after schema defaults) or the API source would produce, so a test starts from
// a RouterConfig exactly as the pipeline sees it. Defaults follow upstream's
// examples: ASN 64514, an eBGP ToR, eth1, VTEP pool 100.65.0.0/24, node1.
import type {
  HostSession,
  L2VNIResource,
  L2VNISpec,
  L3PassthroughResource,
  L3VNIResource,
  L3VNISpec,
  Neighbor,
  RawFRRConfigResource,
  RouterConfig,
  UnderlayResource,
  UnderlaySpec,
} from '../../src/config/model.js';

export const NAMESPACE = 'openperouter-system';
const NODE = 'node1';

type Origin = UnderlayResource['origin'];

/** Where a static object came from (file, line 1, the field it was read from). */
export const staticOrigin = (field = '', file = 'openpe_test.yaml'): Origin => ({
  source: 'static',
  location: { file, line: 1, column: 1, field },
});
/** An object read from the Kubernetes API. */
export const apiOrigin: Origin = { source: 'api', uid: 'u', generation: 1 };

/** Identity of a built resource; each builder has its own default (static, node1, upstream's names). */
export interface Meta {
  name?: string;
  namespace?: string;
  origin?: Origin;
}

function meta(m: Meta, name: string, field: string): { name: string; namespace: string; origin: Origin } {
  return { name: m.name ?? name, namespace: m.namespace ?? NAMESPACE, origin: m.origin ?? staticOrigin(field) };
}

/** The fabric-facing neighbour most tests use (an eBGP ToR). */
export const TOR: Neighbor = { asn: 64512, address: '192.168.11.2' };

/** Underlay with upstream-like defaults: ASN 64514, one eBGP ToR, eth1, VTEP pool 100.65.0.0/24. */
export function underlay(over: Partial<UnderlaySpec> = {}, opts: Meta & { noTunnel?: boolean } = {}): UnderlayResource {
  const spec: UnderlaySpec = {
    asn: 64514,
    routerIDCIDR: '10.0.0.0/24',
    neighbors: [TOR],
    interfaces: [{ type: 'NetworkDevice', networkDevice: { interfaceName: 'eth1' } }],
    tunnelEndpoint: { cidrs: ['100.65.0.0/24'] },
    ...over,
  };
  if (opts.noTunnel) delete spec.tunnelEndpoint;
  return { kind: 'Underlay', ...meta(opts, `static-${NODE}-underlay-0`, 'underlays[0]'), spec };
}

/** Resource name of an L3VNI built by `l3vni(vrf, …)`: what an L2VNI's routingDomain refers to. */
export const l3vniName = (vrf: string): string => `static-${NODE}-${vrf}`;

export function hostSession(
  localCIDR: HostSession['localCIDR'],
  peer: Pick<HostSession, 'hostASN' | 'hostType'> = { hostASN: 64515 },
  asn = 64514,
): HostSession {
  return { asn, ...peer, localCIDR };
}

/** L3VNI named after its VRF; a host session on 192.169.10.0/24 unless `over` says otherwise (`hostSession: undefined` drops it). */
export function l3vni(vrf: string, vni: number, over: Partial<L3VNISpec> = {}, m: Meta = {}): L3VNIResource {
  const spec: L3VNISpec = { vrf, vni, vxlanPort: 4789, hostSession: hostSession({ ipv4: '192.169.10.0/24' }), ...over };
  if (spec.hostSession === undefined) delete spec.hostSession;
  return { kind: 'L3VNI', ...meta(m, l3vniName(vrf), 'l3vnis[0]'), spec };
}

/** L2VNI, attached to the L3VNI of `vrf` when given. */
export function l2vni(vni: number, vrf?: string, over: Partial<L2VNISpec> = {}, m: Meta = {}): L2VNIResource {
  const spec: L2VNISpec = { vni, vxlanPort: 4789, ...over };
  if (vrf !== undefined) spec.routingDomain = { type: 'L3VNI', l3vni: { name: l3vniName(vrf) } };
  return { kind: 'L2VNI', ...meta(m, `static-${NODE}-l2-${vni}`, 'l2vnis[0]'), spec };
}

export function passthrough(hs: HostSession, m: Meta = {}): L3PassthroughResource {
  return { kind: 'L3Passthrough', ...meta(m, `static-${NODE}-passthrough`, 'bgppassthrough'), spec: { hostSession: hs } };
}

export function raw(rawConfig: string, priority = 0, i = 0, m: Meta = {}): RawFRRConfigResource {
  return { kind: 'RawFRRConfig', ...meta(m, `static-${NODE}-raw-${i}`, `rawfrrconfigs[${i}]`), spec: { priority, rawConfig } };
}

export function routerConfig(c: Partial<RouterConfig>): RouterConfig {
  return { underlays: [], l3vnis: [], l2vnis: [], l3passthroughs: [], rawFrrConfigs: [], ...c };
}
