// Two tenants and IPv6 on the real kernel, real FRR and the real perouterd:
//
//   * red  (L3VNI 100): dual-stack host session (192.169.10.0/24 + fd00:169:10::/64);
//     services 10.100.N.1/32 and fd00:100:N::1/128 on node N.
//   * blue (L3VNI 200): IPv4 host session (192.169.11.0/24); service 10.200.N.1/32.
//
// Each node runs ONE host speaker (AS 64515) with three sessions (red v4, red v6,
// blue v4); a per-neighbour prefix list makes it announce each tenant's service
// only into that tenant's VRF (as a tenant's own speaker would).
//
// "A host on red" is the node's red service address: source-based policy routing
// in the node namespace sends everything sourced from a tenant's service into that
// tenant's veth (rule from 10.100.N.1 → table 100 → default via 192.169.10.1 on
// host-e-100; from 10.200.N.1 → table 200 → via 192.169.11.1 on host-e-200; same
// for fd00:100:N::1). So a ping from red's address to blue's service enters VRF red
// on the PE, and only VRF red decides whether it gets anywhere.
import { check, measure, onFinish, runScenario } from '../harness/results.js';
import { ipBatch, ping, sh, waitFor } from '../harness/fabric.js';
import { vtyshJson } from '../harness/frr.js';
import { type PerouterdProcess, bringUpNodes } from '../harness/perouterd.js';
import {
  addrsOf,
  Budget,
  diagnoser,
  evpnRoutes,
  expectLinks,
  extOf,
  finishNodes,
  fmtRoutes,
  frrVrfPrefixes,
  kernelVrfRoutes,
  linkMap,
  nexthopsOf,
  pingFails,
  type5,
  waitEstablished,
  withDiag,
} from '../harness/evpn.js';
import { perouterdNodes, svc, twoNodeTopology } from '../fixtures/two-nodes.js';
import { BLUE, l3vnisYaml, RED } from '../fixtures/yaml.js';
import { startTor, writeNodeFiles, startHostSpeakers } from '../fixtures/bring-up.js';

const TENANTS_YAML = l3vnisYaml({ ...RED, ipv6: 'fd00:169:10::/64' }, BLUE);

const hostIp = (n: 1 | 2) => ({ red: `192.169.10.${n + 2}`, red6: `fd00:169:10::${n + 2}`, blue: `192.169.11.${n + 2}` });
const VTEP = { 1: '100.65.0.1', 2: '100.65.0.2' } as const;

