// RouterPlan → frr.conf text. Pure. The output uses FRR's own layout (`!`
// separators, `exit`, `exit-vrf`, `exit-address-family`), because frr-reload.py's
// mark pass rejects blocks that are not closed (measured with FRR 8.4).
import type { HostSessionPlan, L3VniPlan, NeighborPlan, RouterPlan, UnderlayPlan } from '../plan/router-plan.js';
import { addressOf } from '../plan/router-plan.js';

const FRR_LOG_LEVEL: Record<RouterPlan['logLevel'], string> = {
  debug: 'debugging',
  info: 'informational',
  warn: 'warnings',
  error: 'errors',
};

class Lines {
  private readonly out: string[] = [];
  add(indent: number, text: string): void {
    this.out.push(' '.repeat(indent) + text);
  }
  sep(): void {
    this.out.push('!');
  }
  toString(): string {
    return this.out.join('\n') + '\n';
  }
}

const isV6 = (a: string): boolean => a.includes(':');
const hostRoute = (addr: string): string => `${addressOf(addr)}/${isV6(addr) ? 128 : 32}`;

/** Renders the complete frr.conf for the plan. */
export function renderFrrConfig(plan: RouterPlan): string {
  const l = new Lines();
  // The datacenter profile is required (packaging/frr/daemons sets it): its
  // defaults (no ebgp-requires-policy, fast timers) are what this config assumes,
  // and lines equal to a default are not rendered, since FRR never prints them
  // back and frr-reload.py would see a difference forever. No `hostname`: FRR
  // takes the node's, and a rendered one could never be read back the same.
  l.add(0, 'frr defaults datacenter');
  l.add(0, `log stdout ${FRR_LOG_LEVEL[plan.logLevel]}`);
  l.add(0, 'log timestamp precision 3');
  if (plan.logLevel === 'debug') {
    for (const d of ['debug zebra events', 'debug zebra kernel', 'debug zebra vxlan', 'debug zebra evpn mh es', 'debug bgp neighbor-events', 'debug bgp updates', 'debug bgp zebra', 'debug bgp evpn mh route', 'debug bfd peer', 'debug bfd zebra']) l.add(0, d);
  }
  l.add(0, 'ip nht resolve-via-default');
  l.add(0, 'ipv6 nht resolve-via-default');
  l.sep();

  // VRF ↔ L3VNI binding: zebra needs it before the BGP VRF instance advertises type-5 routes.
  if (plan.underlay) {
    for (const v of plan.l3vnis) {
      l.add(0, `vrf ${v.vrf}`);
      l.add(1, `vni ${v.vni}`);
      l.add(0, 'exit-vrf');
      l.sep();
    }
  }

  if (plan.underlay) renderBfd(l, plan.underlay);

  l.add(0, 'route-map allowall permit 1');
  l.add(0, 'exit');
  l.sep();

  if (plan.underlay) {
    renderUnderlay(l, plan, plan.underlay);
    for (const v of plan.l3vnis) renderVrfInstance(l, v, plan.underlay);
  }

  for (const raw of plan.rawSnippets) {
    for (const line of raw.replace(/\s+$/, '').split('\n')) l.add(0, line);
    l.sep();
  }
  return l.toString();
}

function renderBfd(l: Lines, u: UnderlayPlan): void {
  const profiles = u.neighbors.filter((n) => n.bfd?.profile);
  if (!u.neighbors.some((n) => n.bfd)) return;
  l.add(0, 'bfd');
  for (const n of profiles) {
    const s = n.bfd!.settings;
    l.add(1, `profile ${n.bfd!.profile}`);
    if (s.receiveInterval !== undefined) l.add(2, `receive-interval ${s.receiveInterval}`);
    if (s.transmitInterval !== undefined) l.add(2, `transmit-interval ${s.transmitInterval}`);
    if (s.detectMultiplier !== undefined) l.add(2, `detect-multiplier ${s.detectMultiplier}`);
    if (s.echoInterval !== undefined) l.add(2, `echo receive-interval ${s.echoInterval}`);
    if (s.echoMode) l.add(2, 'echo-mode');
    if (s.passiveMode || s.sessionMode === 'Passive') l.add(2, 'passive-mode');
    const ttl = s.minimumTtl ?? s.minimumTTL;
    if (ttl !== undefined) l.add(2, `minimum-ttl ${ttl}`);
    l.add(1, 'exit');
    l.add(1, '!');
  }
  l.add(0, 'exit');
  l.sep();
}

