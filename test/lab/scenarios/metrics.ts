// The HTTP endpoint of `perouterd run` (issue 12: metrics and health), on one node against the
// ToR with real FRR, read with curl inside the node's network namespace on its default address
// (127.0.0.1:9080): /readyz 503 before the static configuration is applied and 200 after,
// /healthz following FRR, /metrics showing the BGP sessions Established and the reconcile and
// netlink counters moving after a file change.
import { existsSync } from 'node:fs';
import { check, log, measure, onFinish, runScenario } from '../harness/results.js';
import { run, waitFor } from '../harness/fabric.js';
import { startNodeFrr } from '../harness/frr.js';
import { startPerouterd, waitForReconcile, writeConfig, readStatus, type PerouterdProcess } from '../harness/perouterd.js';
import { finishNodes, waitEstablished } from '../harness/evpn.js';
import { startTor, writeNodeFiles } from '../fixtures/bring-up.js';
import { node, perouterdNodes, twoNodeTopology } from '../fixtures/two-nodes.js';
import { BLUE, RED, l3vnisYaml } from '../fixtures/yaml.js';

/** GET through curl in the node's namespace, as an operator or a probe would. */
async function curl(ns: string, path: string): Promise<{ status: number; body: string }> {
  const r = await run('ip', ['netns', 'exec', ns, 'curl', '-sS', '-m', '10', '-w', '\n%{http_code}', `http://127.0.0.1:9080${path}`], {
    allowFail: true,
    timeoutMs: 15_000,
  });
  const lines = r.stdout.split('\n');
  const status = Number(lines.pop());
  if (!(status > 0)) throw new Error(`curl ${path} in ${ns}: exit ${r.code} ${r.stderr.trim()}`);
  return { status, body: lines.join('\n') };
}

/** The value of one sample line (`name{labels} value`), 0 when absent. */
function sample(body: string, series: string): number {
  const line = body.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? 0 : Number(line.slice(series.length + 1));
}

const sum = (body: string, name: string): number =>
  body
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);

