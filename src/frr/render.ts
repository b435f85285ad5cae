// RouterPlan → frr.conf text. Pure.
//
// Two constraints shape every line (both measured with Debian's FRR 8.4.4 run with
// `-F datacenter`, see test/host/frr-accepts.test.ts):
//
// * Layout: FRR's own (`!` separators, `exit` after `router bgp`/`route-map`/`bfd`,
//   `exit-vrf` after `vrf`, `exit-address-family`), because frr-reload.py's mark pass
//   rejects blocks that are not closed.
// * Convergence: after FRR loaded the file, `frr-reload.py --test` of the same file
//   must find nothing to add or delete. FRR never prints a line whose value equals
//   its default, so such a line would be "added" on every reload, forever. Every
//   line below is therefore either omitted when it equals FRR's default, or written
//   exactly the way `show running-config` prints it back (see FRR_DEFAULTS).
import type { HostSessionPlan, L3VniPlan, NeighborPlan, RouterPlan, UnderlayPlan, VethAddressing } from '../plan/router-plan.js';
import { addressOf } from '../plan/router-plan.js';
import { canonicalIP } from '../net/ipnet.js';
import { eachInChunks, runSync, type Steps } from '../util/steps.js';
import { frrPiece, FrrTreeBuilder, type FrrConfigTree, type FrrPiece } from './frr-config.js';
import { FRR_DEFAULTS, Lines, renderBfd } from './render-base.js';

/** `bgp route-map delay-timer`, seconds (FRR's default: 5). */
const ROUTE_MAP_DELAY_S = 1;

const FRR_LOG_LEVEL: Record<RouterPlan['logLevel'], string> = {
  debug: 'debugging',
  info: 'informational',
  warn: 'warnings',
  error: 'errors',
};

/**
 * Debug switches for logLevel debug, as FRR prints them (`debug bgp updates` is
 * printed back as its two halves).
 */
const DEBUG_LINES = [
  'debug zebra events',
  'debug zebra kernel',
  'debug zebra vxlan',
  'debug zebra evpn mh es',
  'debug bgp neighbor-events',
  'debug bgp updates in',
  'debug bgp updates out',
  'debug bgp zebra',
  'debug bgp evpn mh route',
  'debug bfd peer',
  'debug bfd zebra',
];

/**
 * Each VRF's pieces of frr.conf as rendered and parsed (frr-config.ts), kept per plan object
 * (the BGP instance with the underlay it was rendered for, as JSON): an unchanged L3VNI keeps
 * its plan object (router-plan.ts), so a reconcile renders and parses only the VRFs that
 * changed. Plans are never mutated.
 */
const vrfBindings = new WeakMap<L3VniPlan, FrrPiece>();
const vrfInstances = new WeakMap<L3VniPlan, { underlay: string; piece: FrrPiece }>();

/** `vrf X` with its L3VNI: what zebra needs before the VRF's BGP instance advertises type-5 routes. */
function vrfBinding(v: L3VniPlan): FrrPiece {
  let p = vrfBindings.get(v);
  if (!p) vrfBindings.set(v, (p = frrPiece(`vrf ${v.vrf}\n vni ${v.vni}\nexit-vrf\n!`)));
  return p;
}

/** The VRF's BGP instance, its lines joined (the whole frr.conf is then joined from 8000 pieces, not 120,000 lines). */
function vrfInstance(v: L3VniPlan, u: UnderlayPlan, underlayKey: string): FrrPiece {
  const kept = vrfInstances.get(v);
  if (kept?.underlay === underlayKey) return kept.piece;
  const l = new Lines();
  renderVrfInstance(l, v, u);
  const piece = frrPiece(l.lines().join('\n'));
  vrfInstances.set(v, { underlay: underlayKey, piece });
  return piece;
}

/** The last underlay key: an equal key is given back as this same string, so the VRFs compare it by identity (4000 compares of its whole text otherwise). */
let lastUnderlayKey = '';

/** The underlay plan as a key (its Sets as arrays in their order). */
function underlayKeyOf(u: UnderlayPlan): string {
  const key = JSON.stringify(u, (_k, v: unknown) => (v instanceof Set ? [...(v as Set<unknown>)] : v));
  if (key !== lastUnderlayKey) lastUnderlayKey = key;
  return lastUnderlayKey;
}

const isV6 = (a: string): boolean => a.includes(':');
const hostRoute = (addr: string): string => `${addressOf(addr)}/${isV6(addr) ? 128 : 32}`;
const DIGITS = /^\d+$/;

/** A route target as FRR prints it: numbers without leading zeros, the IPv4 admin field canonical. */
export function frrRouteTarget(rt: string): string {
  const i = rt.lastIndexOf(':');
  if (i < 0) return rt;
  const admin = rt.slice(0, i);
  const mn = rt.slice(i + 1);
  const num = (x: string): string => (DIGITS.test(x) ? BigInt(x).toString() : x);
  return `${DIGITS.test(admin) ? num(admin) : canonicalIP(admin)}:${num(mn)}`;
}

