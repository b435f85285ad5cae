// Experiment (not run in CI): which order of kernel objects and FRR configuration
// FRR tolerates, measured WITHOUT perouterd: the PE side is built by hand with
// `ip`, and real FRR runs in every namespace. Its findings are in the README
// ("Ordering"); the product's own order is proven by the scenarios. Run it by hand:
//   npm run build && node build/test/lab/harness/run.js build/test/lab/experiments/frr-ordering.js
//
//   node1 ns (host 1)             tor ns (AS 64512)             node2 ns (host 2)
//   FRR "node1" AS 64515          FRR eBGP ipv4 + l2vpn evpn    FRR "node2" AS 64515
//   lo 10.100.1.1/32                                            lo 10.100.2.1/32
//   host-e-100 192.169.10.3/24                                  host-e-100 192.169.10.4/24
//        |                        tor-n1 .11.2   tor-n2 .12.2        |
//   pe1 ns (AS 64514)   eth1 192.168.11.3 -'          '- eth1 192.168.12.3   pe2 ns (AS 64514)
//   VTEP 100.65.0.1 on lo, VRF red (table 100), br-pe-100,       VTEP 100.65.0.2 ...
//   vxlan vni100, pe-e-100 192.169.10.1/24 (in red)              pe-e-100 192.169.10.1/24
//
// Besides the data path, it measures the FRR 8.4 ordering question
// (newer FRR's bgpd crashed when a VXLAN device appeared before the EVPN
// instance existed):
//   pe2 "FRR first": zebra+bgpd run with the full EVPN + VRF config BEFORE the
//       VRF/bridge/vxlan/veth exist; the devices are created afterwards.
//   pe1 "kernel first": zebra+bgpd run with an EMPTY config (no BGP instance,
//       no EVPN, no VRF); the devices appear; then the full config is applied
//       with frr-reload.py (--test, then --reload with bounded retries).
//   pe2 again: SIGKILLed and started again with the full config while all
//       devices exist (kernel first, FRR start).
//   pe1 again: vxlan device deleted and recreated under a running EVPN config.
//   pe2 again: EVPN/VRF config removed by frr-reload while the devices stay,
//       then re-added.
// "Survived" = same zebra/bgpd PIDs before and after, and no "Received
// signal"/backtrace lines in their logs.

import { hostname } from 'node:os';
import { ipBatch, ping, sleep, Topology, waitFor } from '../harness/fabric.js';
import {
  assertAlive,
  collectFrrLogs,
  daemonPids,
  frrReload,
  instances,
  killFrr,
  logTail,
  startFrr,
  vtysh,
  vtyshJson,
  type FrrDaemon,
} from '../harness/frr.js';
import { check, log, measure, onFinish, runScenario } from '../harness/results.js';

const TOR_AS = 64512;
const PE_AS = 64514;
const HOST_AS = 64515;
const VNI = 100;

interface Node {
  name: 'node1' | 'node2';
  pe: 'pe1' | 'pe2';
  torDev: string;
  torIp: string; // ToR side of the underlay link
  nicIp: string; // node/PE side (eth1)
  prefixLen: number;
  vtep: string;
  routerId: string;
  hostIp: string; // host-e-100
  service: string; // /32 on lo in the node ns
}

const N1: Node = {
  name: 'node1',
  pe: 'pe1',
  torDev: 'tor-n1',
  torIp: '192.168.11.2',
  nicIp: '192.168.11.3',
  prefixLen: 24,
  vtep: '100.65.0.1',
  routerId: '10.0.0.1',
  hostIp: '192.169.10.3',
  service: '10.100.1.1',
};
const N2: Node = {
  name: 'node2',
  pe: 'pe2',
  torDev: 'tor-n2',
  torIp: '192.168.12.2',
  nicIp: '192.168.12.3',
  prefixLen: 24,
  vtep: '100.65.0.2',
  routerId: '10.0.0.2',
  hostIp: '192.169.10.4',
  service: '10.100.2.1',
};
const PE_VETH_IP = '192.169.10.1';
const FRR_PE: FrrDaemon[] = ['zebra', 'bgpd'];

// ---------------------------------------------------------------- configs
// Written in FRR's own layout (! separators, exit / exit-vrf / exit-address-family)
// so frr-reload.py's mark pass accepts them.

