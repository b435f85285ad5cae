// Real FRR instances for lab scenarios (runs INSIDE the lab), on the one FRR
// launcher (test/support/frr.ts): one instance per network namespace, each in
// its own path space; `vtysh -N <ns>` talks to it. Logs go to
// /var/log/frr/<ns>-<daemon>.log (collected into the run's work directory).

import { chownSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  confDir,
  daemonOptions,
  daemonsEnabled,
  daemonsFor,
  FRR_ORDER,
  frrIds,
  hasMgmtd,
  inRoot,
  launchFrr,
  mkdirFrr,
  pidAlive,
  prepareFrrDirs as prepareDirs,
  readPid,
  runDir,
  signalPids,
  writeFrrFile,
  FRR_RELOAD,
  type FrrDaemon,
} from '../../support/frr.js';
import { run, type RunResult } from './fabric.js';

import { log } from './results.js';

export { confDir, FRR_BIN, HAS_MGMTD, runDir, type FrrDaemon } from '../../support/frr.js';

export interface StartFrrOptions {
  daemons: FrrDaemon[];
  /** Content of /etc/frr/<ns>/frr.conf. Default (when the file does not exist yet): "hostname <system host name>". */
  config?: string;
  /** Daemon log level for the per-daemon log files (default "informational"). */
  logLevel?: string;
  /** Run the FRR of this root file system (chroot) instead of the lab's: see FABRIC_FRR_ROOT. */
  root?: string;
}

/**
 * Root file system whose FRR the fabric's switches run (LAB_LEAF_FRR=10.7 on the host: the
 * Debian forky root of scripts/lab-root.sh), so that the leaves can be graceful-restart
 * helpers that keep EVPN routes (FRR 10.6+) while the nodes run the lab's FRR line.
 * Undefined: the lab's own FRR everywhere.
 */
export const FABRIC_FRR_ROOT: string | undefined = process.env.LAB_FABRIC_ROOT || undefined;

/** Root of each instance started from another root (vtysh goes through the same chroot). */
const roots = new Map<string, string>();
const mountedRoots = new Set<string>();

/**
 * Makes the lab's FRR directories, /proc, /sys and /dev the root's own (bind mounts inside
 * the lab only), so its daemons and vtysh share pid files, sockets and logs with the
 * harness and the lab's vtysh-free reads (pid files, logs) keep working.
 */
async function mountRoot(root: string): Promise<void> {
  if (mountedRoots.has(root)) return;
  mkdirFrr('/var/log/frr');
  mkdirFrr('/var/run/frr');
  const script = ['/proc', '/sys', '/dev', '/etc/frr', '/run/frr', '/var/log/frr', '/var/tmp', '/tmp']
    .map((d) => `mkdir -p '${root}${d}' && mount --bind '${d}' '${root}${d}'`)
    .join(' && ');
  // The root's user frr has its own uid: it writes its logs next to the lab's.
  await run('sh', ['-c', `${script} && chmod 1777 /var/log/frr`]);
  mountedRoots.add(root);
}

/** The instance's directories and files belong to the root's user frr (another uid than the lab's). */
function chownForRoot(ns: string, root: string): void {
  const ids = frrIds(root);
  if (!ids) throw new Error(`no user frr in ${root}/etc/passwd`);
  for (const dir of [confDir(ns), runDir(ns)]) {
    chownSync(dir, ids.uid, ids.gid);
    for (const f of readdirSync(dir)) chownSync(join(dir, f), ids.uid, ids.gid);
  }
}

/** The daemons file perouterd's package installs for its FRR instance. */
const PACKAGED_DAEMONS = fileURLToPath(new URL('../../../../packaging/frr/daemons', import.meta.url));

/** The daemons of a node's FRR instance: those packaging/frr/daemons turns on, zebra first. */
export const NODE_FRR_DAEMONS: readonly FrrDaemon[] = daemonsEnabled(PACKAGED_DAEMONS);

