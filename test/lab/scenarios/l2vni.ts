// L2VNIs on the real kernel, real FRR and the real perouterd, two nodes behind a ToR:
//
//   * VNI 300 "storage": stretched L2 without a routing domain (no VRF, no gateway).
//   * VNI 110 "red-l2": routed into L3VNI red (VNI 100) through the distributed
//     anycast gateway 192.170.1.1/24 (MAC 00:f3:00:00:00:6f on every node).
//
//   vm1 (192.170.1.11, gw .1)   st1 (192.171.0.11)        vm2 (192.170.1.12)  st2 (192.171.0.12)
//        | eth0                    | eth0                      |                  |
//   node1 ns: wl110 ∈ br-hs-110, wl300 ∈ br-hs-300        node2 ns: the same
//             host-e-110 ∈ br-hs-110, host-e-300 ∈ br-hs-300 (perouterd, Managed bridges)
//             host-e-100 192.169.10.3 + speaker AS 64515 (10.100.1.1/32 on lo)
//   pe1 (perouterd + FRR): br-pe-110 (VRF red, 192.170.1.1/24), vni110, br-pe-300, vni300, VRF red/vni100
//   eth1 192.168.11.3 ── ToR (AS 64512) ── 192.168.12.3 eth1 (pe2)
//
// Workloads: a namespace per "VM/pod", plugged into the Managed host bridge with a
// veth, which is how upstream's e2e attaches pods (bridge CNI on br-hs-<vni>). The
// operator-address case (an IP put on br-hs-<vni> itself, so the node's own stack
// sits on the segment) is covered separately, because perouterd must then leave
// that address alone across reconciles.
import { check, log, measure, onFinish, runScenario } from '../harness/results.js';
import { ipJson, ping, sh, waitFor } from '../harness/fabric.js';
import { startFrr, vtyshJson } from '../harness/frr.js';
import { readStatus, waitForReconcile, type PerouterdProcess, bringUpNodes } from '../harness/perouterd.js';
import {
  addrsOf,
  Budget,
  diagnoser,
  evpnRoutes,
  expectLinks,
  extOf,
  finishNodes,
  fmtRoutes,
  linkMap,
  nexthopsOf,
  type5,
  waitEstablished,
  withDiag,
  zebraMissingAddrs,
  type EvpnRoute,
} from '../harness/evpn.js';
import { speakerConfig } from '../fixtures/frr-configs.js';
import { perouterdNodes, twoNodeTopology } from '../fixtures/two-nodes.js';
import { RED_L2_ITEM, RED_YAML } from '../fixtures/yaml.js';
import { startTor, writeNodeFiles } from '../fixtures/bring-up.js';
import { REFRESH_MS, silentHostPhases } from './l2vni-silent.js';

const L2_YAML = `l2vnis:
${RED_L2_ITEM}  - name: storage
    vni: 300
    hostMaster:
      type: LinuxBridge
      linuxBridge:
        lifecycle: Managed
`;

const GW_MAC = '00:f3:00:00:00:6f'; // distributed gateway MAC of VNI 110: 00:f3 + (110+1)
const VTEP = { 1: '100.65.0.1', 2: '100.65.0.2' } as const;
const WL = {
  vm1: { node: 'node1', ip: '192.170.1.11', mac: '02:00:00:01:10:11', port: 'wl110', bridge: 'br-hs-110' },
  vm2: { node: 'node2', ip: '192.170.1.12', mac: '02:00:00:01:10:12', port: 'wl110', bridge: 'br-hs-110' },
  st1: { node: 'node1', ip: '192.171.0.11', mac: '02:00:00:03:00:11', port: 'wl300', bridge: 'br-hs-300' },
  st2: { node: 'node2', ip: '192.171.0.12', mac: '02:00:00:03:00:12', port: 'wl300', bridge: 'br-hs-300' },
} as const;

