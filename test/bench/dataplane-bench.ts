// npm run bench: create then delete the kernel objects of N VNIs (bridge + vxlan
// + veth) in fresh namespaces on the host kernel, three ways, in the same run:
//   1. perouterd's dataplane (plan → diff → netlink apply), with event-loop delay measured;
//   2. one `ip -batch` process (the baseline to match);
//   3. one `ip` process per object (what a shell-out design costs).
// The host kernel has no VRF, so VRFs are left out here (the lab covers them).
process.env.UV_THREADPOOL_SIZE ??= '16';

import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { NetlinkDataplane, reconcileKernel } from '../../src/dataplane/dataplane.js';
import { createNamedNetns, deleteNamedNetns } from '../../src/dataplane/netlink/index.js';
import type { DesiredLink, KernelPlan } from '../../src/plan/kernel-plan.js';

const N = Number(process.argv[2] ?? process.env.BENCH_VNIS ?? 100);
const VNI_BASE = 1000;
const IP = '/usr/sbin/ip';

function planFor(n: number): KernelPlan {
  const links: DesiredLink[] = [];
  for (let i = 0; i < n; i++) {
    const vni = VNI_BASE + i;
    const owner = `bench ${vni}`;
    links.push({ ns: 'router', name: `br-pe-${vni}`, type: { kind: 'bridge' }, addresses: [], owner });
    links.push({
      ns: 'router',
      name: `vni${vni}`,
      type: { kind: 'vxlan', vni, local: '100.65.0.1', port: 4789 },
      master: `br-pe-${vni}`,
      addresses: [],
      owner,
    });
    links.push({
      ns: 'router',
      name: `pe-e-${vni}`,
      type: { kind: 'veth', peer: `host-e-${vni}`, peerNs: 'host' },
      master: `br-pe-${vni}`,
      addresses: [],
      owner,
    });
    links.push({
      ns: 'host',
      name: `host-e-${vni}`,
      type: { kind: 'veth-peer', peer: `pe-e-${vni}`, peerNs: 'router' },
      addresses: [],
      owner,
    });
  }
  return { underlayNics: [], underlayGroup: 4242, loopbackAddresses: [], links, sysctls: [], vxlanOverhead: 50 };
}

const emptyPlan: KernelPlan = { underlayNics: [], underlayGroup: 4242, loopbackAddresses: [], links: [], sysctls: [], vxlanOverhead: 50 };

function linkCount(ns: string): number {
  return (JSON.parse(execFileSync(IP, ['-n', ns, '-j', 'link', 'show'], { encoding: 'utf8' })) as unknown[]).length;
}

function freshPair(tag: string): { router: string; host: string } {
  const router = `bench-r-${tag}-${process.pid}`;
  const host = `bench-h-${tag}-${process.pid}`;
  createNamedNetns(router);
  createNamedNetns(host);
  return { router, host };
}

function dropPair(p: { router: string; host: string }): void {
  deleteNamedNetns(p.router);
  deleteNamedNetns(p.host);
}

/** Gives the kernel time to finish tearing down earlier namespaces (cleanup_net holds rtnl_lock). */
function settle(): void {
  spawnSync('sleep', ['3']);
}

interface Figures {
  createMs: number;
  deleteMs: number;
  maxLoopDelayMs?: number;
}

/** The daemon is long-lived: warm its code paths (JIT) on a small run first, untimed. */
async function warmUp(): Promise<void> {
  const p = freshPair('warm');
  const dp = new NetlinkDataplane(p.router, { hostNetns: p.host });
  try {
    for (let i = 0; i < 3; i++) {
      await reconcileKernel(dp, planFor(Math.min(N, 20)));
      await reconcileKernel(dp, emptyPlan);
    }
  } finally {
    dp.close();
    dropPair(p);
  }
}

async function viaPerouterd(): Promise<Figures> {
  const p = freshPair('pd');
  const dp = new NetlinkDataplane(p.router, { hostNetns: p.host });
  const h = monitorEventLoopDelay({ resolution: 5 });
  // A timer that should fire every 5 ms; the worst gap is the event-loop stall.
  let last = performance.now();
  let worstGap = 0;
  const tick = setInterval(() => {
    const now = performance.now();
    worstGap = Math.max(worstGap, now - last - 5);
    last = now;
  }, 5);
  h.enable();
  try {
    await dp.observe([]); // open sockets outside the timed region
    const plan = planFor(N);
    let t = performance.now();
    const created = await reconcileKernel(dp, plan);
    const createMs = performance.now() - t;
    if (created.errors.length)
      throw new Error(
        `create errors: ${created.errors
          .slice(0, 3)
          .map((e) => e.error)
          .join('; ')}`,
      );
    const again = await reconcileKernel(dp, plan);
    if (again.writes !== 0) throw new Error(`second apply made ${again.writes} writes`);
    t = performance.now();
    const deleted = await reconcileKernel(dp, emptyPlan);
    const deleteMs = performance.now() - t;
    if (deleted.errors.length)
      throw new Error(
        `delete errors: ${deleted.errors
          .slice(0, 3)
          .map((e) => e.error)
          .join('; ')}`,
      );
    if (linkCount(p.router) !== 1) throw new Error('links left behind');
    h.disable();
    return { createMs, deleteMs, maxLoopDelayMs: Math.max(worstGap, h.max / 1e6) };
  } finally {
    clearInterval(tick);
    dp.close();
    dropPair(p);
  }
}