export const logFile = (ns: string, d: FrrDaemon) => `/var/log/frr/${ns}-${d}.log`;

const started = new Map<string, FrrDaemon[]>();

/** Prepare /etc/frr/<ns>, /var/run/frr/<ns> and /var/log/frr; (re)write frr.conf when given. */
export function prepareFrrDirs(ns: string, config?: string): void {
  mkdirFrr('/var/log/frr');
  prepareDirs(ns, config);
}

/** PID of each daemon of the instance, or null when it is not running. */
export function daemonPids(ns: string, daemons: readonly FrrDaemon[] = started.get(ns) ?? FRR_ORDER): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const d of daemons) {
    const pid = readPid(ns, d);
    out[d] = pid !== undefined && pidAlive(pid) ? pid : null;
  }
  return out;
}

/** Throws unless every daemon started for `ns` is alive; returns "zebra=12 bgpd=34". */
export function assertAlive(ns: string): string {
  const pids = daemonPids(ns);
  const dead = Object.entries(pids).filter(([, p]) => p === null);
  if (dead.length) {
    throw new Error(`${ns}: FRR daemon(s) not running: ${dead.map(([d]) => d).join(', ')}; log tail:\n${logTail(ns, 15)}`);
  }
  return Object.entries(pids)
    .map(([d, p]) => `${d}=${p}`)
    .join(' ');
}

/**
 * Start an FRR instance in network namespace `ns` (which must exist): a fabric switch or a
 * host speaker, each daemon reading frr.conf itself (`-f`; FRR 9+ loads it through
 * `vtysh -b`). A node's own FRR (the router namespace perouterd drives) starts with
 * startNodeFrr instead.
 */
export async function startFrr(ns: string, opts: StartFrrOptions): Promise<void> {
  await launch(ns, opts, false);
}

/**
 * Start the FRR instance of a node's router namespace as a node runs it, i.e. as packaged
 * FRR starts it (frrinit.sh): the daemons packaging/frr/daemons turns on, each with its
 * options from that file (zebra `-K 60` keeps the routes of a crashed instance), started
 * empty, then frr.conf (perouterd's, when it wrote one) loaded through `vtysh -b`. Every
 * scenario starts, and restarts, a node's FRR through this one function.
 */
export async function startNodeFrr(ns: string, opts: { logLevel?: string } = {}): Promise<void> {
  await launch(ns, { daemons: [...NODE_FRR_DAEMONS], logLevel: opts.logLevel }, true);
}

async function launch(ns: string, opts: StartFrrOptions, packaged: boolean): Promise<void> {
  prepareFrrDirs(ns, opts.config);
  if (opts.root) {
    await mountRoot(opts.root);
    chownForRoot(ns, opts.root);
    roots.set(ns, opts.root);
  }
  started.set(ns, daemonsFor(opts.daemons, hasMgmtd(opts.root)));
  await launchFrr(ns, {
    chroot: opts.root,
    daemons: opts.daemons,
    logFile: (d) => logFile(ns, d),
    logLevel: opts.logLevel,
    integrated: packaged,
    ...(packaged ? { options: daemonOptions(PACKAGED_DAEMONS) } : {}),
    logTail: (d) => logTail(ns, 20, d),
    warn: log,
  });
}

async function signalAll(ns: string, sig: NodeJS.Signals, daemons: readonly FrrDaemon[], waitMs: number): Promise<boolean> {
  const pids = Object.values(daemonPids(ns, daemons)).filter((p): p is number => p !== null);
  return signalPids(pids, sig, waitMs);
}

/** Stop the instance gracefully (SIGTERM, then SIGKILL after 10 s). */
export async function stopFrr(ns: string): Promise<void> {
  const daemons = [...(started.get(ns) ?? FRR_ORDER)].reverse();
  if (!(await signalAll(ns, 'SIGTERM', daemons, 10_000))) await signalAll(ns, 'SIGKILL', daemons, 5_000);
}