const unique = (xs: readonly string[]): string[] => [...new Set(xs)];

/** frr.conf's text and its parse: `tree` equals parseFrrConfig(`text`), without parsing the text again. */
export interface RenderedFrr {
  text: string;
  tree: FrrConfigTree;
}

/** Renders the complete frr.conf for the plan. */
export function renderFrrConfig(plan: RouterPlan): string {
  return runSync(renderFrrConfigSteps(plan)).text;
}

/** renderFrrConfig with its parse, as pausing work (src/util/steps.ts): a pause every CHUNK VRFs, the same text. */
export function* renderFrrConfigSteps(plan: RouterPlan): Steps<RenderedFrr> {
  const tree = new FrrTreeBuilder();
  const l = new Lines(tree);
  // The datacenter profile is required (packaging/frr/daemons sets it): its
  // defaults (no ebgp-requires-policy, fast timers) are what this config assumes.
  // No `hostname`: FRR takes the node's, and a rendered one could never be read
  // back the same.
  l.add(0, 'frr defaults datacenter');
  const level = FRR_LOG_LEVEL[plan.logLevel];
  l.add(0, level === FRR_DEFAULTS.logStdoutLevel ? 'log stdout' : `log stdout ${level}`);
  l.add(0, 'log timestamp precision 3');
  if (plan.logLevel === 'debug') for (const d of DEBUG_LINES) l.add(0, d);
  l.add(0, 'ip nht resolve-via-default');
  l.add(0, 'ipv6 nht resolve-via-default');
  // bgpd holds every session back after reading its configuration until the route-map
  // update timer has run out, and the first route-map line starts it (FRR's default: 5 s):
  // a restarted FRR re-established its sessions 4-5 s later than it could (lab, FRR 8.4
  // and 10.3). So before any route-map line; 1 s keeps the batching of route-map edits.
  // bgpd-global, printed back by FRR (not its default).
  if (plan.underlay) l.add(0, `bgp route-map delay-timer ${ROUTE_MAP_DELAY_S}`);
  l.sep();

  // VRF ↔ L3VNI binding: zebra needs it before the BGP VRF instance advertises type-5 routes.
  if (plan.underlay) {
    yield* eachInChunks(plan.l3vnis, (v) => l.addRendered(vrfBinding(v)));
  }

  if (plan.underlay) renderBfd(l, plan.underlay);

  // Always present, even in an empty configuration (upstream TestEmpty).
  l.add(0, 'route-map allowall permit 1');
  l.add(0, 'exit');
  l.sep();

  if (plan.underlay) {
    renderUnderlay(l, plan, plan.underlay);
    const u = plan.underlay;
    const key = underlayKeyOf(u);
    yield* eachInChunks(plan.l3vnis, (v) => l.addRendered(vrfInstance(v, u, key)));
  }

  // Raw snippets, already ordered by priority: verbatim, after every BGP instance.
  for (const raw of plan.rawSnippets) {
    const text = raw.replace(/\s+$/, '');
    if (text === '') continue;
    for (const line of text.split('\n')) l.add(0, line.replace(/\s+$/, ''));
    l.sep();
  }
  return { text: l.toString(), tree: tree.tree() };
}

/** The base lines of every BGP instance. `no bgp ebgp-requires-policy` is the datacenter default. */
function baseBgpLines(l: Lines, routerId: string): void {
  l.add(1, `bgp router-id ${routerId}`);
  l.add(1, 'no bgp network import-check');
  l.add(1, 'no bgp default ipv4-unicast');
}

/** `ebgp-multihop` as FRR prints it, or undefined when it is not rendered. */
function ebgpMultiHopLine(n: NeighborPlan): string | undefined {
  if (n.ebgpMultiHopTtl === undefined) return undefined;
  // FRR refuses ebgp-multihop on iBGP sessions (the line is dropped, never read back)
  // and on interface peers ("Operation not allowed on a directly connected
  // neighbor", which fails the whole reload every time).
  if (n.internal || n.form === 'interface') return undefined;
  const ttl = n.ebgpMultiHopTtl === 'default' ? FRR_DEFAULTS.maxTtl : n.ebgpMultiHopTtl;
  // TTL 1 is what every eBGP session has; FRR does not print it.
  if (ttl === FRR_DEFAULTS.ebgpTtl) return undefined;
  return `ebgp-multihop ${ttl}`;
}