async function main(): Promise<void> {
  const [n1] = perouterdNodes();
  const procs: PerouterdProcess[] = [];
  onFinish(() => finishNodes(procs, [n1], ['pe1', 'tor']));

  await check(
    'fabric: ToR and node1 wired; perouterd runs with L3VNI red, FRR not started yet',
    async () => {
      await twoNodeTopology().apply();
      await startTor();
      writeNodeFiles([n1], { 'openpe_10_red.yaml': l3vnisYaml(RED) });
      procs.push(startPerouterd(n1));
      await waitFor(() => existsSync(`/run/netns/${n1.routerNs}`), 90_000, 'router namespace', 200);
    },
    { critical: true },
  );

  await check(
    '/readyz answers 503 with the reason before the static configuration is applied; /healthz 503 without FRR',
    async () => {
      const ready = await waitFor(async () => curl('node1', '/readyz').catch(() => undefined), 30_000, 'the endpoint to answer', 200);
      if (ready.status !== 503 || !/not applied yet/.test(ready.body)) throw new Error(`/readyz ${ready.status} ${ready.body}`);
      const live = await curl('node1', '/healthz');
      if (live.status !== 503) throw new Error(`/healthz ${live.status} ${live.body}`);
      return `/readyz 503 "${ready.body.trim()}"; /healthz 503 "${live.body.trim()}"`;
    },
    { critical: true },
  );

  await check(
    '/readyz and /healthz answer 200 "ok" once FRR runs and the configuration is applied',
    async () => {
      await startNodeFrr(n1.routerNs);
      const t = Date.now();
      await waitForReconcile(n1, 0, 150_000);
      const ready = await curl('node1', '/readyz');
      measure('ready_after_frr_ms', Date.now() - t);
      const live = await waitFor(async () => ((await curl('node1', '/healthz')).status === 200 ? true : undefined), 10_000, '/healthz 200');
      if (ready.status !== 200 || ready.body !== 'ok') throw new Error(`/readyz ${ready.status} ${ready.body}`);
      return `/readyz 200 ok; /healthz ${live}`;
    },
    { critical: true },
  );

  await check('/metrics shows the underlay BGP sessions Established (ipv4 unicast and l2vpn evpn)', async () => {
    await waitEstablished('tor', node(1).nicAddr, 'l2VpnEvpn', 90_000);
    const established = (b: string, af: string): number =>
      sample(b, `perouterd_bgp_sessions{vrf="default",address_family="${af}",state="Established"}`);
    const m = await waitFor(
      async () => {
        const r = await curl('node1', '/metrics');
        return established(r.body, 'ipv4-unicast') >= 1 && established(r.body, 'l2vpn-evpn') >= 1 ? r : undefined;
      },
      30_000, // the FRR read is cached for 5 s
      'perouterd_bgp_sessions Established in /metrics',
      1000,
    );
    if (!/^perouterd_evpn_dataplane_faults 0$/m.test(m.body)) throw new Error('perouterd_evpn_dataplane_faults 0 missing');
    if (!/^perouterd_evpn_remote_vteps\{vni="\d+",type="L3"\} \d+$/m.test(m.body)) throw new Error('no perouterd_evpn_remote_vteps series');
    const lines = m.body
      .split('\n')
      .filter((l) => /^perouterd_(bgp_sessions|evpn_vnis|evpn_remote_vteps|evpn_dataplane_faults|frr_state_up)/.test(l));
    return lines.join('; ');
  });

  await check('/metrics: a file change moves perouterd_reconciles_total{trigger="file-change"} and the netlink counters', async () => {
    const before = (await curl('node1', '/metrics')).body;
    const after0 = readStatus(n1)?.reconciles ?? 0;
    writeConfig(n1, 'openpe_20_blue.yaml', l3vnisYaml(BLUE));
    await waitForReconcile(n1, after0, 60_000);
    const after = (await curl('node1', '/metrics')).body;
    const changes = (b: string) => sample(b, 'perouterd_reconciles_total{trigger="file-change",outcome="applied"}');
    const newlinks = (b: string) => sample(b, 'perouterd_netlink_requests_total{kind="RTM_NEWLINK"}');
    if (changes(after) <= changes(before)) throw new Error(`file-change reconciles ${changes(before)} -> ${changes(after)}`);
    if (newlinks(after) <= newlinks(before)) throw new Error(`RTM_NEWLINK requests ${newlinks(before)} -> ${newlinks(after)}`);
    const applied = sample(after, 'perouterd_resources{kind="L3VNI",state="applied"}');
    if (applied !== 2) throw new Error(`perouterd_resources L3VNI applied ${applied}, want 2`);
    return `reconciles ${sum(before, 'perouterd_reconciles_total')} -> ${sum(after, 'perouterd_reconciles_total')}; file-change ${changes(before)} -> ${changes(after)}; RTM_NEWLINK ${newlinks(before)} -> ${newlinks(after)}; FRR reloads ${sum(after, 'perouterd_frr_reloads_total')}`;
  });

  await check('the endpoint listens on loopback only', async () => {
    const ss = (await run('ip', ['netns', 'exec', 'node1', 'ss', '-Htln', 'sport = :9080'])).stdout.trim();
    if (!/^LISTEN\s.*\s127\.0\.0\.1:9080\s/m.test(ss) || ss.split('\n').length !== 1) throw new Error(`listeners: ${ss}`);
    return ss.replace(/\s+/g, ' ');
  });

  // For the README's example: perouterd's own series as the lab printed them.
  const body = (await curl('node1', '/metrics').catch(() => ({ body: '' }))).body;
  for (const line of body.split('\n').filter((l) => /^perouterd_/.test(l) && !/_bucket\{/.test(l))) log(`scrape: ${line}`);
}

runScenario(main);
