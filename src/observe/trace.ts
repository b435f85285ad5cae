// `perouterd trace <destination>`: where a packet from the host goes on this node. Pure:
// given the desired plan and what the kernel and FRR hold (gathered by trace-facts.ts),
// decide which VRF it lands in and why, the route the kernel and FRR hold, whether it
// leaves through VXLAN (VNI, remote VTEP, router MAC, underlay next hops) or stays
// local, and where it stops when it is dropped.
import { tryParseIP } from '../net/ipnet.js';
import { names, parseVniName } from '../net/names.js';
import type { RouterPlan } from '../plan/router-plan.js';
import { allIngresses, DEFAULT_VRF, ingressOfSource, ingressOfVrf, localOwner, type Ingress } from './trace-ingress.js';

/** A kernel route as the trace reads it (link indexes already turned into names). */
export interface KernelRoute {
  dst: string;
  table: number;
  /** unicast, local, unreachable, blackhole, prohibit, … */
  type: string;
  nexthops: Array<{ gateway?: string; dev?: string; onlink?: boolean }>;
}

/** One route of FRR's `show ip route [vrf V] <address> json`. */
export interface FrrRoute {
  prefix: string;
  protocol: string;
  selected: boolean;
  installed: boolean;
  nexthops: Array<{ ip?: string; interface?: string; active: boolean; onLink?: boolean }>;
}

export interface VrfFacts {
  kernel?: KernelRoute;
  frr?: FrrRoute;
}

/** Everything the trace reads; `underlay`, `routerMacs` and `neighbours` are keyed by VTEP address. */
export interface TraceFacts {
  destination: string;
  from?: string;
  vrf?: string;
  plan: RouterPlan;
  /** The destination looked up in each VRF (DEFAULT_VRF: the router namespace's main table). */
  vrfs: Record<string, VrfFacts>;
  /** With --from: the source looked up in each VRF (a host's service address announced into a VRF). */
  sources?: Record<string, VrfFacts>;
  /** The route toward each remote VTEP in the underlay (router namespace, main table). */
  underlay: Record<string, VrfFacts>;
  /** Router MAC per L3VNI and remote VTEP, from FRR's EVPN state (`show evpn next-hops`). */
  routerMacs: Record<number, Record<string, string>>;
  /** MAC of the neighbour entry for a VTEP on an L3VNI bridge (what the kernel encapsulates with). */
  neighbours: Record<string, Record<string, string>>;
}

export interface VxlanPath {
  vni: number;
  vxlanDevice: string;
  bridge: string;
  remoteVtep: string;
  routerMac?: string;
  /** Next hops toward the VTEP in the underlay (more than one: ECMP). */
  underlay: Array<{ gateway?: string; dev?: string }>;
  underlayRoute?: string;
}

export type DropReason = 'no-ingress' | 'unknown-vrf' | 'no-route' | 'isolation' | 'underlay-unreachable' | 'bad-destination';

export interface TraceResult {
  destination: string;
  ingress?: Ingress;
  verdict: 'vxlan' | 'local' | 'underlay' | 'dropped';
  kernelRoute?: KernelRoute;
  frrRoute?: FrrRoute;
  vxlan?: VxlanPath[];
  local?: { dev: string; what: string; gateway?: string };
  underlay?: Array<{ gateway?: string; dev?: string }>;
  drop?: { reason: DropReason; at: string; detail: string };
  /** Where the kernel and FRR disagree, and other things an operator should know. */
  notes: string[];
}

const DROP_TYPES = new Set(['unreachable', 'blackhole', 'prohibit', 'throw']);
const isDefault = (prefix: string): boolean => prefix.endsWith('/0');
const usable = (k: KernelRoute | undefined): k is KernelRoute => k !== undefined && !DROP_TYPES.has(k.type);

/** A route that really leads somewhere (not the VRF's catch-all unreachable default). */
function realRoute(f: VrfFacts | undefined): boolean {
  if (!f) return false;
  if (usable(f.kernel) && !isDefault(f.kernel.dst)) return true;
  return f.frr !== undefined && f.frr.selected && !isDefault(f.frr.prefix);
}

function dropped(base: Omit<TraceResult, 'verdict'>, reason: DropReason, at: string, detail: string): TraceResult {
  return { ...base, verdict: 'dropped', drop: { reason, at, detail } };
}