function baseBgpLines(l: Lines, routerId: string | undefined): void {
  if (routerId) l.add(1, `bgp router-id ${routerId}`);
  l.add(1, 'no bgp network import-check');
  l.add(1, 'no bgp default ipv4-unicast');
}

function renderNeighborSession(l: Lines, n: NeighborPlan, gr: boolean): void {
  if (n.form === 'listenRange') {
    l.add(1, `neighbor ${n.peer} peer-group`);
    l.add(1, `neighbor ${n.peer} remote-as ${n.remoteAs}`);
    l.add(1, `bgp listen range ${n.peer} peer-group ${n.peer}`);
  } else if (n.form === 'interface') {
    l.add(1, `neighbor ${n.peer} interface remote-as ${n.remoteAs}`);
  } else {
    l.add(1, `neighbor ${n.peer} remote-as ${n.remoteAs}`);
  }
  const p = n.peer;
  if (n.ebgpMultiHopTtl !== undefined) l.add(1, n.ebgpMultiHopTtl === 'default' ? `neighbor ${p} ebgp-multihop` : `neighbor ${p} ebgp-multihop ${n.ebgpMultiHopTtl}`);
  if (n.port !== undefined) l.add(1, `neighbor ${p} port ${n.port}`);
  if (n.keepalive !== undefined && n.hold !== undefined) l.add(1, `neighbor ${p} timers ${n.keepalive} ${n.hold}`);
  if (n.connectTime !== undefined) l.add(1, `neighbor ${p} timers connect ${n.connectTime}`);
  else if (gr) l.add(1, `neighbor ${p} timers connect 5`);
  if (n.password !== undefined) l.add(1, `neighbor ${p} password ${n.password}`);
  if (n.bfd) l.add(1, n.bfd.profile ? `neighbor ${p} bfd profile ${n.bfd.profile}` : `neighbor ${p} bfd`);
  if (n.form === 'address' && !n.internal && n.families.includes('ipv6unicast') && n.ebgpMultiHopTtl === undefined) {
    l.add(1, `neighbor ${p} disable-connected-check`);
  }
  if (n.form === 'interface' || (n.family === 6 && n.families.includes('ipv4unicast'))) {
    l.add(1, `neighbor ${p} capability extended-nexthop`);
  }
}

