// The lab's fault timeline (test/lab/harness/timeline.ts) reads FRR's and ip's timestamps on
// one clock and keeps the first line of each label; the node FRR launcher takes its daemons
// from the daemons file perouterd ships.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { eventsOf, formatTimeline, frrLogTime, monitorTime } from '../lab/harness/timeline.js';
import { daemonsEnabled } from '../support/frr.js';

describe('lab timeline', () => {
  it("reads FRR's log time (milliseconds optional) and ip -ts's, both local time", () => {
    const at = new Date(2026, 11, 2, 7, 55, 1, 123).getTime();
    expect(frrLogTime('2026/12/02 07:55:01.123 BGP: [ABCDE-FGHIJ] %ADJCHANGE')).toBe(at);
    expect(frrLogTime('2026/12/02 07:55:01 ZEBRA: x')).toBe(at - 123);
    expect(monitorTime('[2026-12-02T07:55:01.123456] Deleted 10.100.1.1 table red')).toBe(at);
    expect(frrLogTime('no time')).toBeUndefined();
  });

  it('keeps the first line of each label within the window, counts the others, and orders by time', () => {
    const lines = ['2026/12/02 07:55:01.000 a', '2026/12/02 07:55:02.000 b', '2026/12/02 07:55:03.000 a', '2026/12/02 07:55:09.000 a'];
    const from = new Date(2026, 11, 2, 7, 55, 0).getTime();
    const ev = eventsOf(
      lines,
      frrLogTime,
      'x',
      [(l) => (l.endsWith(' a') ? 'A' : undefined), (l) => (l.endsWith(' b') ? 'B' : undefined)],
      from,
      from + 5000,
    );
    expect(ev.map((e) => e.what)).toEqual(['A (×2)', 'B']);
    expect(formatTimeline(from, ev).split('\n')).toEqual(['   1000 ms  x: A (×2)', '   2000 ms  x: B']);
  });
});

describe('daemonsEnabled', () => {
  it("starts a node's FRR with the daemons perouterd's daemons file turns on, zebra first", () => {
    expect(daemonsEnabled(fileURLToPath(new URL('../../packaging/frr/daemons', import.meta.url)))).toEqual([
      'zebra',
      'bfdd',
      'staticd',
      'bgpd',
    ]);
    const f = join(mkdtempSync(join(tmpdir(), 'daemons-')), 'daemons');
    writeFileSync(f, 'bgpd=yes\nbfdd=no\n#staticd=yes\nospfd=yes\n');
    expect(daemonsEnabled(f)).toEqual(['zebra', 'bgpd']);
  });
});
