// Live configuration edits on the real kernel, real FRR and the real perouterd,
// while a continuous ping (20/s) runs over L3VNI red between the two nodes:
//
//   1. copy in openpe_20_blue.yaml (L3VNI blue, VNI 200) on both nodes → blue's
//      objects appear, its host sessions come up, its routes and pings work;
//   2. remove the file → blue's objects go (kernel and FRR), red untouched;
//   3. on node1, a half-written file (YAML cut mid-line) and then a schema-invalid
//      one → status config-invalid with a file:line problem, and nothing changes
//      (link indexes, addresses, FRR running config);
//   4. the complete file → applies (blue back on node1);
//   5. the continuous ping over red has lost nothing (or the loss is reported
//      with its time windows relative to the edits).
//
// Host speakers (AS 64515) have sessions for both tenants from the start; blue's
// stays idle while blue is not configured. Learned routes go to the main table.
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { check, measure, onFinish, runScenario } from '../harness/results.js';
import { ping, waitFor } from '../harness/fabric.js';
import { vrfInRunning, vtysh } from '../harness/frr.js';
import {
  readStatus,
  removeConfig,
  waitForReconcile,
  type PerouterdNode,
  type PerouterdProcess,
  bringUpNodes,
} from '../harness/perouterd.js';
import {
  allAddrs,
  appliedL3vnis,
  ContinuousPing,
  diagnoser,
  evpnRoutes,
  expectLinks,
  expectNoLinks,
  finishNodes,
  fmtRoutes,
  linkIndexes,
  linkMap,
  nexthopsOf,
  type5,
  waitEstablished,
  withDiag,
  type ContinuousPingResult,
} from '../harness/evpn.js';
import { perouterdNodes, svc, twoNodeTopology } from '../fixtures/two-nodes.js';
import { BLUE, l3vnisYaml, RED_YAML } from '../fixtures/yaml.js';
import { redUp, startTor, writeNodeFiles, startHostSpeakers } from '../fixtures/bring-up.js';

const BLUE_YAML = `# tenant blue\n${l3vnisYaml(BLUE)}`;
const BLUE_FILE = 'openpe_20_blue.yaml';
/** An editor that wrote part of the file: cut inside a flow mapping (a YAML syntax error on line 9). */
const BLUE_HALF_SYNTAX = `# tenant blue
l3vnis:
  - name: blue
    vrf: blue
    vni: 200
    hostSession:
      asn: 64514
      hostASN: 64515
      localCIDR: {ipv4: 192.169.1`;
/** Cut after a key: valid YAML, but hostASN is null and localCIDR missing (schema errors from line 7). */
const BLUE_HALF_SCHEMA = `# tenant blue
l3vnis:
  - name: blue
    vrf: blue
    vni: 200
    hostSession:
      asn: 64514
      hostASN:
`;

const BLUE_OBJECTS = { router: ['blue', 'br-pe-200', 'vni200', 'pe-e-200'], host: ['host-e-200'] };
const RED_OBJECTS = { router: ['red', 'br-pe-100', 'vni100', 'pe-e-100', 'eth1'], host: ['host-e-100'] };

const STAGING = '/tmp/lab-staging';

/** `cp` of a prepared file into the config directory (open, truncate, write: what an operator does). */
function copyIn(n: PerouterdNode, file: string, content: string): void {
  mkdirSync(STAGING, { recursive: true });
  const src = join(STAGING, `${n.name}-${file}`);
  writeFileSync(src, content);
  copyFileSync(src, join(n.configDir, file));
}

async function redIndexes(pe: string, node: string): Promise<string[]> {
  const r = (await linkIndexes(pe)).filter((x) => RED_OBJECTS.router.includes(x.split(':')[0]!));
  const h = (await linkIndexes(node)).filter((x) => RED_OBJECTS.host.includes(x.split(':')[0]!));
  return [...r, ...h];
}

type RedObjects = { pe1: string[]; pe2: string[] };
const redObjects = async (): Promise<RedObjects> => ({ pe1: await redIndexes('pe1', 'node1'), pe2: await redIndexes('pe2', 'node2') });

/** Red's kernel objects on both nodes are the very ones of `before` (same indexes: not recreated). */
async function expectRedUntouched(before: RedObjects): Promise<void> {
  const now = await redObjects();
  if (JSON.stringify(now) !== JSON.stringify(before))
    throw new Error(`red's objects were recreated: pe1 ${diffLists(before.pe1, now.pe1)}, pe2 ${diffLists(before.pe2, now.pe2)}`);
}