function renderNeighborSession(l: Lines, n: NeighborPlan): void {
  const p = n.peer;
  if (n.form === 'listenRange') {
    // A listen range becomes a peer-group named after the (masked) range.
    l.add(1, `neighbor ${p} peer-group`);
    l.add(1, `neighbor ${p} remote-as ${n.remoteAs}`);
    l.add(1, `bgp listen range ${p} peer-group ${p}`);
  } else if (n.form === 'interface') {
    l.add(1, `neighbor ${p} interface remote-as ${n.remoteAs}`);
  } else {
    l.add(1, `neighbor ${p} remote-as ${n.remoteAs}`);
  }
  const multihop = ebgpMultiHopLine(n);
  if (multihop) l.add(1, `neighbor ${p} ${multihop}`);
  if (n.port !== undefined && n.port !== FRR_DEFAULTS.bgpPort) l.add(1, `neighbor ${p} port ${n.port}`);
  if (n.keepalive !== undefined && n.hold !== undefined) l.add(1, `neighbor ${p} timers ${n.keepalive} ${n.hold}`);
  if (n.connectTime !== undefined) l.add(1, `neighbor ${p} timers connect ${n.connectTime}`);
  if (n.password !== undefined) l.add(1, `neighbor ${p} password ${n.password}`);
  if (n.bfd) {
    // FRR prints `neighbor X bfd` for every BFD neighbour, and the profile line besides.
    l.add(1, `neighbor ${p} bfd`);
    if (n.bfd.profile) l.add(1, `neighbor ${p} bfd profile ${n.bfd.profile}`);
  }
  if (n.form === 'address' && !n.internal && n.families.includes('ipv6unicast') && n.ebgpMultiHopTtl === undefined) {
    l.add(1, `neighbor ${p} disable-connected-check`);
  }
  // Interface (unnumbered) peers have extended-nexthop on by default: FRR does not print it.
  if (n.form !== 'interface' && n.family === 6 && n.families.includes('ipv4unicast')) {
    l.add(1, `neighbor ${p} capability extended-nexthop`);
  }
}

/** activate + route-map allowall in/out (+ next-hop-self force for iBGP): a host-facing session. */
function hostPeerAfLines(l: Lines, peer: string, internal: boolean): void {
  l.add(2, `neighbor ${peer} activate`);
  l.add(2, `neighbor ${peer} route-map allowall in`);
  l.add(2, `neighbor ${peer} route-map allowall out`);
  if (internal) l.add(2, `neighbor ${peer} next-hop-self force`);
}

/**
 * Graceful restart, in every BGP instance: FRR keeps GR per instance, and a VRF
 * instance without it flushes the VRF's EVPN routes when bgpd restarts (the
 * data plane of every L3VNI then drops until the sessions are back).
 */
function gracefulRestartLines(l: Lines, u: UnderlayPlan): void {
  if (!u.gracefulRestart) return;
  l.add(1, 'bgp graceful-restart');
  l.add(1, 'bgp graceful-restart preserve-fw-state');
  // FRR's own defaults are not printed back (and rendering them made frr-reload
  // reset sessions upstream, FRR issue 22953): render only real changes.
  if (u.gracefulRestart.restartTime !== FRR_DEFAULTS.grRestartTime)
    l.add(1, `bgp graceful-restart restart-time ${u.gracefulRestart.restartTime}`);
  if (u.gracefulRestart.stalePathTime !== FRR_DEFAULTS.grStalePathTime)
    l.add(1, `bgp graceful-restart stalepath-time ${u.gracefulRestart.stalePathTime}`);
}

