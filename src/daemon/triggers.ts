// Everything that asks the loop for a reconcile: file changes (debounced), an FRR restart
// (PID files polled), the periodic resync and signals. The loop itself (daemon.ts) only
// sees `reconcile(reason)`.
import { statSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import { Debouncer } from './coalesce.js';
import type { FrrPort } from './ports.js';

export interface TriggerOptions {
  configDir: string;
  nodeConfigPath: string;
  watchFiles: boolean;
  /** Trailing debounce for file events. */
  debounceMs: number;
  /** Periodic drift check; 0 disables. */
  resyncSeconds: number;
  /** How often FRR's PID files are checked for a restart. */
  frrPollMs: number;
}

export interface TriggerHandlers {
  reconcile(reason: string): void;
  /** FRR restarted (it loaded frr.conf from disk): its configuration must be pushed again. */
  frrRestarted(pids: Record<string, number>): void;
}

const STATIC_FILE = /^openpe_.*\.ya?ml$/;

/**
 * Watches the configuration directory, its parent and the node config's directory. A
 * directory that is renamed away, deleted or recreated is noticed through its parent and
 * watched again at once (by inode), not at the next resync.
 */
export class ConfigWatch {
  private readonly watched = new Map<string, { ino: number; w: FSWatcher }>();
  private readonly debounce: Debouncer;
  private stopped = false;

  constructor(
    private readonly opts: Pick<TriggerOptions, 'configDir' | 'nodeConfigPath' | 'debounceMs'>,
    onChange: () => void,
    private readonly log: Logger,
  ) {
    this.debounce = new Debouncer(opts.debounceMs, onChange);
  }

  private dirs(): string[] {
    const cfg = path.resolve(this.opts.configDir);
    return [...new Set([cfg, path.dirname(cfg), path.dirname(path.resolve(this.opts.nodeConfigPath))])];
  }

  /** True when an event in `dir` about `file` may change the configuration. */
  private relevant(dir: string, file: string | null): boolean {
    const cfg = path.resolve(this.opts.configDir);
    const node = path.resolve(this.opts.nodeConfigPath);
    if (file === null) return true;
    if (dir === cfg && STATIC_FILE.test(file)) return true;
    return path.join(dir, file) === cfg || path.join(dir, file) === node;
  }

  /** (Re)attaches a watcher to every directory whose inode changed; idempotent. */
  arm(): void {
    if (this.stopped) return;
    for (const dir of this.dirs()) {
      let ino: number | undefined;
      try {
        const st = statSync(dir);
        ino = st.isDirectory() ? st.ino : undefined;
      } catch {
        ino = undefined;
      }
      const cur = this.watched.get(dir);
      if (cur && cur.ino === ino) continue;
      cur?.w.close();
      this.watched.delete(dir);
      if (ino === undefined) continue;
      try {
        const w = watch(dir, (_e, f) => this.onEvent(dir, f === null ? null : String(f)));
        w.on('error', () => this.arm());
        this.watched.set(dir, { ino, w });
      } catch (e) {
        this.log.warn({ dir, err: (e as Error).message }, 'cannot watch configuration directory');
      }
    }
  }

  private onEvent(dir: string, file: string | null): void {
    if (!this.relevant(dir, file)) return;
    this.arm();
    this.debounce.poke();
  }

  stop(): void {
    this.stopped = true;
    this.debounce.cancel();
    for (const { w } of this.watched.values()) w.close();
    this.watched.clear();
  }
}

/** Polls FRR's PID files; a changed or newly appearing PID means FRR (re)started. */
export class FrrRestartWatch {
  private last: Record<string, number> = {};

  constructor(private readonly frr: Pick<FrrPort, 'daemonPids'>) {}

  async baseline(): Promise<void> {
    this.last = await this.frr.daemonPids();
  }

  /** The new PIDs when FRR restarted since the last call, else undefined. */
  async poll(): Promise<Record<string, number> | undefined> {
    const pids = await this.frr.daemonPids();
    const before = this.last;
    this.last = pids;
    const changed =
      Object.entries(pids).some(([d, p]) => before[d] !== undefined && before[d] !== p) ||
      (Object.keys(before).length === 0 && Object.keys(pids).length > 0);
    return changed ? pids : undefined;
  }
}

/** Starts every trigger; returns the function that stops them all. */
export async function startTriggers(
  opts: TriggerOptions,
  frr: Pick<FrrPort, 'daemonPids'>,
  h: TriggerHandlers,
  log: Logger,
): Promise<{ stop(): void; rearm(): void }> {
  const timers: NodeJS.Timeout[] = [];
  const restarts = new FrrRestartWatch(frr);
  await restarts.baseline();
  const files = opts.watchFiles ? new ConfigWatch(opts, () => h.reconcile('file-change'), log) : undefined;
  files?.arm();
  if (opts.resyncSeconds > 0)
    timers.push(
      setInterval(() => {
        files?.arm();
        h.reconcile('resync');
      }, opts.resyncSeconds * 1000),
    );
  timers.push(
    setInterval(() => {
      void restarts
        .poll()
        .then((pids) => pids && h.frrRestarted(pids))
        .catch((e: unknown) => log.warn({ err: String(e) }, 'cannot read FRR PID files'));
    }, opts.frrPollMs),
  );
  return {
    rearm: () => files?.arm(),
    stop: () => {
      for (const t of timers) clearInterval(t);
      files?.stop();
    },
  };
}

/** SIGHUP re-applies; SIGTERM/SIGINT stop, leaving the dataplane in place. */
export function installSignalHandlers(
  proc: Pick<NodeJS.Process, 'on'>,
  h: { reload(): void; stop(signal: string): void },
  log: Logger,
): void {
  proc.on('SIGHUP', () => {
    log.info('SIGHUP: re-applying configuration');
    h.reload();
  });
  proc.on('SIGTERM', () => h.stop('SIGTERM'));
  proc.on('SIGINT', () => h.stop('SIGINT'));
}