function renderUnderlay(l: Lines, plan: RouterPlan, u: UnderlayPlan): void {
  l.add(0, `router bgp ${u.asn}`);
  baseBgpLines(l, u.routerId);
  if (u.gracefulRestart) {
    l.add(1, 'bgp graceful-restart');
    l.add(1, 'bgp graceful-restart preserve-fw-state');
    // Rendering FRR's own defaults makes frr-reload reset sessions; render only real changes.
    if (u.gracefulRestart.restartTime !== 120) l.add(1, `bgp graceful-restart restart-time ${u.gracefulRestart.restartTime}`);
    if (u.gracefulRestart.stalePathTime !== 360) l.add(1, `bgp graceful-restart stalepath-time ${u.gracefulRestart.stalePathTime}`);
  }
  if (u.clusterId) l.add(1, `bgp cluster-id ${u.clusterId}`);
  if (u.neighbors.some((n) => n.form === 'listenRange')) l.add(1, `bgp listen limit ${u.listenLimit}`);
  for (const n of u.neighbors) renderNeighborSession(l, n, u.gracefulRestart !== undefined);

  const pt = plan.passthrough?.hostSession;
  if (pt) {
    for (const fam of [pt.ipv4, pt.ipv6]) {
      if (!fam) continue;
      const peer = addressOf(fam.host);
      l.add(1, `neighbor ${peer} remote-as ${pt.remoteAs}`);
      l.add(1, `neighbor ${peer} timers connect 5`);
    }
  }

  for (const fam of [4, 6] as const) {
    const afName = fam === 4 ? 'ipv4unicast' : 'ipv6unicast';
    const vtep = fam === 4 ? u.vtepIPv4 : u.vtepIPv6;
    const active = u.neighbors.filter((n) => n.families.includes(afName));
    const ptFam = pt ? (fam === 4 ? pt.ipv4 : pt.ipv6) : undefined;
    if (active.length === 0 && !vtep && !ptFam) continue;
    l.add(1, '!');
    l.add(1, `address-family ipv${fam} unicast`);
    if (vtep) l.add(2, `network ${vtep}/${fam === 4 ? 32 : 128}`);
    for (const n of active) {
      l.add(2, `neighbor ${n.peer} activate`);
      if (!n.internal) l.add(2, `neighbor ${n.peer} allowas-in`);
      else {
        if (n.routeReflectorClient.has(afName)) l.add(2, `neighbor ${n.peer} route-reflector-client`);
        l.add(2, `neighbor ${n.peer} next-hop-self force`);
      }
    }
    if (pt && ptFam) {
      const peer = addressOf(ptFam.host);
      l.add(2, `network ${hostRoute(ptFam.host)}`);
      l.add(2, `neighbor ${peer} activate`);
      l.add(2, `neighbor ${peer} route-map allowall in`);
      l.add(2, `neighbor ${peer} route-map allowall out`);
      if (pt.internal) l.add(2, `neighbor ${peer} next-hop-self force`);
    }
    l.add(1, 'exit-address-family');
  }

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

function renderHostSessionAf(l: Lines, hs: HostSessionPlan | undefined, fam: 4 | 6, extraNetworks: string[]): void {
  const veth = hs ? (fam === 4 ? hs.ipv4 : hs.ipv6) : undefined;
  const nets = extraNetworks.filter((n) => isV6(n) === (fam === 6));
  if (!veth && nets.length === 0) return;
  l.add(1, '!');
  l.add(1, `address-family ipv${fam} unicast`);
  if (veth) l.add(2, `network ${hostRoute(veth.host)}`);
  for (const n of nets) l.add(2, `network ${n}`);
  if (hs && veth) {
    const peer = addressOf(veth.host);
    l.add(2, `neighbor ${peer} activate`);
    l.add(2, `neighbor ${peer} route-map allowall in`);
    l.add(2, `neighbor ${peer} route-map allowall out`);
    if (hs.internal) l.add(2, `neighbor ${peer} next-hop-self force`);
  }
  l.add(1, 'exit-address-family');
}

function renderVrfInstance(l: Lines, v: L3VniPlan, u: UnderlayPlan): void {
  const hs = v.hostSession;
  l.add(0, `router bgp ${hs?.asn ?? u.asn} vrf ${v.vrf}`);
  baseBgpLines(l, undefined);
  // One neighbour per family present. Upstream emits a second, duplicate
  // `router bgp … vrf` block for dual stack; a single block is equivalent and
  // what FRR prints back, so frr-reload sees no spurious diff.
  for (const veth of [hs?.ipv4, hs?.ipv6]) {
    if (hs && veth) {
      const peer = addressOf(veth.host);
      l.add(1, `neighbor ${peer} remote-as ${hs.remoteAs}`);
      l.add(1, `neighbor ${peer} timers connect 5`);
    }
  }
  renderHostSessionAf(l, hs, 4, v.gatewayNetworks);
  renderHostSessionAf(l, hs, 6, v.gatewayNetworks);
  l.add(1, '!');
  l.add(1, 'address-family l2vpn evpn');
  l.add(2, 'advertise ipv4 unicast');
  l.add(2, 'advertise ipv6 unicast');
  for (const rt of v.exportRTs) l.add(2, `route-target export ${rt}`);
  for (const rt of v.importRTs) l.add(2, `route-target import ${rt}`);
  l.add(1, 'exit-address-family');
  l.add(0, 'exit');
  l.sep();
}
