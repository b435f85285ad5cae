// Looking into a running node (issue 12), on two nodes with real FRR and the real perouterd:
// L3VNIs red (100) and blue (200) with host sessions, L2VNI 110 routed into red, BFD on the
// underlay session of node1. `perouterd status -o json` must list the Established neighbours,
// the VNIs and their remote VTEPs as FRR's own `show … json` has them.
//
// `--capture <dir>` (run by hand with test/lab/harness/run.js) also writes the JSON FRR
// prints for the commands perouterd reads, to refresh test/fixtures/frr-json/.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { check, measure, onFinish, runScenario } from '../harness/results.js';
import { run, waitFor } from '../harness/fabric.js';
import { startFrr, vtysh, vtyshJson } from '../harness/frr.js';
import { bringUpNodes, PEROUTERD, writeConfig, type PerouterdNode, type PerouterdProcess } from '../harness/perouterd.js';
import { diagnoser, finishNodes, waitEstablished, withDiag } from '../harness/evpn.js';
import { torConfig } from '../fixtures/frr-configs.js';
import { node, perouterdNodes, svc, twoNodeTopology } from '../fixtures/two-nodes.js';
import { BLUE, RED, RED_L2_ITEM, l3vnisYaml, underlayYaml } from '../fixtures/yaml.js';
import { startHostSpeakers } from '../fixtures/bring-up.js';

const L2_YAML = `l2vnis:\n${RED_L2_ITEM}`;
const BFD_NEIGHBOR = '        bfd:\n          receiveInterval: 300\n          transmitInterval: 300\n';

/** The commands perouterd's FRR state collection runs (src/observe/frr-state.ts). */
export const FRR_COMMANDS = ['show bgp vrf all summary json', 'show evpn vni detail json', 'show bfd peers json'];

/** What `perouterd status` prints: run as an operator would, outside the node's namespaces. */
export async function perouterdStatus(
  n: PerouterdNode,
  args: string[] = ['-o', 'json'],
): Promise<{ code: number; out: string; err: string }> {
  const r = await run(process.execPath, [PEROUTERD, 'status', '--state-dir', n.stateDir, ...args], { allowFail: true, timeoutMs: 30_000 });
  return { code: r.code, out: r.stdout, err: r.stderr };
}

interface StatusJson {
  health: string;
  reasons: string[];
  bgp?: { neighbors: Array<{ vrf: string; peer: string; state: string; afi: string; safi: string; prefixesReceived?: number }> };
  evpn?: { vnis: Array<{ vni: number; type: string; vrf?: string; remoteVteps: string[] }> };
  bfd?: { peers: Array<{ peer: string; status: string }> };
}

type Summary = Record<string, Record<string, { peers?: Record<string, { state: string }> } | unknown>>;

/** Established (vrf, peer, address family as `ipv4unicast`) triples from FRR's own `show bgp vrf all summary json`. */
async function frrEstablished(pe: string): Promise<string[]> {
  const s = await vtyshJson<Summary>(pe, 'show bgp vrf all summary json');
  const out: string[] = [];
  for (const [vrf, afis] of Object.entries(s))
    for (const [af, v] of Object.entries(afis))
      for (const [peer, p] of Object.entries((v as { peers?: Record<string, { state: string }> }).peers ?? {}))
        if (p.state === 'Established') out.push(`${vrf} ${peer} ${af.toLowerCase()}`);
  return out.sort();
}

