// The demo (`npm run demo`) and the walking-skeleton test: two nodes, each
// running perouterd from static YAML, one L3VNI (VRF red, VNI 100) across a
// ToR, real kernel (UML) and real FRR. It tells its story on the console
// (harness/story.ts: what was built, sessions, routes, a ping, a status, a
// trace, a live change) and records a check for every claim. Then it proves
// the daemon's manners: a re-apply writes nothing, an FRR restart needs no reload,
// a removed file removes exactly its objects, SIGTERM leaves the dataplane.
// With LAB_KEEP=1 (npm run demo -- --keep) it leaves everything running.
import { existsSync } from 'node:fs';
import { check, measure, onFinish, runScenario } from '../harness/results.js';
import { ping, sleep, waitFor } from '../harness/fabric.js';
import { killFrr, startFrr, startNodeFrr, vrfInRunning, vtysh, vtyshJson } from '../harness/frr.js';
import { readStatus, removeConfig, startPerouterd, waitForReconcile, writeConfig, type PerouterdProcess } from '../harness/perouterd.js';
import {
  appliedL3vnis,
  diagnoser,
  expectLinks,
  expectNoLinks,
  extOf,
  evpnRoutes,
  finishNodes,
  kernelVrfRoutes,
  linkIndexes,
  linkMap,
  nexthopsOf,
  peerStates,
  type5,
  waitEstablished,
  withDiag,
} from '../harness/evpn.js';
import { progress, story } from '../harness/story.js';
import { statusView, traceView } from '../harness/views.js';
import { speakerConfig, torConfig } from '../fixtures/frr-configs.js';
import { node, perouterdNodes, PE_ASN, svc, twoNodeTopology } from '../fixtures/two-nodes.js';
import { BLUE, l3vnisYaml, RED_YAML, underlayYaml } from '../fixtures/yaml.js';

const KEEP = process.env.LAB_KEEP === '1';
const [n1, n2] = perouterdNodes();
const NODES = [n1, n2] as const;
const BLUE_FILE = 'openpe_blue.yaml';
const RED_OBJECTS = { router: ['red', 'br-pe-100', 'vni100', 'pe-e-100', 'eth1'], host: ['host-e-100'] };
const BLUE_OBJECTS = { router: ['blue', 'br-pe-200', 'vni200', 'pe-e-200'], host: ['host-e-200'] };
const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

const DRAWING = `What the lab builds: one ToR, two nodes, one tenant (L3VNI red, VNI 100)

                        tor: FRR, AS 64512 (the fabric)
          192.168.11.2 ──────┘              └────── 192.168.12.2
   ┌─ pe1: router netns ───────┐          ┌─ pe2: router netns ───────┐
   │ eth1 192.168.11.3 (moved) │          │ eth1 192.168.12.3 (moved) │
   │ FRR AS 64514, VTEP on lo  │ ═VXLAN═  │ FRR AS 64514, VTEP on lo  │
   │ VRF red: br-pe-100 vni100 │  VNI 100 │ VRF red: br-pe-100 vni100 │
   └─ pe-e-100 ────────────────┘          └─ pe-e-100 ────────────────┘
        │ veth, BGP session                    │ veth, BGP session
   node1: host-e-100, speaker              node2: host-e-100, speaker
          service 10.100.1.1                      service 10.100.2.1
   pe1/pe2 and everything in them are made by perouterd from the files below.`;

const FILES = `Static files each node got (${n1.configDir}, same layout on node2)
  node-config.yaml      nodeIndex 1 (node2: 2): picks the VTEP and addresses from the pools
  openpe_underlay.yaml  AS ${PE_ASN}, NIC eth1, ToR ${node(1).torAddr} (node2: ${node(2).torAddr}), VTEPs from 100.65.0.0/24
  openpe_red.yaml       L3VNI red, VNI 100, host session AS 64514 <-> 64515 on 192.169.10.0/24`;

