// Shared vitest wrapper for lab scenarios: boot UML once per file, run one
// compiled scenario inside, and turn every check it recorded into an assertion.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { bootLab, frrLineFromEnv, labAvailable, labRootFor, leafRootFor, type FrrLine, type LabRun, type LeafFrrLine } from './uml.js';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  ms: number;
}
interface Results {
  checks: Check[];
  measurements: Record<string, unknown>;
  fatal?: string;
  finished: boolean;
}

export interface LabSuiteOptions {
  /**
   * FRR lines to run the scenario on (8: the host's root, 10: the Debian 13 root).
   * Default: the one LAB_FRR names (8 when unset). LAB_FRR set narrows a list to that line.
   */
  frr?: FrrLine[];
  /** The fabric's switches run this FRR (fabric-faults: graceful-restart helpers that keep EVPN routes). */
  leafFrr?: LeafFrrLine;
  /** Scenario variables (e.g. LAB_FAULTS). */
  env?: Record<string, string>;
}

export function labScenarioSuite(
  title: string,
  scenario: string,
  expected: string[],
  timeoutMs = 600_000,
  opts: LabSuiteOptions = {},
): void {
  const chosen = frrLineFromEnv();
  const lines = opts.frr ? (process.env.LAB_FRR ? opts.frr.filter((l) => l === chosen) : opts.frr) : [chosen];
  for (const line of lines) labScenarioOn(line, title, scenario, expected, timeoutMs, opts);
}

function labScenarioOn(line: FrrLine, title: string, scenario: string, expected: string[], timeoutMs: number, opts: LabSuiteOptions): void {
  const compiled = `${REPO}build/test/lab/scenarios/${scenario}.js`;
  const root = labRootFor(line);
  const fabricRoot = opts.leafFrr ? leafRootFor(opts.leafFrr) : undefined;
  const availRoot = labAvailable(root);
  const avail = availRoot.ok && fabricRoot ? labAvailable(fabricRoot) : availRoot;
  // In CI the lab must run: a missing lab is a failure there, not a skip.
  const skip = !avail.ok && !process.env.CI;
  describe.skipIf(skip)(`kernel lab (FRR ${line}${opts.leafFrr ? `, FRR ${opts.leafFrr} fabric` : ''}): ${title}`, () => {
    let run: LabRun;
    let results: Results | undefined;
    const tail = (n = 120): string => run.log.split('\n').slice(-n).join('\n');

    beforeAll(async () => {
      if (!avail.ok) throw new Error(`kernel lab unavailable: ${JSON.stringify(avail)}`);
      if (!existsSync(compiled)) throw new Error(`${compiled} missing: run "npx tsc -p tsconfig.lab.json" first`);
      run = await bootLab({
        scenario: compiled,
        timeoutMs,
        root,
        fabricRoot,
        env: opts.env,
        onLine: process.env.LAB_VERBOSE ? (l) => console.log(l) : undefined,
      });
      results = run.results as Results | undefined;
      console.log(
        `[${scenario} FRR ${line}] lab finished in ${run.durationMs} ms, exit ${run.exitCode}${run.timedOut ? ' TIMED OUT' : ''}; work dir ${run.workDir}\n` +
          `measurements: ${JSON.stringify(results?.measurements ?? {})}`,
      );
    });

    it('the scenario ran to the end', () => {
      const why = `exit ${run.exitCode}${run.timedOut ? ' (timed out)' : ''}, fatal: ${results?.fatal ?? '-'}\n--- console tail ---\n${tail()}`;
      expect(results, why).toBeDefined();
      expect(results?.fatal, why).toBeUndefined();
      expect(results?.finished, why).toBe(true);
    });

    it.each(expected)('%s', (name) => {
      const c = results?.checks.find((x) => x.name === name);
      expect(c, `check "${name}" was not recorded (fatal: ${results?.fatal ?? '-'})\n${tail(60)}`).toBeDefined();
      expect(c?.ok, `${name}: ${c?.detail}\n${tail(60)}`).toBe(true);
    });

    it('every recorded check passed', () => {
      const failed = (results?.checks ?? []).filter((c) => !c.ok);
      expect(
        failed.map((c) => `FAIL ${c.name}: ${c.detail}`),
        tail(),
      ).toEqual([]);
      expect(run.exitCode, tail()).toBe(0);
    });
  });
}
