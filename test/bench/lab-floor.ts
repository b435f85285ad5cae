// The floor of the lab benchmark's kernel rows: the same kernel objects perouterd's plan
// asks for (VRFs, bridges, VXLANs, veths, their addresses, MACs, addrgenmode, neighbour
// suppression), written as `ip -batch` lines, one batch per namespace. Pure.
import type { DesiredLink, KernelPlan } from '../../src/plan/kernel-plan.js';

export interface IpLines {
  /** Host namespace lines run before the router's (the underlay NIC moving in). */
  hostFirst: string[];
  router: string[];
  host: string[];
}

const RANK: Record<DesiredLink['type']['kind'], number> = { vrf: 0, bridge: 1, vxlan: 2, veth: 3, 'veth-peer': 4 };

function create(l: DesiredLink, table: number, peerNsName: string): string {
  const master = l.master ? ` master ${l.master}` : '';
  const mac = l.mac ? ` address ${l.mac}` : '';
  const t = l.type;
  switch (t.kind) {
    case 'vrf':
      return `link add ${l.name} up type vrf table ${table}`;
    case 'bridge':
      return `link add ${l.name}${mac} up${master} type bridge`;
    case 'vxlan':
      return `link add ${l.name}${mac} up${master} type vxlan id ${t.vni} local ${t.local} dstport ${t.port} nolearning`;
    case 'veth':
      return `link add ${l.name}${mac} up${master} type veth peer name ${t.peer} netns ${peerNsName}`;
    case 'veth-peer':
      return `link set ${l.name} up`;
  }
}

/** `links` (a subset of a plan's) as ip lines; VRF tables numbered from `tableBase`. */
export function ipCreateLines(links: DesiredLink[], names: { router: string; host: string }, tableBase = 1000): IpLines {
  const out: IpLines = { hostFirst: [], router: [], host: [] };
  let table = tableBase;
  const sorted = [...links].sort((a, b) => RANK[a.type.kind] - RANK[b.type.kind]);
  for (const l of sorted) {
    const lines = out[l.ns];
    lines.push(create(l, table, names[l.ns === 'router' ? 'host' : 'router']));
    if (l.type.kind === 'vrf') table++;
    if (l.noIpv6LinkLocal) lines.push(`link set ${l.name} addrgenmode none`);
    if (l.neighSuppress) lines.push(`link set ${l.name} type bridge_slave neigh_suppress on`);
    for (const a of l.addresses) lines.push(`addr add ${a} dev ${l.name}`);
  }
  return out;
}

/** The whole plan: the underlay NIC moved in, the VTEP addresses on lo, every link. */
export function ipPlanLines(plan: KernelPlan, names: { router: string; host: string }): IpLines {
  const out = ipCreateLines(plan.links, names);
  out.hostFirst.push(...plan.underlayNics.map((n) => `link set ${n} netns ${names.router}`));
  out.router.unshift('link set lo up', ...plan.loopbackAddresses.map((a) => `addr add ${a} dev lo`));
  return out;
}

/** Links of `to` that `from` lacks (what +1 VNI adds). */
export function addedLinks(from: KernelPlan, to: KernelPlan): DesiredLink[] {
  const have = new Set(from.links.map((l) => `${l.ns}/${l.name}`));
  return to.links.filter((l) => !have.has(`${l.ns}/${l.name}`));
}

/** ip lines deleting `links` in the router namespace (a veth takes its peer along). */
export function ipDeleteLines(links: DesiredLink[]): string[] {
  return links
    .filter((l) => l.ns === 'router')
    .sort((a, b) => RANK[b.type.kind] - RANK[a.type.kind])
    .map((l) => `link del ${l.name}`);
}