async function main(): Promise<void> {
  const capture = process.argv.includes('--capture') ? process.argv[process.argv.indexOf('--capture') + 1] : undefined;
  const [n1, n2] = perouterdNodes();
  const procs: PerouterdProcess[] = [];
  onFinish(() => finishNodes(procs, [n1, n2], ['pe1', 'pe2', 'tor']));
  const diag = diagnoser({ pes: ['pe1', 'pe2'], nodes: ['node1', 'node2'], vrfs: ['red', 'blue'] });

  await check(
    'fabric: ToR (with bfdd) and two nodes wired',
    async () => {
      const t = twoNodeTopology();
      for (const n of [1, 2] as const)
        t.ip(`node${n}`, `addr add ${svc(n).red}/32 dev lo`).ip(`node${n}`, `addr add ${svc(n).blue}/32 dev lo`);
      await t.apply();
      await startFrr('tor', {
        daemons: ['zebra', 'bfdd', 'bgpd'],
        config: torConfig({
          peers: [
            { addr: node(1).nicAddr, asn: 64514, bfd: true },
            { addr: node(2).nicAddr, asn: 64514 },
          ],
        }),
      });
    },
    { critical: true },
  );

  for (const [n, no] of [
    [n1, 1],
    [n2, 2],
  ] as const) {
    writeConfig(n, 'openpe_00_underlay.yaml', underlayYaml(node(no).torAddr, no === 1 ? { extraNeighborYaml: BFD_NEIGHBOR } : {}));
    writeConfig(n, 'openpe_10_tenants.yaml', l3vnisYaml(RED, BLUE));
    writeConfig(n, 'openpe_20_l2.yaml', L2_YAML);
  }

  await check(
    'perouterd applies L3VNIs red and blue and L2VNI 110 on both nodes',
    async () => measure('perouterd_first_apply_ms', await bringUpNodes([n1, n2], procs)),
    { critical: true },
  );

  await check(
    'host speakers start; underlay, red and blue sessions Established; remote VTEPs known',
    withDiag(diag, async () => {
      await startHostSpeakers();
      const t = Date.now();
      for (const n of [1, 2] as const) {
        await waitEstablished('tor', node(n).nicAddr, 'l2VpnEvpn', 90_000);
        await waitEstablished(`pe${n}`, `192.169.10.${n + 2}`, 'ipv4Unicast', 90_000, 'red');
        await waitEstablished(`pe${n}`, `192.169.11.${n + 2}`, 'ipv4Unicast', 90_000, 'blue');
      }
      // Both the L2VNI's flood list (type-3) and the L3VNIs' router MACs (type-5) point at the other VTEP.
      await waitFor(
        async () => {
          const v = await vtyshJson<Record<string, { numRemoteVteps?: number | string }>>('pe1', 'show evpn vni json');
          return Number(v['110']?.numRemoteVteps ?? 0) >= 1 ? true : undefined;
        },
        60_000,
        'pe1 to know node2 as a remote VTEP of VNI 110',
      );
      measure('sessions_ms', Date.now() - t);
    }),
    { critical: true },
  );

  if (capture) {
    await check('capture FRR JSON for the parser fixtures', async () => {
      const version = (await vtysh('pe1', 'show version')).match(/FRRouting (\d+\.\d+)/)?.[1] ?? 'unknown';
      const dir = join(capture, `frr-${version}`);
      mkdirSync(dir, { recursive: true });
      const extra = [
        'show evpn vni json',
        'show evpn rmac vni all json',
        'show evpn next-hops vni all json',
        'show bgp vrf all neighbors json',
      ];
      for (const cmd of [...FRR_COMMANDS, ...extra])
        writeFileSync(
          join(
            dir,
            `${cmd
              .replace(/^show /, '')
              .replace(/ json$/, '')
              .replace(/ /g, '-')}.json`,
          ),
          await vtysh('pe1', cmd),
        );
      return dir;
    });
  }

  await check(
    'status: perouterd status -o json lists the Established neighbours, VNIs and remote VTEPs FRR shows',
    withDiag(diag, async () => {
      const out: string[] = [];
      for (const [n, pe, other] of [
        [n1, 'pe1', node(2).vtep],
        [n2, 'pe2', node(1).vtep],
      ] as const) {
        const t = Date.now();
        const r = await perouterdStatus(n);
        measure(`status_ms_${n.name}`, Date.now() - t);
        const s = JSON.parse(r.out || '{}') as StatusJson;
        if (r.code !== 0 || s.health !== 'healthy')
          throw new Error(`${n.name}: perouterd status exited ${r.code} (${r.err.trim()}), health ${s.health}: ${s.reasons?.join('; ')}`);
        const want = await frrEstablished(pe);
        const have = (s.bgp?.neighbors ?? [])
          .filter((x) => x.state === 'Established')
          .map((x) => `${x.vrf} ${x.peer} ${x.afi}${x.safi}`)
          .sort();
        if (JSON.stringify(have) !== JSON.stringify(want))
          throw new Error(`${n.name}: status neighbours ${have.join(', ')}; FRR ${want.join(', ')}`);
        const frrVnis = await vtyshJson<Record<string, { type: string; numRemoteVteps?: number | string }>>(pe, 'show evpn vni json');
        const vnis = s.evpn?.vnis ?? [];
        const vniKeys = vnis.map((v) => `${v.vni}:${v.type}`).sort();
        const frrKeys = Object.entries(frrVnis)
          .map(([k, v]) => `${k}:${v.type}`)
          .sort();
        if (JSON.stringify(vniKeys) !== JSON.stringify(frrKeys)) throw new Error(`${n.name}: status VNIs ${vniKeys}; FRR ${frrKeys}`);
        const l2 = vnis.find((v) => v.vni === 110);
        if (!l2?.remoteVteps.includes(other)) throw new Error(`${n.name}: VNI 110 remote VTEPs ${l2?.remoteVteps}; want ${other}`);
        for (const l3 of [100, 200]) {
          const v = vnis.find((x) => x.vni === l3);
          if (!v?.remoteVteps.includes(other)) throw new Error(`${n.name}: VNI ${l3} remote VTEPs ${v?.remoteVteps}; want ${other}`);
        }
        out.push(`${n.name}: ${have.length} Established (${have.join(', ')}); VNIs ${vniKeys.join(' ')}`);
      }
      const table = await perouterdStatus(n1, []);
      measure('status_table_node1', table.out);
      const bfd = JSON.parse((await perouterdStatus(n1)).out) as StatusJson;
      if (!bfd.bfd?.peers.some((p) => p.peer === node(1).torAddr && p.status === 'up'))
        throw new Error(`node1: BFD peers ${JSON.stringify(bfd.bfd)}`);
      return out.join('; ');
    }),
  );
}

runScenario(main);
