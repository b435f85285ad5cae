// Gathers what `perouterd trace` reads: the destination looked up in each VRF by the kernel
// (RTM_GETROUTE through the project's netlink library) and by FRR (`show ip route vrf V D
// json`), then the route toward each remote VTEP those lookups name, the router MACs FRR
// learnt from EVPN and the neighbour entries on the L3VNI bridges. Thin: parsing is pure
// and exported for tests, the I/O goes through a small port.
import { parseVniName } from '../net/names.js';
import { family } from '../net/ipnet.js';
import type { RouterPlan } from '../plan/router-plan.js';
import type { LinkInfo, NeighInfo, RouteInfo } from '../dataplane/netlink/index.js';
import { DEFAULT_VRF } from './trace-ingress.js';
import type { FrrRoute, KernelRoute, TraceFacts, VrfFacts } from './trace.js';

/** What the gathering needs from the router namespace's kernel and FRR. */
export interface TraceSources {
  links(): Promise<LinkInfo[]>;
  /** The kernel's route for `dst` in the VRF of device `vrfIndex` (main table without). */
  getRoute(dst: string, vrfIndex?: number): Promise<RouteInfo | undefined>;
  neighbours(): Promise<NeighInfo[]>;
  /** One `vtysh -c <command>` whose output is JSON; undefined when FRR does not answer. */
  vtyshJson(command: string): Promise<unknown>;
}

const ROUTE_TYPES: Record<number, string> = {
  1: 'unicast',
  2: 'local',
  3: 'broadcast',
  5: 'anycast',
  6: 'blackhole',
  7: 'unreachable',
  8: 'prohibit',
  9: 'throw',
};

export function kernelRoute(r: RouteInfo | undefined, linkName: (index: number) => string | undefined): KernelRoute | undefined {
  if (!r) return undefined;
  const dev = (i: number | undefined): { dev?: string } => {
    const n = i === undefined ? undefined : linkName(i);
    return n ? { dev: n } : {};
  };
  const hops = r.nexthops?.length
    ? r.nexthops.map((h) => ({ ...(h.gateway ? { gateway: h.gateway } : {}), ...dev(h.oif), ...(h.onlink ? { onlink: true } : {}) }))
    : r.gateway || r.oif !== undefined
      ? [{ ...(r.gateway ? { gateway: r.gateway } : {}), ...dev(r.oif), ...(r.onlink ? { onlink: true } : {}) }]
      : [];
  return { dst: r.dst, table: r.table, type: ROUTE_TYPES[r.type] ?? `type ${r.type}`, nexthops: hops };
}

type Json = Record<string, unknown>;
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** FRR's `show ip route [vrf V] <address> json`: `{ "<prefix>": [ route, … ] }`; the selected route wins. */
export function parseFrrRoute(json: unknown): FrrRoute | undefined {
  if (!isObj(json)) return undefined;
  const routes = Object.values(json)
    .flatMap((v) => (Array.isArray(v) ? v : []))
    .filter(isObj);
  const r = routes.find((x) => x.selected === true) ?? routes[0];
  if (!r || typeof r.prefix !== 'string') return undefined;
  const hops = (Array.isArray(r.nexthops) ? r.nexthops : []).filter(isObj);
  return {
    prefix: r.prefix,
    protocol: typeof r.protocol === 'string' ? r.protocol : '?',
    selected: r.selected === true,
    installed: r.installed === true,
    nexthops: hops.map((h) => ({
      ...(typeof h.ip === 'string' ? { ip: h.ip } : {}),
      ...(typeof h.interfaceName === 'string' ? { interface: h.interfaceName } : {}),
      active: h.active === true,
      ...(h.onLink === true ? { onLink: true } : {}),
    })),
  };
}

/** FRR's `show evpn next-hops vni <VNI> json`: remote VTEP → router MAC. */
export function parseEvpnNextHops(json: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObj(json)) return out;
  for (const [key, v] of Object.entries(json)) {
    if (!isObj(v) || typeof v.routerMac !== 'string') continue;
    const ip = typeof v.nexthopIp === 'string' ? v.nexthopIp : typeof v.ip === 'string' ? v.ip : key;
    out[ip] = v.routerMac;
  }
  return out;
}

