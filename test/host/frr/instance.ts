// A throw-away FRR instance for host tests: zebra, bfdd, staticd and bgpd of the
// machine's FRR, started with `-F datacenter` in their own named network
// namespace and their own path space (`-N <ps>`: /etc/frr/<ps>, /var/run/frr/<ps>),
// exactly how perouterd runs FRR in the router namespace. Only processes this
// helper started are ever signalled (by the PIDs in its own path space).
import { execFile } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseReloadTestOutput, type FrrDiff } from '../../../src/frr/reloader.js';

export const FRR_BIN = '/usr/lib/frr';
export const FRR_RELOAD = join(FRR_BIN, 'frr-reload.py');
const DAEMONS = ['zebra', 'bfdd', 'staticd', 'bgpd'] as const;
type Daemon = (typeof DAEMONS)[number];

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

export function run(cmd: string, args: string[], timeoutMs = 60_000): Promise<RunResult> {
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

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function frrIds(): { uid: number; gid: number } | undefined {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('frr:'));
  const f = line?.split(':');
  if (!f?.[2] || !f[3]) return undefined;
  return { uid: Number(f[2]), gid: Number(f[3]) };
}

/** Why this host cannot run a real FRR for tests, or undefined when it can. */
export function frrUnavailableReason(): string | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return 'needs root (network namespaces, FRR daemons)';
  for (const d of DAEMONS)
    if (!existsSync(join(FRR_BIN, d))) return `FRR is not installed (${join(FRR_BIN, d)} missing; apt-get install frr)`;
  if (!existsSync(FRR_RELOAD)) return `frr-pythontools is not installed (${FRR_RELOAD} missing)`;
  if (!existsSync('/usr/bin/vtysh')) return 'vtysh is missing (frr package incomplete)';
  if (!frrIds()) return 'user frr does not exist (frr package incomplete)';
  const h = hostname();
  // vtysh prints `hostname <system name>`; its mark pass rejects `hostname (none)` (UML, bare containers).
  if (h === '' || h === '(none)') return `the system has no host name ("${h}"), which FRR's vtysh cannot read back`;
  return undefined;
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

export interface ReloadOutcome {
  code: number;
  output: string;
  ms: number;
}

export interface TestOutcome {
  code: number;
  diff: FrrDiff;
  output: string;
  ms: number;
}

export class FrrTestInstance {
  readonly confDir: string;
  readonly runDir: string;
  private logDir = '';
  private pids = new Map<Daemon, number>();

  /** `name` is both the network namespace and the FRR path space. */
  constructor(readonly name: string) {
    this.confDir = `/etc/frr/${name}`;
    this.runDir = `/var/run/frr/${name}`;
  }

  async start(): Promise<void> {
    const ids = frrIds();
    if (!ids) throw new Error('user frr not found');
    await this.cleanupLeftovers();
    const ns = await run('ip', ['netns', 'add', this.name]);
    if (ns.code !== 0) throw new Error(`ip netns add ${this.name}: ${ns.stderr}`);
    await run('ip', ['-n', this.name, 'link', 'set', 'lo', 'up']);
    // The router namespace forwards (as upstream's internal/sysctl/sysctl.go sets it); otherwise FRR prints `no ip forwarding`.
    await run('ip', ['netns', 'exec', this.name, 'sysctl', '-qw', 'net.ipv4.ip_forward=1', 'net.ipv6.conf.all.forwarding=1']);

    for (const dir of ['/var/run/frr', this.confDir, this.runDir]) {
      mkdirSync(dir, { recursive: true, mode: 0o755 });
      chownSync(dir, ids.uid, ids.gid);
    }
    this.logDir = mkdtempSync(join(tmpdir(), `${this.name}-log-`));
    chownSync(this.logDir, ids.uid, ids.gid);
    for (const [file, content] of [
      ['frr.conf', ''],
      ['vtysh.conf', ''], // frr-reload.py needs it to exist in the path space
    ] as const) {
      writeFileSync(join(this.confDir, file), content, { mode: 0o640 });
      chownSync(join(this.confDir, file), ids.uid, ids.gid);
    }

    for (const d of DAEMONS) {
      const args = [
        'netns',
        'exec',
        this.name,
        join(FRR_BIN, d),
        '-N',
        this.name,
        '-d',
        '-F',
        'datacenter',
        '-f',
        join(this.confDir, 'frr.conf'),
        '--log',
        `file:${join(this.logDir, `${d}.log`)}`,
        '--log-level',
        'informational',
      ];
      const r = await run('ip', args, 30_000);
      if (r.code !== 0) throw new Error(`starting ${d} failed (exit ${r.code}): ${r.stderr}${r.stdout}\n${this.logTail(d)}`);
      if (d === 'zebra') await this.waitFor(() => existsSync(join(this.runDir, 'zserv.api')), 15_000, 'zebra socket');
      await this.waitFor(() => this.readPid(d) !== undefined, 10_000, `${d} pid file`);
      this.pids.set(d, this.readPid(d)!);
    }
    await this.waitFor(
      async () => {
        const r = await run('vtysh', ['-N', this.name, '-c', 'show daemons'], 10_000);
        return r.code === 0 && DAEMONS.every((d) => r.stdout.split(/\s+/).includes(d));
      },
      15_000,
      'vtysh show daemons',
    );
  }