async function sessionsStory(ms: number): Promise<string> {
  const lines = [`BGP sessions Established ${secs(ms)} after FRR started`];
  const tor = await peerStates('tor', 'l2VpnEvpn');
  for (const n of [1, 2] as const) lines.push(`  tor  <-> pe${n} ${node(n).nicAddr}   ${tor[node(n).nicAddr]} (ipv4 unicast + l2vpn evpn)`);
  for (const n of [1, 2] as const) {
    const s = await peerStates(`pe${n}`, 'ipv4Unicast', 'red');
    lines.push(`  pe${n} vrf red <-> node${n} ${Object.keys(s).join(',')}   ${Object.values(s).join(',')} (host session)`);
  }
  return lines.join('\n');
}

async function evpnStory(): Promise<string> {
  const all = await evpnRoutes('tor', 'prefix');
  const lines = ['EVPN type-5 routes at the ToR (each node announces its service through its VTEP)'];
  for (const n of [1, 2] as const) {
    const rs = type5(all, svc(n).red, 32);
    lines.push(`  ${svc(n).red}/32  next hop ${nexthopsOf(rs).join(',')}  ${extOf(rs)}`);
  }
  return lines.join('\n');
}

async function vrfRoutesStory(vrf: 'red' | 'blue'): Promise<string> {
  const lines: string[] = [];
  for (const n of [1, 2] as const) {
    const other = svc(n === 1 ? 2 : 1)[vrf];
    const rs = (await kernelVrfRoutes(`pe${n}`, vrf)).filter((r) => r.startsWith(other));
    lines.push(`  pe${n} vrf ${vrf}: ${rs.join('; ') || '(none)'}`);
  }
  return lines.join('\n');
}

/** Waits until both nodes finished a reconcile after `before` in which `pred` holds. */
async function bothApplied(before: number[], pred: (n: (typeof NODES)[number]) => boolean, what: string): Promise<void> {
  await waitFor(
    () => NODES.every((n, i) => readStatus(n)!.reconciles > before[i]! && readStatus(n)?.state === 'ready' && pred(n)),
    120_000,
    what,
    250,
  );
}

/** perouterd of node1 and node2, in that order. */
const procs: PerouterdProcess[] = [];