/** The host legs are brought up too, as perouterd does (one more batch in the host namespace). */
function hostUpCommands(): string[] {
  const cmds: string[] = [];
  for (let i = 0; i < N; i++) cmds.push(`link set host-e-${VNI_BASE + i} up`);
  return cmds;
}

function createCommands(host: string): string[] {
  const cmds: string[] = [];
  for (let i = 0; i < N; i++) {
    const vni = VNI_BASE + i;
    cmds.push(`link add br-pe-${vni} up type bridge`);
    cmds.push(`link add vni${vni} up master br-pe-${vni} type vxlan id ${vni} local 100.65.0.1 dstport 4789 nolearning`);
    cmds.push(`link add pe-e-${vni} up master br-pe-${vni} type veth peer name host-e-${vni} netns ${host}`);
  }
  return cmds;
}

function deleteCommands(): string[] {
  const cmds: string[] = [];
  for (let i = 0; i < N; i++) {
    const vni = VNI_BASE + i;
    cmds.push(`link del pe-e-${vni}`, `link del vni${vni}`, `link del br-pe-${vni}`);
  }
  return cmds;
}

function viaIpBatch(): Figures {
  const p = freshPair('batch');
  const dir = mkdtempSync(path.join(tmpdir(), 'perouterd-bench-'));
  try {
    const c = path.join(dir, 'create');
    const d = path.join(dir, 'delete');
    const up = path.join(dir, 'up');
    writeFileSync(c, createCommands(p.host).join('\n') + '\n');
    writeFileSync(up, hostUpCommands().join('\n') + '\n');
    writeFileSync(d, deleteCommands().join('\n') + '\n');
    let t = performance.now();
    execFileSync(IP, ['-n', p.router, '-batch', c]);
    execFileSync(IP, ['-n', p.host, '-batch', up]);
    const createMs = performance.now() - t;
    t = performance.now();
    execFileSync(IP, ['-n', p.router, '-batch', d]);
    const deleteMs = performance.now() - t;
    return { createMs, deleteMs };
  } finally {
    dropPair(p);
  }
}

function viaIpPerObject(): Figures {
  const p = freshPair('proc');
  try {
    const run = (ns: string, cmds: string[]): number => {
      const t = performance.now();
      for (const cmd of cmds) execFileSync(IP, ['-n', ns, ...cmd.split(' ')]);
      return performance.now() - t;
    };
    const createMs = run(p.router, createCommands(p.host)) + run(p.host, hostUpCommands());
    return { createMs, deleteMs: run(p.router, deleteCommands()) };
  } finally {
    dropPair(p);
  }
}

const fmt = (ms: number): string => `${ms.toFixed(0).padStart(7)} ms`;

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** Runs a variant ROUNDS times (fresh namespaces each time): median times, worst loop delay. */
async function rounds(f: () => Figures | Promise<Figures>): Promise<Figures> {
  const all: Figures[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    all.push(await f());
    settle();
  }
  const out: Figures = { createMs: median(all.map((x) => x.createMs)), deleteMs: median(all.map((x) => x.deleteMs)) };
  const delays = all.flatMap((x) => (x.maxLoopDelayMs === undefined ? [] : [x.maxLoopDelayMs]));
  if (delays.length > 0) out.maxLoopDelayMs = Math.max(...delays);
  return out;
}

async function main(): Promise<void> {
  console.log(
    `perouterd dataplane benchmark: ${N} VNIs = ${4 * N} links created (bridge, vxlan, veth pair; host leg up) then deleted, host kernel ${execFileSync('uname', ['-r'], { encoding: 'utf8' }).trim()}`,
  );
  await warmUp();
  settle();
  const pd = await rounds(viaPerouterd);
  const batch = await rounds(viaIpBatch);
  const proc = await rounds(viaIpPerObject);
  console.log(`(median of ${ROUNDS} rounds each; worst event-loop delay over all rounds)`);
  console.log('');
  console.log(`${'variant'.padEnd(34)} ${'create'.padStart(10)} ${'delete'.padStart(10)}`);
  console.log(
    `${'perouterd dataplane (netlink)'.padEnd(34)} ${fmt(pd.createMs)} ${fmt(pd.deleteMs)}   max event-loop delay ${pd.maxLoopDelayMs!.toFixed(1)} ms`,
  );
  console.log(`${'ip -batch (1 process)'.padEnd(34)} ${fmt(batch.createMs)} ${fmt(batch.deleteMs)}`);
  console.log(`${'ip, 1 process per object'.padEnd(34)} ${fmt(proc.createMs)} ${fmt(proc.deleteMs)}`);
  console.log('');
  const createVsBatch = pd.createMs / batch.createMs;
  const createVsProc = proc.createMs / pd.createMs;
  const deleteVsBatch = pd.deleteMs / batch.deleteMs;
  const verdict = (ok: boolean): string => (ok ? 'meets target' : 'MISSES target');
  console.log(`create: perouterd / ip -batch        = ${createVsBatch.toFixed(2)}x  (target <= 1.5x: ${verdict(createVsBatch <= 1.5)})`);
  console.log(`create: per-process / perouterd      = ${createVsProc.toFixed(1)}x faster  (target >= 10x: ${verdict(createVsProc >= 10)})`);
  console.log(`delete: perouterd / ip -batch        = ${deleteVsBatch.toFixed(2)}x  (target <= 1.2x: ${verdict(deleteVsBatch <= 1.2)})`);
  console.log(
    `event loop: worst delay              = ${pd.maxLoopDelayMs!.toFixed(1)} ms  (target < 50 ms: ${verdict(pd.maxLoopDelayMs! < 50)})`,
  );
}

await main();