  private readPid(d: Daemon): number | undefined {
    try {
      const n = Number.parseInt(readFileSync(join(this.runDir, `${d}.pid`), 'utf8').trim(), 10);
      return Number.isFinite(n) && n > 0 ? n : undefined;
    } catch {
      return undefined;
    }
  }

  private async waitFor(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline) {
      if (await cond()) return;
      await sleep(50);
    }
    throw new Error(`${this.name}: timed out waiting for ${what}\n${this.logTail()}`);
  }

  /** Daemons that died since start. */
  deadDaemons(): string[] {
    return [...this.pids].filter(([, pid]) => !pidAlive(pid)).map(([d]) => d);
  }

  logTail(only?: Daemon, n = 20): string {
    const out: string[] = [];
    for (const d of only ? [only] : DAEMONS) {
      try {
        const lines = readFileSync(join(this.logDir, `${d}.log`), 'utf8')
          .trimEnd()
          .split('\n');
        out.push(`--- ${d}.log`, ...lines.slice(-n));
      } catch {
        /* no log yet */
      }
    }
    return out.join('\n');
  }

  private reloadScript(mode: '--reload' | '--test', file: string, timeoutMs = 120_000): Promise<RunResult> {
    return run('/usr/bin/python3', [FRR_RELOAD, '--pathspace', this.name, '--stdout', mode, file], timeoutMs);
  }

  /** `frr-reload.py --reload`: makes FRR's running configuration equal to `file`. */
  async reload(file: string): Promise<ReloadOutcome> {
    const r = await this.reloadScript('--reload', file);
    return { code: r.code, output: `${r.stdout}\n${r.stderr}`, ms: r.ms };
  }

  /** `frr-reload.py --test`: what FRR would still change to reach `file` (identity lines ignored). */
  async diff(file: string): Promise<TestOutcome> {
    const r = await this.reloadScript('--test', file);
    return { code: r.code, diff: parseReloadTestOutput(r.stdout), output: `${r.stdout}\n${r.stderr}`, ms: r.ms };
  }

  async runningConfig(): Promise<string> {
    return (await run('vtysh', ['-N', this.name, '-c', 'show running-config'], 30_000)).stdout;
  }

  /** Stops the daemons this instance started, removes the namespace and the path space. */
  async stop(): Promise<void> {
    const pids = [...this.pids.values()];
    for (const sig of ['SIGTERM', 'SIGKILL'] as const) {
      for (const p of pids) {
        try {
          if (pidAlive(p)) process.kill(p, sig);
        } catch {
          /* already gone */
        }
      }
      const deadline = Date.now() + (sig === 'SIGTERM' ? 10_000 : 5_000);
      while (Date.now() < deadline && pids.some(pidAlive)) await sleep(50);
      if (!pids.some(pidAlive)) break;
    }
    this.pids.clear();
    await run('ip', ['netns', 'del', this.name]);
    rmSync(this.confDir, { recursive: true, force: true });
    rmSync(this.runDir, { recursive: true, force: true });
    if (this.logDir) rmSync(this.logDir, { recursive: true, force: true });
  }

  /** A namespace or path space of the same name left by a killed earlier run (names carry the PID, so this is rare). */
  private async cleanupLeftovers(): Promise<void> {
    if (existsSync(`/run/netns/${this.name}`)) await run('ip', ['netns', 'del', this.name]);
    rmSync(this.confDir, { recursive: true, force: true });
    rmSync(this.runDir, { recursive: true, force: true });
  }
}