async function snapshot(pe: string, node: string): Promise<{ links: string[]; addrs: string[]; frr: string }> {
  return {
    links: [...(await linkIndexes(pe)).map((x) => `${pe} ${x}`), ...(await linkIndexes(node)).map((x) => `${node} ${x}`)],
    addrs: [...(await allAddrs(pe)).map((x) => `${pe} ${x}`), ...(await allAddrs(node)).map((x) => `${node} ${x}`)],
    frr: await vtysh(pe, 'show running-config'),
  };
}

function diffLists(a: string[], b: string[]): string {
  const gone = a.filter((x) => !b.includes(x));
  const added = b.filter((x) => !a.includes(x));
  return `gone [${gone.join(', ')}] new [${added.join(', ')}]`;
}

async function main(): Promise<void> {
  const [n1, n2] = perouterdNodes();
  const procs: PerouterdProcess[] = [];
  let cping: ContinuousPing | undefined;
  const phases: Array<{ phase: string; atMs: number }> = [];
  const mark = (phase: string): void => {
    if (cping) phases.push({ phase, atMs: Date.now() - cping.startedAt });
  };
  onFinish(async () => {
    if (cping) await cping.stop().catch(() => undefined);
    await finishNodes(procs, [n1, n2], ['pe1', 'pe2', 'tor']);
  });
  const diag = diagnoser({ pes: ['pe1', 'pe2'], nodes: ['node1', 'node2'], vrfs: ['red', 'blue'] });

  await check(
    'fabric: ToR and two nodes with red and blue service addresses',
    async () => {
      await twoNodeTopology()
        .ip('node1', `addr add ${svc(1).red}/32 dev lo`, `addr add ${svc(1).blue}/32 dev lo`)
        .ip('node2', `addr add ${svc(2).red}/32 dev lo`, `addr add ${svc(2).blue}/32 dev lo`)
        .apply();
      await startTor();
    },
    { critical: true },
  );

  writeNodeFiles([n1, n2], { 'openpe_10_red.yaml': RED_YAML });

  await check(
    'perouterd runs with L3VNI red; red’s sessions come up and node1 pings node2 over red',
    withDiag(diag, async () => {
      await bringUpNodes([n1, n2], procs);
      await startHostSpeakers();
      return redUp();
    }),
    { critical: true },
  );

  cping = new ContinuousPing('node1', svc(2).red, { source: svc(1).red, intervalSec: 0.05 });
  await waitFor(() => cping!.repliesSoFar() >= 10, 10_000, 'continuous ping replies', 200);
  mark('continuous ping running');
  const redBefore = await redObjects();

  await check(
    'file-edit: copying in openpe_20_blue.yaml adds blue on both nodes: objects, FRR VRF, host session, type-5 routes and pings',
    withDiag(diag, async () => {
      const before = [readStatus(n1)!.reconciles, readStatus(n2)!.reconciles];
      mark('blue file copied in');
      const t = Date.now();
      copyIn(n1, BLUE_FILE, BLUE_YAML);
      copyIn(n2, BLUE_FILE, BLUE_YAML);
      await waitFor(
        () =>
          readStatus(n1)!.reconciles > before[0]! &&
          readStatus(n2)!.reconciles > before[1]! &&
          readStatus(n1)?.state === 'ready' &&
          readStatus(n2)?.state === 'ready' &&
          appliedL3vnis(n1).includes(200) &&
          appliedL3vnis(n2).includes(200),
        120_000,
        'both nodes applied blue',
        250,
      );
      measure('blue_add_applied_ms', Date.now() - t);
      mark('blue applied');
      for (const [pe, node] of [
        ['pe1', 'node1'],
        ['pe2', 'node2'],
      ] as const) {
        expectLinks(await linkMap(pe), BLUE_OBJECTS.router, pe);
        expectLinks(await linkMap(node), BLUE_OBJECTS.host, node);
        const running = await vtysh(pe, 'show running-config');
        if (!running.includes('vrf blue') || !running.includes('vni 200') || !running.includes('router bgp 64514 vrf blue'))
          throw new Error(`${pe}: FRR lacks VRF blue`);
      }
      await waitEstablished('pe1', '192.169.11.3', 'ipv4Unicast', 90_000, 'blue');
      await waitEstablished('pe2', '192.169.11.4', 'ipv4Unicast', 90_000, 'blue');
      const rs = await waitFor(
        async () => {
          const all = await evpnRoutes('tor', 'prefix');
          const a = type5(all, svc(1).blue, 32);
          const b = type5(all, svc(2).blue, 32);
          return nexthopsOf(a).includes('100.65.0.1') && nexthopsOf(b).includes('100.65.0.2') ? [...a, ...b] : undefined;
        },
        90_000,
        'blue type-5 routes at the ToR',
      );
      const p = await waitFor(() => ping('node1', svc(2).blue, { source: svc(1).blue, count: 2 }), 90_000, 'blue ping node1 → node2', 2000);
      measure('blue_add_to_ping_ms', Date.now() - t);
      mark('blue ping works');
      await expectRedUntouched(redBefore);
      return `${fmtRoutes(rs)}; ping ${p}; red objects untouched`;
    }),
  );

  await check(
    'file-edit: removing openpe_20_blue.yaml removes blue’s objects (kernel and FRR) on both nodes; red untouched',
    withDiag(diag, async () => {
      const before = [readStatus(n1)!.reconciles, readStatus(n2)!.reconciles];
      mark('blue file removed');
      const t = Date.now();
      removeConfig(n1, BLUE_FILE);
      removeConfig(n2, BLUE_FILE);
      await waitFor(
        () =>
          readStatus(n1)!.reconciles > before[0]! &&
          readStatus(n2)!.reconciles > before[1]! &&
          readStatus(n1)?.state === 'ready' &&
          readStatus(n2)?.state === 'ready' &&
          !appliedL3vnis(n1).includes(200) &&
          !appliedL3vnis(n2).includes(200),
        120_000,
        'both nodes removed blue',
        250,
      );
      measure('blue_remove_applied_ms', Date.now() - t);
      mark('blue removed');
      for (const [pe, node] of [
        ['pe1', 'node1'],
        ['pe2', 'node2'],
      ] as const) {
        await waitFor(
          async () => {
            expectNoLinks(await linkMap(pe), BLUE_OBJECTS.router, pe);
            expectNoLinks(await linkMap(node), BLUE_OBJECTS.host, node);
            return true;
          },
          30_000,
          `${pe}/${node}: blue objects gone`,
        );
        const running = await vtysh(pe, 'show running-config');
        if (vrfInRunning(running, 'blue', 200)) throw new Error(`${pe}: FRR still has VRF blue / vni 200`);
      }
      const gone = await waitFor(
        async () => type5(await evpnRoutes('tor', 'prefix'), svc(2).blue, 32).length === 0,
        60_000,
        'blue type-5 routes withdrawn at the ToR',
      );
      await expectRedUntouched(redBefore);
      const p = await ping('node1', svc(2).red, { source: svc(1).red, count: 2 });
      return `blue gone (type-5 withdrawn: ${gone}); red ping ${p}`;
    }),
  );

  for (const [label, content, line] of [
    ['a half-written file (YAML cut inside a flow mapping)', BLUE_HALF_SYNTAX, 'syntax'],
    ['a half-written file (valid YAML, hostASN without value)', BLUE_HALF_SCHEMA, 'schema'],
  ] as const) {
    await check(
      `config-invalid: ${label} → status config-invalid with a file:line problem; kernel and FRR unchanged`,
      withDiag(diag, async () => {
        const snapBefore = await snapshot('pe1', 'node1');
        const st = readStatus(n1)!;
        mark(`invalid blue file (${line})`);
        copyIn(n1, BLUE_FILE, content);
        const after = await waitForReconcile(n1, st.reconciles, 30_000, ['config-invalid']);
        const located = after.problems.filter((p) => new RegExp(`${BLUE_FILE.replace(/\./g, '\\.')}:\\d+`).test(p));
        if (!located.length) throw new Error(`no problem names ${BLUE_FILE}:<line>: ${JSON.stringify(after.problems)}`);
        // Give a (wrong) apply the time it would need, then compare.
        await new Promise((r) => setTimeout(r, 3000));
        const snapAfter = await snapshot('pe1', 'node1');
        const bad: string[] = [];
        if (JSON.stringify(snapAfter.links) !== JSON.stringify(snapBefore.links))
          bad.push(`links changed: ${diffLists(snapBefore.links, snapAfter.links)}`);
        if (JSON.stringify(snapAfter.addrs) !== JSON.stringify(snapBefore.addrs))
          bad.push(`addresses changed: ${diffLists(snapBefore.addrs, snapAfter.addrs)}`);
        if (snapAfter.frr !== snapBefore.frr) bad.push('FRR running-config changed');
        if (readStatus(n1)?.frr.reloads !== st.frr.reloads) bad.push(`FRR reloaded (${st.frr.reloads} → ${readStatus(n1)?.frr.reloads})`);
        if (bad.length) throw new Error(bad.join('; '));
        return `state ${after.state}: "${after.message}"; problems: ${located.join(' | ')}`;
      }),
    );
  }

  await check(
    'config-invalid: a half-written edit of the running red file keeps red as it is; restoring the file is a no-op (no netlink write, no FRR reload)',
    withDiag(diag, async () => {
      // Blue's broken file is still there; replace it by nothing so only red's edit counts.
      removeConfig(n1, BLUE_FILE);
      const s0 = readStatus(n1)!;
      await waitForReconcile(n1, s0.reconciles, 30_000, ['ready']);
      const snapBefore = await snapshot('pe1', 'node1');
      const st = readStatus(n1)!;
      mark('half-written red file');
      copyIn(n1, 'openpe_10_red.yaml', RED_YAML.slice(0, RED_YAML.indexOf('localCIDR')) + 'localCIDR:\n        ipv4: 192.169.');
      const inv = await waitForReconcile(n1, st.reconciles, 30_000, ['config-invalid']);
      const located = inv.problems.filter((p) => /openpe_10_red\.yaml:\d+/.test(p));
      if (!located.length) throw new Error(`no problem names openpe_10_red.yaml:<line>: ${JSON.stringify(inv.problems)}`);
      await new Promise((r) => setTimeout(r, 3000));
      const snapMid = await snapshot('pe1', 'node1');
      const bad: string[] = [];
      if (JSON.stringify(snapMid.links) !== JSON.stringify(snapBefore.links))
        bad.push(`links changed: ${diffLists(snapBefore.links, snapMid.links)}`);
      if (JSON.stringify(snapMid.addrs) !== JSON.stringify(snapBefore.addrs))
        bad.push(`addresses changed: ${diffLists(snapBefore.addrs, snapMid.addrs)}`);
      if (snapMid.frr !== snapBefore.frr) bad.push('FRR running-config changed while invalid');
      const p = await ping('node1', svc(2).red, { source: svc(1).red, count: 2 });
      mark('red file restored');
      copyIn(n1, 'openpe_10_red.yaml', RED_YAML);
      const ok = await waitForReconcile(n1, inv.reconciles, 30_000, ['ready']);
      if (ok.kernel.writesLast !== 0) bad.push(`restoring the unchanged file made ${ok.kernel.writesLast} netlink writes`);
      if (ok.frr.reloads !== st.frr.reloads) bad.push(`restoring the unchanged file reloaded FRR (${st.frr.reloads} → ${ok.frr.reloads})`);
      const snapAfter = await snapshot('pe1', 'node1');
      if (JSON.stringify(snapAfter.links) !== JSON.stringify(snapBefore.links))
        bad.push(`links changed after restore: ${diffLists(snapBefore.links, snapAfter.links)}`);
      if (bad.length) throw new Error(bad.join('; '));
      return `invalid: ${located.join(' | ')}; red ping while invalid: ${p}; restored: ${ok.state}, writes ${ok.kernel.writesLast}, reloads ${ok.frr.reloads}`;
    }),
  );

  await check(
    'config-invalid then a good edit: the complete file applies (blue back on node1)',
    withDiag(diag, async () => {
      const st = readStatus(n1)!;
      mark('complete blue file on node1');
      const t = Date.now();
      copyIn(n1, BLUE_FILE, BLUE_YAML);
      const after = await waitFor(
        () => {
          const s = readStatus(n1);
          return s && s.reconciles > st.reconciles && s.state === 'ready' && appliedL3vnis(n1).includes(200) ? s : undefined;
        },
        120_000,
        'node1 ready with blue',
        250,
      );
      measure('good_edit_applied_ms', Date.now() - t);
      mark('blue back on node1');
      expectLinks(await linkMap('pe1'), BLUE_OBJECTS.router, 'pe1');
      expectLinks(await linkMap('node1'), BLUE_OBJECTS.host, 'node1');
      if (after.problems.length) throw new Error(`problems left: ${after.problems}`);
      const s = await waitEstablished('pe1', '192.169.11.3', 'ipv4Unicast', 90_000, 'blue');
      return `${after.state}: ${after.message}; ${s}`;
    }),
  );

  await check('the continuous ping over red lost no packet through all the edits', async () => {
    const r: ContinuousPingResult = await cping!.stop();
    const c = cping!;
    cping = undefined;
    const windows = r.lossWindows.map((w) => {
      const during = [...phases].reverse().find((p) => p.atMs <= w.fromMs)?.phase ?? 'start';
      return `${w.packets} lost at +${(w.fromMs / 1000).toFixed(2)}..${(w.toMs / 1000).toFixed(2)} s (after "${during}")`;
    });
    measure('continuous_ping', {
      transmitted: r.transmitted,
      received: r.received,
      lost: r.lost.length,
      durationMs: r.durationMs,
      windows,
      phases,
      dst: c.dst,
    });
    if (r.transmitted < 100) throw new Error(`only ${r.transmitted} pings sent: ${r.output}`);
    if (r.lost.length) throw new Error(`${r.lost.length} of ${r.transmitted} lost: ${windows.join('; ')}`);
    return `${r.received}/${r.transmitted} replies over ${(r.durationMs / 1000).toFixed(1)} s`;
  });
}

runScenario(main);