async function main(): Promise<void> {
  onFinish(() => finishNodes(procs, [...NODES], ['pe1', 'pe2', 'tor', 'node1', 'node2'], { keep: KEEP }));
  const diag = diagnoser({ pes: ['pe1', 'pe2'], nodes: ['node1', 'node2'], vrfs: ['red', 'blue'] });

  story('topology', DRAWING);
  await check(
    'fabric: ToR and two node namespaces wired',
    async () => {
      await twoNodeTopology()
        .ip('node1', `addr add ${svc(1).red}/32 dev lo`, `addr add ${svc(1).blue}/32 dev lo`)
        .ip('node2', `addr add ${svc(2).red}/32 dev lo`, `addr add ${svc(2).blue}/32 dev lo`)
        .apply();
      const peers = [1, 2].map((n) => ({ addr: node(n as 1 | 2).nicAddr, asn: PE_ASN }));
      await startFrr('tor', { daemons: ['zebra', 'bgpd'], config: torConfig({ peers }) });
    },
    { critical: true },
  );
  for (const [n, i] of [
    [n1, 1],
    [n2, 2],
  ] as const) {
    writeConfig(n, 'openpe_underlay.yaml', underlayYaml(node(i).torAddr));
    writeConfig(n, 'openpe_red.yaml', RED_YAML);
  }
  story('files', FILES);

  // perouterd starts before FRR exists in its namespace: it must create the namespace, wait for FRR, then apply.
  progress('starting perouterd on node1 and node2');
  await check(
    'perouterd creates the router namespaces and waits for FRR',
    async () => {
      procs.push(startPerouterd(n1), startPerouterd(n2));
      // Node starts slowly inside UML (seconds; more on a busy machine).
      await waitFor(() => NODES.every((n) => existsSync(`/run/netns/${n.routerNs}`)), 90_000, 'router namespaces', 200);
      await waitFor(() => NODES.every((n) => readStatus(n)?.state === 'waiting-for-frr'), 60_000, 'perouterd: waiting-for-frr', 200);
      return readStatus(n1)?.message;
    },
    { critical: true },
  );
  progress('starting FRR in pe1 and pe2; perouterd applies the files (netlink, then frr.conf)');
  const frrStarted = Date.now();
  await check(
    'FRR started in each router namespace; perouterd applies config and kernel objects',
    async () => {
      for (const n of NODES) await startNodeFrr(n.routerNs);
      for (const n of NODES) await waitForReconcile(n, 0, 120_000);
      measure('perouterd_first_apply_ms', Date.now() - frrStarted);
      const pe1 = await linkMap('pe1');
      expectLinks(pe1, RED_OBJECTS.router, 'pe1');
      expectLinks(await linkMap('node1'), RED_OBJECTS.host, 'node1');
      const vx = pe1.get('vni100')?.linkinfo?.info_data as { id?: number; local?: string; learning?: boolean } | undefined;
      if (vx?.id !== 100 || vx.local !== node(1).vtep || vx.learning !== false) throw new Error(`vni100 wrong: ${JSON.stringify(vx)}`);
      if (pe1.get('vni100')?.master !== 'br-pe-100' || pe1.get('br-pe-100')?.master !== 'red') throw new Error('VRF red not wired');
    },
    { critical: true },
  );
  story(
    'perouterd',
    `perouterd applied the files on both nodes ${secs(Date.now() - frrStarted)} after FRR started\n` +
      `  pe1: VRF red, br-pe-100, vni100 (VXLAN, local ${node(1).vtep}), pe-e-100; eth1 moved in; node1 got host-e-100`,
  );

  await check('host BGP speakers (MetalLB stand-ins) start in the node namespaces', async () => {
    for (const n of [1, 2] as const) {
      const s = svc(n);
      const config = speakerConfig(`node${n}`, s.red, [
        { addr: '192.169.10.1', announce: [`${s.red}/32`] },
        { addr: '192.169.11.1', announce: [`${s.blue}/32`] },
      ]);
      await startFrr(`node${n}`, { daemons: ['zebra', 'bgpd'], config });
    }
  });

  progress('waiting for the BGP sessions (ToR <-> PEs, PEs <-> host speakers)');
  const sessionsOk = await check(
    'BGP sessions Established: underlay at the ToR, host sessions in VRF red',
    withDiag(diag, async () => {
      for (const n of [1, 2] as const) await waitEstablished('tor', node(n).nicAddr, 'l2VpnEvpn', 90_000);
      await waitEstablished('pe1', '192.169.10.3', 'ipv4Unicast', 90_000, 'red');
      await waitEstablished('pe2', '192.169.10.4', 'ipv4Unicast', 90_000, 'red');
    }),
  );
  if (sessionsOk) story('sessions', await sessionsStory(Date.now() - frrStarted));

  progress('waiting for the EVPN routes at the ToR');
  if (
    await check(
      'ToR holds each node’s EVPN type-5 route for its service /32 with the node’s VTEP as next hop',
      withDiag(diag, async () => {
        const t = Date.now();
        await waitFor(
          async () => {
            const all = await evpnRoutes('tor', 'prefix');
            return [1, 2].every((n) => nexthopsOf(type5(all, svc(n as 1 | 2).red, 32)).includes(node(n as 1 | 2).vtep));
          },
          90_000,
          'type-5 routes at the ToR',
        );
        measure('type5_at_tor_ms', Date.now() - t);
      }),
    )
  )
    story('evpn', await evpnStory());

  if (
    await check('each node’s VRF holds the other node’s service /32', async () => {
      for (const n of [1, 2] as const) {
        const other = `${svc(n === 1 ? 2 : 1).red} `;
        await waitFor(async () => (await kernelVrfRoutes(`pe${n}`, 'red')).some((r) => r.startsWith(other)), 90_000, `pe${n} route`);
      }
    })
  )
    story('vrf-routes', `Each node's VRF red, in the kernel (installed by FRR from the EVPN routes)\n${await vrfRoutesStory('red')}`);

  let pingOut = '';
  await check('ping node1 service → node2 service crosses the VXLAN', async () => {
    pingOut = await waitFor(() => ping('node1', svc(2).red, { source: svc(1).red, count: 3 }), 60_000, 'ping answers', 2000);
    return pingOut;
  });
  story('ping', `Ping across the overlay: node1 ${svc(1).red} -> node2 ${svc(2).red}\n  ${pingOut.replace(' | ', '\n  ')}`);

  await check('status of node1: ready with L3VNI 100 applied', async () => {
    if (readStatus(n1)?.state !== 'ready' || !appliedL3vnis(n1).includes(100)) throw new Error(JSON.stringify(readStatus(n1)));
    story('status', await statusView(n1));
  });
  await check('trace of node2’s service from node1: host → VRF red → VTEP of node2 → node2', async () => {
    const view = await traceView(n1, svc(2).red, svc(1).red);
    for (const must of ['red', '100', node(2).vtep, node(1).torAddr])
      if (!view.includes(must)) throw new Error(`perouterd trace does not name ${must}:\n${view}`);
    story('trace', view);
  });

  await liveChange(diag);
  await daemonManners();
}

