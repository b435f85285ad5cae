// Check recorder for lab scenarios (runs INSIDE the lab).
//
// A scenario calls runScenario(main); inside main it records checks with
// check(name, fn) and measurements with measure(key, value). The results are
// written as JSON to $LAB_RESULTS (a host path, see test/lab/harness/uml.ts) after
// every check, at the end, and on crash / SIGTERM, so a partial run still
// reports what it got.

import { renameSync, writeFileSync } from 'node:fs';
import { outsideLabReason } from './inside-lab.js';

// Every scenario imports this module first: refuse to run on the machine itself before any
// scenario code creates namespaces or starts FRR there.
const outside = outsideLabReason();
if (outside) {
  process.stderr.write(`${outside}\n`);
  process.exit(2);
}

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
  ms: number;
}

export interface ScenarioResults {
  scenario: string;
  checks: CheckResult[];
  /** Free-form measurements (timings, observed behaviour), keyed by name. */
  measurements: Record<string, unknown>;
  /** Set when the scenario stopped early (critical check failed, exception, signal). */
  fatal?: string;
  finished: boolean;
  startedAt: string;
  durationMs: number;
}

const t0 = Date.now();
const state: ScenarioResults = {
  scenario: process.argv[1] ?? 'unknown',
  checks: [],
  measurements: {},
  finished: false,
  startedAt: new Date(t0).toISOString(),
  durationMs: 0,
};

const resultsPath = process.env.LAB_RESULTS;

/** Seconds since the scenario started, for log lines. */
export function elapsed(): string {
  return ((Date.now() - t0) / 1000).toFixed(1).padStart(6);
}

export function log(msg: string): void {
  process.stdout.write(`[lab ${elapsed()}s] ${msg}\n`);
}

export function writeResults(): void {
  state.durationMs = Date.now() - t0;
  const json = JSON.stringify(state, null, 2);
  if (!resultsPath) {
    process.stdout.write(`[lab] results (LAB_RESULTS unset):\n${json}\n`);
    return;
  }
  const tmp = `${resultsPath}.tmp`;
  writeFileSync(tmp, json);
  renameSync(tmp, resultsPath);
}

/** Thrown by a failed critical check; stops the scenario. */
export class ScenarioAbort extends Error {}

export interface CheckOptions {
  /** Stop the scenario when this check fails (use for setup steps later checks depend on). */
  critical?: boolean;
}

function errText(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

/**
 * Run fn and record {name, ok, detail, ms}. fn may return a detail string
 * (or anything, which is JSON-encoded). A throw records ok=false with the
 * message. Returns whether it passed.
 */
export async function check(name: string, fn: () => unknown | Promise<unknown>, opts: CheckOptions = {}): Promise<boolean> {
  const start = Date.now();
  let ok = true;
  let detail = '';
  try {
    const r = await fn();
    if (typeof r === 'string') detail = r;
    else if (r !== undefined) detail = JSON.stringify(r);
  } catch (e) {
    ok = false;
    detail = errText(e);
  }
  const ms = Date.now() - start;
  state.checks.push({ name, ok, detail, ms });
  log(`${ok ? 'PASS' : 'FAIL'} ${name} (${ms} ms)${detail ? `: ${detail.slice(0, 2000)}` : ''}`);
  writeResults();
  if (!ok && opts.critical) throw new ScenarioAbort(`critical check failed: ${name}: ${detail}`);
  return ok;
}

/** Record a measurement (shows up in results.measurements). */
export function measure(key: string, value: unknown): void {
  state.measurements[key] = value;
  log(`MEASURE ${key} = ${JSON.stringify(value)}`);
  writeResults();
}

/** Time an async step and record its duration in ms under `key`. */
export async function timed<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const s = Date.now();
  try {
    return await fn();
  } finally {
    measure(key, Date.now() - s);
  }
}

let cleanups: Array<() => unknown | Promise<unknown>> = [];
/** Register a best-effort cleanup (e.g. dump FRR logs) run at the end, also after failures. */
export function onFinish(fn: () => unknown | Promise<unknown>): void {
  cleanups.push(fn);
}

async function runCleanups(): Promise<void> {
  const list = cleanups.reverse();
  cleanups = [];
  for (const fn of list) {
    try {
      await fn();
    } catch (e) {
      log(`cleanup failed: ${errText(e)}`);
    }
  }
}

/**
 * Run the scenario's main function, then write the results and exit:
 * 0 when every check passed and nothing threw, 1 otherwise.
 */
export function runScenario(main: () => Promise<void>): void {
  const stop = (why: string) => {
    state.fatal ??= why;
    log(`FATAL ${why}`);
    try {
      writeResults();
    } catch {
      /* ignore */
    }
  };
  process.on('SIGTERM', () => {
    stop('SIGTERM (scenario timed out inside the lab)');
    // Give cleanups (log collection) 3 s, then exit.
    setTimeout(() => process.exit(124), 3000).unref();
    void runCleanups().finally(() => {
      writeResults();
      process.exit(124);
    });
  });
  process.on('uncaughtException', (e) => {
    stop(`uncaught exception: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(1);
  });
  process.on('unhandledRejection', (e) => {
    stop(`unhandled rejection: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
    process.exit(1);
  });
  void (async () => {
    try {
      await main();
    } catch (e) {
      state.fatal = e instanceof ScenarioAbort ? e.message : `exception: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`;
      log(`FATAL ${state.fatal}`);
    }
    await runCleanups();
    state.finished = state.fatal === undefined;
    writeResults();
    const failed = state.checks.filter((c) => !c.ok);
    log(`done: ${state.checks.length - failed.length}/${state.checks.length} checks passed${state.fatal ? `, fatal: ${state.fatal}` : ''}`);
    process.exit(failed.length === 0 && !state.fatal ? 0 : 1);
  })();
}
