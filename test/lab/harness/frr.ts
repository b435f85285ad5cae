// Real FRR instances for lab scenarios (runs INSIDE the lab).
//
// One instance per network namespace, each with its own path space (-N <ns>):
// config in /etc/frr/<ns>/, sockets and pid files in /var/run/frr/<ns>/.
// `vtysh -N <ns>` talks to it. Do not pass -z/--vty_socket: it overrides -N.

import { chownSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { run, sleep, waitFor, type RunResult } from './fabric.js';
import { log } from './results.js';

export type FrrDaemon = 'mgmtd' | 'zebra' | 'bgpd' | 'bfdd' | 'staticd';

export interface StartFrrOptions {
  daemons: FrrDaemon[];
  /** Content of /etc/frr/<ns>/frr.conf. Default (when the file does not exist yet): "hostname <system host name>". */
  config?: string;
  /** Daemon log level for the per-daemon log files (default "informational"). */
  logLevel?: string;
}

export const FRR_BIN = '/usr/lib/frr';
export const confDir = (ns: string) => `/etc/frr/${ns}`;
export const runDir = (ns: string) => `/var/run/frr/${ns}`;
export const logFile = (ns: string, d: FrrDaemon) => `/var/log/frr/${ns}-${d}.log`;

const ORDER: FrrDaemon[] = ['mgmtd', 'zebra', 'bfdd', 'staticd', 'bgpd'];
/**
 * FRR 9+ has mgmtd, which holds the configuration of zebra and staticd and must
 * start first (frrinit.sh starts it whatever the daemons file says).
 */
export const HAS_MGMTD = existsSync('/usr/lib/frr/mgmtd');
const started = new Map<string, FrrDaemon[]>();

function frrIds(): { uid: number; gid: number } {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('frr:'));
  const f = line?.split(':');
  if (!f?.[2] || !f[3]) throw new Error('user frr not found in /etc/passwd (is the frr package installed?)');
  return { uid: Number(f[2]), gid: Number(f[3]) };
}

function mkdirFrr(dir: string): void {
  const { uid, gid } = frrIds();
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  chownSync(dir, uid, gid);
}

function writeFrrFile(path: string, content: string): void {
  const { uid, gid } = frrIds();
  writeFileSync(path, content, { mode: 0o640 });
  chownSync(path, uid, gid);
}

/** Prepare /etc/frr/<ns> and /var/run/frr/<ns> and (re)write frr.conf + an empty vtysh.conf. */
export function prepareFrrDirs(ns: string, config?: string): void {
  mkdirFrr('/var/log/frr');
  mkdirFrr('/var/run/frr');
  mkdirFrr(confDir(ns));
  mkdirFrr(runDir(ns));
  const conf = join(confDir(ns), 'frr.conf');
  if (config !== undefined) writeFrrFile(conf, config.endsWith('\n') ? config : `${config}\n`);
  // Default: the system host name. vtysh prints its own "hostname <system>" line in
  // show running-config; any other name here makes frr-reload.py see a diff forever.
  else if (!existsSync(conf)) writeFrrFile(conf, `hostname ${hostname()}\n`);
  const vtyshConf = join(confDir(ns), 'vtysh.conf');
  if (!existsSync(vtyshConf)) writeFrrFile(vtyshConf, '');
}

function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

