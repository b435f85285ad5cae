// Applies frr.conf to an FRR instance that runs in the router namespace with its
// own path space (`-N <name>`), incrementally. The base is the running
// configuration: read with `show running-config` when nothing is known yet, when
// FRR's daemons changed PID (a restart) or when the caller asks for a drift check
// (`verify`, every resync); otherwise the configuration FRR accepted at the last
// apply. A change then costs two vtysh processes:
//   check: `vtysh -C -f` (FRR's own dry run, nothing is touched) of the lines
//          that differ from the base (the whole candidate when there is no base);
//   apply: those lines (and the `no …` of the removed ones, frr-config.ts) in one
//          `vtysh -f`. vtysh reports every line a daemon refuses and exits
//          non-zero; only then is the running configuration read back and the
//          touched blocks compared. A cold FRR (empty running configuration) thus
//          loads the whole rendered file in one pass.
// When the read-back differs (a change FRR applies differently from line by
// line, e.g. a neighbour's remote-as), frr-reload.py from frr-pythontools
// repairs it: --test, --reload, read back, retried (the path upstream's reloader
// container takes for every change). A difference vtysh does not report is
// found by the next drift check.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { diffFromVtyshLines } from './explain.js';
import { complaints, parseReloadTestOutput, run, type Exec, type ExecResult, type FrrDiff } from './frr-tools.js';
import { differingBlocks, frrDeltaSteps, parseFrrConfigSteps, type FrrConfigTree, type FrrDelta } from './frr-config.js';
import { bootLoadRunning } from './boot-load.js';
import type { FrrPaths } from './frr-paths.js';
import { settledRunningRead } from './restart-settle.js';
import { processAlive } from '../sys/process.js';
import { runAsync } from '../util/steps.js';
import { ensureFileSafe, ensurePrivateDir, writeFileSafe } from '../sys/safe-file.js';

export { complaints, parseReloadTestOutput, run, type Exec, type ExecResult, type FrrDiff };

export { findFrrLibdir, FRR_LIBDIRS, frrPaths, type FrrPaths } from './frr-paths.js';

/** A BGP instance line: frr.conf always has one, a freshly started FRR none. */
const BGP_INSTANCE = /^router bgp /m;

export type FrrApplyResult =
  | { outcome: 'applied'; attempts: number; diff: FrrDiff }
  | { outcome: 'unchanged' }
  /** `unanswered`: FRR did not answer in time (a vtysh call ran out of time): no configuration can reach it. */
  | { outcome: 'failed'; error: string; attempts: number; unanswered?: boolean };

/** The FRR side of the dataplane, behind an interface so the daemon can be tested without FRR. */
export interface FrrControl {
  /** True when zebra and bgpd answer on their vty sockets. */
  isRunning(): Promise<boolean>;
  /** PIDs of the FRR daemons, to notice restarts (a restarted FRR starts from frr.conf on disk). */
  daemonPids(): Promise<Record<string, number>>;
  /** Checks `config` with FRR's own parser: undefined when FRR accepts it. `parsed`: parseFrrConfig(config), when known. */
  check(config: string, parsed?: FrrConfigTree): Promise<string | undefined>;
  /** Makes FRR's running configuration equal to `config`; `verify` reads it first instead of trusting the last apply. */
  apply(config: string, opts?: { verify?: boolean; parsed?: FrrConfigTree }): Promise<FrrApplyResult>;
  /** The configuration last written as frr.conf (what FRR loads when it starts). */
  storedConfig(): Promise<string | undefined>;
}

const DEFAULT_REQUIRED_DAEMONS = ['zebra', 'bgpd'];

/**
 * Time given to a vtysh call that sends or shows configuration: a fixed part plus an
 * allowance per line, as vtysh's time grows with them (a cold load at 1000 VNIs is
 * ~29 000 lines). Past it FRR is taken as not answering (frr-unanswered.ts).
 */
