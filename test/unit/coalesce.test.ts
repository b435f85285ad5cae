import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Debouncer, SerialRunner } from '../../src/daemon/coalesce.js';

describe('SerialRunner', () => {
  it('never runs twice at once; requests made meanwhile become one follow-up run', async () => {
    const runs: string[] = [];
    let release!: () => void;
    let active = 0;
    let maxActive = 0;
    const r = new SerialRunner(async (reason) => {
      active++;
      maxActive = Math.max(maxActive, active);
      runs.push(reason);
      if (runs.length === 1) await new Promise<void>((res) => (release = res));
      active--;
    });
    r.request('start');
    r.request('file-change');
    r.request('sighup');
    r.request('file-change');
    release();
    await r.whenIdle();
    expect(runs).toEqual(['start', 'file-change, sighup']);
    expect(maxActive).toBe(1);
  });

  it('starts nothing after stop(); a failing run does not wedge the runner', async () => {
    const runs: string[] = [];
    const errors: unknown[] = [];
    const r = new SerialRunner(
      async (reason) => {
        runs.push(reason);
        if (reason === 'boom') throw new Error('boom');
      },
      (e) => errors.push(e),
    );
    r.request('boom');
    await r.whenIdle();
    expect(errors).toHaveLength(1);
    r.request('after');
    await r.whenIdle();
    r.stop();
    r.request('ignored');
    await r.whenIdle();
    expect(runs).toEqual(['boom', 'after']);
  });
});

describe('Debouncer', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('fires once, `ms` after the last poke of a burst', () => {
    const fire = vi.fn();
    const d = new Debouncer(500, fire);
    d.poke();
    vi.advanceTimersByTime(400);
    d.poke();
    vi.advanceTimersByTime(400);
    expect(fire).not.toHaveBeenCalled();
    vi.advanceTimersByTime(100);
    expect(fire).toHaveBeenCalledTimes(1);
    d.poke();
    d.cancel();
    vi.advanceTimersByTime(1000);
    expect(fire).toHaveBeenCalledTimes(1);
  });
});
