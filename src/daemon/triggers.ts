// Everything that asks the loop for a reconcile: file changes (debounced), an FRR restart
// (PID files polled), the periodic resync and signals. The loop itself (daemon.ts) only
// sees `reconcile(reason)`.
import { statSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import type { Logger } from 'pino';
import type { FileEventSink } from '../config/dir-changes.js';
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
  /** Told what the configuration directory's watch sees (which files events named, or that some may be lost). */
  fileEvents?: FileEventSink;
  /** FRR restarted (it loaded frr.conf from disk): its configuration must be pushed again. */
  frrRestarted(pids: Record<string, number>): void;
}

const STATIC_FILE = /^openpe_.*\.ya?ml$/;

/** The reason of a reconcile asked for by file events alone (they may read only the files named). */
export const FILE_CHANGE = 'file-change';

/**
 * Watches the configuration directory, its parent and the node config's directory. A
 * directory that is renamed away, deleted or recreated is noticed through its parent and
 * watched again at once (by inode), not at the next resync. `events` learns which static
 * files events named, and when events may have been missed (the directory replaced or
 * watched anew, an event without a name, a watcher error).
 */
export class ConfigWatch {
  private readonly watched = new Map<string, { dev: number; ino: number; w: FSWatcher }>();
  private readonly debounce: Debouncer;
  private stopped = false;

  constructor(
    private readonly opts: Pick<TriggerOptions, 'configDir' | 'nodeConfigPath' | 'debounceMs'>,
    onChange: () => void,
    private readonly log: Logger,
    private readonly events?: FileEventSink,
  ) {
    this.debounce = new Debouncer(opts.debounceMs, onChange);
  }

  private dirs(): string[] {
    const cfg = path.resolve(this.opts.configDir);
    return [...new Set([cfg, path.dirname(cfg), path.dirname(path.resolve(this.opts.nodeConfigPath))])];
  }

  /**
   * What an event in `dir` about `file` means: a static file changed (`named`), the node
   * configuration changed (`node`: it is read at every reconcile), the directory itself or
   * something unknown changed (`lost`), or nothing of the configuration (`none`).
   */
  private meaning(dir: string, file: string | null): 'named' | 'node' | 'lost' | 'none' {
    const cfg = path.resolve(this.opts.configDir);
    if (file === null) return 'lost';
    if (dir === cfg && STATIC_FILE.test(file)) return 'named';
    if (path.join(dir, file) === path.resolve(this.opts.nodeConfigPath)) return 'node';
    // The directory renamed, replaced or removed (seen from its parent), or its own attributes (seen from inside).
    if (path.join(dir, file) === cfg || (dir === cfg && file === path.basename(cfg))) return 'lost';
    return 'none';
  }

  /** (Re)attaches a watcher to every directory whose inode changed; idempotent. */
  arm(): void {
    if (this.stopped) return;
    for (const dir of this.dirs()) {
      let id: { dev: number; ino: number } | undefined;
      try {
        const st = statSync(dir);
        id = st.isDirectory() ? { dev: st.dev, ino: st.ino } : undefined;
      } catch {
        id = undefined;
      }
      const cur = this.watched.get(dir);
      if (cur && cur.ino === id?.ino && cur.dev === id.dev) continue;
      cur?.w.close();
      this.watched.delete(dir);
      if (id === undefined) continue;
      try {
        const w = watch(dir, (_e, f) => this.onEvent(dir, f === null ? null : String(f)));
        w.on('error', () => this.failed(dir, w));
        this.watched.set(dir, { ...id, w });
      } catch (e) {
        this.log.warn({ dir, err: (e as Error).message }, 'cannot watch configuration directory');
      }
    }
    // Told after the watch is attached: a change before it is found by the full read this causes.
    const cfg = this.watched.get(path.resolve(this.opts.configDir));
    this.events?.watching(cfg ? { dev: cfg.dev, ino: cfg.ino } : undefined);
  }

  /** A watcher failed: events may be lost; it is attached again. */
  private failed(dir: string, w: FSWatcher): void {
    w.close();
    if (this.watched.get(dir)?.w === w) this.watched.delete(dir);
    this.events?.lost();
    this.arm();
  }

  private onEvent(dir: string, file: string | null): void {
    const m = this.meaning(dir, file);
    if (m === 'none') return;
    if (m === 'named' && file !== null) this.events?.changed(file);
    if (m === 'lost') this.events?.lost();
    this.arm();
    this.debounce.poke();
  }

  stop(): void {
    this.stopped = true;
    this.events?.watching(undefined);
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
  const files = opts.watchFiles ? new ConfigWatch(opts, () => h.reconcile(FILE_CHANGE), log, h.fileEvents) : undefined;
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
