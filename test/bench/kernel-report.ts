// A benchmark's kernel step must have succeeded, or its time means nothing.
import type { ApplyReport } from '../../src/dataplane/dataplane.js';

/** `r` itself; throws with the first three errors when the kernel step reported any. */
export function withoutErrors<R extends ApplyReport>(r: R, what: string): R {
  if (r.errors.length)
    throw new Error(
      `${what}: ${r.errors
        .slice(0, 3)
        .map((e) => e.error)
        .join('; ')}`,
    );
  return r;
}