/** A new L3VNI file dropped into both nodes' config directories while everything runs. */
async function liveChange(diag: () => Promise<void>): Promise<void> {
  const redBefore = [await linkIndexes('pe1'), await linkIndexes('pe2')].map((l) =>
    l.filter((x) => /^(red|br-pe-100|vni100|pe-e-100):/.test(x)),
  );
  progress(`dropping ${BLUE_FILE} (L3VNI blue, VNI 200) into both nodes' config directories`);
  const t = Date.now();
  const times: Record<string, number> = {};
  const ok = await check(
    `live change: ${BLUE_FILE} dropped in on both nodes → VRF blue, its host sessions, routes and a ping over blue; red untouched`,
    withDiag(diag, async () => {
      const before = NODES.map((n) => readStatus(n)!.reconciles);
      for (const n of NODES) writeConfig(n, BLUE_FILE, l3vnisYaml(BLUE));
      await bothApplied(before, (n) => appliedL3vnis(n).includes(200), 'both nodes applied blue');
      times.applied = Date.now() - t;
      for (const n of [1, 2] as const) expectLinks(await linkMap(`pe${n}`), BLUE_OBJECTS.router, `pe${n}`);
      await waitEstablished('pe1', '192.169.11.3', 'ipv4Unicast', 90_000, 'blue');
      await waitEstablished('pe2', '192.169.11.4', 'ipv4Unicast', 90_000, 'blue');
      times.sessions = Date.now() - t;
      for (const n of [1, 2] as const) {
        const other = `${svc(n === 1 ? 2 : 1).blue} `;
        await waitFor(async () => (await kernelVrfRoutes(`pe${n}`, 'blue')).some((r) => r.startsWith(other)), 90_000, `pe${n} blue route`);
      }
      times.routes = Date.now() - t;
      await waitFor(() => ping('node1', svc(2).blue, { source: svc(1).blue, count: 2 }), 90_000, 'blue ping', 1000);
      times.ping = Date.now() - t;
      measure('live_change_ms', times);
      const redNow = [await linkIndexes('pe1'), await linkIndexes('pe2')].map((l) =>
        l.filter((x) => /^(red|br-pe-100|vni100|pe-e-100):/.test(x)),
      );
      if (JSON.stringify(redNow) !== JSON.stringify(redBefore))
        throw new Error(`red objects recreated: ${JSON.stringify([redBefore, redNow])}`);
    }),
  );
  const row = (label: string, ms: number, note = ''): string => `  ${label.padEnd(36)} ${secs(ms).padStart(7)}${note}`;
  if (ok)
    story(
      'live-change',
      [
        `Live change: ${BLUE_FILE} (L3VNI blue, VNI 200) dropped into both config directories`,
        row('applied by perouterd on both nodes', times.applied!, '  (file watch -> netlink -> FRR reload)'),
        row('blue host sessions Established', times.sessions!),
        row('blue routes in each VRF', times.routes!),
        (await vrfRoutesStory('blue')).replace(/^ {2}/gm, '    '),
        row(`ping ${svc(1).blue} -> ${svc(2).blue}`, times.ping!, "  (red's objects untouched)"),
      ].join('\n'),
    );
}

