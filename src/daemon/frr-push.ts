// What the loop remembers about pushing frr.conf: the text FRR last accepted, whether FRR
// restarted (push again even if the text did not change) and whether a resync asked for a
// drift check (read FRR back instead of trusting the last apply). One push explains itself:
// why, and which lines (debug: all of them; info: counts per block).
import type { Logger } from 'pino';
import { countsPerBlock, summarize, type FrrChangeReason } from '../frr/explain.js';
import type { FrrConfigTree } from '../frr/frr-config.js';
import type { FrrPort, FrrReloadRecord } from './ports.js';

export interface FrrPushStatus {
  reloads: number;
  lastOutcome?: string;
  lastError?: string;
}

export class FrrPush {
  private force = false;
  private verify = false;
  private lastApplied: string | undefined;

  constructor(
    private readonly frr: Pick<FrrPort, 'apply'>,
    private readonly status: FrrPushStatus,
  ) {}

  /** FRR (re)started: its configuration must be pushed again. */
  frrRestarted(): void {
    this.force = true;
  }

  /** The next push reads FRR's running configuration (the resync's drift check). */
  checkDrift(): void {
    this.verify = true;
  }

  /** Whether `config` differs from what FRR runs as far as perouterd knows (FRR must check it first). */
  changed(config: string): boolean {
    return this.force || this.lastApplied !== config;
  }

  /** Whether a push is due: a change, or a drift check (which reads FRR even when nothing changed). */
  due(config: string): boolean {
    return this.changed(config) || this.verify;
  }

  /** Pushes `config` (`parsed`: its parse, when known); the record of what it did, and FRR's error when it failed. */
  async push(
    config: string,
    log: Logger,
    parsed?: FrrConfigTree,
  ): Promise<{ record: FrrReloadRecord; error?: string; unanswered?: boolean }> {
    const why: FrrChangeReason = this.force
      ? 'frr-restart'
      : this.lastApplied === undefined
        ? 'start'
        : this.lastApplied === config
          ? 'drift'
          : 'config-change';
    this.force = false;
    const t0 = Date.now();
    const verify = this.verify || why === 'frr-restart';
    const r = await this.frr.apply(config, parsed ? { verify, parsed } : { verify });
    if (r.outcome !== 'failed') this.verify = false;
    this.status.lastOutcome = r.outcome;
    const record: FrrReloadRecord = {
      result: r.outcome,
      linesAdded: r.outcome === 'applied' ? r.diff.toAdd.length : 0,
      linesRemoved: r.outcome === 'applied' ? r.diff.toDelete.length : 0,
      durationMs: Date.now() - t0,
      ...(r.outcome === 'failed' ? { error: r.error } : {}),
    };
    if (r.outcome === 'failed') {
      this.status.lastError = r.error;
      // A push after an FRR restart must be retried even if the text did not change.
      if (why === 'frr-restart') this.force = true;
      return { record, error: r.error, ...(r.unanswered ? { unanswered: true } : {}) };
    }
    if (r.outcome === 'applied') {
      this.status.reloads++;
      log.info({ why, blocks: countsPerBlock(r.diff), attempts: r.attempts }, `FRR configuration reloaded (${why}): ${summarize(r.diff)}`);
      log.debug({ why, added: r.diff.toAdd, removed: r.diff.toDelete }, 'FRR reload lines');
    } else (why === 'drift' ? log.debug.bind(log) : log.info.bind(log))({ why }, 'FRR already runs this configuration: no reload');
    delete this.status.lastError;
    this.lastApplied = config;
    return { record };
  }
}
