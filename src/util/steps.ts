// Work that can pause: a long computation written once as a generator that yields between
// chunks, then either drained at once (the one-shot commands) or drained with a turn of the
// event loop at every yield (the daemon, which must keep serving signals, watches and the
// API). Yielding never changes what is computed, so both drivers give the same result.

/** A computation returning R that pauses (yields) between chunks of its work. */
export type Steps<R> = Generator<void, R, void>;

/** Items handled between two pauses: a few milliseconds of per-object checks. */
export const CHUNK = 256;

/** Runs `steps` to the end without pausing. */
export function runSync<R>(steps: Steps<R>): R {
  for (let s = steps.next(); ; s = steps.next()) if (s.done) return s.value;
}

/** One turn of the event loop: timers, I/O and signals get served. */
export function turn(): Promise<void> {
  return new Promise<void>((resolve) => setImmediate(resolve));
}

/** Runs `steps` to the end, letting the event loop turn at every pause. */
export async function runAsync<R>(steps: Steps<R>): Promise<R> {
  for (let s = steps.next(); ; s = steps.next()) {
    if (s.done) return s.value;
    await turn();
  }
}

/** Calls `each` on every item in order, pausing after every `size` items. */
export function* eachInChunks<T>(items: Iterable<T>, each: (item: T) => void, size = CHUNK): Steps<void> {
  const all = Array.isArray(items) ? (items as readonly T[]) : [...items];
  for (let from = 0; from < all.length; from += size) {
    const to = Math.min(all.length, from + size);
    eachOf(all, from, to, each);
    if (to - from === size) yield;
  }
}

/** One chunk, outside the generator: a plain loop that V8 optimises as any other. */
function eachOf<T>(all: readonly T[], from: number, to: number, each: (item: T) => void): void {
  for (let i = from; i < to; i++) each(all[i]!);
}

/** The items `keep` accepts, in order (`keep` may have effects), pausing after every `size` items. */
export function* filterInChunks<T>(items: Iterable<T>, keep: (item: T) => boolean, size = CHUNK): Steps<T[]> {
  const out: T[] = [];
  yield* eachInChunks(items, (item) => void (keep(item) && out.push(item)), size);
  return out;
}
