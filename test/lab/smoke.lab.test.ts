// Kernel lab smoke test: boots User-Mode Linux once and runs the compiled
// scenario build/test/lab/scenarios/smoke-evpn.js inside (build it first with
// `npx tsc -p tsconfig.lab.json`). One `it` per check the scenario recorded.

import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { bootLab, labAvailable, type LabRun } from './uml.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const SCENARIO = `${REPO}build/test/lab/scenarios/smoke-evpn.js`;
const SOURCE = `${REPO}test/lab/scenarios/smoke-evpn.ts`;

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

// The checks the scenario is expected to record (it may record more).
const EXPECTED = [
  'setup: namespaces, underlay links, host addresses',
  'setup: FRR on tor, node1, node2 (host speakers)',
  'ToR: underlay sessions to both PEs Established (ipv4 unicast + l2vpn evpn)',
  'ToR: EVPN type-5 10.100.1.1/32 with next hop VTEP 100.65.0.1',
  'ToR: EVPN type-5 10.100.2.1/32 with next hop VTEP 100.65.0.2',
  'pe1: VRF red holds 10.100.2.1/32 (from pe2)',
  'pe2: VRF red holds 10.100.1.1/32 (from pe1)',
  'ping node1 (10.100.1.1) -> node2 (10.100.2.1) through the EVPN fabric',
];

const avail = labAvailable();

describe.skipIf(!avail.ok)('kernel lab: smoke EVPN (UML + FRR, no perouterd)', () => {
  let run: LabRun;
  let results: Results | undefined;

  const tail = (n = 80) => run.log.split('\n').slice(-n).join('\n');

  beforeAll(async () => {
    if (!existsSync(SCENARIO)) throw new Error(`${SCENARIO} missing: run "npx tsc -p tsconfig.lab.json" first`);
    if (statSync(SOURCE).mtimeMs > statSync(SCENARIO).mtimeMs) {
      console.warn(`warning: ${SCENARIO} is older than ${SOURCE}; rebuild with "npx tsc -p tsconfig.lab.json"`);
    }
    run = await bootLab({
      scenario: SCENARIO,
      timeoutMs: 240_000,
      onLine: process.env.LAB_VERBOSE ? (l) => console.log(l) : undefined,
    });
    results = run.results as Results | undefined;
    const m = results?.measurements ?? {};
    console.log(
      `lab finished in ${run.durationMs} ms (init at ${run.timings.initMs} ms, node at ${run.timings.scenarioStartMs} ms), exit ${run.exitCode}` +
        `${run.timedOut ? ' TIMED OUT' : ''}; work dir ${run.workDir}\n` +
        `measurements: ${JSON.stringify(m, null, 1).slice(0, 6000)}`,
    );
  });

  it('the scenario ran to the end and wrote results', () => {
    const why = `exit ${run.exitCode}${run.timedOut ? ' (timed out)' : ''}, fatal: ${results?.fatal ?? '-'}\n--- console tail ---\n${tail()}`;
    expect(results, why).toBeDefined();
    expect(results?.fatal, why).toBeUndefined();
    expect(results?.finished, why).toBe(true);
  });

  it.each(EXPECTED)('recorded check: %s', (name) => {
    const c = results?.checks.find((x) => x.name === name);
    expect(c, `check "${name}" was not recorded (fatal: ${results?.fatal ?? '-'})\n${tail(40)}`).toBeDefined();
    expect(c?.ok, `${name}: ${c?.detail}`).toBe(true);
  });

  it('every recorded check passed (incl. ordering and frr-reload checks)', () => {
    const failed = (results?.checks ?? []).filter((c) => !c.ok);
    const msg = failed.map((c) => `FAIL ${c.name}: ${c.detail}`).join('\n');
    expect(failed, `${msg}\n--- console tail ---\n${tail()}`).toEqual([]);
    expect(run.exitCode, tail()).toBe(0);
  });
});
