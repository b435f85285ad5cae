// The one FRR launcher for tests: the machine's FRR daemons started with
// `-F datacenter` in a network namespace, each instance in its own path space
// (`-N <ns>`: config in /etc/frr/<ns>/, sockets and PID files in
// /var/run/frr/<ns>/), exactly how perouterd's router namespace runs FRR.
// `vtysh -N <ns>` talks to it; `-z`/`--vty_socket` would override `-N`.
// Used by the host tests (test/host/frr/instance.ts) and inside the kernel lab
// (test/lab/harness/frr.ts). Only processes started here are ever signalled.
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';

export type FrrDaemon = 'mgmtd' | 'zebra' | 'bgpd' | 'bfdd' | 'staticd';

export const FRR_BIN = '/usr/lib/frr';
export const FRR_RELOAD = join(FRR_BIN, 'frr-reload.py');
/** Start order: mgmtd (FRR 9+), zebra (the others connect to it), bgpd last. */
export const FRR_ORDER: readonly FrrDaemon[] = ['mgmtd', 'zebra', 'bfdd', 'staticd', 'bgpd'];
/**
 * FRR 9+ has mgmtd, which holds the configuration of zebra and staticd and must
 * start first (frrinit.sh starts it whatever the daemons file says).
 */
export const HAS_MGMTD = existsSync(join(FRR_BIN, 'mgmtd'));

/** The daemons to start for a request, in start order (mgmtd added where FRR has it). */
export function daemonsFor(requested: readonly FrrDaemon[], mgmtd = HAS_MGMTD): FrrDaemon[] {
  return FRR_ORDER.filter((d) => requested.includes(d) || (d === 'mgmtd' && mgmtd));
}
export const confDir = (ns: string): string => `/etc/frr/${ns}`;
export const runDir = (ns: string): string => `/var/run/frr/${ns}`;

export interface CmdResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a command without a shell; never rejects (code 1 and the message on spawn errors and timeouts). */
export function runCmd(cmd: string, args: string[], timeoutMs = 60_000): Promise<CmdResult> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) => {
      const raw = (err as (NodeJS.ErrnoException & { code?: unknown }) | null)?.code;
      const code = err ? (typeof raw === 'number' ? raw : 1) : 0;
      resolve({
        code,
        stdout: String(stdout),
        stderr: String(stderr) + (err && typeof raw !== 'number' ? `\n${err.message}` : ''),
        ms: Date.now() - t0,
      });
    });
  });
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** uid/gid of user frr (of another root file system when given), undefined when the frr package is not installed. */
export function frrIds(root = '/'): { uid: number; gid: number } | undefined {
  const line = readFileSync(join(root, 'etc/passwd'), 'utf8')
    .split('\n')
    .find((l) => l.startsWith('frr:'));
  const f = line?.split(':');
  if (!f?.[2] || !f[3]) return undefined;
  return { uid: Number(f[2]), gid: Number(f[3]) };
}

function ids(): { uid: number; gid: number } {
  const i = frrIds();
  if (!i) throw new Error('user frr not found in /etc/passwd (is the frr package installed?)');
  return i;
}

/** A directory FRR writes to: it must belong to user frr. */
export function mkdirFrr(dir: string): void {
  const { uid, gid } = ids();
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  chownSync(dir, uid, gid);
}

export function writeFrrFile(path: string, content: string): void {
  const { uid, gid } = ids();
  writeFileSync(path, content, { mode: 0o640 });
  chownSync(path, uid, gid);
}

/**
 * Prepare /etc/frr/<ns> and /var/run/frr/<ns>; (re)write frr.conf when `config` is given,
 * and make sure vtysh.conf exists (frr-reload.py needs it, even empty).
 */
export function prepareFrrDirs(ns: string, config?: string): void {
  mkdirFrr('/var/run/frr');
  mkdirFrr(confDir(ns));
  mkdirFrr(runDir(ns));
  const conf = join(confDir(ns), 'frr.conf');
  if (config !== undefined) writeFrrFile(conf, config === '' || config.endsWith('\n') ? config : `${config}\n`);
  // Default: the system host name. vtysh prints its own "hostname <system>" line in
  // show running-config; any other name here makes frr-reload.py see a diff forever.
  else if (!existsSync(conf)) writeFrrFile(conf, `hostname ${hostname()}\n`);
  const vtyshConf = join(confDir(ns), 'vtysh.conf');
  if (!existsSync(vtyshConf)) writeFrrFile(vtyshConf, '');
}