function torConfig(): string {
  const peers = [N1.nicIp, N2.nicIp];
  return [
    'hostname tor',
    '!',
    `router bgp ${TOR_AS}`,
    ` bgp router-id ${N1.torIp}`,
    ' no bgp ebgp-requires-policy',
    ' no bgp default ipv4-unicast',
    ...peers.map((p) => ` neighbor ${p} remote-as ${PE_AS}`),
    ' !',
    ' address-family ipv4 unicast',
    ...peers.map((p) => `  neighbor ${p} activate`),
    ' exit-address-family',
    ' !',
    ' address-family l2vpn evpn',
    ...peers.map((p) => `  neighbor ${p} activate`),
    ' exit-address-family',
    'exit',
    '!',
  ].join('\n');
}

function hostConfig(n: Node): string {
  return [
    `hostname ${n.name}`,
    '!',
    `router bgp ${HOST_AS}`,
    ` bgp router-id ${n.service}`,
    ' no bgp ebgp-requires-policy',
    ' no bgp network import-check',
    ` neighbor ${PE_VETH_IP} remote-as ${PE_AS}`,
    ' !',
    ' address-family ipv4 unicast',
    `  network ${n.service}/32`,
    `  neighbor ${PE_VETH_IP} activate`,
    // Both hosts share AS 64515: accept the other host's route.
    `  neighbor ${PE_VETH_IP} allowas-in`,
    ' exit-address-family',
    'exit',
    '!',
  ].join('\n');
}

/**
 * PE config. full=false: underlay only (no EVPN VNIs, no VRF instance).
 * Like perouterd (hostname = os.hostname()), the PE uses the system host name:
 * vtysh prints its own "hostname <system>" line in show running-config, so any
 * other name makes frr-reload.py emit "no hostname lab" on every reload.
 * "no bgp ebgp-requires-policy" is left out: it is the default of the
 * datacenter profile (-F datacenter), is never shown in running-config, and
 * frr-reload.py would re-add it on every reload.
 */
