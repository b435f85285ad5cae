// Config management replacing node1's configuration directory again and again while a
// 10 ms ping runs over L3VNI red between the two nodes (issue 8, "transient states are
// never applied"). Each round produces the transient states real tools leave behind:
//   1. rename away, recreate, copy the files back (mv; mkdir; cp);
//   2. the directory gone for 1.5 s with a SIGHUP in the middle (rm -rf; kill -HUP; cp -r);
//   3. a half-written file (valid YAML prefix: `l3vnis:` only) completed 300 ms later;
//   4. rsync to a temporary name, then rename over the live file;
//   5. rsync-style directory swap: build configs.tmp, rename the live one away, rename in.
// Expected: no ping lost, red's kernel objects never recreated, no kernel write and no FRR
// reload for a configuration that ends up the same, and status ready with red at the end.
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { check, measure, onFinish, runScenario } from '../harness/results.js';
import { waitFor } from '../harness/fabric.js';
import { startFrr } from '../harness/frr.js';
import { readStatus, bringUpNodes, type PerouterdProcess } from '../harness/perouterd.js';
import { ContinuousPing, diagnoser, finishNodes, linkIndexes, withDiag, appliedL3vnis } from '../harness/evpn.js';
import { speakerConfig } from '../fixtures/frr-configs.js';
import { perouterdNodes, svc, twoNodeTopology } from '../fixtures/two-nodes.js';
import { RED_YAML } from '../fixtures/yaml.js';
import { redUp, startTor, writeNodeFiles } from '../fixtures/bring-up.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const [n1, n2] = perouterdNodes();
  const procs: PerouterdProcess[] = [];
  let cping: ContinuousPing | undefined;
  onFinish(async () => {
    if (cping) await cping.stop().catch(() => undefined);
    await finishNodes(procs, [n1, n2], ['pe1', 'pe2', 'tor']);
  });
  const diag = diagnoser({ pes: ['pe1', 'pe2'], nodes: ['node1', 'node2'], vrfs: ['red'] });
  const files: Record<string, Record<string, string>> = {};

  await check(
    'fabric and two nodes with L3VNI red; node1 pings node2 over red',
    withDiag(diag, async () => {
      await twoNodeTopology()
        .ip('node1', `addr add ${svc(1).red}/32 dev lo`)
        .ip('node2', `addr add ${svc(2).red}/32 dev lo`)
        .apply();
      await startTor();
      Object.assign(files, writeNodeFiles([n1, n2], { 'openpe_10_red.yaml': RED_YAML }));
      await bringUpNodes([n1, n2], procs);
      for (const n of [1, 2] as const)
        await startFrr(`node${n}`, {
          daemons: ['zebra', 'bgpd'],
          config: speakerConfig(`node${n}`, svc(n).red, [{ addr: '192.169.10.1', announce: [`${svc(n).red}/32`] }]),
        });
      return redUp();
    }),
    { critical: true },
  );

  const cfg = n1.configDir;
  const all = files[n1.name]!;
  const writeAll = (dir: string): void => {
    mkdirSync(dir, { recursive: true });
    for (const [f, y] of Object.entries(all)) writeFileSync(join(dir, f), y);
  };
  const before = { pe1: await linkIndexes('pe1'), node1: await linkIndexes('node1') };
  const s0 = readStatus(n1)!;
  cping = new ContinuousPing('node1', svc(2).red, { source: svc(1).red, intervalSec: 0.01 });
  await waitFor(() => cping!.repliesSoFar() >= 50, 10_000, 'continuous ping replies', 100);
  const seen = new Set<string>();
  const watchStates = setInterval(() => {
    const s = readStatus(n1);
    if (s) seen.add(s.state);
  }, 50);
  const ROUNDS = 3;

  await check(
    `config-replace: ${ROUNDS} rounds of rename-away, directory gone + SIGHUP, half-written file, rsync temp+rename, directory swap`,
    withDiag(diag, async () => {
      for (let round = 0; round < ROUNDS; round++) {
        renameSync(cfg, `${cfg}.old`);
        await sleep(200);
        mkdirSync(cfg);
        await sleep(100);
        writeAll(cfg);
        rmSync(`${cfg}.old`, { recursive: true });
        await sleep(700);

        rmSync(cfg, { recursive: true });
        await sleep(700);
        procs[0]!.signal('SIGHUP');
        await sleep(800);
        writeAll(cfg);
        await sleep(500);

        writeFileSync(join(cfg, 'openpe_10_red.yaml'), 'l3vnis:\n');
        await sleep(300);
        writeFileSync(join(cfg, 'openpe_10_red.yaml'), RED_YAML);
        await sleep(500);

        writeFileSync(join(cfg, '.openpe_10_red.yaml.Xy12ab'), RED_YAML);
        renameSync(join(cfg, '.openpe_10_red.yaml.Xy12ab'), join(cfg, 'openpe_10_red.yaml'));
        await sleep(500);

        writeAll(`${cfg}.tmp`);
        renameSync(cfg, `${cfg}.old`);
        renameSync(`${cfg}.tmp`, cfg);
        rmSync(`${cfg}.old`, { recursive: true });
        await sleep(1000);
      }
      return `${ROUNDS} rounds done`;
    }),
  );

  await check(
    'config-replace: node1 ends ready with red, red’s objects never recreated, no kernel write and no FRR reload',
    withDiag(diag, async () => {
      const end = await waitFor(
        () => {
          const s = readStatus(n1);
          return s && s.state === 'ready' && s.reconciles > s0.reconciles && appliedL3vnis(n1).includes(100) ? s : undefined;
        },
        60_000,
        'node1 ready with red',
        250,
      );
      await sleep(3000);
      clearInterval(watchStates);
      const now = { pe1: await linkIndexes('pe1'), node1: await linkIndexes('node1') };
      const bad: string[] = [];
      if (JSON.stringify(now) !== JSON.stringify(before)) bad.push(`links changed: ${JSON.stringify(before)} → ${JSON.stringify(now)}`);
      const s = readStatus(n1)!;
      if (s.kernel.writesTotal !== s0.kernel.writesTotal) bad.push(`${s.kernel.writesTotal - s0.kernel.writesTotal} netlink writes`);
      if (s.frr.reloads !== s0.frr.reloads) bad.push(`FRR reloaded ${s.frr.reloads - s0.frr.reloads} time(s)`);
      measure('replace_states_seen', [...seen]);
      measure('replace_reconciles', s.reconciles - s0.reconciles);
      if (bad.length) throw new Error(bad.join('; '));
      return `${end.state}: ${end.message}; states seen meanwhile: ${[...seen].join(', ')}; ${s.reconciles - s0.reconciles} reconciles`;
    }),
  );

  await check('config-replace: the 10 ms ping over red lost no packet', async () => {
    const r = await cping!.stop();
    cping = undefined;
    measure('replace_ping', { transmitted: r.transmitted, received: r.received, lost: r.lost.length, durationMs: r.durationMs });
    if (r.transmitted < 500) throw new Error(`only ${r.transmitted} pings sent: ${r.output}`);
    if (r.lost.length) throw new Error(`${r.lost.length} of ${r.transmitted} lost`);
    return `${r.received}/${r.transmitted} replies over ${(r.durationMs / 1000).toFixed(1)} s`;
  });
}

runScenario(main);