/** Notes where FRR and the kernel disagree about the destination. */
function agreementNotes(f: VrfFacts, vrf: string): string[] {
  const notes: string[] = [];
  if (f.frr && !f.frr.installed) notes.push(`FRR's ${f.frr.protocol} route ${f.frr.prefix} in VRF ${vrf} is not installed in the kernel`);
  if (f.frr?.installed && f.kernel && f.frr.prefix !== f.kernel.dst)
    notes.push(`FRR selects ${f.frr.prefix} but the kernel matches ${f.kernel.dst} (${f.kernel.type}) in VRF ${vrf}`);
  if (!f.frr && usable(f.kernel) && !isDefault(f.kernel.dst))
    notes.push(`the kernel holds ${f.kernel.dst} in VRF ${vrf}, FRR has no route for it (a connected or static route FRR does not list?)`);
  return notes;
}

function vxlanPath(facts: TraceFacts, vni: number, vtep: string): VxlanPath {
  const u = facts.underlay[vtep];
  const hops = usable(u?.kernel) ? u.kernel.nexthops : [];
  const mac = facts.routerMacs[vni]?.[vtep] ?? facts.neighbours[names.peBridge(vni)]?.[vtep];
  return {
    vni,
    vxlanDevice: names.vxlan(vni),
    bridge: names.peBridge(vni),
    remoteVtep: vtep,
    ...(mac ? { routerMac: mac } : {}),
    underlay: hops.map((h) => ({ ...(h.gateway ? { gateway: h.gateway } : {}), ...(h.dev ? { dev: h.dev } : {}) })),
    ...(usable(u?.kernel) ? { underlayRoute: `${u.kernel.dst}${u.frr ? ` (${u.frr.protocol})` : ''}` } : {}),
  };
}

/** What a non-VXLAN next hop of a VRF route is: the host session, an L2VNI, or another link. */
function localHop(plan: RouterPlan, hop: KernelRoute['nexthops'][number]): { dev: string; what: string; gateway?: string } {
  const dev = hop.dev ?? '?';
  const gw = hop.gateway ? { gateway: hop.gateway } : {};
  const hostVni = parseVniName('peVeth', dev);
  if (hostVni !== undefined)
    return hop.gateway
      ? {
          dev,
          ...gw,
          what: `announced by this node's host speaker (${hop.gateway}), over the host session veth ${dev} → ${names.hostVeth(hostVni)}`,
        }
      : { dev, what: `the host session subnet: delivered to the host over ${dev} → ${names.hostVeth(hostVni)}` };
  const l2 = parseVniName('peBridge', dev);
  if (l2 !== undefined && plan.l2vnis.some((l) => l.vni === l2))
    return { dev, ...gw, what: `the subnet of L2VNI ${l2}: bridged on ${dev} (local hosts, or remote ones through ${names.vxlan(l2)})` };
  if (dev === names.passthroughPe) return { dev, ...gw, what: `the passthrough host (${names.passthroughPe} → ${names.passthroughHost})` };
  return { dev, ...gw, what: `link ${dev}` };
}

function traceInVrf(facts: TraceFacts, ingress: Ingress): TraceResult {
  const f = facts.vrfs[ingress.vrf] ?? {};
  const base = {
    destination: facts.destination,
    ingress,
    ...(f.kernel ? { kernelRoute: f.kernel } : {}),
    ...(f.frr ? { frrRoute: f.frr } : {}),
    notes: agreementNotes(f, ingress.vrf),
  };
  const at = `VRF ${ingress.vrf}`;
  if (!usable(f.kernel) || (isDefault(f.kernel.dst) && ingress.vrf !== DEFAULT_VRF && !f.frr?.selected)) {
    const how = f.kernel ? `the kernel matches ${f.kernel.type} ${f.kernel.dst}` : 'the kernel has no route';
    const owner =
      localOwner(facts.plan, facts.destination, ingress.vrf) ??
      Object.entries(facts.vrfs)
        .filter(([v, o]) => v !== ingress.vrf && v !== DEFAULT_VRF && realRoute(o))
        .map(([v, o]) => ({ vrf: v, what: `route ${o.kernel?.dst ?? o.frr?.prefix}` }))[0];
    if (owner && ingress.vrf !== DEFAULT_VRF)
      return dropped(
        base,
        'isolation',
        at,
        `${facts.destination} belongs to VRF ${owner.vrf} (${owner.what}), another tenant; VRF ${ingress.vrf} has no route to it and VRFs do not leak into each other (${how})`,
      );
    return dropped(base, 'no-route', at, `no route to ${facts.destination} in ${at} (${how})`);
  }
  const k = f.kernel;
  const hops = k.nexthops.length ? k.nexthops : [{}];
  const l3vni = ingress.vni;
  const overlay = l3vni !== undefined ? hops.filter((h) => h.dev === names.peBridge(l3vni) && h.gateway) : [];
  if (l3vni !== undefined && overlay.length) {
    const paths = overlay.map((h) => vxlanPath(facts, l3vni, h.gateway as string));
    const dead = paths.filter((p) => p.underlay.length === 0);
    if (dead.length === paths.length)
      return dropped(
        { ...base, vxlan: paths },
        'underlay-unreachable',
        'underlay',
        `the route leads to VTEP ${paths.map((p) => p.remoteVtep).join(', ')} over VNI ${l3vni}, but the underlay has no route to it`,
      );
    for (const p of paths) if (!p.routerMac) base.notes.push(`no router MAC known for VTEP ${p.remoteVtep} on VNI ${l3vni}`);
    return { ...base, verdict: 'vxlan', vxlan: paths.filter((p) => p.underlay.length) };
  }
  if (ingress.vrf === DEFAULT_VRF && hops.some((h) => h.gateway && h.dev !== names.passthroughPe))
    return { ...base, verdict: 'underlay', underlay: hops.map((h) => ({ ...h })) };
  return { ...base, verdict: 'local', local: localHop(facts.plan, hops[0] ?? {}) };
}

