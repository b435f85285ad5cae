// `perouterd trace` and `perouterd support-bundle` against the real kernel, FRR and perouterd
// (issue 12): two nodes with tenants red (L3VNI 100) and blue (L3VNI 200); each node's host
// speaker announces its service addresses 10.100.N.1 (red) and 10.200.N.1 (blue).
//
//   * trace from node1's red service to node2's: VRF red, VNI 100, remote VTEP 100.65.0.2,
//     the router MAC and the underlay next hop, each compared with what `ip` and vtysh show;
//   * trace from node1's red service to node2's blue service: stops in VRF red (isolation);
//   * a support bundle of node1, unpacked and its contents checked.
import { mkdtempSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { check, measure, onFinish, runScenario } from '../harness/results.js';
import { run, sh, waitFor } from '../harness/fabric.js';
import { PEROUTERD, type PerouterdNode, type PerouterdProcess, bringUpNodes } from '../harness/perouterd.js';
import { diagnoser, finishNodes, kernelVrfRoutes, waitEstablished, withDiag } from '../harness/evpn.js';
import { node, perouterdNodes, svc, twoNodeTopology } from '../fixtures/two-nodes.js';
import { BLUE, l3vnisYaml, RED } from '../fixtures/yaml.js';
import { startTor, writeNodeFiles, startHostSpeakers } from '../fixtures/bring-up.js';

const hostIp = (n: 1 | 2) => ({ red: `192.169.10.${n + 2}`, blue: `192.169.11.${n + 2}` });

/** How long each one-shot command took (ms), in call order: the figure to watch, not a check. */
const cliMs: Record<string, number[]> = {};

/**
 * Runs a perouterd command as the node would (its host network namespace). The guard is against
 * a hang, not a measure of speed, hence 90 s; the durations are recorded (cli_ms) with
 * `node -e 0` run the same way (node_e0_ms) as their floor.
 */
async function perouterd(n: PerouterdNode, args: string[], opts: { allowFail?: boolean } = {}): Promise<string> {
  const r = await run(
    'nsenter',
    [
      `--net=/run/netns/${n.hostNs}`,
      '--',
      process.execPath,
      PEROUTERD,
      ...args,
      ...(args[0] === 'status' ? [] : ['--config-dir', n.configDir, '--node-config', n.nodeConfig]),
    ],
    { timeoutMs: 90_000, ...opts },
  );
  (cliMs[args[0] ?? ''] ??= []).push(r.ms);
  measure('cli_ms', cliMs);
  return r.stdout;
}

/** `node -e 0` run the way perouterd is: the floor the command durations compare to. */
async function nodeFloorMs(n: PerouterdNode): Promise<number> {
  return (await run('nsenter', [`--net=/run/netns/${n.hostNs}`, '--', process.execPath, '-e', '0'])).ms;
}

interface TraceJson {
  verdict: string;
  kernelRoute?: { dst: string; table: number };
  ingress?: { vrf: string; vni?: number; why: string };
  vxlan?: Array<{ vni: number; remoteVtep: string; routerMac?: string; underlay: Array<{ gateway?: string; dev?: string }> }>;
  drop?: { reason: string; at: string; detail: string };
}

async function main(): Promise<void> {
  const [n1, n2] = perouterdNodes();
  const procs: PerouterdProcess[] = [];
  onFinish(() => finishNodes(procs, [n1, n2], ['pe1', 'pe2', 'tor']));
  const diag = diagnoser({ pes: ['pe1', 'pe2'], nodes: ['node1', 'node2'], vrfs: ['red', 'blue'] });

  await check(
    'fabric, perouterd on both nodes with red and blue, host speakers Established, node2’s red service routed in pe1',
    withDiag(diag, async () => {
      const t = twoNodeTopology();
      for (const n of [1, 2] as const) t.ip(`node${n}`, `addr add ${svc(n).red}/32 dev lo`, `addr add ${svc(n).blue}/32 dev lo`);
      await t.apply();
      await startTor();
      writeNodeFiles([n1, n2], { 'openpe_10_tenants.yaml': l3vnisYaml(RED, BLUE) });
      measure('perouterd_first_apply_ms', await bringUpNodes([n1, n2], procs));
      await startHostSpeakers();
      for (const n of [1, 2] as const) {
        await waitEstablished(`pe${n}`, hostIp(n).red, 'ipv4Unicast', 90_000, 'red');
        await waitEstablished(`pe${n}`, hostIp(n).blue, 'ipv4Unicast', 90_000, 'blue');
      }
      return waitFor(
        async () => (await kernelVrfRoutes('pe1', 'red')).find((r) => r.startsWith(svc(2).red)),
        60_000,
        'pe1 VRF red route to node2 red',
      );
    }),
    { critical: true },
  );

  await check(
    'trace: node2’s red service from node1’s red service names VRF red, VNI 100, remote VTEP, router MAC and underlay next hop (as ip and vtysh show them)',
    withDiag(diag, async () => {
      const text = await perouterd(n1, ['trace', svc(2).red, '--from', svc(1).red, '--netns', 'pe1']);
      measure('trace_text_remote_service', text);
      const [r, ...more] = JSON.parse(
        await perouterd(n1, ['trace', svc(2).red, '--from', svc(1).red, '--netns', 'pe1', '-o', 'json']),
      ) as TraceJson[];
      if (!r || more.length) throw new Error(`one result expected: ${text}`);
      const p = r.vxlan?.[0];
      if (r.verdict !== 'vxlan' || r.ingress?.vrf !== 'red' || r.ingress.vni !== 100 || p?.vni !== 100 || p.remoteVtep !== node(2).vtep)
        throw new Error(`trace says: ${text}`);
      const table = JSON.parse(await sh('ip', ['-n', 'pe1', '-d', '-j', 'link', 'show', 'red'])) as Array<{
        linkinfo?: { info_data?: { table?: number } };
      }>;
      if (r.kernelRoute?.dst !== `${svc(2).red}/32` || r.kernelRoute.table !== table[0]?.linkinfo?.info_data?.table)
        throw new Error(`kernel route ${JSON.stringify(r.kernelRoute)}, VRF red's table ${table[0]?.linkinfo?.info_data?.table}`);
      // The underlay next hop as the kernel resolves it, and the router MAC zebra installed on the L3VNI bridge.
      const get = await sh('ip', ['-n', 'pe1', 'route', 'get', node(2).vtep]);
      if (!p.underlay.some((h) => h.gateway === node(1).torAddr && get.includes(`via ${node(1).torAddr}`)))
        throw new Error(`underlay ${JSON.stringify(p.underlay)} vs ip route get: ${get}`);
      const neigh = await sh('ip', ['-n', 'pe1', 'neigh', 'show', node(2).vtep, 'dev', 'br-pe-100']);
      if (!p.routerMac || !neigh.includes(p.routerMac)) throw new Error(`router MAC ${p.routerMac} vs ip neigh: ${neigh}`);
      return text.trim().replace(/\n/g, ' | ');
    }),
  );

  await check(
    'trace: node2’s blue service from node1’s red service stops in VRF red (isolation, names blue)',
    withDiag(diag, async () => {
      const text = await perouterd(n1, ['trace', svc(2).blue, '--from', svc(1).red, '--netns', 'pe1']);
      measure('trace_text_other_tenant', text);
      const [r] = JSON.parse(
        await perouterd(n1, ['trace', svc(2).blue, '--from', svc(1).red, '--netns', 'pe1', '-o', 'json']),
      ) as TraceJson[];
      if (r?.verdict !== 'dropped' || r.drop?.reason !== 'isolation' || r.drop.at !== 'VRF red' || !r.drop.detail.includes('VRF blue'))
        throw new Error(`trace says: ${text}`);
      return text.trim().replace(/\n/g, ' | ');
    }),
  );

  await check(
    'support-bundle: a 0600 tar.gz with configs, frr.conf (rendered and running), FRR JSON, kernel state of both namespaces, status, versions',
    withDiag(diag, async () => {
      const dir = mkdtempSync('/tmp/lab-bundle-');
      const file = join(dir, 'b.tar.gz');
      await perouterd(n1, ['support-bundle', '-o', file, '--netns', 'pe1', '--state-dir', n1.stateDir]);
      await perouterd(n1, ['status', '--state-dir', n1.stateDir], { allowFail: true });
      measure('node_e0_ms', [await nodeFloorMs(n1), await nodeFloorMs(n1)]);
      if ((statSync(file).mode & 0o777) !== 0o600) throw new Error(`mode ${(statSync(file).mode & 0o777).toString(8)}`);
      await sh('tar', ['-xzf', file, '-C', dir]);
      const top = join(dir, readdirSync(dir).find((d) => d.startsWith('perouterd-support-')) ?? '');
      const names = (await sh('tar', ['-tzf', file]))
        .split('\n')
        .filter(Boolean)
        .map((n) => n.slice(n.indexOf('/') + 1));
      measure('support_bundle_files', names);
      for (const want of [
        'MANIFEST.txt',
        'config/node-config.yaml',
        'config/configs/openpe_10_tenants.yaml',
        'frr/frr.conf.rendered',
        'frr/running-config',
        'frr/bgp-summary.json',
        'frr/evpn-vni.json',
        'kernel/host.json',
        'kernel/router.json',
        'status.json',
        'versions.json',
      ])
        if (!names.includes(want)) throw new Error(`${want} missing: ${names.join(' ')}`);
      const router = JSON.parse(readFileSync(join(top, 'kernel/router.json'), 'utf8')) as {
        links: Array<{ name: string }>;
        fdb: Array<{ dst?: string }>;
      };
      for (const l of ['red', 'blue', 'br-pe-100', 'vni100', 'pe-e-100'])
        if (!router.links.some((x) => x.name === l)) throw new Error(`kernel/router.json lacks ${l}`);
      const vnis = JSON.parse(readFileSync(join(top, 'frr/evpn-vni.json'), 'utf8')) as Record<string, unknown>;
      if (!JSON.stringify(vnis).includes('100')) throw new Error(`evpn-vni.json: ${JSON.stringify(vnis).slice(0, 300)}`);
      if (!readFileSync(join(top, 'frr/running-config'), 'utf8').includes('vni 100')) throw new Error('running-config lacks vni 100');
      return `${names.length} files: ${names.join(' ')}; MANIFEST not collected: ${readFileSync(join(top, 'MANIFEST.txt'), 'utf8').split('not collected:\n')[1]?.trim().replace(/\n\s*/g, '; ')}`;
    }),
  );
}

runScenario(main);
