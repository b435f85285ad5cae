// A change is applied only once the files read the same twice, a quiet period apart:
// config management replaces files and directories in steps (rename away, recreate,
// half-write), and no intermediate state may reach the kernel.
import type { SourcesPort } from './ports.js';

export type Digest = Awaited<ReturnType<SourcesPort['digest']>>;

/** How many quiet periods the files may keep changing before a reconcile gives up (retried). */
const MAX_SETTLE_ROUNDS = 10;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * The digest once two reads `quietMs` apart agree (or at once when the first read is
 * `settled`, the digest last found settled); `afterFirstRead` runs after the first read.
 */
export async function settledDigest(
  read: () => Promise<Digest>,
  quietMs: number,
  settled: string | undefined,
  afterFirstRead: () => void,
): Promise<Digest> {
  let a = await read();
  afterFirstRead();
  if (!a.ok || a.digest === settled) return a;
  for (let round = 0; round < MAX_SETTLE_ROUNDS; round++) {
    await sleep(quietMs);
    const b = await read();
    if (!b.ok || b.digest === a.digest) return b;
    a = b;
  }
  return { ok: false, reason: 'configuration files kept changing' };
}
