// Kernel rows on the host kernel, in fresh namespaces: perouterd's dataplane
// (observe, diff, netlink) beside one `ip -batch` doing the same objects. The
// host kernel has no VRF, so each VNI is a bridge, a vxlan and a veth pair (the
// lab mode has the VRFs). Throws if any netlink request fails (ETIMEDOUT included).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { NetlinkDataplane } from '../../src/dataplane/dataplane.js';
import { KernelTracker, reconcileTracked } from '../../src/dataplane/kernel-tracker.js';
import { createNamedNetns, deleteNamedNetns } from '../../src/dataplane/netlink/index.js';
import type { DesiredLink, KernelPlan } from '../../src/plan/kernel-plan.js';
import { VNI_BASE } from './scale-config.js';
import { withoutErrors } from './kernel-report.js';

const IP = '/usr/sbin/ip';

function vniLinks(vni: number): DesiredLink[] {
  const owner = `bench ${vni}`;
  return [
    { ns: 'router', name: `br-pe-${vni}`, type: { kind: 'bridge' }, addresses: [], owner },
    {
      ns: 'router',
      name: `vni${vni}`,
      type: { kind: 'vxlan', vni, local: '100.65.0.1', port: 4789 },
      master: `br-pe-${vni}`,
      addresses: [],
      owner,
    },
    {
      ns: 'router',
      name: `pe-e-${vni}`,
      type: { kind: 'veth', peer: `host-e-${vni}`, peerNs: 'host' },
      master: `br-pe-${vni}`,
      addresses: [],
      owner,
    },
    { ns: 'host', name: `host-e-${vni}`, type: { kind: 'veth-peer', peer: `pe-e-${vni}`, peerNs: 'router' }, addresses: [], owner },
  ];
}

export function planFor(vnis: number[]): KernelPlan {
  return { underlayNics: [], underlayGroup: 4242, loopbackAddresses: [], links: vnis.flatMap(vniLinks), sysctls: [], vxlanOverhead: 50 };
}

const range = (from: number, n: number): number[] => Array.from({ length: n }, (_, i) => VNI_BASE + from + i);

function ipCreate(vni: number, host: string): string[] {
  return [
    `link add br-pe-${vni} up type bridge`,
    `link add vni${vni} up master br-pe-${vni} type vxlan id ${vni} local 100.65.0.1 dstport 4789 nolearning`,
    `link add pe-e-${vni} up master br-pe-${vni} type veth peer name host-e-${vni} netns ${host}`,
  ];
}

function ipBatch(ns: string, lines: string[]): number {
  const dir = mkdtempSync(path.join(tmpdir(), 'perouterd-bench-'));
  const f = path.join(dir, 'batch');
  writeFileSync(f, lines.join('\n') + '\n');
  const t = performance.now();
  execFileSync(IP, ['-n', ns, '-batch', f]);
  return performance.now() - t;
}

interface Pair {
  router: string;
  host: string;
}

function freshPair(tag: string): Pair {
  const p = { router: `bench-r-${tag}-${process.pid}`, host: `bench-h-${tag}-${process.pid}` };
  createNamedNetns(p.router);
  createNamedNetns(p.host);
  return p;
}

/**
 * Deleting a namespace is asynchronous, but its links go under rtnl_lock (≈ 28 ms
 * each), which stalls every later request: wait until a link create is quick again.
 */
function dropPair(p: Pair): void {
  deleteNamedNetns(p.router);
  deleteNamedNetns(p.host);
  const probe = `bench-probe-${process.pid}`;
  createNamedNetns(probe);
  try {
    for (let i = 0; i < 600; i++) {
      const t = performance.now();
      execFileSync(IP, ['-n', probe, 'link', 'add', `p${i}`, 'type', 'bridge']);
      if (performance.now() - t < 15) break;
      execFileSync('sleep', ['0.5']);
    }
  } finally {
    deleteNamedNetns(probe);
  }
}

export interface KernelFigures {
  n: number;
  coldMs: number;
  coldFloorMs: number;
  plusOneMs: number;
  plusOneFloorMs: number;
  minusOneMs: number;
  minusOneFloorMs: number;
  noopMs: number;
  maxLoopDelayMs: number;
}

/** Pause between the cold create and the no-op (see kernelRows). */
const SETTLE_BEFORE_NOOP_MS = 3000;

/** Cold create of n VNIs, then +1 and -1, by perouterd and by ip -batch. */
export async function kernelRows(n: number): Promise<KernelFigures> {
  const p = freshPair('pd');
  const dp = new NetlinkDataplane(p.router, { hostNetns: p.host });
  const h = monitorEventLoopDelay({ resolution: 5 });
  let out: Omit<KernelFigures, 'coldFloorMs' | 'plusOneFloorMs' | 'minusOneFloorMs'>;
  try {
    await dp.observe([]);
    h.enable();
    let t = performance.now();
    // As the daemon: full at start and resync (the no-op), scoped after a change (kernel-tracker.ts).
    const tracker = new KernelTracker(dp);
    withoutErrors(await reconcileTracked(dp, tracker, planFor(range(0, n))), 'cold');
    const coldMs = performance.now() - t;
    // The no-op is the resync's, 30 s after the last change: right after a cold create IPv6
    // autoconfiguration still interrupts the address dumps (NLM_F_DUMP_INTR, retried after
    // 50-1000 ms), which no resync meets.
    // (The delay histogram stays on: enabled again, it would count the pause as a delay.)
    await new Promise((r) => setTimeout(r, SETTLE_BEFORE_NOOP_MS));
    t = performance.now();
    const again = await reconcileTracked(dp, tracker, planFor(range(0, n)), { full: true });
    const noopMs = performance.now() - t;
    if (again.writes !== 0) throw new Error(`no-op apply made ${again.writes} writes`);
    t = performance.now();
    const plus = withoutErrors(await reconcileTracked(dp, tracker, planFor(range(0, n + 1))), '+1');
    const plusOneMs = performance.now() - t;
    t = performance.now();
    const minus = withoutErrors(await reconcileTracked(dp, tracker, planFor(range(0, n))), '-1');
    const minusOneMs = performance.now() - t;
    if (plus.how.scope !== 'scoped' || minus.how.scope !== 'scoped') throw new Error('+1/-1 not scoped');
    h.disable();
    out = { n, coldMs, noopMs, plusOneMs, minusOneMs, maxLoopDelayMs: h.max / 1e6 };
  } finally {
    dp.close();
    dropPair(p);
  }
  const b = freshPair('ip');
  try {
    const cold = range(0, n).flatMap((v) => ipCreate(v, b.host));
    const coldFloorMs =
      ipBatch(b.router, cold) +
      ipBatch(
        b.host,
        range(0, n).map((v) => `link set host-e-${v} up`),
      );
    const extra = VNI_BASE + n;
    const plusOneFloorMs = ipBatch(b.router, ipCreate(extra, b.host)) + ipBatch(b.host, [`link set host-e-${extra} up`]);
    const minusOneFloorMs = ipBatch(b.router, [`link del pe-e-${extra}`, `link del vni${extra}`, `link del br-pe-${extra}`]);
    return { ...out, coldFloorMs, plusOneFloorMs, minusOneFloorMs };
  } finally {
    dropPair(b);
  }
}
