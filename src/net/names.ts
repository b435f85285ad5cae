// The one naming scheme for the kernel objects perouterd owns (upstream
// OpenPERouter's names, so a node moved over keeps its interfaces). Builders,
// parsers, the garbage-collection patterns and the reserved-name check all
// derive from the prefixes below; nothing else spells these names.

/** Prefixes of the per-VNI objects, followed by the VNI number. */
export const VNI_PREFIX = {
  vxlan: 'vni',
  peBridge: 'br-pe-',
  hostBridge: 'br-hs-',
  hostVeth: 'host-e-',
  peVeth: 'pe-e-',
} as const;

export type VniObject = keyof typeof VNI_PREFIX;

/** The passthrough veth pair has fixed names. */
export const PASSTHROUGH = { host: 'pt-host', pe: 'pt-ns' } as const;

/** Link group that marks the underlay NICs moved into the router namespace. */
export const UNDERLAY_LINK_GROUP = 4242;

export const names = {
  vxlan: (vni: number) => `${VNI_PREFIX.vxlan}${vni}`,
  peBridge: (vni: number) => `${VNI_PREFIX.peBridge}${vni}`,
  hostBridge: (vni: number) => `${VNI_PREFIX.hostBridge}${vni}`,
  hostVeth: (vni: number) => `${VNI_PREFIX.hostVeth}${vni}`,
  peVeth: (vni: number) => `${VNI_PREFIX.peVeth}${vni}`,
  passthroughHost: PASSTHROUGH.host,
  passthroughPe: PASSTHROUGH.pe,
} as const;

const escape = (s: string): string => s.replace(/[-.]/g, '\\$&');
const vniPattern = (o: VniObject): RegExp => new RegExp(`^${escape(VNI_PREFIX[o])}(\\d+)$`);
const PATTERNS: Record<VniObject, RegExp> = {
  vxlan: vniPattern('vxlan'),
  peBridge: vniPattern('peBridge'),
  hostBridge: vniPattern('hostBridge'),
  hostVeth: vniPattern('hostVeth'),
  peVeth: vniPattern('peVeth'),
};

/** The VNI a per-VNI object name carries, or undefined when `name` is not that kind of object. */
export function parseVniName(kind: VniObject, name: string): number | undefined {
  const m = PATTERNS[kind].exec(name);
  return m?.[1] === undefined ? undefined : Number(m[1]);
}

/** Which network namespace an object lives in. */
export type NetnsRole = 'router' | 'host';

/** Names the dataplane owns per namespace: anything matching and not desired is removed. */
export function isManagedName(role: NetnsRole, name: string): boolean {
  if (role === 'router') return (['vxlan', 'peBridge', 'peVeth'] as const).some((k) => PATTERNS[k].test(name)) || name === PASSTHROUGH.pe;
  return PATTERNS.hostVeth.test(name) || name === PASSTHROUGH.host;
}

/** Managed host bridges (`br-hs-<vni>`) are garbage-collected too, but only when they are bridges. */
export function isManagedHostBridgeName(name: string): boolean {
  return PATTERNS.hostBridge.test(name);
}

/** The router-side name of a managed host-side veth (deleting one end deletes both). */
export function routerPeerOfHostVeth(hostName: string): string | undefined {
  const vni = parseVniName('hostVeth', hostName);
  if (vni !== undefined) return names.peVeth(vni);
  return hostName === PASSTHROUGH.host ? PASSTHROUGH.pe : undefined;
}

/** Names perouterd gives its own kernel objects (plus lo and the default VRF): no user-chosen device may take one. */
export function isReservedLinkName(name: string): boolean {
  if (name === 'lo' || name === 'default' || name === PASSTHROUGH.host || name === PASSTHROUGH.pe) return true;
  return (Object.keys(PATTERNS) as VniObject[]).some((k) => PATTERNS[k].test(name));
}
