// An FRR that stops answering configuration (issue 10): CI once saw FRR 10.3's mgmtd keep its
// candidate lock after a boot load whose commit failed, and every later `vtysh -f` waited on
// it for good (src/daemon/frr-unanswered.ts). Here the daemon that takes configuration in
// node1's router namespace is stopped (SIGSTOP: mgmtd on FRR 10, zebra on FRR 8.4, whose
// kernel routes stay), then VNI blue is added to node1's files, under a 10 ms ping over red.
// Expected: perouterd's push runs out of its time (30 s + 20 ms a line) instead of waiting
// for ever, status goes degraded naming it, the second unanswered push restarts FRR through
// --frr-restart-command, blue is applied and red carries traffic again.
import { check, log, measure, onFinish, runScenario } from '../harness/results.js';
import { ping, waitFor } from '../harness/fabric.js';
import { daemonPids, HAS_MGMTD, startFrr, vtysh } from '../harness/frr.js';
import { bringUpNodes, readStatus, REPO, writeConfig, type PerouterdNode, type PerouterdProcess } from '../harness/perouterd.js';
import { appliedL3vnis, ContinuousPing, diagnoser, finishNodes, withDiag } from '../harness/evpn.js';
import { speakerConfig } from '../fixtures/frr-configs.js';
import { perouterdNodes, svc, twoNodeTopology } from '../fixtures/two-nodes.js';
import { BLUE, l3vnisYaml, RED_YAML } from '../fixtures/yaml.js';
import { redUp, startTor, writeNodeFiles } from '../fixtures/bring-up.js';

const perouterdArgs = (n: PerouterdNode): string[] => [
  '--frr-restart-command',
  `${process.execPath} ${REPO}build/test/lab/harness/frr-restart.js ${n.routerNs}`,
];

async function main(): Promise<void> {
  const [n1, n2] = perouterdNodes();
  const procs: PerouterdProcess[] = [];
  let cping: ContinuousPing | undefined;
  let stopped: number | undefined;
  onFinish(async () => {
    if (stopped) process.kill(stopped, 'SIGCONT');
    if (cping) await cping.stop().catch(() => undefined);
    await finishNodes(procs, [n1, n2], ['pe1', 'pe2', 'tor']);
  });
  const diag = diagnoser({ pes: ['pe1', 'pe2'], nodes: ['node1', 'node2'], vrfs: ['red', 'blue'] });

  await check(
    'fabric and two nodes with L3VNI red; node1 pings node2 over red',
    withDiag(diag, async () => {
      await twoNodeTopology()
        .ip('node1', `addr add ${svc(1).red}/32 dev lo`)
        .ip('node2', `addr add ${svc(2).red}/32 dev lo`)
        .apply();
      await startTor();
      writeNodeFiles([n1, n2], { 'openpe_10_red.yaml': RED_YAML });
      await bringUpNodes([n1, n2], procs, 150_000, { perouterdArgs });
      for (const n of [1, 2] as const)
        await startFrr(`node${n}`, {
          daemons: ['zebra', 'bgpd'],
          config: speakerConfig(`node${n}`, svc(n).red, [{ addr: '192.169.10.1', announce: [`${svc(n).red}/32`] }]),
        });
      return redUp();
    }),
    { critical: true },
  );

  const daemon = HAS_MGMTD ? 'mgmtd' : 'zebra';
  const s0 = readStatus(n1)!;
  cping = new ContinuousPing('node1', svc(2).red, { source: svc(1).red, intervalSec: 0.01 });
  await waitFor(() => cping!.repliesSoFar() >= 50, 10_000, 'continuous ping replies', 100);
  const t0 = Date.now();

  await check(
    `frr-unanswered: node1's ${daemon} stopped and blue added; the push runs out of its time and status says FRR does not answer`,
    withDiag(diag, async () => {
      stopped = daemonPids('pe1', [daemon])[daemon] ?? undefined;
      if (!stopped) throw new Error(`no ${daemon} in pe1`);
      process.kill(stopped, 'SIGSTOP');
      log(`pe1 ${daemon} (pid ${stopped}) stopped`);
      writeConfig(n1, 'openpe_20_blue.yaml', l3vnisYaml(BLUE));
      const s = await waitFor(
        () => {
          const st = readStatus(n1);
          return st && st.reconciles > s0.reconciles && /FRR does not answer/.test(st.message) ? st : undefined;
        },
        120_000,
        'status naming an FRR that does not answer',
        250,
      );
      measure('unanswered_degraded_ms', Date.now() - t0);
      return `${s.state}: ${s.message}`;
    }),
  );

  await check(
    'frr-unanswered: the second unanswered push restarts FRR; blue is applied and node1 is ready',
    withDiag(diag, async () => {
      const s = await waitFor(
        () => {
          const st = readStatus(n1);
          return st && (st.frr.restarts ?? 0) >= 1 && st.state === 'ready' && appliedL3vnis(n1).includes(BLUE.vni) ? st : undefined;
        },
        240_000,
        'node1 ready with blue after an FRR restart',
        250,
      );
      stopped = undefined; // killed by the restart
      measure('unanswered_ready_ms', Date.now() - t0);
      const running = await vtysh('pe1', 'show running-config');
      if (!/^vrf blue\n vni 200$/m.test(running)) throw new Error(`pe1's FRR runs no vrf blue / vni 200:\n${running}`);
      if ((s.frr.restarts ?? 0) !== 1) throw new Error(`FRR restarted ${s.frr.restarts} times`);
      return `${s.state} after ${((Date.now() - t0) / 1000).toFixed(1)} s, 1 FRR restart: ${s.message}`;
    }),
  );

  await check('frr-unanswered: red carries traffic again; the packets the restart cost are measured', async () => {
    await waitFor(() => ping('node1', svc(2).red, { source: svc(1).red, count: 2 }), 90_000, 'red ping after the restart', 1000);
    const r = await cping!.stop();
    cping = undefined;
    measure('unanswered_ping', {
      transmitted: r.transmitted,
      received: r.received,
      lost: r.lost.length,
      windows: r.lossWindows.slice(0, 5),
    });
    return `${r.lost.length} of ${r.transmitted} lost over ${(r.durationMs / 1000).toFixed(1)} s (windows ${JSON.stringify(r.lossWindows.slice(0, 5))})`;
  });
}

runScenario(main);
