import { describe, expect, it } from 'vitest';
import { Backoff, backoffDelay } from '../../src/util/backoff.js';
import { escapeControl, safeText, truncate } from '../../src/util/text.js';
import { perObject } from '../../src/util/memo.js';

describe('backoff', () => {
  it('doubles from initialMs up to maxMs and starts over after reset', () => {
    const b = new Backoff({ initialMs: 100, maxMs: 500 });
    expect([b.next(), b.next(), b.next(), b.next(), b.next()]).toEqual([100, 200, 400, 500, 500]);
    expect(b.attempts).toBe(5);
    b.reset();
    expect(b.peek()).toBe(100);
    expect(b.next()).toBe(100);
  });

  it('never overflows to Infinity', () => {
    expect(backoffDelay({ initialMs: 1000, maxMs: 30_000 }, 5000)).toBe(30_000);
    expect(backoffDelay({ initialMs: 10, maxMs: 90, factor: 3 }, 1)).toBe(30);
  });
});

describe('text', () => {
  it('escapes control characters, terminal escapes included', () => {
    expect(escapeControl('a\nb\tc\r\u001b[2J\u0000\u007f\u2028')).toBe('a\\nb\\tc\\r\\x1b[2J\\x00\\x7f\\u2028');
    expect(escapeControl('plain ünïcode')).toBe('plain ünïcode');
  });

  it('truncates with an ellipsis and escapes before cutting', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abc', 4)).toBe('abc');
    expect(safeText('\u001b'.repeat(10), 8)).toBe('\\x1b\\x1…');
  });
});

describe('perObject', () => {
  it('computes once per object and context, again when the context differs', () => {
    let calls = 0;
    const f = perObject((o: { n: number }, k: number) => (calls++, o.n * k));
    const a = { n: 2 };
    expect([f(a, 3), f(a, 3), f({ n: 2 }, 3)]).toEqual([6, 6, 6]);
    expect(calls).toBe(2); // a second object with the same content is another object
    expect(f(a, 4)).toBe(8);
    expect(calls).toBe(3);
  });
});