function renderUnderlay(l: Lines, plan: RouterPlan, u: UnderlayPlan): void {
  l.add(0, `router bgp ${u.asn}`);
  baseBgpLines(l, u.routerId);
  gracefulRestartLines(l, u);
  if (u.clusterId) l.add(1, `bgp cluster-id ${u.clusterId}`);
  if (u.neighbors.some((n) => n.form === 'listenRange') && u.listenLimit !== FRR_DEFAULTS.listenLimit) {
    l.add(1, `bgp listen limit ${u.listenLimit}`);
  }
  for (const n of u.neighbors) renderNeighborSession(l, n);

  // L3Passthrough: the host speaker peers with the underlay instance itself.
  const pt = plan.passthrough?.hostSession;
  const ptPeers: Array<[4 | 6, VethAddressing]> = [];
  if (pt?.ipv4) ptPeers.push([4, pt.ipv4]);
  if (pt?.ipv6) ptPeers.push([6, pt.ipv6]);
  for (const [, veth] of ptPeers) {
    const peer = addressOf(veth.host);
    l.add(1, `neighbor ${peer} remote-as ${pt!.remoteAs}`);
    l.add(1, `neighbor ${peer} timers connect 5`);
  }

  for (const fam of [4, 6] as const) {
    const afName = fam === 4 ? 'ipv4unicast' : 'ipv6unicast';
    const vtep = fam === 4 ? u.vtepIPv4 : u.vtepIPv6;
    const active = u.neighbors.filter((n) => n.families.includes(afName));
    const ptVeth = ptPeers.find(([f]) => f === fam)?.[1];
    if (active.length === 0 && !vtep && !ptVeth) continue;
    l.add(1, '!');
    l.add(1, `address-family ipv${fam} unicast`);
    if (vtep) l.add(2, `network ${vtep}/${fam === 4 ? 32 : 128}`);
    if (ptVeth) l.add(2, `network ${hostRoute(ptVeth.host)}`);
    for (const n of active) {
      l.add(2, `neighbor ${n.peer} activate`);
      if (!n.internal) l.add(2, `neighbor ${n.peer} allowas-in`);
      else {
        if (n.routeReflectorClient.has(afName)) l.add(2, `neighbor ${n.peer} route-reflector-client`);
        l.add(2, `neighbor ${n.peer} next-hop-self force`);
      }
    }
    if (pt && ptVeth) hostPeerAfLines(l, addressOf(ptVeth.host), pt.internal);
    l.add(1, 'exit-address-family');
  }

  // EVPN: on a VTEP, or on a node without one whose neighbours carry evpn (a pure route reflector).
  const evpn = u.neighbors.filter((n) => n.families.includes('evpn'));
  const hasTunnel = u.vtepIPv4 !== undefined || u.vtepIPv6 !== undefined;
  if (hasTunnel || evpn.length > 0) {
    l.add(1, '!');
    l.add(1, 'address-family l2vpn evpn');
    for (const n of evpn) {
      l.add(2, `neighbor ${n.peer} activate`);
      if (!n.internal) l.add(2, `neighbor ${n.peer} allowas-in`);
      else if (n.routeReflectorClient.has('evpn')) l.add(2, `neighbor ${n.peer} route-reflector-client`);
    }
    if (hasTunnel) l.add(2, 'advertise-all-vni');
    l.add(1, 'exit-address-family');
  }
  l.add(0, 'exit');
  l.sep();
}

/**
 * One unicast family of a VRF instance: the host IPs and L2 gateway subnets of that
 * family as networks, and every host-session peer (of either family: upstream
 * activates the host speaker in both families) with the allowall route-maps.
 */
function renderVrfAf(l: Lines, hs: HostSessionPlan | undefined, fam: 4 | 6, gatewayNetworks: string[]): void {
  const veth = hs ? (fam === 4 ? hs.ipv4 : hs.ipv6) : undefined;
  const networks = unique([...(veth ? [hostRoute(veth.host)] : []), ...gatewayNetworks.filter((n) => isV6(n) === (fam === 6))]);
  const peers = hs ? [hs.ipv4, hs.ipv6].flatMap((v) => (v ? [addressOf(v.host)] : [])) : [];
  if (networks.length === 0 && peers.length === 0) return;
  l.add(1, '!');
  l.add(1, `address-family ipv${fam} unicast`);
  for (const n of networks) l.add(2, `network ${n}`);
  for (const peer of peers) hostPeerAfLines(l, peer, hs!.internal);
  l.add(1, 'exit-address-family');
}

function renderVrfInstance(l: Lines, v: L3VniPlan, u: UnderlayPlan): void {
  const hs = v.hostSession;
  l.add(0, `router bgp ${hs?.asn ?? u.asn} vrf ${v.vrf}`);
  // The underlay's router-id: without it FRR would pick a VRF address, which is
  // the same PE-side veth IP on every node (and so would the auto-derived RD be).
  baseBgpLines(l, u.routerId);
  gracefulRestartLines(l, u);
  // Upstream emits a second, duplicate `router bgp … vrf` block for dual stack;
  // FRR merges them into this single block, which is what it prints back.
  for (const veth of [hs?.ipv4, hs?.ipv6]) {
    if (hs && veth) {
      const peer = addressOf(veth.host);
      l.add(1, `neighbor ${peer} remote-as ${hs.remoteAs}`);
    }
  }
  renderVrfAf(l, hs, 4, v.gatewayNetworks);
  renderVrfAf(l, hs, 6, v.gatewayNetworks);
  l.add(1, '!');
  l.add(1, 'address-family l2vpn evpn');
  l.add(2, 'advertise ipv4 unicast');
  l.add(2, 'advertise ipv6 unicast');
  // No RD and no default RTs: FRR derives them. FRR prints each RT once.
  for (const rt of unique(v.exportRTs.map(frrRouteTarget))) l.add(2, `route-target export ${rt}`);
  for (const rt of unique(v.importRTs.map(frrRouteTarget))) l.add(2, `route-target import ${rt}`);
  l.add(1, 'exit-address-family');
  l.add(0, 'exit');
  l.sep();
}