export function pidAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** PID in the daemon's PID file, undefined when there is none. */
export function readPid(ns: string, d: FrrDaemon): number | undefined {
  try {
    const n = Number.parseInt(readFileSync(join(runDir(ns), `${d}.pid`), 'utf8').trim(), 10);
    return Number.isFinite(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

async function waitFor(cond: () => boolean, ms: number, what: string, tail: () => string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${tail()}`);
    await sleep(50);
  }
}

export interface LaunchOptions {
  /** Daemons to start; zebra is required. Started in FRR_ORDER. */
  daemons: FrrDaemon[];
  /** Log file of each daemon (the directory must be writable by user frr). */
  logFile: (d: FrrDaemon) => string;
  /** Default "informational". */
  logLevel?: string;
  /** Log tail for error messages. */
  logTail?: (d?: FrrDaemon) => string;
  /** Told about problems that do not stop the start (vtysh -b). */
  warn?: (msg: string) => void;
  /**
   * Load frr.conf as a packaged FRR does (frrinit.sh): daemons start empty, then
   * `vtysh -b` hands each line to its daemon. Always so with FRR 9+ (mgmtd). Without
   * it FRR 8.4's daemons each read the whole file (`-f`) and stop at the first line
   * they do not know, so a restarted bgpd comes up with no BGP configuration.
   */
  integrated?: boolean;
  /** Extra command-line options of a daemon (e.g. from daemonOptions: zebra's `-K 60`). */
  options?: (d: FrrDaemon) => string[];
  /**
   * Run another FRR: the daemons and vtysh of this root file system, through `chroot`
   * (its /etc/frr, /var/run/frr and /var/log/frr must be this system's, see the lab's
   * fabric root). Default: the machine's FRR.
   */
  chroot?: string;
}

/** The command prefix that runs a program of FRR's root (nothing for the machine's own). */
export const inRoot = (root: string | undefined): string[] => (root ? ['chroot', root] : []);

/** Whether the FRR of a root (default: the machine's) has mgmtd, i.e. is FRR 9 or later. */
export const hasMgmtd = (root?: string): boolean => (root ? existsSync(join(root, FRR_BIN.slice(1), 'mgmtd')) : HAS_MGMTD);

/**
 * The `<daemon>_options` of a daemons file (FRR's /etc/frr/daemons format), as words:
 * what frrinit.sh passes to each daemon. perouterd ships its own (packaging/frr/daemons).
 */
export function daemonOptions(daemonsFile: string): (d: FrrDaemon) => string[] {
  const opts = new Map<string, string[]>();
  for (const m of readFileSync(daemonsFile, 'utf8').matchAll(/^(\w+)_options="([^"]*)"/gm))
    opts.set(m[1]!, m[2]!.trim().split(/\s+/).filter(Boolean));
  return (d) => opts.get(d) ?? [];
}

/**
 * The daemons a daemons file turns on (`bgpd=yes`), zebra first: what frrinit.sh starts
 * (mgmtd besides on FRR 9+, see daemonsFor). Names this launcher does not know are left out.
 */
export function daemonsEnabled(daemonsFile: string): FrrDaemon[] {
  const on = new Set([...readFileSync(daemonsFile, 'utf8').matchAll(/^(\w+)=yes\s*$/gm)].map((m) => m[1]));
  return FRR_ORDER.filter((d) => d === 'zebra' || on.has(d));
}

/**
 * Starts FRR in namespace `ns` (which must exist, with prepareFrrDirs done) and
 * waits until zebra's socket and every daemon's PID file are there. Returns the PIDs.
 */
export async function launchFrr(ns: string, o: LaunchOptions): Promise<Map<FrrDaemon, number>> {
  const mgmtd = hasMgmtd(o.chroot);
  const daemons = daemonsFor(o.daemons, mgmtd);
  if (!daemons.includes('zebra')) throw new Error('launchFrr: zebra is required');
  const tail = o.logTail ?? (() => '');
  const pids = new Map<FrrDaemon, number>();
  for (const d of daemons) {
    const args = ['netns', 'exec', ns, ...inRoot(o.chroot), join(FRR_BIN, d), '-N', ns, '-d', '-F', 'datacenter'];
    // FRR 9+ (mgmtd) loads the integrated frr.conf through `vtysh -b`, as frrinit.sh does.
    if (!mgmtd && !o.integrated) args.push('-f', join(confDir(ns), 'frr.conf'));
    args.push(...(o.options?.(d) ?? []));
    args.push('--log', `file:${o.logFile(d)}`, '--log-level', o.logLevel ?? 'informational');
    // Output goes to a file, not a pipe: mgmtd (FRR 10) keeps stdout/stderr open after it
    // daemonizes, so a pipe would never close.
    const out = `${o.logFile(d)}.out`;
    const r = await runCmd('sh', ['-c', 'exec "$@" >"$0" 2>&1 </dev/null', out, 'ip', ...args], 60_000);
    if (r.code !== 0) {
      const text = existsSync(out) ? readFileSync(out, 'utf8') : r.stderr;
      throw new Error(`${ns}: starting ${d} failed (exit ${r.code}): ${text.trim().slice(0, 1500)}\n${tail(d)}`);
    }
    if (d === 'zebra')
      await waitFor(
        () => existsSync(join(runDir(ns), 'zserv.api')),
        15_000,
        `${ns}: zebra socket`,
        () => tail(d),
      );
    await waitFor(
      () => readPid(ns, d) !== undefined,
      10_000,
      `${ns}: ${d} pid file`,
      () => tail(d),
    );
    pids.set(d, readPid(ns, d)!);
  }
  if (mgmtd || o.integrated) {
    const [cmd, ...pre] = [...inRoot(o.chroot), 'vtysh'];
    const r = await runCmd(cmd!, [...pre, '-N', ns, '-b'], 60_000);
    if (r.code !== 0) o.warn?.(`${ns}: vtysh -b exited ${r.code}: ${(r.stderr + r.stdout).trim().slice(0, 500)}`);
  }
  return pids;
}

/** Sends `sig` to the PIDs and waits up to waitMs for them to go; true when all went. */
export async function signalPids(pids: number[], sig: NodeJS.Signals, waitMs: number): Promise<boolean> {
  for (const p of pids) {
    try {
      if (pidAlive(p)) process.kill(p, sig);
    } catch {
      /* already gone */
    }
  }
  const deadline = Date.now() + waitMs;
  while (Date.now() < deadline && pids.some(pidAlive)) await sleep(50);
  return !pids.some(pidAlive);
}