const showRoute = (dst: string, vrf?: string): string =>
  `show ${family(dst) === 6 ? 'ipv6' : 'ip'} route${vrf && vrf !== DEFAULT_VRF ? ` vrf ${vrf}` : ''} ${dst} json`;

async function lookup(
  src: TraceSources,
  dst: string,
  vrf: string,
  vrfIndex: number | undefined,
  linkName: (i: number) => string | undefined,
): Promise<VrfFacts> {
  const [k, f] = await Promise.all([
    vrf !== DEFAULT_VRF && vrfIndex === undefined ? Promise.resolve(undefined) : src.getRoute(dst, vrfIndex),
    src.vtyshJson(showRoute(dst, vrf)),
  ]);
  const kernel = kernelRoute(k, linkName);
  const frr = parseFrrRoute(f);
  return { ...(kernel ? { kernel } : {}), ...(frr ? { frr } : {}) };
}

/** Every fact the trace of `destination` in `vrfs` may read. */
export async function gatherTraceFacts(
  src: TraceSources,
  plan: RouterPlan,
  q: { destination: string; from?: string; vrf?: string },
): Promise<TraceFacts> {
  const links = await src.links();
  const byIndex = new Map(links.map((l) => [l.index, l]));
  const linkName = (i: number): string | undefined => byIndex.get(i)?.name;
  const vrfIndex = (v: string): number | undefined => links.find((l) => l.kind === 'vrf' && l.name === v)?.index;
  // Every VRF of the node is looked up, so an isolation drop can name the tenant the destination belongs to.
  const vrfNames = [
    ...new Set([
      ...plan.l3vnis.map((l) => l.vrf),
      ...plan.l2vnis.flatMap((l) => (l.vrf ? [l.vrf] : [])),
      ...(plan.passthrough || q.vrf === DEFAULT_VRF ? [DEFAULT_VRF] : []),
    ]),
  ];
  const vrfs: Record<string, VrfFacts> = {};
  const sources: Record<string, VrfFacts> = {};
  await Promise.all([
    ...vrfNames.map(async (v) => (vrfs[v] = await lookup(src, q.destination, v, vrfIndex(v), linkName))),
    // The source too, in the L3VNI VRFs: a host's service address enters the VRF that routes it back to the host.
    ...(q.from
      ? plan.l3vnis.map(async (l) => (sources[l.vrf] = await lookup(src, q.from as string, l.vrf, vrfIndex(l.vrf), linkName)))
      : []),
  ]);
  const vteps = new Set<string>();
  const vnis = new Set<number>();
  for (const f of Object.values(vrfs))
    for (const h of f.kernel?.nexthops ?? []) {
      const vni = h.dev ? parseVniName('peBridge', h.dev) : undefined;
      if (vni !== undefined && h.gateway) {
        vteps.add(h.gateway);
        vnis.add(vni);
      }
    }
  // The underlay toward each VTEP and the router MACs of each VNI: one round, asked together.
  const underlay: Record<string, VrfFacts> = {};
  const routerMacs: Record<number, Record<string, string>> = {};
  await Promise.all([
    ...[...vteps].map(async (t) => (underlay[t] = await lookup(src, t, DEFAULT_VRF, undefined, linkName))),
    ...[...vnis].map(async (n) => (routerMacs[n] = parseEvpnNextHops(await src.vtyshJson(`show evpn next-hops vni ${n} json`)))),
  ]);
  const neighbours: Record<string, Record<string, string>> = {};
  for (const n of vnis.size ? await src.neighbours() : []) {
    const dev = linkName(n.ifindex);
    if (!dev || parseVniName('peBridge', dev) === undefined || !n.dst || !n.mac) continue;
    (neighbours[dev] ??= {})[n.dst] = n.mac;
  }
  return {
    destination: q.destination,
    ...(q.from ? { from: q.from } : {}),
    ...(q.vrf ? { vrf: q.vrf } : {}),
    plan,
    vrfs,
    ...(q.from ? { sources } : {}),
    underlay,
    routerMacs,
    neighbours,
  };
}
