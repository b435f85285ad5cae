// FRR's live state as perouterd reports it: BGP neighbours per VRF and address family, EVPN
// VNIs with their remote VTEPs, BFD peers. Pure parsers of vtysh's JSON (FRR 8.4 and 10.3
// print it differently in places; test/fixtures/frr-json/ holds both, captured in the lab),
// and a thin reader that runs the commands in the router namespace's FRR.
import { execFile } from 'node:child_process';
import { parseJsonObjects } from '../frr/zebra-readiness.js';

export interface BgpNeighbor {
  vrf: string;
  peer: string;
  /** `ipv4`/`ipv6`/`l2vpn` and `unicast`/`evpn`, as in `show bgp <afi> <safi>`. */
  afi: string;
  safi: string;
  state: string;
  remoteAs?: number;
  hostname?: string;
  uptime?: string;
  prefixesReceived?: number;
  prefixesSent?: number;
}

export interface EvpnVni {
  vni: number;
  type: 'L2' | 'L3';
  vrf?: string;
  vxlanInterface?: string;
  /** L2: the flood list (type-3 routes); L3: the next hops of the routes received (type-5/type-2). */
  remoteVteps: string[];
}

export interface BfdPeer {
  peer: string;
  vrf: string;
  interface?: string;
  local?: string;
  /** `up`, `down`, `init`, `shutdown` (FRR's words). */
  status: string;
  uptimeSeconds?: number;
}

export interface FrrState {
  bgp: BgpNeighbor[];
  vnis: EvpnVni[];
  bfd: BfdPeer[];
}

/** The commands read, in the order parseFrrState takes their outputs. */
export const FRR_STATE_COMMANDS = [
  'show bgp vrf all summary json',
  'show evpn vni detail json',
  'show evpn next-hops vni all json',
  'show bfd peers json',
] as const;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined =>
  typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : undefined;

/** `ipv4Unicast` → ipv4 unicast, `l2VpnEvpn` → l2vpn evpn. */
function afiSafi(key: string): { afi: string; safi: string } | undefined {
  const m = /^(ipv4|ipv6|l2Vpn)([A-Z][a-zA-Z]*)$/.exec(key);
  if (!m) return undefined;
  return { afi: (m[1] ?? '').toLowerCase(), safi: (m[2] ?? '').toLowerCase() };
}

/** `show bgp vrf all summary json`: VRF → address family → peers. */
export function parseBgpSummary(text: string): BgpNeighbor[] {
  const out: BgpNeighbor[] = [];
  for (const top of parseJsonObjects(text)) {
    if (!isObj(top)) continue;
    for (const [vrf, afis] of Object.entries(top)) {
      if (!isObj(afis)) continue;
      for (const [key, v] of Object.entries(afis)) {
        const af = afiSafi(key);
        if (!af || !isObj(v) || !isObj(v.peers)) continue;
        for (const [peer, p] of Object.entries(v.peers)) {
          if (!isObj(p)) continue;
          const n: BgpNeighbor = { vrf, peer, ...af, state: str(p.state) ?? 'unknown' };
          const remoteAs = num(p.remoteAs);
          if (remoteAs !== undefined) n.remoteAs = remoteAs;
          if (str(p.hostname)) n.hostname = str(p.hostname);
          if (str(p.peerUptime)) n.uptime = str(p.peerUptime);
          const rcvd = num(p.pfxRcd);
          const sent = num(p.pfxSnt);
          if (rcvd !== undefined) n.prefixesReceived = rcvd;
          if (sent !== undefined) n.prefixesSent = sent;
          out.push(n);
        }
      }
    }
  }
  return out.sort((a, b) => `${a.vrf} ${a.afi} ${a.peer}`.localeCompare(`${b.vrf} ${b.afi} ${b.peer}`));
}

/** VNI details: one object per VNI (8.4 prints them one after the other), or keyed by VNI. */
function vniObjects(text: string): Obj[] {
  const out: Obj[] = [];
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (isObj(v)) {
      if (num(v.vni) !== undefined) out.push(v);
      else Object.values(v).forEach((x) => isObj(x) && num(x.vni) !== undefined && out.push(x));
    }
  };
  for (const top of parseJsonObjects(text.trim().startsWith('[') ? `{"list":${text}}` : text))
    visit(isObj(top) && 'list' in top ? top.list : top);
  return out;
}