/** Kill daemons with SIGKILL (simulates a crash). Default: all daemons of the instance. */
export async function killFrr(ns: string, daemons?: FrrDaemon[]): Promise<void> {
  await signalAll(ns, 'SIGKILL', daemons ?? started.get(ns) ?? FRR_ORDER, 5_000);
}

/**
 * Whether FRR's running configuration still holds VRF `vrf` (or, when given, its VNI).
 * FRR 10 keeps an empty `vrf <name>` / `exit-vrf` block once a VRF was configured, even
 * after the VRF and everything in it are gone: that empty block alone counts as gone.
 */
export function vrfInRunning(running: string, vrf: string, vni?: number): boolean {
  const rest = running.replace(new RegExp(`^vrf ${vrf}\\nexit-vrf\\n`, 'm'), '');
  return new RegExp(`\\bvrf ${vrf}\\b`).test(rest) || (vni !== undefined && new RegExp(`\\bvni ${vni}\\b`).test(rest));
}

/** Run one or more vtysh commands in the instance; returns stdout. */
export async function vtysh(ns: string, cmd: string | string[], timeoutMs = 30_000): Promise<string> {
  const cmds = Array.isArray(cmd) ? cmd : [cmd];
  const [bin, ...pre] = [...inRoot(roots.get(ns)), 'vtysh'];
  return (await run(bin!, [...pre, '-N', ns, ...cmds.flatMap((c) => ['-c', c])], { timeoutMs })).stdout;
}

/** vtysh show command with JSON output (" json" appended if missing). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- FRR's JSON is untyped
export async function vtyshJson<T = any>(ns: string, cmd: string): Promise<T> {
  const c = /\bjson$/.test(cmd.trim()) ? cmd : `${cmd} json`;
  const out = await vtysh(ns, c);
  try {
    return JSON.parse(out) as T;
  } catch {
    throw new Error(`${ns}: "${c}" did not return JSON: ${out.slice(0, 500)}`);
  }
}

export interface ReloadResult extends RunResult {
  mode: 'test' | 'reload';
}

/**
 * Run /usr/lib/frr/frr-reload.py --pathspace <ns> --test|--reload on `config`
 * (written to /etc/frr/<ns>/reload.conf). Does not throw on a non-zero exit.
 */
export async function frrReload(ns: string, config: string, mode: 'test' | 'reload', timeoutMs = 120_000): Promise<ReloadResult> {
  prepareFrrDirs(ns);
  const file = join(confDir(ns), 'reload.conf');
  writeFrrFile(file, config.endsWith('\n') ? config : `${config}\n`);
  const r = await run(FRR_RELOAD, ['--pathspace', ns, '--stdout', `--${mode}`, file], {
    timeoutMs,
    allowFail: true,
  });
  return { ...r, mode };
}

/** Last `n` lines of the instance's daemon logs (all daemons or one). */
export function logTail(ns: string, n = 30, only?: FrrDaemon): string {
  const out: string[] = [];
  for (const d of only ? [only] : (started.get(ns) ?? FRR_ORDER)) {
    try {
      const lines = readFileSync(logFile(ns, d), 'utf8').trimEnd().split('\n');
      out.push(`--- ${logFile(ns, d)} (last ${Math.min(n, lines.length)} lines)`, ...lines.slice(-n));
    } catch {
      /* no log */
    }
  }
  return out.join('\n');
}

/** Copy all FRR logs to `dir` (e.g. $LAB_HOST_DIR/frr-logs so they survive the lab). */
export function collectFrrLogs(dir: string): string[] {
  mkdirSync(dir, { recursive: true });
  const copied: string[] = [];
  for (const f of existsSync('/var/log/frr') ? readdirSync('/var/log/frr') : []) {
    try {
      copyFileSync(join('/var/log/frr', f), join(dir, f));
      copied.push(f);
    } catch {
      /* skip */
    }
  }
  return copied;
}

/** Names of the instances started in this process. */
export function instances(): string[] {
  return [...started.keys()];
}
