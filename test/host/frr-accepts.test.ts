// Every golden frr.conf (test/fixtures/golden) against the machine's real FRR
// (Debian 8.4, `-F datacenter`), the way perouterd applies it:
//
//   frr-reload.py --pathspace <ps> --stdout --reload <golden>   exit status 0
//   frr-reload.py --pathspace <ps> --stdout --test   <golden>   nothing to add or delete
//
// The second step is the convergence property: a line FRR does not print back
// (for instance one equal to a default) would be "added" again on every reload.
// Lines about identity (hostname, frr version, frr defaults) are ignored, as the
// daemon's reloader ignores them.
//
// One FRR instance (zebra, bfdd, staticd, bgpd) in a throw-away named network
// namespace and path space serves all goldens, in file order, so each reload also
// goes from the previous golden to the next. A reload is retried up to 3 times:
// FRR 8.4 can fail part-way through a first VRF reload and succeed on the next.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrrTestInstance, frrUnavailableReason, type ReloadOutcome, type TestOutcome } from './frr/instance.js';

const GOLDEN_DIR = fileURLToPath(new URL('../fixtures/golden/', import.meta.url));
const goldens = readdirSync(GOLDEN_DIR)
  .filter((f) => f.endsWith('.frr.conf'))
  .sort();
const RELOAD_ATTEMPTS = 3;

const unavailable = frrUnavailableReason();
if (unavailable) console.warn(`[frr-accepts] skipped: ${unavailable}`);

describe.skipIf(unavailable !== undefined)('FRR 8.4 accepts every golden frr.conf and converges on it', () => {
  const frr = new FrrTestInstance(`frrt${process.pid}`);
  const summary: string[] = [];
  let t0 = 0;

  beforeAll(async () => {
    t0 = Date.now();
    await frr.start();
    summary.push(`FRR instance up in ${Date.now() - t0} ms`);
  }, 60_000);

  afterAll(async () => {
    await frr.stop();
    summary.push(`total ${Date.now() - t0} ms for ${goldens.length} goldens`);
    console.log(`[frr-accepts]\n  ${summary.join('\n  ')}`);
  }, 60_000);

  it('finds golden files', () => {
    expect(goldens.length).toBeGreaterThan(0);
  });

  for (const golden of goldens) {
    it(
      golden,
      async () => {
        const file = join(GOLDEN_DIR, golden);
        // An attempt is one --reload and, when it exits 0, one --test. FRR 8.4 can fail
        // part-way through a reload that adds a VRF, with exit status 1 or even 0 (and a
        // running configuration that is then off); the next reload repairs it. This is
        // what perouterd's reloader does too (src/frr/reloader.ts).
        const attempts: Array<{ reload: ReloadOutcome; test?: TestOutcome }> = [];
        for (let i = 0; i < RELOAD_ATTEMPTS; i++) {
          const reload = await frr.reload(file);
          const a: { reload: ReloadOutcome; test?: TestOutcome } = { reload };
          attempts.push(a);
          if (reload.code !== 0) continue;
          a.test = await frr.diff(file);
          if (a.test.code === 0 && a.test.diff.toAdd.length === 0 && a.test.diff.toDelete.length === 0) break;
        }
        const last = attempts[attempts.length - 1]!;
        summary.push(
          `${golden}: ${attempts
            .map(
              (a) =>
                `reload ${a.reload.ms} ms${a.reload.code ? ` (exit ${a.reload.code})` : ''}${a.test ? ` + test ${a.test.ms} ms${a.test.diff.toAdd.length + a.test.diff.toDelete.length ? ` (${a.test.diff.toAdd.length} to add, ${a.test.diff.toDelete.length} to delete)` : ''}` : ''}`,
            )
            .join('; ')}`,
        );

        const dead = frr.deadDaemons();
        expect(dead, `FRR daemons died while loading ${golden}:\n${frr.logTail()}`).toEqual([]);
        expect(
          last.reload.code,
          `frr-reload.py --reload ${golden} failed ${attempts.length} times; last output:\n${last.reload.output.slice(-4000)}`,
        ).toBe(0);
        const t = last.test!;
        expect(t.code, `frr-reload.py --test ${golden}:\n${t.output.slice(-4000)}`).toBe(0);
        const running = t.diff.toAdd.length + t.diff.toDelete.length > 0 ? await frr.runningConfig() : '';
        expect(
          t.diff,
          `after ${attempts.length} reloads of ${golden}, FRR's running configuration still differs from it:\n${running}`,
        ).toEqual({ toDelete: [], toAdd: [] });
      },
      120_000,
    );
  }
});
