// A read of something slow (FRR through vtysh) for scrapes and probes: calls within `ttlMs` of
// the last answer share it, concurrent calls share one read, and a read slower than `timeoutMs`
// answers undefined (the read itself goes on and its result is cached for the next call).

export function cachedWithTimeout<T>(
  read: () => Promise<T>,
  ttlMs: number,
  timeoutMs: number,
  now: () => number = Date.now,
): () => Promise<T | undefined> {
  let last: { at: number; value: T | undefined } | undefined;
  let inflight: Promise<T | undefined> | undefined;
  const start = (): Promise<T | undefined> => {
    inflight ??= read()
      .then(
        (v) => v,
        () => undefined,
      )
      .then((value) => {
        last = { at: now(), value };
        inflight = undefined;
        return value;
      });
    return inflight;
  };
  return async () => {
    if (last && now() - last.at < ttlMs) return last.value;
    const p = start();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), timeoutMs);
    });
    try {
      return await Promise.race([p, timeout]);
    } finally {
      clearTimeout(timer);
    }
  };
}