async function main(): Promise<void> {
  const [n1, n2] = perouterdNodes();
  const procs: PerouterdProcess[] = [];
  onFinish(() => finishNodes(procs, [n1, n2], ['pe1', 'pe2', 'tor']));
  const diag = diagnoser({
    pes: ['pe1', 'pe2'],
    nodes: ['node1', 'node2'],
    vrfs: ['red', 'blue'],
    extra: [
      [
        'node1 rules',
        async () =>
          `${await sh('ip', ['-n', 'node1', 'rule'])}${await sh('ip', ['-n', 'node1', '-6', 'rule'])}${await sh('ip', ['-n', 'node1', 'route', 'show', 'table', 'all'])}`,
      ],
    ],
  });

  await check(
    'fabric: ToR and two nodes with red (v4+v6) and blue service addresses',
    async () => {
      const t = twoNodeTopology();
      for (const n of [1, 2] as const) {
        const s = svc(n);
        t.ip(`node${n}`, `addr add ${s.red}/32 dev lo`, `addr add ${s.blue}/32 dev lo`, `addr add ${s.red6}/128 dev lo`);
      }
      await t.apply();
      await startTor();
    },
    { critical: true },
  );

  writeNodeFiles([n1, n2], { 'openpe_10_tenants.yaml': TENANTS_YAML });

  await check(
    'perouterd builds VRFs red and blue; host-e-100 is dual-stack, host-e-200 IPv4',
    async () => {
      measure('perouterd_first_apply_ms', await bringUpNodes([n1, n2], procs));
      const out: string[] = [];
      for (const n of [1, 2] as const) {
        const pe = `pe${n}`;
        const r = await linkMap(pe);
        expectLinks(r, ['red', 'blue', 'br-pe-100', 'vni100', 'pe-e-100', 'br-pe-200', 'vni200', 'pe-e-200'], pe);
        if (r.get('pe-e-100')?.master !== 'red' || r.get('pe-e-200')?.master !== 'blue')
          throw new Error(`${pe}: pe-e-100/200 masters ${r.get('pe-e-100')?.master}/${r.get('pe-e-200')?.master}`);
        const tables = ['red', 'blue'].map((v) => r.get(v)?.linkinfo?.info_data?.table);
        if (tables[0] === tables[1]) throw new Error(`${pe}: VRFs share table ${tables[0]}`);
        const pe100 = await addrsOf(pe, 'pe-e-100');
        if (!pe100.includes('192.169.10.1/24') || !pe100.includes('fd00:169:10::1/64'))
          throw new Error(`${pe}: pe-e-100 addresses ${pe100}`);
        const h = hostIp(n);
        const he100 = await addrsOf(`node${n}`, 'host-e-100');
        const he200 = await addrsOf(`node${n}`, 'host-e-200');
        if (!he100.includes(`${h.red}/24`) || !he100.includes(`${h.red6}/64`)) throw new Error(`node${n}: host-e-100 addresses ${he100}`);
        if (!he200.includes(`${h.blue}/24`)) throw new Error(`node${n}: host-e-200 addresses ${he200}`);
        out.push(
          `${pe}: red table ${tables[0]}, blue table ${tables[1]}; node${n}: host-e-100 ${he100.join(',')}, host-e-200 ${he200.join(',')}`,
        );
      }
      return out.join('; ');
    },
    { critical: true },
  );

  await check('tenant policy routing on the nodes: each service address leaves through its tenant’s veth', async () => {
    for (const n of [1, 2] as const) {
      const s = svc(n);
      await ipBatch(`node${n}`, [
        `rule add from ${s.red} lookup 100 pref 100`,
        'route add default via 192.169.10.1 dev host-e-100 table 100',
        `rule add from ${s.blue} lookup 200 pref 200`,
        'route add default via 192.169.11.1 dev host-e-200 table 200',
      ]);
      await sh('ip', ['-6', '-n', `node${n}`, 'rule', 'add', 'from', s.red6, 'lookup', '100', 'pref', '100']);
      await sh('ip', ['-6', '-n', `node${n}`, 'route', 'add', 'default', 'via', 'fd00:169:10::1', 'dev', 'host-e-100', 'table', '100']);
    }
    const a = (await sh('ip', ['-n', 'node1', 'route', 'get', '10.200.2.1', 'from', svc(1).red])).trim();
    if (!a.includes('dev host-e-100')) throw new Error(`red-sourced traffic to blue's service does not enter red: ${a}`);
    const b = (await sh('ip', ['-n', 'node2', 'route', 'get', '10.100.1.1', 'from', svc(2).blue])).trim();
    if (!b.includes('dev host-e-200')) throw new Error(`blue-sourced traffic does not enter blue: ${b}`);
    const c = (await sh('ip', ['-6', '-n', 'node1', 'route', 'get', svc(2).red6, 'from', svc(1).red6])).trim();
    if (!c.includes('dev host-e-100')) throw new Error(`red IPv6 traffic does not enter red: ${c}`);
    return `${a} | ${b} | ${c}`;
  });

  const budget = new Budget();
  budget.track(
    await check(
      'host speakers start; underlay, red (IPv4 and IPv6) and blue host sessions Established',
      withDiag(diag, async () => {
        await startHostSpeakers({ red6: true });
        const t = Date.now();
        const out: string[] = [];
        out.push(await waitEstablished('tor', '192.168.11.3', 'l2VpnEvpn', 90_000));
        out.push(await waitEstablished('tor', '192.168.12.3', 'l2VpnEvpn', 90_000));
        for (const n of [1, 2] as const) {
          const h = hostIp(n);
          out.push(await waitEstablished(`pe${n}`, h.red, 'ipv4Unicast', 90_000, 'red'));
          out.push(await waitEstablished(`pe${n}`, h.blue, 'ipv4Unicast', 90_000, 'blue'));
        }
        measure('sessions_ms', Date.now() - t);
        return out.join('; ');
      }),
    ),
  );

  // ---------------------------------------------------------------- IPv6 host session
  await check(
    'ipv6-host-session: the IPv6 session is Established in VRF red on both nodes',
    withDiag(diag, async () => {
      const out: string[] = [];
      for (const n of [1, 2] as const) out.push(await waitEstablished(`pe${n}`, hostIp(n).red6, 'ipv6Unicast', budget.ms(90_000), 'red'));
      return out.join('; ');
    }),
  );

  await check(
    'ipv6-host-session: ToR holds type-5 routes for each node’s IPv6 service /128 with the node’s VTEP',
    withDiag(diag, async () => {
      const got = await waitFor(
        async () => {
          const rs = await evpnRoutes('tor', 'prefix');
          const a = type5(rs, svc(1).red6, 128);
          const b = type5(rs, svc(2).red6, 128);
          return nexthopsOf(a).includes(VTEP[1]) && nexthopsOf(b).includes(VTEP[2]) ? [...a, ...b] : undefined;
        },
        budget.ms(90_000),
        'type-5 fd00:100:1::1/128 via 100.65.0.1 and fd00:100:2::1/128 via 100.65.0.2 at the ToR',
      );
      if (!extOf(got).includes('RT:64514:100')) throw new Error(`IPv6 type-5 routes without red's RT: ${fmtRoutes(got)}`);
      return fmtRoutes(got);
    }),
  );

  await check(
    'ipv6-host-session: each node’s VRF red holds the other node’s IPv6 service in FRR and in the kernel',
    withDiag(diag, async () => {
      const out: string[] = [];
      for (const [n, other] of [
        [1, 2],
        [2, 1],
      ] as const) {
        const pfx = `${svc(other).red6}/128`;
        await waitFor(async () => (await frrVrfPrefixes(`pe${n}`, 'red', 6)).includes(pfx), budget.ms(90_000), `pe${n} FRR VRF red ${pfx}`);
        const k = await waitFor(
          async () => (await kernelVrfRoutes(`pe${n}`, 'red', 6)).find((r) => r.startsWith(svc(other).red6)),
          budget.ms(30_000),
          `pe${n} kernel VRF red route to ${pfx}`,
        );
        out.push(`pe${n}: ${k}`);
      }
      // The node's speaker learned it too (over the IPv6 session).
      const j = await vtyshJson<Record<string, unknown>>('node1', `show bgp ipv6 unicast ${svc(2).red6}/128 json`);
      if (!j || !('paths' in j)) throw new Error(`node1 speaker has no IPv6 route to ${svc(2).red6}: ${JSON.stringify(j).slice(0, 300)}`);
      return out.join('; ');
    }),
  );

  await check(
    'ipv6-host-session: ping6 between the red IPv6 service addresses of node1 and node2',
    withDiag(diag, async () => {
      const p = await waitFor(
        () => ping('node1', svc(2).red6, { source: svc(1).red6, count: 3 }),
        budget.ms(60_000),
        'ping6 node1 → node2',
        2000,
      );
      const q = await ping('node2', svc(1).red6, { source: svc(2).red6, count: 3 });
      return `node1→node2: ${p}; node2→node1: ${q}`;
    }),
  );

  // ---------------------------------------------------------------- tenant isolation
  await check(
    'tenant-isolation: red reaches red and blue reaches blue across the nodes',
    withDiag(diag, async () => {
      const r = await waitFor(
        () => ping('node1', svc(2).red, { source: svc(1).red, count: 3 }),
        budget.ms(60_000),
        'red node1 → red node2',
        2000,
      );
      const b = await waitFor(
        () => ping('node1', svc(2).blue, { source: svc(1).blue, count: 3 }),
        budget.ms(60_000),
        'blue node1 → blue node2',
        2000,
      );
      return `red: ${r}; blue: ${b}`;
    }),
  );

  await check(
    'tenant-isolation: VRF red holds no blue route and VRF blue no red route (FRR and kernel, both nodes); the ToR keeps them apart by route target',
    withDiag(diag, async () => {
      const out: string[] = [];
      for (const n of [1, 2] as const) {
        const pe = `pe${n}`;
        const red4 = await frrVrfPrefixes(pe, 'red', 4);
        const blue4 = await frrVrfPrefixes(pe, 'blue', 4);
        const kRed = await kernelVrfRoutes(pe, 'red', 4);
        const kBlue = await kernelVrfRoutes(pe, 'blue', 4);
        // Positive control: each VRF does hold its own tenant's remote service.
        const other = svc(n === 1 ? 2 : 1);
        if (!red4.includes(`${other.red}/32`)) throw new Error(`${pe} VRF red lacks red's ${other.red}/32: ${red4}`);
        if (!blue4.includes(`${other.blue}/32`)) throw new Error(`${pe} VRF blue lacks blue's ${other.blue}/32: ${blue4}`);
        const leakRed = [...red4, ...kRed].filter((p) => p.startsWith('10.200.') || p.startsWith('192.169.11.'));
        const leakBlue = [...blue4, ...kBlue].filter((p) => p.startsWith('10.100.') || p.startsWith('192.169.10.'));
        if (leakRed.length || leakBlue.length)
          throw new Error(`${pe}: blue routes in VRF red: ${leakRed}; red routes in VRF blue: ${leakBlue}`);
        out.push(`${pe} red: ${red4.join(',')}; blue: ${blue4.join(',')}`);
      }
      const rs = await evpnRoutes('tor', 'prefix');
      for (const [s, rt] of [
        [svc(2).red, '64514:100'],
        [svc(2).blue, '64514:200'],
      ] as const) {
        const e = extOf(type5(rs, s, 32));
        const wrong = rt === '64514:100' ? 'RT:64514:200' : 'RT:64514:100';
        if (!e.includes(`RT:${rt}`) || e.includes(wrong)) throw new Error(`type-5 ${s}/32 carries "${e}", want only RT:${rt}`);
      }
      return out.join(' | ');
    }),
  );

  await check(
    'tenant-isolation: a host on red cannot reach blue’s services and blue cannot reach red’s (pings enter the source tenant’s VRF and fail there)',
    withDiag(diag, async () => {
      const out: string[] = [];
      // Blue is up right now (positive control in the same check).
      await ping('node1', svc(2).blue, { source: svc(1).blue, count: 2 });
      out.push(`red→blue@node2: ${await pingFails('node1', svc(2).blue, { source: svc(1).red, count: 3 })}`);
      out.push(`red→blue@node1 via fabric: ${await pingFails('node2', svc(1).blue, { source: svc(2).red, count: 3 })}`);
      out.push(`blue→red@node2: ${await pingFails('node1', svc(2).red, { source: svc(1).blue, count: 3 })}`);
      // What VRF red does with a blue destination, per the kernel.
      const get = await sh('ip', ['-n', 'pe1', 'route', 'get', svc(2).blue, 'vrf', 'red'], { allowFail: true });
      const getErr = (await sh('sh', ['-c', `ip -n pe1 route get ${svc(2).blue} vrf red 2>&1 || true`])).trim();
      measure('pe1_vrf_red_lookup_of_blue_service', getErr || get.trim());
      return out.join('; ');
    }),
  );
}

runScenario(main);