function peConfig(n: Node, full: boolean): string {
  const u = n.torIp;
  const lines = [`hostname ${hostname()}`, '!'];
  if (full) lines.push(`vrf red`, ` vni ${VNI}`, 'exit-vrf', '!');
  lines.push(
    `router bgp ${PE_AS}`,
    ` bgp router-id ${n.routerId}`,
    ' no bgp network import-check',
    ' no bgp default ipv4-unicast',
    ` neighbor ${u} remote-as ${TOR_AS}`,
    ' !',
    ' address-family ipv4 unicast',
    `  network ${n.vtep}/32`,
    `  neighbor ${u} activate`,
    // Both PEs share AS 64514 (so the auto-derived RT 64514:100 matches): allowas-in.
    `  neighbor ${u} allowas-in`,
    ' exit-address-family',
    ' !',
    ' address-family l2vpn evpn',
    `  neighbor ${u} activate`,
    `  neighbor ${u} allowas-in`,
  );
  if (full) lines.push('  advertise-all-vni');
  lines.push(' exit-address-family', 'exit', '!');
  if (full) {
    lines.push(
      `router bgp ${PE_AS} vrf red`,
      ' no bgp network import-check',
      ' no bgp default ipv4-unicast',
      ` neighbor ${n.hostIp} remote-as ${HOST_AS}`,
      ' !',
      ' address-family ipv4 unicast',
      `  neighbor ${n.hostIp} activate`,
      ' exit-address-family',
      ' !',
      ' address-family l2vpn evpn',
      '  advertise ipv4 unicast',
      ' exit-address-family',
      'exit',
      '!',
    );
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------- kernel side of a PE

/** Root-ns batch lines creating the host-e/pe-e veth for node n. */
function vethLines(n: Node): string[] {
  return [`link add host-e-${VNI} netns ${n.name} type veth peer name pe-e-${VNI} netns ${n.pe}`];
}

/** Lines for `ip -n <pe> -batch`: VRF, bridge, vxlan, PE leg of the veth. */
function peDeviceLines(n: Node): string[] {
  return [
    `link add red type vrf table 100`,
    `link set dev red up`,
    `link add br-pe-${VNI} type bridge`,
    `link set dev br-pe-${VNI} addrgenmode none`,
    `link set dev br-pe-${VNI} master red`,
    `link set dev br-pe-${VNI} up`,
    ...vxlanLines(n),
    `link set dev pe-e-${VNI} master red`,
    `addr add ${PE_VETH_IP}/24 dev pe-e-${VNI}`,
    `link set dev pe-e-${VNI} up`,
  ];
}

function vxlanLines(n: Node): string[] {
  return [
    `link add vni${VNI} type vxlan id ${VNI} local ${n.vtep} dstport 4789 nolearning`,
    `link set dev vni${VNI} addrgenmode none`,
    `link set dev vni${VNI} master br-pe-${VNI}`,
    `link set dev vni${VNI} type bridge_slave neigh_suppress on`,
    `link set dev vni${VNI} up`,
  ];
}

/** Create the PE devices of node n (3 processes). */
async function createPeDevices(n: Node): Promise<void> {
  await ipBatch(undefined, vethLines(n));
  await ipBatch(n.pe, peDeviceLines(n));
  await ipBatch(n.name, [`addr add ${n.hostIp}/24 dev host-e-${VNI}`, `link set dev host-e-${VNI} up`]);
}

// ---------------------------------------------------------------- FRR observations

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- FRR's JSON is untyped
type Json = any;

async function sessionsEstablished(ns: string, peers: string[], afs: string[]): Promise<string | false> {
  const s: Json = await vtyshJson(ns, 'show bgp summary');
  const bad: string[] = [];
  for (const af of afs)
    for (const p of peers) {
      const st = s?.[af]?.peers?.[p]?.state;
      if (st !== 'Established') bad.push(`${af}/${p}=${st ?? 'missing'}`);
    }
  return bad.length ? false : `${afs.join('+')} Established with ${peers.join(', ')}`;
}

/** Walk `show bgp l2vpn evpn route type prefix json` for a /32 and collect next-hop IPs. */
function type5NextHops(j: Json, prefix: string): string[] {
  const hops = new Set<string>();
  const walkPaths = (o: Json): void => {
    if (!o || typeof o !== 'object') return;
    if (Array.isArray(o)) return o.forEach(walkPaths);
    if (Array.isArray(o.nexthops)) for (const nh of o.nexthops) if (nh?.ip) hops.add(nh.ip);
    for (const v of Object.values(o)) walkPaths(v);
  };
  const walk = (o: Json): void => {
    if (!o || typeof o !== 'object') return;
    for (const [k, v] of Object.entries(o)) {
      if (k.includes(`[${prefix}]`)) walkPaths(v);
      else walk(v);
    }
  };
  walk(j);
  return [...hops];
}

async function torHasType5(prefix: string, vtep: string): Promise<string | false> {
  const j = await vtyshJson('tor', 'show bgp l2vpn evpn route type prefix');
  const hops = type5NextHops(j, prefix);
  return hops.includes(vtep) ? `type-5 ${prefix}/32 next hops ${hops.join(',')}` : false;
}

async function vrfRoute(pe: string, prefix: string): Promise<string | false> {
  const j: Json = await vtyshJson(pe, 'show ip route vrf red');
  const entries: Json[] = j?.[`${prefix}/32`] ?? [];
  const e = entries.find((x) => x.protocol === 'bgp' && x.selected && x.installed);
  if (!e) return false;
  const nh = (e.nexthops ?? []).map((h: Json) => `${h.ip ?? ''}${h.interfaceName ? `@${h.interfaceName}` : ''}`).join(',');
  return `${prefix}/32 bgp installed via ${nh}`;
}

function alive(ns: string): boolean {
  return Object.values(daemonPids(ns)).every((p) => p !== null);
}

/** Grep FRR logs of an instance for crash markers. */
async function crashLines(ns: string): Promise<string[]> {
  const tail = logTail(ns, 100000);
  return tail.split('\n').filter((l) => /Received signal|Backtrace|crash|assert/i.test(l));
}

// ---------------------------------------------------------------- scenario

/** Watch a PE's daemons across an action: same PIDs before/after, no crash lines in the logs. */
async function survives(
  pe: string,
  action: () => Promise<void>,
  settleMs = 3000,
): Promise<{ survived: boolean; before: unknown; after: unknown; crashLogLines: string[] }> {
  const before = daemonPids(pe);
  await action();
  await sleep(settleMs);
  const after = daemonPids(pe);
  const crashLogLines = await crashLines(pe);
  const survived = JSON.stringify(before) === JSON.stringify(after) && alive(pe) && crashLogLines.length === 0;
  return { survived, before, after, crashLogLines };
}

/** Reload `pe` to `config` with bounded retries; success = exit 0 and the wanted lines in running-config. */
async function reloadUntilApplied(pe: string, config: string, wanted: string[], absent: string[] = [], maxAttempts = 4) {
  const attempts: Array<{ exit: number; ms: number; missing: string[]; leftover: string[]; errors: string[] }> = [];
  for (let i = 0; i < maxAttempts; i++) {
    const r = await frrReload(pe, config, 'reload');
    const rc = (await vtysh(pe, 'show running-config')).split('\n').map((l) => l.trimEnd());
    const missing = wanted.filter((w) => !rc.includes(w));
    const leftover = absent.filter((w) => rc.includes(w));
    const errors = (r.stdout + r.stderr)
      .split('\n')
      .filter((l) => /error|fail|unknown|rejected/i.test(l) && !/INFO: (Called via|Loading)/.test(l))
      .map((l) => l.replace(/\u001b\[\d+m/g, '').slice(0, 300))
      .slice(0, 12);
    attempts.push({ exit: r.code, ms: r.ms, missing, leftover, errors });
    if (r.code === 0 && missing.length === 0 && leftover.length === 0) break;
  }
  return attempts;
}

function fmtAttempts(a: Array<{ exit: number; ms: number; missing: string[]; leftover: string[] }>): string {
  return a
    .map(
      (x, i) =>
        `#${i + 1} exit ${x.exit} in ${x.ms} ms${x.missing.length ? ` missing ${JSON.stringify(x.missing)}` : ''}${x.leftover.length ? ` leftover ${JSON.stringify(x.leftover)}` : ''}`,
    )
    .join('; ');
}

const PE_FULL_LINES = (n: Node) => [
  'vrf red',
  ` vni ${VNI}`,
  'exit-vrf',
  '  advertise-all-vni',
  `router bgp ${PE_AS} vrf red`,
  '  advertise ipv4 unicast',
  ` neighbor ${n.hostIp} remote-as ${HOST_AS}`,
];

runScenario(async () => {
  const t0 = Date.now();
  onFinish(async () => {
    // Keep the FRR logs on the host (uml.ts keeps the work dir when the run failed).
    if (process.env.LAB_HOST_DIR) collectFrrLogs(`${process.env.LAB_HOST_DIR}/frr-logs`);
    for (const ns of instances()) if (!alive(ns)) log(`FRR ${ns} not fully alive at the end:\n${logTail(ns, 30)}`);
  });

  await check(
    'setup: namespaces, underlay links, host addresses',
    async () => {
      const t = new Topology();
      t.ns('tor', { forwarding: true }).ns('node1').ns('node2').ns('pe1', { forwarding: true }).ns('pe2', { forwarding: true });
      for (const n of [N1, N2]) {
        t.veth(
          { ns: 'tor', dev: n.torDev, addrs: [`${n.torIp}/${n.prefixLen}`] },
          { ns: n.name, dev: 'eth1', addrs: [`${n.nicIp}/${n.prefixLen}`] },
        );
        t.ip(n.name, `addr add ${n.service}/32 dev lo`);
      }
      await t.apply();
      // The PE takes the node's underlay NIC: move eth1 into the router ns (addresses are lost on move).
      for (const n of [N1, N2]) {
        await ipBatch(n.name, [`link set dev eth1 netns ${n.pe}`]);
        await ipBatch(n.pe, [
          `addr add ${n.nicIp}/${n.prefixLen} dev eth1`,
          'link set dev eth1 group 4242',
          'link set dev eth1 up',
          `addr add ${n.vtep}/32 dev lo`,
        ]);
      }
      return `${Date.now() - t0} ms since scenario start`;
    },
    { critical: true },
  );

  await check(
    'setup: FRR on tor, node1, node2 (host speakers)',
    async () => {
      const s = Date.now();
      await startFrr('tor', { daemons: FRR_PE, config: torConfig() });
      await startFrr('node1', { daemons: FRR_PE, config: hostConfig(N1) });
      await startFrr('node2', { daemons: FRR_PE, config: hostConfig(N2) });
      measure('frr_start_3_instances_ms', Date.now() - s);
      return `${assertAlive('tor')}; ${assertAlive('node1')}; ${assertAlive('node2')}`;
    },
    { critical: true },
  );

  // ---- pe2 = FRR first: full EVPN + VRF config running, devices created afterwards.
  const frrFirst: Record<string, unknown> = {};
  await check(
    'order FRR-first (pe2): full config running, then VRF/bridge/vxlan/veth created: zebra+bgpd survive, type-5 appears',
    async () => {
      const s = Date.now();
      await startFrr('pe2', { daemons: FRR_PE, config: peConfig(N2, true) });
      frrFirst.frrStartMs = Date.now() - s;
      await waitFor(() => sessionsEstablished('pe2', [N2.torIp], ['ipv4Unicast', 'l2VpnEvpn']), 30_000, 'pe2 underlay session');
      frrFirst.underlayUpMs = Date.now() - s;
      const sv = await survives('pe2', () => createPeDevices(N2));
      Object.assign(frrFirst, sv);
      if (!sv.survived) throw new Error(`pe2 daemons did not survive: ${JSON.stringify(sv)}\n${logTail('pe2', 30)}`);
      const d = Date.now();
      await waitFor(() => sessionsEstablished('node2', [PE_VETH_IP], ['ipv4Unicast']), 45_000, 'node2 -> pe2 session');
      frrFirst.hostSessionAfterDevicesMs = Date.now() - d + 3000;
      const r = await waitFor(() => torHasType5(N2.service, N2.vtep), 45_000, `type-5 ${N2.service} at ToR`);
      frrFirst.type5AtTorAfterDevicesMs = Date.now() - d + 3000;
      measure('order_frr_first_pe2', frrFirst);
      return `${assertAlive('pe2')}; ${r}`;
    },
  );

  // ---- pe1 = kernel first: FRR runs with an EMPTY config (no BGP instance, no EVPN, no VRF),
  //      the devices appear, then frr-reload.py applies the full config.
  const kernelFirst: Record<string, unknown> = {};
  await check('order kernel-first (pe1): FRR running with an empty config, then devices created: zebra+bgpd survive', async () => {
    await startFrr('pe1', { daemons: FRR_PE, config: `hostname ${hostname()}\n!` });
    const sv = await survives('pe1', () => createPeDevices(N1));
    Object.assign(kernelFirst, sv);
    measure('order_kernel_first_pe1_devices', kernelFirst);
    if (!sv.survived) throw new Error(`pe1 daemons did not survive: ${JSON.stringify(sv)}\n${logTail('pe1', 30)}`);
    return assertAlive('pe1');
  });

  const reload: Record<string, unknown> = {};
  await check('frr-reload.py --pathspace pe1 --test lists the whole PE config as additions', async () => {
    const r = await frrReload('pe1', peConfig(N1, true), 'test');
    Object.assign(reload, { testMs: r.ms, testExit: r.code, testOutput: r.stdout.slice(0, 3000) });
    if (r.code !== 0) throw new Error(`exit ${r.code}: ${(r.stdout + r.stderr).slice(-1500)}`);
    for (const want of ['advertise-all-vni', `vni ${VNI}`, 'advertise ipv4 unicast', `neighbor ${N1.torIp} remote-as ${TOR_AS}`]) {
      if (!r.stdout.includes(want)) throw new Error(`--test output lacks "${want}": ${r.stdout.slice(0, 1500)}`);
    }
    return `${r.ms} ms`;
  });

  let reloadDone = Date.now();
  await check('frr-reload.py --pathspace pe1 --reload applies the full PE config (bounded retries, read back)', async () => {
    const attempts = await reloadUntilApplied('pe1', peConfig(N1, true), PE_FULL_LINES(N1), [
      'vni 100',
      ' vrf-policy red',
      ' vnc defaults',
    ]);
    reloadDone = Date.now();
    reload.reloadAttempts = attempts;
    const last = attempts.at(-1);
    if (!last || last.exit !== 0 || last.missing.length || last.leftover.length)
      throw new Error(`not applied after ${attempts.length} attempts: ${JSON.stringify(attempts)}`);
    return fmtAttempts(attempts);
  });

  await check('frr-reload.py --test after the reload: no differences left; zebra+bgpd still alive', async () => {
    const r = await frrReload('pe1', peConfig(N1, true), 'test');
    Object.assign(reload, { testAfterMs: r.ms, testAfterOutput: r.stdout.slice(0, 2000) });
    measure('frr_reload_pe1', reload);
    kernelFirst.survivedReload = alive('pe1');
    kernelFirst.pidsAfterReload = daemonPids('pe1');
    kernelFirst.crashLogLinesAfterReload = await crashLines('pe1');
    const alivePids = assertAlive('pe1');
    const body = r.stdout.replace(/\r/g, '');
    const add = /Lines To Add\n=+\n([\s\S]*)$/.exec(body)?.[1]?.trim() ?? '';
    const del = /Lines To Delete\n=+\n([\s\S]*?)(\n\nLines To Add|$)/.exec(body)?.[1]?.trim() ?? '';
    if (add || del) throw new Error(`still differs: delete [${del}] add [${add}]`);
    return `${r.ms} ms; ${alivePids}`;
  });

  // ---- control plane and data path
  await check('ToR: underlay sessions to both PEs Established (ipv4 unicast + l2vpn evpn)', () =>
    waitFor(() => sessionsEstablished('tor', [N1.nicIp, N2.nicIp], ['ipv4Unicast', 'l2VpnEvpn']), 45_000, 'ToR sessions'),
  );
  const conv: Record<string, number> = {};
  await check('host BGP sessions: node1<->pe1 and node2<->pe2 Established (VRF red)', async () => {
    await waitFor(() => sessionsEstablished('node1', [PE_VETH_IP], ['ipv4Unicast']), 45_000, 'node1 -> pe1 session');
    await waitFor(() => sessionsEstablished('node2', [PE_VETH_IP], ['ipv4Unicast']), 45_000, 'node2 -> pe2 session');
    conv.node1SessionAfterReloadMs = Date.now() - reloadDone;
    return 'both Established';
  });
  for (const n of [N1, N2]) {
    await check(`ToR: EVPN type-5 ${n.service}/32 with next hop VTEP ${n.vtep}`, async () => {
      const r = await waitFor(() => torHasType5(n.service, n.vtep), 45_000, `type-5 ${n.service} at ToR`);
      conv[`type5_${n.name}_afterReloadMs`] = Date.now() - reloadDone;
      return r;
    });
  }
  for (const [n, other] of [
    [N1, N2],
    [N2, N1],
  ] as const) {
    await check(`${n.pe}: VRF red holds ${other.service}/32 (from ${other.pe})`, async () => {
      const r = await waitFor(() => vrfRoute(n.pe, other.service), 45_000, `${other.service} in ${n.pe} vrf red`);
      conv[`vrfRoute_${n.pe}_afterReloadMs`] = Date.now() - reloadDone;
      return r;
    });
  }
  await check(`ping node1 (${N1.service}) -> node2 (${N2.service}) through the EVPN fabric`, async () => {
    const r = await waitFor(() => ping('node1', N2.service, { source: N1.service }), 40_000, 'ping reply', 500);
    conv.pingOk_afterReloadMs = Date.now() - reloadDone;
    conv.pingOk_sinceScenarioStartMs = Date.now() - t0;
    measure('convergence', conv);
    return r;
  });
  measure('order_summary', {
    frrFirst_pe2: { daemonsSurvived: frrFirst.survived, type5AtTorAfterDevicesMs: frrFirst.type5AtTorAfterDevicesMs },
    kernelFirst_pe1: {
      daemonsSurvivedDevices: kernelFirst.survived,
      daemonsSurvivedReload: kernelFirst.survivedReload,
      routes: await vrfRoute('pe2', N1.service).catch(() => false),
    },
  });

  // ---- pe2: SIGKILL + restart with all devices present ("kernel first, then FRR starts").
  await check('order kernel-first at FRR start (pe2 SIGKILLed, restarted with full config): routes and ping recover', async () => {
    await killFrr('pe2');
    const s = Date.now();
    await startFrr('pe2', { daemons: FRR_PE, config: peConfig(N2, true) });
    await waitFor(() => vrfRoute('pe1', N2.service), 60_000, `${N2.service} back in pe1 vrf red`);
    const routesMs = Date.now() - s;
    await waitFor(() => vrfRoute('pe2', N1.service), 60_000, `${N1.service} back in pe2 vrf red`);
    const p = await waitFor(() => ping('node1', N2.service, { source: N1.service }), 40_000, 'ping after pe2 restart', 500);
    const res = { routeAtPe1Ms: routesMs, pingOkMs: Date.now() - s, pids: daemonPids('pe2'), crashLogLines: await crashLines('pe2') };
    measure('order_kernel_first_restart_pe2', res);
    return `routes ${routesMs} ms, ping ${res.pingOkMs} ms after start; ${assertAlive('pe2')}; ${p}`;
  });

  // ---- pe1: vxlan device deleted and recreated under the running EVPN config.
  await check('pe1: vxlan vni100 deleted and recreated while FRR runs with EVPN config: daemons survive, ping recovers', async () => {
    const sv = await survives(
      'pe1',
      async () => {
        await ipBatch('pe1', [`link del dev vni${VNI}`]);
        await sleep(1000);
        await ipBatch('pe1', vxlanLines(N1));
      },
      0,
    );
    const s = Date.now();
    const p = await waitFor(() => ping('node1', N2.service, { source: N1.service }), 40_000, 'ping after vxlan recreate', 500);
    measure('vxlan_recreate_pe1', { ...sv, pingOkMs: Date.now() - s });
    if (!sv.survived) throw new Error(`pe1 daemons did not survive: ${JSON.stringify(sv)}`);
    return `${Date.now() - s} ms; ${p}`;
  });

  // ---- pe2: EVPN/VRF config removed by reload while the devices stay, then re-added.
  await check(
    'pe2: reload to underlay-only config (EVPN/VRF removed, devices kept) and back to full: daemons survive, ping recovers',
    async () => {
      const res: Record<string, unknown> = {};
      const sv1 = await survives(
        'pe2',
        async () => {
          res.removeAttempts = await reloadUntilApplied(
            'pe2',
            peConfig(N2, false),
            [`router bgp ${PE_AS}`],
            ['vrf red', `router bgp ${PE_AS} vrf red`, '  advertise-all-vni'],
          );
        },
        1000,
      );
      res.afterRemove = sv1;
      res.pe1LostRouteAfterRemove = !(await vrfRoute('pe1', N2.service).catch(() => false));
      const sv2 = await survives(
        'pe2',
        async () => {
          res.addAttempts = await reloadUntilApplied('pe2', peConfig(N2, true), PE_FULL_LINES(N2), [
            'vni 100',
            ' vrf-policy red',
            ' vnc defaults',
          ]);
        },
        0,
      );
      res.afterAdd = sv2;
      const s = Date.now();
      const p = await waitFor(() => ping('node1', N2.service, { source: N1.service }), 45_000, 'ping after pe2 re-add', 500);
      res.pingOkAfterReAddMs = Date.now() - s;
      measure('reload_remove_readd_pe2', res);
      const ok = (a: unknown) => {
        const l = (a as Array<{ exit: number; missing: string[]; leftover: string[] }>).at(-1);
        return !!l && l.exit === 0 && !l.missing.length && !l.leftover.length;
      };
      if (!sv1.survived || !sv2.survived) throw new Error(`pe2 daemons did not survive: ${JSON.stringify({ sv1, sv2 })}`);
      if (!ok(res.removeAttempts) || !ok(res.addAttempts)) throw new Error(`reload not applied: ${JSON.stringify(res)}`);
      return `remove: ${fmtAttempts(res.removeAttempts as never)}; add: ${fmtAttempts(res.addAttempts as never)}; ping ${res.pingOkAfterReAddMs} ms; ${p}`;
    },
  );

  await check('all FRR instances alive at the end', () =>
    instances()
      .map((ns) => `${ns}: ${assertAlive(ns)}`)
      .join('; '),
  );
  measure('scenario_ms', Date.now() - t0);
});