/** The daemon's manners: idempotence, FRR restart, removal, clean exit (the last two not with --keep). */
async function daemonManners(): Promise<void> {
  const done: string[] = [];
  const mark = (ok: boolean, text: string): void => void done.push(`  ${ok ? 'ok  ' : 'FAIL'} ${text}`);
  mark(
    await check('a second apply (SIGHUP) makes no netlink write and no FRR reload', async () => {
      const before = readStatus(n1)!;
      const idx = await linkIndexes('pe1');
      procs[0]!.signal('SIGHUP');
      const after = await waitForReconcile(n1, before.reconciles, 60_000);
      if (after.kernel.writesLast !== 0) throw new Error(`netlink writes on second apply: ${after.kernel.writesLast}`);
      if (after.frr.reloads !== before.frr.reloads) throw new Error(`FRR reloaded: ${before.frr.reloads} → ${after.frr.reloads}`);
      if (JSON.stringify(idx) !== JSON.stringify(await linkIndexes('pe1'))) throw new Error('kernel objects were recreated');
    }),
    're-applying the same files (SIGHUP) writes nothing: no netlink write, no FRR reload',
  );
  mark(
    await check("FRR killed and restarted: it comes back with perouterd's configuration (no reload), routes come back", async () => {
      const before = readStatus(n2)!;
      await killFrr('pe2');
      await sleep(500);
      // As packaged FRR restarts: from the frr.conf perouterd wrote, which round-trips.
      await startNodeFrr('pe2');
      await waitForReconcile(n2, before.reconciles, 120_000);
      const reloads = readStatus(n2)!.frr.reloads - before.frr.reloads;
      if (reloads !== 0) throw new Error(`perouterd reloaded FRR ${reloads} time(s) after the restart: frr.conf does not round-trip`);
      // zebra -K kept the kernel route; bgpd must have learned it again over EVPN.
      const other = `${svc(1).red}/32`;
      await waitFor(
        async () => ((await vtyshJson<{ paths?: unknown[] }>('pe2', `show bgp vrf red ipv4 unicast ${other}`)).paths?.length ?? 0) > 0,
        120_000,
        'pe2 BGP route back',
      );
      if (!(await kernelVrfRoutes('pe2', 'red')).some((r) => r.startsWith(`${svc(1).red} `))) throw new Error('pe2 kernel route gone');
    }),
    'FRR killed and restarted in pe2: it came back with the frr.conf perouterd wrote (no reload), routes came back',
  );
  if (!KEEP) {
    mark(
      await check(`removing ${BLUE_FILE} removes exactly its objects`, async () => {
        const before = NODES.map((n) => readStatus(n)!.reconciles);
        for (const n of NODES) removeConfig(n, BLUE_FILE);
        await bothApplied(before, (n) => !appliedL3vnis(n).includes(200), 'both nodes removed blue');
        for (const n of [1, 2] as const) {
          const pe = await linkMap(`pe${n}`);
          expectNoLinks(pe, BLUE_OBJECTS.router, `pe${n}`);
          expectLinks(pe, RED_OBJECTS.router, `pe${n}`);
          expectNoLinks(await linkMap(`node${n}`), BLUE_OBJECTS.host, `node${n}`);
        }
        const running = await vtysh('pe1', 'show running-config');
        if (vrfInRunning(running, 'blue', 200)) throw new Error(`FRR still has VRF blue:\n${running}`);
      }),
      `removing ${BLUE_FILE} removed exactly blue's objects (kernel and FRR); red kept running`,
    );
    mark(
      await check('perouterd exits cleanly on SIGTERM and leaves the dataplane in place', async () => {
        const code = await procs[1]!.stop();
        if (code !== 0) throw new Error(`exit code ${code}`);
        if (!(await linkMap('pe2')).has('vni100')) throw new Error('dataplane was torn down');
      }),
      'perouterd on node2 exited on SIGTERM and left the dataplane in place',
    );
  }
  story('checks', `Also checked\n${done.join('\n')}`);
}

runScenario(main);