function readPid(ns: string, d: FrrDaemon): number | null {
  try {
    const n = Number.parseInt(readFileSync(join(runDir(ns), `${d}.pid`), 'utf8').trim(), 10);
    return Number.isFinite(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

/** PID of each daemon of the instance, or null when it is not running. */
export function daemonPids(ns: string, daemons: FrrDaemon[] = started.get(ns) ?? ORDER): Record<string, number | null> {
  const out: Record<string, number | null> = {};
  for (const d of daemons) {
    const pid = readPid(ns, d);
    out[d] = pid !== null && pidAlive(pid) ? pid : null;
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

/** Start an FRR instance in network namespace `ns` (which must exist). */
export async function startFrr(ns: string, opts: StartFrrOptions): Promise<void> {
  prepareFrrDirs(ns, opts.config);
  const daemons = ORDER.filter((d) => opts.daemons.includes(d) || (d === 'mgmtd' && HAS_MGMTD));
  if (!daemons.includes('zebra')) throw new Error('startFrr: zebra is required');
  started.set(ns, daemons);
  for (const d of daemons) {
    const args = [
      'netns',
      'exec',
      ns,
      join(FRR_BIN, d),
      '-N',
      ns,
      '-d',
      '-F',
      'datacenter',
      // FRR 9+ (mgmtd) loads the integrated frr.conf through `vtysh -b`, as frrinit.sh does.
      ...(HAS_MGMTD ? [] : ['-f', join(confDir(ns), 'frr.conf')]),
      '--log',
      `file:${logFile(ns, d)}`,
      '--log-level',
      opts.logLevel ?? 'informational',
    ];
    // Output goes to a file, not a pipe: mgmtd (FRR 10) keeps stdout/stderr open after it
    // daemonizes, so a pipe would never close.
    const out = `${logFile(ns, d)}.out`;
    const r = await run('sh', ['-c', 'exec "$@" >"$0" 2>&1 </dev/null', out, 'ip', ...args], { timeoutMs: 60_000, allowFail: true });
    if (r.code !== 0) {
      const text = existsSync(out) ? readFileSync(out, 'utf8') : '';
      throw new Error(`${ns}: starting ${d} failed (exit ${r.code}): ${text.trim().slice(0, 1500)}\n${logTail(ns, 20, d)}`);
    }
    if (d === 'zebra') {
      await waitFor(() => existsSync(join(runDir(ns), 'zserv.api')), 15_000, `${ns}: zebra socket ${runDir(ns)}/zserv.api`, 100);
    }
  }
  await waitFor(
    () => Object.values(daemonPids(ns, daemons)).every((p) => p !== null),
    10_000,
    `${ns}: pid files of ${daemons.join(',')}`,
    100,
  );
  if (HAS_MGMTD) {
    const r = await run('vtysh', ['-N', ns, '-b'], { timeoutMs: 60_000, allowFail: true });
    if (r.code !== 0) log(`${ns}: vtysh -b exited ${r.code}: ${(r.stderr + r.stdout).trim().slice(0, 500)}`);
  }
}

async function signalAll(ns: string, sig: NodeJS.Signals, daemons: FrrDaemon[], waitMs: number): Promise<boolean> {
  const pids = Object.values(daemonPids(ns, daemons)).filter((p): p is number => p !== null);
  for (const p of pids) {
    try {
      process.kill(p, sig);
    } catch {
      /* gone */
    }
  }
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline) {
    if (pids.every((p) => !pidAlive(p))) return true;
    await sleep(100);
  }
  return pids.every((p) => !pidAlive(p));
}

/** Stop the instance gracefully (SIGTERM, then SIGKILL after 10 s). */
export async function stopFrr(ns: string): Promise<void> {
  const daemons = [...(started.get(ns) ?? ORDER)].reverse();
  if (!(await signalAll(ns, 'SIGTERM', daemons, 10_000))) await signalAll(ns, 'SIGKILL', daemons, 5_000);
}

/** Kill daemons with SIGKILL (simulates a crash). Default: all daemons of the instance. */
export async function killFrr(ns: string, daemons?: FrrDaemon[]): Promise<void> {
  await signalAll(ns, 'SIGKILL', daemons ?? started.get(ns) ?? ORDER, 5_000);
}

/** Run one or more vtysh commands in the instance; returns stdout. */
export async function vtysh(ns: string, cmd: string | string[], timeoutMs = 30_000): Promise<string> {
  const cmds = Array.isArray(cmd) ? cmd : [cmd];
  return (await run('vtysh', ['-N', ns, ...cmds.flatMap((c) => ['-c', c])], { timeoutMs })).stdout;
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
  const r = await run(join(FRR_BIN, 'frr-reload.py'), ['--pathspace', ns, '--stdout', `--${mode}`, file], {
    timeoutMs,
    allowFail: true,
  });
  return { ...r, mode };
}

/** Last `n` lines of the instance's daemon logs (all daemons or one). */
export function logTail(ns: string, n = 30, only?: FrrDaemon): string {
  const out: string[] = [];
  for (const d of only ? [only] : (started.get(ns) ?? ORDER)) {
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