/** `show evpn next-hops vni all json`: L3 VNI → next hop (remote VTEP) → router MAC. */
export function parseNextHops(text: string): Map<number, string[]> {
  const out = new Map<number, string[]>();
  for (const top of parseJsonObjects(text)) {
    if (!isObj(top)) continue;
    for (const [vni, v] of Object.entries(top)) {
      if (!/^\d+$/.test(vni) || !isObj(v)) continue;
      const hops = Object.entries(v)
        .filter(([k, x]) => isObj(x) && (str(x.nexthopIp) ?? str(x.ip)) !== undefined && k !== 'numNextHops')
        .map(([k, x]) => str((x as Obj).nexthopIp) ?? str((x as Obj).ip) ?? k);
      out.set(Number(vni), hops.sort());
    }
  }
  return out;
}

function remoteVtepsOf(d: Obj): string[] {
  // FRR 8.4 prints the list under `numRemoteVteps` in the detail output.
  const list = Array.isArray(d.remoteVteps) ? d.remoteVteps : d.numRemoteVteps;
  if (!Array.isArray(list)) return [];
  return list.flatMap((x) => (typeof x === 'string' ? [x] : isObj(x) && str(x.ip) ? [str(x.ip) as string] : [])).sort();
}

/** `show evpn vni detail json` with the L3 VNIs' next hops. */
export function parseVnis(detail: string, nextHops: string): EvpnVni[] {
  const hops = parseNextHops(nextHops);
  const out: EvpnVni[] = [];
  for (const d of vniObjects(detail)) {
    const vni = num(d.vni) as number;
    const type = str(d.type) === 'L3' ? 'L3' : 'L2';
    const v: EvpnVni = { vni, type, remoteVteps: type === 'L3' ? (hops.get(vni) ?? []) : remoteVtepsOf(d) };
    const vrf = str(d.vrf) ?? str(d.tenantVrf);
    if (vrf) v.vrf = vrf;
    const vx = str(d.vxlanInterface) ?? str(d.vxlanIntf);
    if (vx) v.vxlanInterface = vx;
    out.push(v);
  }
  return out.sort((a, b) => a.vni - b.vni);
}

/** `show bfd peers json`: an array of sessions. */
export function parseBfdPeers(text: string): BfdPeer[] {
  let list: unknown;
  try {
    list = JSON.parse(text.trim() || '[]');
  } catch {
    return [];
  }
  if (!Array.isArray(list)) return [];
  return list
    .filter(isObj)
    .map((p) => {
      const b: BfdPeer = { peer: str(p.peer) ?? '?', vrf: str(p.vrf) ?? 'default', status: str(p.status) ?? 'unknown' };
      if (str(p.interface)) b.interface = str(p.interface);
      if (str(p.local)) b.local = str(p.local);
      const up = num(p.uptime);
      if (up !== undefined) b.uptimeSeconds = up;
      return b;
    })
    .sort((a, b) => `${a.vrf} ${a.peer}`.localeCompare(`${b.vrf} ${b.peer}`));
}

/** Outputs of FRR_STATE_COMMANDS, in that order. */
export function parseFrrState(outputs: readonly string[]): FrrState {
  const [bgp = '', vnis = '', hops = '', bfd = ''] = outputs;
  return { bgp: parseBgpSummary(bgp), vnis: parseVnis(vnis, hops), bfd: parseBfdPeers(bfd) };
}

export interface VtyshOptions {
  pathspace: string;
  vtysh?: string;
  timeoutMs?: number;
}

/** Runs one show command in the FRR instance of `pathspace`; rejects with vtysh's message. */
export function vtyshShow(o: VtyshOptions, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      o.vtysh ?? '/usr/bin/vtysh',
      ['-N', o.pathspace, '-c', command],
      { timeout: o.timeoutMs ?? 10_000, maxBuffer: 64 << 20 },
      (err, stdout, stderr) =>
        err ? reject(new Error(`vtysh -c '${command}': ${String(stderr).trim() || err.message}`)) : resolve(String(stdout)),
    );
  });
}

/** Reads FRR's state: the commands in parallel; a daemon not running (bfdd) gives an empty list. */
export class VtyshFrrState {
  constructor(private readonly o: VtyshOptions) {}

  async read(): Promise<FrrState> {
    const [bgp, ...rest] = await Promise.all([
      vtyshShow(this.o, FRR_STATE_COMMANDS[0]),
      ...FRR_STATE_COMMANDS.slice(1).map((c) => vtyshShow(this.o, c).catch(() => '')),
    ]);
    return parseFrrState([bgp, ...rest]);
  }
}
