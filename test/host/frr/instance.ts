// A throw-away FRR instance for host tests: zebra, bfdd, staticd and bgpd of the
// machine's FRR, started with `-F datacenter` in their own named network
// namespace and their own path space (`-N <ps>`: /etc/frr/<ps>, /var/run/frr/<ps>),
// exactly how perouterd runs FRR in the router namespace. Only processes this
// helper started are ever signalled (by the PIDs in its own path space).
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseReloadTestOutput, type FrrDiff } from '../../../src/frr/reloader.js';
import {
  FRR_BIN,
  daemonsFor,
  FRR_RELOAD,
  frrIds,
  launchFrr,
  pidAlive,
  prepareFrrDirs,
  runCmd as run,
  signalPids,
  type CmdResult as RunResult,
  type FrrDaemon as Daemon,
} from '../../support/frr.js';

export { FRR_BIN, FRR_RELOAD, run, type RunResult };
const DAEMONS = daemonsFor(['zebra', 'bfdd', 'staticd', 'bgpd']);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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

    this.logDir = mkdtempSync(join(tmpdir(), `${this.name}-log-`));
    chownSync(this.logDir, ids.uid, ids.gid);
    prepareFrrDirs(this.name, '');
    this.pids = await launchFrr(this.name, {
      daemons: [...DAEMONS],
      logFile: (d) => join(this.logDir, `${d}.log`),
      logTail: (d) => this.logTail(d),
    });
    await this.waitFor(
      async () => {
        const r = await run('vtysh', ['-N', this.name, '-c', 'show daemons'], 10_000);
        return r.code === 0 && DAEMONS.every((d) => r.stdout.split(/\s+/).includes(d));
      },
      15_000,
      'vtysh show daemons',
    );
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
    if (!(await signalPids(pids, 'SIGTERM', 10_000))) await signalPids(pids, 'SIGKILL', 5_000);
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