const CONFIG_BASE_MS = 30_000;
const LINE_MS = 20;
const configTimeout = (lines: number): number => CONFIG_BASE_MS + LINE_MS * lines;

function lineCount(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
/** `vtysh -f` rounds (the delta, then what the read-back shows left) before frr-reload.py. */
const DELTA_ROUNDS = 2;

/** What FRR runs, as known without asking it: the configuration read or accepted last, and the PIDs then. */
interface KnownRunning {
  tree: FrrConfigTree;
  pids: string;
}

const pidKey = (pids: Record<string, number>): string =>
  JSON.stringify(Object.entries(pids).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

export class FrrReloader implements FrrControl {
  private known: KnownRunning | undefined;
  /** The PIDs at the last read of the running configuration: new ones mean FRR restarted since. */
  private pidsRead: string | undefined;
  private lastDelta: { base: FrrConfigTree; config: string; want: FrrConfigTree; delta: FrrDelta } | undefined;
  /** The first vtysh call of the running apply that FRR did not answer in time. */
  private unanswered: string | undefined;
  /** Lines of the configuration being applied: what a read of the running one is given time for. */
  private applyingLines = 0;
  private readonly exec: Exec;

  constructor(
    private readonly paths: FrrPaths,
    private readonly opts: {
      attempts?: number;
      timeoutMs?: number;
      requiredDaemons?: string[];
      /** Wait between two reads of a restarted FRR's running configuration (default 1 s). */
      restartSettleMs?: number;
      /** Whether FRR is loading frr.conf now (default: a `vtysh -b` of the pathspace runs; tests fake it). */
      bootLoading?: () => Promise<boolean>;
      log?: (msg: string, extra?: object) => void;
      /** Runs vtysh / python (tests fake it). */
      exec?: Exec;
    } = {},
  ) {
    this.exec = opts.exec ?? run;
  }

  private get file(): string {
    return path.join(this.paths.confDir, 'frr.conf');
  }

  private async vtysh(args: string[], timeoutMs = this.opts.timeoutMs ?? 120_000): Promise<ExecResult> {
    const r = await this.exec(this.paths.vtysh, ['-N', this.paths.pathspace, ...args], timeoutMs);
    if (r.timedOut) {
      const said = `${r.stderr}${r.stdout}`.trim().split('\n').slice(-2).join(' | ').slice(0, 300);
      this.unanswered ??= `vtysh ${args.filter((a) => a !== '-c').join(' ')} did not finish in ${Math.round(timeoutMs / 1000)} s${said ? ` (${said})` : ''}`;
    }
    return r;
  }

  async isRunning(): Promise<boolean> {
    const required = this.opts.requiredDaemons ?? DEFAULT_REQUIRED_DAEMONS;
    const pids = await this.daemonPids();
    const alive = required.every((d) => pids[d] !== undefined && processAlive(pids[d]!));
    // The daemons that answered at the last apply, with the same PIDs and alive: no vtysh needed.
    if (this.known && pidKey(pids) === this.known.pids && alive) return true;
    const r = await this.vtysh(['-c', 'show daemons'], 10_000);
    // Daemons that live but do not answer run: the push finds out and counts it (frr-unanswered.ts);
    // "not running yet" would wait for them for ever.
    if (r.timedOut) return alive;
    if (r.code !== 0) return false;
    const listed = r.stdout.split(/\s+/);
    return required.every((d) => listed.includes(d));
  }

  async daemonPids(): Promise<Record<string, number>> {
    const pids: Record<string, number> = {};
    let entries: string[];
    try {
      entries = await fs.readdir(this.paths.runDir);
    } catch {
      return pids;
    }
    for (const e of entries) {
      if (!e.endsWith('.pid')) continue;
      const v = Number((await fs.readFile(path.join(this.paths.runDir, e), 'utf8').catch(() => '')).trim());
      if (v > 0) pids[e.slice(0, -4)] = v;
    }
    return pids;
  }

  async storedConfig(): Promise<string | undefined> {
    return fs.readFile(this.file, 'utf8').catch(() => undefined);
  }

  private reloadArgs(mode: '--test' | '--reload', file: string): string[] {
    return [
      this.paths.reloadScript,
      mode,
      '--stdout',
      '--pathspace',
      this.paths.pathspace,
      '--confdir',
      this.paths.confDir,
      '--rundir',
      this.paths.runDir,
      file,
    ];
  }

  /** Lines FRR would change to reach `file`; undefined with the error when the file is rejected. */
  async diff(file: string): Promise<{ diff?: FrrDiff; error?: string }> {
    const r = await this.exec(this.paths.python, this.reloadArgs('--test', file), this.opts.timeoutMs ?? 120_000);
    if (r.code !== 0)
      return { error: `frr-reload.py --test exited ${r.code}: ${(r.stderr || r.stdout).trim().split('\n').slice(-5).join(' | ')}` };
    return { diff: parseReloadTestOutput(r.stdout) };
  }

  /** vtysh.conf must exist for frr-reload.py (empty is fine); the candidate goes to the root-only work dir. */
  private async writeCandidate(name: string, config: string): Promise<string> {
    await fs.mkdir(this.paths.confDir, { recursive: true });
    await ensureFileSafe(this.paths.confDir, 'vtysh.conf', { mode: 0o640 });
    await ensurePrivateDir(this.paths.workDir, 0o700);
    await writeFileSafe(this.paths.workDir, name, config, { mode: 0o600, rootOnly: true });
    return path.join(this.paths.workDir, name);
  }

  /** The known running configuration, if FRR has not restarted since it was known. */
  private async trustedBase(): Promise<FrrConfigTree | undefined> {
    if (!this.known) return undefined;
    return pidKey(await this.daemonPids()) === this.known.pids ? this.known.tree : undefined;
  }

  /**
   * FRR's dry run (`vtysh -C -f`) of what would be sent: the lines that differ from the
   * known running configuration (the rest runs already), else the whole candidate.
   */
  async check(config: string, parsed?: FrrConfigTree): Promise<string | undefined> {
    const base = await this.trustedBase();
    const delta = base ? (await this.deltaFor(base, config, parsed)).delta.lines : undefined;
    if (delta?.length === 0) return undefined;
    const candidate = await this.writeCandidate('frr.conf.check', delta ? delta.join('\n') + '\n' : config);
    try {
      const r = await this.vtysh(['-C', '-f', candidate]);
      if (r.code === 0) return undefined;
      return `FRR rejects the configuration (vtysh -C exited ${r.code}): ${(r.stderr || r.stdout).trim().split('\n').slice(-5).join(' | ')}`;
    } finally {
      await fs.rm(candidate, { force: true });
    }
  }

  /**
   * The delta from `base` to `config`, kept for the apply that follows the check. `parsed`: the
   * renderer's parse of `config` (DesiredState.frrTree), so frr.conf is not parsed again. Parse
   * and comparison pause between chunks: at 4000 VNIs they would hold the event loop 50-400 ms.
   */
  private async deltaFor(base: FrrConfigTree, config: string, parsed?: FrrConfigTree): Promise<{ want: FrrConfigTree; delta: FrrDelta }> {
    const c = this.lastDelta;
    if (c && c.base === base && c.config === config) return c;
    const want = parsed ?? (await runAsync(parseFrrConfigSteps(config)));
    const delta = await runAsync(frrDeltaSteps(base, want));
    this.lastDelta = { base, config, want, delta };
    return this.lastDelta;
  }

  /**
   * Reads the running configuration and remembers it (with the PIDs from before the read) as
   * the base; FRR restarted since the last read (new PIDs) is read until it has settled
   * (restart-settle.ts). The first read waits only when FRR is loading its configuration
   * then: as a service FRR's unit has long finished its `vtysh -b` (perouterd.service comes
   * after it).
   */
  private async readRunning(): Promise<FrrConfigTree | undefined> {
    const pids = pidKey(await this.daemonPids());
    const show = () => this.vtysh(['-c', 'show running-config'], this.opts.timeoutMs ?? configTimeout(this.applyingLines));
    let r = await show();
    const loading = this.opts.bootLoading ?? (() => bootLoadRunning(this.paths.pathspace));
    const stored = await this.storedConfig();
    // Also when FRR is loading at the first read (perouterd started beside a starting FRR),
    // and whenever FRR runs no BGP instance frr.conf has: a restart whose PIDs an earlier
    // read already took (during the restart) looks like drift otherwise (lab, resync).
    const unloaded = r.code === 0 && stored !== undefined && BGP_INSTANCE.test(stored) && !BGP_INSTANCE.test(r.stdout);
    if ((this.pidsRead !== undefined && pids !== this.pidsRead) || unloaded || (this.pidsRead === undefined && (await loading())))
      r = await settledRunningRead(r, show, stored, { waitMs: this.opts.restartSettleMs, loading, log: this.opts.log });
    this.pidsRead = pids;
    this.known = r.code === 0 ? { tree: await runAsync(parseFrrConfigSteps(r.stdout)), pids } : undefined;
    return this.known?.tree;
  }

  async apply(config: string, opts: { verify?: boolean; parsed?: FrrConfigTree } = {}): Promise<FrrApplyResult> {
    this.unanswered = undefined;
    this.applyingLines = lineCount(config);
    const base = (opts.verify ? undefined : await this.trustedBase()) ?? (await this.readRunning());
    const delta = base && (await this.applyDelta(config, base, opts.parsed));
    // FRR did not answer: no read-back, no frr-reload.py (each would wait as long again).
    if (this.unanswered !== undefined) return this.notAnswering();
    if (delta) return delta;
    this.known = undefined; // whatever frr-reload.py leaves is read again next time
    const candidate = await this.writeCandidate('frr.conf.candidate', config);
    try {
      return await this.reloadFull(config, candidate);
    } finally {
      await fs.rm(candidate, { force: true });
    }
  }

  /** The incremental path; undefined when the read-back differs and frr-reload.py must repair. */
  private async applyDelta(
    config: string,
    base: FrrConfigTree,
    parsed: FrrConfigTree | undefined,
    round = 1,
  ): Promise<FrrApplyResult | undefined> {
    const { want, delta } = await this.deltaFor(base, config, parsed);
    if (delta.lines.length === 0) {
      await this.commit(config);
      return { outcome: 'unchanged' };
    }
    const pids = this.known?.pids ?? '';
    const file = await this.writeCandidate('frr.conf.delta', delta.lines.join('\n') + '\n');
    // vtysh -f sends the lines one by one to the daemons: its time grows with them (a cold
    // load at 1000 VNIs is ~29 000 lines), so the bound does too.
    this.opts.log?.('sending the frr delta (vtysh -f)', { lines: delta.lines.length, round });
    const r = await this.vtysh(['-f', file], this.opts.timeoutMs ?? configTimeout(delta.lines.length));
    await fs.rm(file, { force: true });
    if (r.timedOut) return undefined;
    const diff = diffFromVtyshLines(delta.lines);
    if (r.code === 0 && complaints(r.stderr).length === 0) {
      // vtysh reports every refused line: FRR now runs `want` (checked again at the next drift check).
      this.known = { tree: want, pids };
      await this.commit(config);
      this.opts.log?.('frr delta applied', { lines: delta.lines.length, blocks: delta.touched.length });
      return { outcome: 'applied', attempts: 1, diff };
    }
    const after = await this.readRunning();
    const off = after === undefined ? delta.touched : differingBlocks(after, want, delta.touched);
    if (off.length === 0) {
      this.known = { tree: want, pids: this.known?.pids ?? pids };
      await this.commit(config);
      this.opts.log?.('frr delta applied (vtysh complained; read back equal)', { lines: delta.lines.length, code: r.code });
      return { outcome: 'applied', attempts: 1, diff };
    }
    // Some refusals are only a matter of time: bgpd refuses `no router bgp … vrf` until zebra has
    // told it that the VRF's L3VNI is gone, a few lines earlier (lab, real VRFs). What is left
    // goes once more, as a delta from the read-back, before frr-reload.py takes over.
    if (after && round < DELTA_ROUNDS) {
      this.opts.log?.('frr delta read back differs; sending what is left', {
        blocks: off.slice(0, 5),
        code: r.code,
        stderr: r.stderr.slice(0, 300),
      });
      const again = await this.applyDelta(config, after, want, round + 1);
      return again && { outcome: 'applied', attempts: round + 1, diff };
    }
    this.opts.log?.('frr delta read back differs; repairing with frr-reload.py', { blocks: off.slice(0, 5), code: r.code });
    return undefined;
  }

  /** The failure of an apply FRR did not answer; what it runs is read again next time. */
  private notAnswering(): FrrApplyResult {
    this.known = undefined;
    this.lastDelta = undefined;
    return { outcome: 'failed', attempts: 1, unanswered: true, error: `FRR does not answer: ${this.unanswered}` };
  }

  /** frr-reload.py: --test, --reload, read back, a bounded number of times. */
  private async reloadFull(config: string, candidate: string): Promise<FrrApplyResult> {
    // FRR 8.4 needs up to 3 reloads when a VRF is added under a running `router bgp` (lab and host
    // acceptance test); one more for margin.
    const attempts = this.opts.attempts ?? 4;
    let lastError = '';
    let firstDiff: FrrDiff | undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      const t = await this.diff(candidate);
      if (t.error) {
        lastError = t.error;
        // A syntax error will not go away by retrying; a daemon that is restarting might.
        if (/Unknown command|% Invalid|Command incomplete/i.test(t.error)) break;
        continue;
      }
      const d = t.diff!;
      firstDiff ??= d;
      if (d.toAdd.length === 0 && d.toDelete.length === 0) {
        await this.commit(config);
        return attempt === 1 ? { outcome: 'unchanged' } : { outcome: 'applied', attempts: attempt - 1, diff: firstDiff };
      }
      const r = await this.exec(this.paths.python, this.reloadArgs('--reload', candidate), this.opts.timeoutMs ?? 180_000);
      // FRR 8.4 can fail part-way on a first VRF/VNI reload and succeed on the
      // next; the read-back on the following loop iteration decides.
      if (r.code !== 0)
        lastError = `frr-reload.py --reload exited ${r.code}: ${(r.stderr || r.stdout).trim().split('\n').slice(-5).join(' | ')}`;
      this.opts.log?.('frr reload attempt', { attempt, code: r.code });
    }
    // Final read-back after the last reload attempt.
    const t = await this.diff(candidate);
    if (t.diff && t.diff.toAdd.length === 0 && t.diff.toDelete.length === 0) {
      await this.commit(config);
      return { outcome: 'applied', attempts, diff: firstDiff ?? t.diff };
    }
    return { outcome: 'failed', error: lastError || `FRR did not converge: ${JSON.stringify(t.diff ?? t.error)}`, attempts };
  }

  /**
   * frr.conf on disk is what a restarted FRR loads: only ever the last applied config.
   * Written as root into frr's directory, so never through a link; group-readable by the
   * directory's group (frr), nothing more.
   */
  private async commit(config: string): Promise<void> {
    const gid = (await fs.stat(this.paths.confDir)).gid;
    await writeFileSafe(this.paths.confDir, 'frr.conf', config, { mode: 0o640, gid });
  }
}
