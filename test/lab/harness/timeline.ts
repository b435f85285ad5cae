// Where a fault's outage goes, on one clock (runs INSIDE the lab): lines of FRR daemon logs
// (`log timestamp precision 3`), the kernel's route and neighbour changes of a namespace
// (`ip -ts monitor`), and the scenario's own marks, each turned into a labelled event by
// rules, then printed in order as milliseconds after the fault. Pure but for the reads
// and the monitor process (unit-tested in test/unit/lab-timeline.test.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface TimelineEvent {
  atMs: number;
  source: string;
  what: string;
}

/** A label for a line worth keeping, or undefined. */
export type LineRule = (line: string) => string | undefined;

/** `2026/12/02 07:55:01.123` (FRR's log, local time, milliseconds optional) as epoch ms. */
export function frrLogTime(line: string): number | undefined {
  const m = /^(\d{4})\/(\d\d)\/(\d\d) (\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?/.exec(line);
  if (!m) return undefined;
  const ms = m[7] ? Number(m[7].padEnd(3, '0').slice(0, 3)) : 0;
  return new Date(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, ms).getTime();
}

/** `[2026-12-02T07:55:01.123456]` (`ip -ts monitor`, local time) as epoch ms. */
export function monitorTime(line: string): number | undefined {
  const m = /^\[(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)\.(\d{6})\]/.exec(line);
  if (!m) return undefined;
  return new Date(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!, Math.floor(+m[7]! / 1000)).getTime();
}

/**
 * Events from timestamped lines within [fromMs, toMs]: the first line of each label is
 * kept (a label repeated is counted, not repeated), so a flood of debug lines stays short.
 */
export function eventsOf(
  lines: readonly string[],
  time: (l: string) => number | undefined,
  source: string,
  rules: readonly LineRule[],
  fromMs: number,
  toMs: number,
): TimelineEvent[] {
  const out = new Map<string, TimelineEvent & { n: number }>();
  for (const line of lines) {
    const at = time(line);
    if (at === undefined || at < fromMs || at > toMs) continue;
    for (const rule of rules) {
      const what = rule(line);
      if (what === undefined) continue;
      const seen = out.get(what);
      if (seen) seen.n++;
      else out.set(what, { atMs: at, source, what, n: 1 });
      break;
    }
  }
  return [...out.values()].map(({ n, ...e }) => (n > 1 ? { ...e, what: `${e.what} (×${n})` } : e));
}

/** Events of an FRR daemon's log file (`path`: see frr.ts logFile). */
export function frrLogEvents(path: string, source: string, rules: readonly LineRule[], fromMs: number, toMs: number): TimelineEvent[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return [];
  }
  return eventsOf(text.split('\n'), frrLogTime, source, rules, fromMs, toMs);
}

/** `ip -ts monitor route neigh` in a namespace, for as long as it runs. */
export class KernelMonitor {
  private readonly child: ChildProcess;
  private out = '';
  constructor(readonly ns: string) {
    this.child = spawn('ip', ['-ts', '-n', ns, 'monitor', 'route', 'neigh'], { stdio: ['ignore', 'pipe', 'ignore'] });
    this.child.stdout?.on('data', (b: Buffer) => (this.out += b.toString()));
  }
  stop(): string[] {
    this.child.kill('SIGTERM');
    return this.out.split('\n');
  }
}

/** The timeline as text: one event a line, milliseconds after `t0`. */
export function formatTimeline(t0: number, events: readonly TimelineEvent[]): string {
  return [...events]
    .sort((a, b) => a.atMs - b.atMs)
    .map((e) => `${String(e.atMs - t0).padStart(7)} ms  ${e.source}: ${e.what}`)
    .join('\n');
}