/** Routes carrying a route target `RT:<asn>:<n>`. */
const withRT = (rs: EvpnRoute[], rt: string): EvpnRoute[] => rs.filter((r) => r.paths.some((p) => p.ext.split(/\s+/).includes(`RT:${rt}`)));
const macRoutes = (rs: EvpnRoute[], mac: string): EvpnRoute[] => rs.filter((r) => r.key.toLowerCase().includes(`[48]:[${mac}]`));

interface FdbJ {
  mac: string;
  dst?: string;
  flags?: string[];
}

async function main(): Promise<void> {
  const [n1, n2] = perouterdNodes();
  const procs: PerouterdProcess[] = [];
  onFinish(() => finishNodes(procs, [n1, n2], ['pe1', 'pe2', 'tor']));
  const diag = diagnoser({
    pes: ['pe1', 'pe2'],
    nodes: ['node1', 'node2'],
    vrfs: ['red'],
    extra: [
      [
        'pe1 fdb vni300/vni110',
        () =>
          sh('bridge', ['-n', 'pe1', 'fdb', 'show', 'br', 'br-pe-300']).then(
            async (a) => a + (await sh('bridge', ['-n', 'pe1', 'fdb', 'show', 'br', 'br-pe-110'])),
          ),
      ],
      ['pe1 neigh', () => sh('ip', ['-n', 'pe1', 'neigh', 'show'])],
      [
        'vm1 neigh/route',
        () => sh('ip', ['-n', 'vm1', 'neigh', 'show']).then(async (a) => a + (await sh('ip', ['-n', 'vm1', 'route', 'show']))),
      ],
    ],
  });

  await check(
    'fabric: ToR, two nodes and four workload namespaces wired',
    async () => {
      const t = twoNodeTopology().ip('node1', 'addr add 10.100.1.1/32 dev lo').ip('node2', 'addr add 10.100.2.1/32 dev lo');
      for (const [name, w] of Object.entries(WL)) {
        t.ns(name).veth({ ns: w.node, dev: w.port, mtu: 1450 }, { ns: name, dev: 'eth0', mtu: 1450, addrs: [`${w.ip}/24`] });
        t.ip(name, `link set dev eth0 address ${w.mac}`);
        if (name.startsWith('vm')) t.ip(name, 'route add default via 192.170.1.1');
      }
      await t.apply();
      await startTor();
    },
    { critical: true },
  );

  writeNodeFiles([n1, n2], { 'openpe_10_red.yaml': RED_YAML, 'openpe_30_l2.yaml': L2_YAML });

  await check(
    'perouterd builds the L2VNI objects: VNI 110 bridged into VRF red with the gateway, VNI 300 without VRF, Managed host bridges',
    async () => {
      measure(
        'perouterd_first_apply_ms',
        await bringUpNodes([n1, n2], procs, undefined, { perouterdArgs: () => ['--bridge-refresh-ms', REFRESH_MS] }),
      );
      const out: string[] = [];
      for (const [pe, node, idx] of [
        ['pe1', 'node1', 1],
        ['pe2', 'node2', 2],
      ] as const) {
        const r = await linkMap(pe);
        expectLinks(r, ['red', 'br-pe-100', 'vni100', 'br-pe-110', 'vni110', 'pe-e-110', 'br-pe-300', 'vni300', 'pe-e-300'], pe);
        const br110 = r.get('br-pe-110')!;
        if (br110.master !== 'red') throw new Error(`${pe}: br-pe-110 master ${br110.master}, want red`);
        if (br110.address?.toLowerCase() !== GW_MAC) throw new Error(`${pe}: br-pe-110 MAC ${br110.address}, want ${GW_MAC}`);
        const gw = await addrsOf(pe, 'br-pe-110');
        if (!gw.includes('192.170.1.1/24')) throw new Error(`${pe}: br-pe-110 addresses ${gw}`);
        for (const [dev, vni] of [
          ['vni110', 110],
          ['vni300', 300],
        ] as const) {
          const v = r.get(dev)!;
          const d = v.linkinfo?.info_data ?? {};
          if (v.linkinfo?.info_kind !== 'vxlan' || d.id !== vni || d.local !== VTEP[idx] || d.learning !== false)
            throw new Error(`${pe}: ${dev} wrong: ${JSON.stringify(v.linkinfo)}`);
          if (v.master !== `br-pe-${vni}`) throw new Error(`${pe}: ${dev} master ${v.master}`);
          if (v.linkinfo?.info_slave_data?.neigh_suppress !== true)
            throw new Error(`${pe}: ${dev} without neigh_suppress: ${JSON.stringify(v.linkinfo?.info_slave_data)}`);
        }
        if (r.get('pe-e-110')?.master !== 'br-pe-110' || r.get('pe-e-300')?.master !== 'br-pe-300')
          throw new Error(`${pe}: pe-e-110/300 not in their bridges`);
        const br300 = r.get('br-pe-300')!;
        if (br300.master) throw new Error(`${pe}: br-pe-300 is in ${br300.master}; VNI 300 has no routing domain`);
        const a300 = await addrsOf(pe, 'br-pe-300');
        if (a300.length) throw new Error(`${pe}: br-pe-300 has addresses ${a300}`);
        const h = await linkMap(node);
        expectLinks(h, ['br-hs-110', 'br-hs-300', 'host-e-110', 'host-e-300', 'host-e-100'], node);
        if (h.get('br-hs-110')?.linkinfo?.info_kind !== 'bridge' || h.get('br-hs-300')?.linkinfo?.info_kind !== 'bridge')
          throw new Error(`${node}: br-hs-* are not bridges`);
        if (h.get('host-e-110')?.master !== 'br-hs-110' || h.get('host-e-300')?.master !== 'br-hs-300')
          throw new Error(`${node}: host-e-110/300 not enslaved to br-hs-110/300`);
        out.push(`${pe}: br-pe-110 ${GW_MAC} 192.170.1.1/24 in red; vni110/vni300 local ${VTEP[idx]}; ${node}: br-hs-110, br-hs-300`);
      }
      const running = await sh('vtysh', ['-N', 'pe1', '-c', 'show running-config']);
      if (!running.includes('network 192.170.1.0/24')) throw new Error('pe1 VRF red does not advertise the gateway subnet 192.170.1.0/24');
      return out.join('; ');
    },
    { critical: true },
  );

  await check('workload ports plugged into the Managed host bridges', async () => {
    for (const w of Object.values(WL)) await sh('ip', ['-n', w.node, 'link', 'set', w.port, 'master', w.bridge]);
  });

  const budget = new Budget();
  budget.track(
    await check(
      'host speakers start; underlay and VRF red host sessions Established',
      withDiag(diag, async () => {
        await startFrr('node1', {
          daemons: ['zebra', 'bgpd'],
          config: speakerConfig('node1', '10.100.1.1', [{ addr: '192.169.10.1', announce: ['10.100.1.1/32'] }]),
        });
        await startFrr('node2', {
          daemons: ['zebra', 'bgpd'],
          config: speakerConfig('node2', '10.100.2.1', [{ addr: '192.169.10.1', announce: ['10.100.2.1/32'] }]),
        });
        const t = Date.now();
        await waitEstablished('tor', '192.168.11.3', 'l2VpnEvpn', 90_000);
        await waitEstablished('tor', '192.168.12.3', 'l2VpnEvpn', 90_000);
        await waitEstablished('pe1', '192.169.10.3', 'ipv4Unicast', 90_000, 'red');
        await waitEstablished('pe2', '192.169.10.4', 'ipv4Unicast', 90_000, 'red');
        measure('sessions_ms', Date.now() - t);
        measure('zebra_missing_addrs', { pe1: await zebraMissingAddrs('pe1'), pe2: await zebraMissingAddrs('pe2') });
      }),
    ),
  );

  // ---------------------------------------------------------------- l2vni-stretched (VNI 300)
  await check(
    'l2vni-stretched: ToR holds type-3 (IMET) routes of both VTEPs for VNI 300, and each PE floods to the other VTEP',
    withDiag(diag, async () => {
      const got = await waitFor(
        async () => {
          const rs = withRT(await evpnRoutes('tor', 'multicast'), '64514:300');
          const ok = ['100.65.0.1', '100.65.0.2'].every((v) => rs.some((r) => r.key.endsWith(`[${v}]`) && nexthopsOf([r]).includes(v)));
          return ok ? rs : undefined;
        },
        budget.ms(60_000),
        'type-3 routes for VNI 300 (RT 64514:300) from 100.65.0.1 and 100.65.0.2 at the ToR',
      );
      // Kernel: zebra installed the flood entry (00:00:00:00:00:00 dst <remote VTEP>) on vni300.
      for (const [pe, remote] of [
        ['pe1', '100.65.0.2'],
        ['pe2', '100.65.0.1'],
      ] as const) {
        await waitFor(
          async () => (await ipJsonBridge(pe, 'vni300')).some((f) => f.mac === '00:00:00:00:00:00' && f.dst === remote),
          budget.ms(30_000),
          `${pe}: BUM flood entry 00:00:00:00:00:00 dst ${remote} on vni300`,
        );
      }
      // BGP side of each PE: the other VTEP's IMET route for VNI 300 was imported.
      for (const [pe, remote] of [
        ['pe1', VTEP[2]],
        ['pe2', VTEP[1]],
      ] as const) {
        const rs = withRT(await evpnRoutes(pe, 'multicast'), '64514:300');
        if (!rs.some((r) => r.key.endsWith(`[${remote}]`)))
          throw new Error(`${pe} has no type-3 route from ${remote} for VNI 300: ${fmtRoutes(rs)}`);
      }
      return fmtRoutes(got);
    }),
  );

  await check(
    'l2vni-stretched: workloads on VNI 300 on node1 and node2 ping each other across the VXLAN',
    withDiag(diag, async () => {
      const t = Date.now();
      const a = await waitFor(() => ping('st1', WL.st2.ip, { count: 3 }), budget.ms(60_000), 'st1 → st2', 2000);
      const b = await ping('st2', WL.st1.ip, { count: 3 });
      measure('l2_stretched_ping_ms', Date.now() - t);
      return `st1→st2: ${a}; st2→st1: ${b}`;
    }),
  );

  await check(
    'l2vni-stretched: EVPN type-2 routes for both workloads’ MACs on VNI 300 at the ToR (right VTEP) and in the PEs’ VXLAN FDB',
    withDiag(diag, async () => {
      const rs = await waitFor(
        async () => {
          const r = withRT(await evpnRoutes('tor', 'macip'), '64514:300');
          const ok1 = nexthopsOf(macRoutes(r, WL.st1.mac)).includes(VTEP[1]);
          const ok2 = nexthopsOf(macRoutes(r, WL.st2.mac)).includes(VTEP[2]);
          return ok1 && ok2 ? r : undefined;
        },
        budget.ms(60_000),
        `type-2 routes for ${WL.st1.mac} via ${VTEP[1]} and ${WL.st2.mac} via ${VTEP[2]} with RT 64514:300 at the ToR`,
      );
      // No L3 context on VNI 300: no route carries the L3VNI's RT.
      const leak = withRT(rs, '64514:100');
      if (leak.length) throw new Error(`VNI 300 type-2 routes carry the L3VNI RT 64514:100: ${fmtRoutes(leak)}`);
      for (const [pe, w, vtep] of [
        ['pe1', WL.st2, VTEP[2]],
        ['pe2', WL.st1, VTEP[1]],
      ] as const) {
        await waitFor(
          async () => (await ipJsonBridge(pe, 'vni300')).some((f) => f.mac === w.mac && f.dst === vtep),
          budget.ms(30_000),
          `${pe}: FDB ${w.mac} dst ${vtep} on vni300`,
        );
      }
      const pe1Routes = withRT(await evpnRoutes('pe1', 'macip'), '64514:300');
      if (!macRoutes(pe1Routes, WL.st2.mac).length) throw new Error(`pe1 lacks the type-2 route of ${WL.st2.mac}: ${fmtRoutes(pe1Routes)}`);
      measure(
        'vni300_type2_with_ip',
        rs.filter((r) => r.key.includes(':[32]:')).map((r) => r.key),
      );
      return fmtRoutes(rs);
    }),
  );

  // ---------------------------------------------------------------- l2vni-gateway (VNI 110 → red)
  await check(
    'l2vni-gateway: workloads on both nodes reach the anycast gateway 192.170.1.1 and resolve it to 00:f3:00:00:00:6f',
    withDiag(diag, async () => {
      const out: string[] = [];
      for (const vm of ['vm1', 'vm2'] as const) {
        out.push(`${vm}: ${await waitFor(() => ping(vm, '192.170.1.1', { count: 2 }), budget.ms(30_000), `${vm} → gateway`, 1000)}`);
        const n = await ipJson<Array<{ dst: string; lladdr?: string; state?: string[] }>>(vm, ['neigh', 'show', '192.170.1.1']);
        const mac = n[0]?.lladdr?.toLowerCase();
        if (mac !== GW_MAC) throw new Error(`${vm}: ARP for 192.170.1.1 is ${JSON.stringify(n)}, want ${GW_MAC}`);
        out.push(`${vm} ARP 192.170.1.1 → ${mac} ${n[0]?.state?.join(',') ?? ''}`);
      }
      return out.join('; ');
    }),
  );

  await check(
    'l2vni-gateway: workloads on VNI 110 on node1 and node2 reach each other across the VXLAN',
    withDiag(diag, async () => {
      const a = await waitFor(() => ping('vm1', WL.vm2.ip, { count: 3 }), budget.ms(60_000), 'vm1 → vm2', 2000);
      return a;
    }),
  );

  await check(
    'l2vni-gateway: ToR holds type-2 MAC/IP routes of both workloads with the L2VNI and L3VNI route targets and a router MAC',
    withDiag(diag, async () => {
      const rs = await waitFor(
        async () => {
          const r = withRT(await evpnRoutes('tor', 'macip'), '64514:110');
          const want = [
            [WL.vm1, VTEP[1]],
            [WL.vm2, VTEP[2]],
          ] as const;
          const found = want.map(([w, vtep]) =>
            r.filter((x) => x.key.toLowerCase().endsWith(`[48]:[${w.mac}]:[32]:[${w.ip}]`) && nexthopsOf([x]).includes(vtep)),
          );
          return found.every((f) => f.length > 0) ? found.flat() : undefined;
        },
        budget.ms(60_000),
        `type-2 MAC/IP routes ${WL.vm1.mac}/${WL.vm1.ip} via ${VTEP[1]} and ${WL.vm2.mac}/${WL.vm2.ip} via ${VTEP[2]} (RT 64514:110)`,
      );
      const ext = extOf(rs);
      for (const r of rs) {
        const e = extOf([r]);
        if (!e.includes('RT:64514:100')) throw new Error(`${r.key}: no L3VNI route target RT:64514:100 (symmetric IRB) in "${e}"`);
        if (!/Rmac:/i.test(e)) throw new Error(`${r.key}: no router MAC extended community in "${e}"`);
      }
      return `${fmtRoutes(rs)} | ${ext}`;
    }),
  );

  await check(
    'l2vni-gateway: ToR holds the gateway subnet 192.170.1.0/24 as type-5 from both nodes',
    withDiag(diag, async () => {
      const got = await waitFor(
        async () => {
          const rs = type5(await evpnRoutes('tor', 'prefix'), '192.170.1.0', 24);
          const nh = nexthopsOf(rs);
          return nh.includes(VTEP[1]) && nh.includes(VTEP[2]) ? rs : undefined;
        },
        budget.ms(60_000),
        'type-5 192.170.1.0/24 from both VTEPs',
      );
      return fmtRoutes(got);
    }),
  );

  await check(
    'l2vni-gateway: a workload on node1 reaches node2’s L3VNI service 10.100.2.1 through VRF red',
    withDiag(diag, async () => {
      await waitFor(
        async () =>
          Object.keys(await vtyshJson<Record<string, unknown>>('pe1', 'show ip route vrf red 10.100.2.1/32 json')).includes(
            '10.100.2.1/32',
          ),
        budget.ms(90_000),
        'pe1 VRF red route to 10.100.2.1/32',
      );
      const p = await waitFor(() => ping('vm1', '10.100.2.1', { count: 3 }), budget.ms(60_000), 'vm1 → 10.100.2.1', 2000);
      const q = await waitFor(() => ping('vm2', '10.100.1.1', { count: 3 }), budget.ms(60_000), 'vm2 → 10.100.1.1', 2000);
      const rt = await sh('ip', ['-n', 'pe1', 'route', 'get', 'vrf', 'red', '10.100.2.1']);
      return `vm1→10.100.2.1: ${p}; vm2→10.100.1.1: ${q}; pe1: ${rt.trim()}`;
    }),
  );

  // ---------------------------------------------------------------- operator additions to host bridges
  await check(
    'perouterd leaves operator additions on the Managed host bridges alone across a reconcile (an address on br-hs-300, workload ports)',
    withDiag(diag, async () => {
      // The node's own stack on the stretched segment: an address on br-hs-300 itself.
      await sh('ip', ['-n', 'node1', 'addr', 'add', '192.171.0.21/24', 'dev', 'br-hs-300']);
      await sh('ip', ['-n', 'node2', 'addr', 'add', '192.171.0.22/24', 'dev', 'br-hs-300']);
      const p = await waitFor(
        () => ping('node1', '192.171.0.22', { source: '192.171.0.21', count: 3 }),
        budget.ms(30_000),
        'node1 br-hs-300 → node2 br-hs-300',
        1000,
      );
      const before = readStatus(n1)!;
      procs[0]!.signal('SIGHUP');
      const after = await waitForReconcile(n1, before.reconciles, budget.ms(60_000));
      const addrs = await addrsOf('node1', 'br-hs-300');
      const h = await linkMap('node1');
      const problems: string[] = [];
      if (!addrs.includes('192.171.0.21/24'))
        problems.push(
          `address 192.171.0.21/24 removed from br-hs-300 (now: ${JSON.stringify(addrs)}; kernel writes in that reconcile: ${after.kernel.writesLast})`,
        );
      for (const w of [WL.vm1, WL.st1])
        if (h.get(w.port)?.master !== w.bridge) problems.push(`${w.port} no longer in ${w.bridge} (master ${h.get(w.port)?.master})`);
      if (problems.length) throw new Error(problems.join('; '));
      const p2 = await ping('node1', '192.171.0.22', { source: '192.171.0.21', count: 2 });
      return `before: ${p}; after reconcile #${after.reconciles} (writes ${after.kernel.writesLast}): ${p2}`;
    }),
  );

  // ---------------------------------------------------------------- silent host (bridge refresher), last: its off phase leaves vm1 without a route
  await silentHostPhases({
    node1: n1,
    procs,
    diag,
    vm: { ns: 'vm1', ip: WL.vm1.ip, mac: WL.vm1.mac },
    gateway: '192.170.1.1',
    vtep: VTEP[1],
  });
  log('done');
}

async function ipJsonBridge(ns: string, dev: string): Promise<FdbJ[]> {
  const out = await sh('bridge', ['-n', ns, '-j', 'fdb', 'show', 'dev', dev]);
  return (JSON.parse(out || '[]') as FdbJ[]).map((f) => ({ ...f, mac: f.mac.toLowerCase() }));
}

runScenario(main);
