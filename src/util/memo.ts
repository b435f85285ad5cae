// Results of pure functions of an object, kept while the object lives. Objects the daemon
// keeps from one build to the next (a static file's resources stay the same objects until
// the file changes; src/config/file-cache.ts) then cost their checks once, not at every
// reconcile. Sound only for objects nobody mutates, and for functions of the object and
// the `context` given (compared with ===).

/** `fn` memoized per object, and recomputed when `context` (compared element by element with ===) differs. */
export function perObject<O extends object, C extends readonly unknown[], V>(fn: (o: O, ...context: C) => V): (o: O, ...context: C) => V {
  const kept = new WeakMap<O, { context: C; value: V }>();
  return (o, ...context) => {
    const k = kept.get(o);
    if (k && k.context.length === context.length && k.context.every((c, i) => c === context[i])) return k.value;
    const value = fn(o, ...context);
    kept.set(o, { context, value });
    return value;
  };
}
