import { describe, expect, it } from 'vitest';
import { FrrUnansweredPolicy } from '../../src/daemon/frr-unanswered.js';

describe('FrrUnansweredPolicy: when an FRR that does not answer configuration is restarted', () => {
  it('waits for the threshold of unanswered pushes in a row, then restarts', () => {
    const p = new FrrUnansweredPolicy({ threshold: 2, minIntervalMs: 1000 });
    expect(p.unanswered(0)).toEqual({ action: 'wait', inARow: 1 });
    expect(p.unanswered(10)).toEqual({ action: 'restart', inARow: 2 });
    // The count starts again after a restart.
    expect(p.unanswered(20).action).toBe('wait');
  });

  it('an answered push in between clears the count', () => {
    const p = new FrrUnansweredPolicy({ threshold: 2, minIntervalMs: 1000 });
    p.unanswered(0);
    p.answered();
    expect(p.unanswered(10).action).toBe('wait');
    expect(p.unanswered(20).action).toBe('restart');
  });

  it('restarts at most once per interval and says when the next one may run', () => {
    const p = new FrrUnansweredPolicy({ threshold: 1, minIntervalMs: 1000 });
    expect(p.unanswered(0).action).toBe('restart');
    expect(p.unanswered(500)).toEqual({ action: 'rate-limited', inARow: 1, nextAt: 1000 });
    expect(p.unanswered(900)).toEqual({ action: 'rate-limited', inARow: 2, nextAt: 1000 });
    expect(p.unanswered(1000)).toEqual({ action: 'restart', inARow: 3 });
  });
});