/**
 * A source outside every subnet the overlays hand out (a service address on the host) enters
 * the VRF whose route back to it points into that VRF's host session: the host speaker
 * announced it there.
 */
function ingressOfAnnounced(plan: RouterPlan, from: string, sources: Record<string, VrfFacts>): Ingress | undefined {
  for (const l3 of plan.l3vnis) {
    const k = sources[l3.vrf]?.kernel;
    const hop = usable(k) && !isDefault(k.dst) ? k.nexthops.find((h) => h.dev === names.peVeth(l3.vni)) : undefined;
    if (k && hop)
      return {
        vrf: l3.vrf,
        vni: l3.vni,
        why: `source ${from} is announced by this node's host speaker into VRF ${l3.vrf} (route ${k.dst}${hop.gateway ? ` via ${hop.gateway}` : ''} dev ${hop.dev}): the host sends it over ${names.hostVeth(l3.vni)}, the router receives it on ${names.peVeth(l3.vni)}`,
        hostLink: names.hostVeth(l3.vni),
        routerLink: names.peVeth(l3.vni),
      };
  }
  return undefined;
}

/** Which VRFs the trace runs in: the one --from or --vrf names, else every VRF of the node. */
export function traceIngresses(
  plan: RouterPlan,
  opts: { from?: string; vrf?: string; sources?: Record<string, VrfFacts> },
): Ingress[] | { error: DropReason; detail: string } {
  if (opts.vrf !== undefined) {
    const i = ingressOfVrf(plan, opts.vrf);
    return i ? [i] : { error: 'unknown-vrf', detail: `VRF ${opts.vrf} is not configured on this node` };
  }
  if (opts.from !== undefined) {
    if (!tryParseIP(opts.from)) return { error: 'bad-destination', detail: `--from ${opts.from} is not an IP address` };
    const i = ingressOfSource(plan, opts.from) ?? ingressOfAnnounced(plan, opts.from, opts.sources ?? {});
    return i
      ? [i]
      : {
          error: 'no-ingress',
          detail: `source ${opts.from} belongs to no overlay of this node (no host session, L2VNI gateway or passthrough subnet holds it, no VRF routes it back into a host session): its traffic never enters the router namespace`,
        };
  }
  return allIngresses(plan);
}

/** The trace: one result per VRF traced (one when --from or --vrf is given). */
export function trace(facts: TraceFacts): TraceResult[] {
  const base = { destination: facts.destination, notes: [] };
  if (!tryParseIP(facts.destination)) return [dropped(base, 'bad-destination', 'input', `${facts.destination} is not an IP address`)];
  const ingresses = traceIngresses(facts.plan, {
    ...(facts.from ? { from: facts.from } : {}),
    ...(facts.vrf ? { vrf: facts.vrf } : {}),
    ...(facts.sources ? { sources: facts.sources } : {}),
  });
  if (!Array.isArray(ingresses)) return [dropped(base, ingresses.error, 'ingress', ingresses.detail)];
  if (ingresses.length === 0) return [dropped(base, 'no-ingress', 'ingress', 'this node has no VRF: nothing to trace in')];
  return ingresses.map((i) => traceInVrf(facts, i));
}
