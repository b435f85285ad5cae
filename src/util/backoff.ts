// The one retry policy: exponential backoff, doubling from `initialMs` up to `maxMs`, reset after
// a success. Every retry loop of the daemon (API probe, informer restarts, API writes, reconcile
// retries) uses it, so "how fast do we retry" has one answer. Pure: the caller owns the timer.

export interface BackoffPolicy {
  /** First delay after a failure. */
  initialMs: number;
  /** Ceiling of the delay. */
  maxMs: number;
  /** Growth per failure (default 2). */
  factor?: number;
}

export const DEFAULT_BACKOFF: Readonly<BackoffPolicy> = { initialMs: 1000, maxMs: 30_000 };

/** The delay before attempt `n` (0-based: 0 after the first failure). */
export function backoffDelay(policy: BackoffPolicy, n: number): number {
  const factor = policy.factor ?? 2;
  const d = policy.initialMs * Math.pow(factor, Math.max(0, n));
  return Math.min(Number.isFinite(d) ? d : policy.maxMs, policy.maxMs);
}

/** A failure counter over a policy: next() gives the delay to wait and counts the failure. */
export class Backoff {
  private failures = 0;

  constructor(readonly policy: BackoffPolicy = DEFAULT_BACKOFF) {}

  /** The delay to wait before the next attempt; each call counts one more failure. */
  next(): number {
    return backoffDelay(this.policy, this.failures++);
  }

  /** The delay next() would return, without counting. */
  peek(): number {
    return backoffDelay(this.policy, this.failures);
  }

  /** Failures since the last reset. */
  get attempts(): number {
    return this.failures;
  }

  /** After a success: the next failure waits initialMs again. */
  reset(): void {
    this.failures = 0;
  }
}
