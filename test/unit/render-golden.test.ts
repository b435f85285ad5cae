// Golden frr.conf files, one per scenario (test/fixtures/render/scenarios.ts).
// Update with `npx vitest run --project unit test/unit/render-golden.test.ts --update`;
// test/host/frr-accepts.test.ts then loads every golden into a real FRR.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { NodeSettings } from '../../src/config/model.js';
import { validateRouterConfig } from '../../src/config/validate/index.js';
import { planRouter } from '../../src/plan/router-plan.js';
import { renderFrrConfig } from '../../src/frr/render.js';
import { scenarios, type RenderScenario } from '../fixtures/render/scenarios.js';

const GOLDEN_DIR = fileURLToPath(new URL('../fixtures/golden/', import.meta.url));

function nodeOf(s: RenderScenario): NodeSettings {
  return { nodeName: 'node1', nodeIndex: 1, logLevel: 'info', ...s.node };
}

function renderScenario(s: RenderScenario): string {
  const node = nodeOf(s);
  return renderFrrConfig(planRouter(s.config, node, s.listenLimit === undefined ? {} : { listenLimit: s.listenLimit }));
}

describe('frr.conf golden files', () => {
  it('has unique scenario names', () => {
    expect(new Set(scenarios.map((s) => s.name)).size).toBe(scenarios.length);
  });

  for (const s of scenarios) {
    describe(s.name, () => {
      it('is a configuration the semantic validation accepts', () => {
        const r = validateRouterConfig(s.config, { nodeIndex: nodeOf(s).nodeIndex });
        expect(r.fatal).toBeUndefined();
        expect(r.failed).toEqual([]);
      });

      it(`renders the golden (${s.upstream ? `upstream Test${s.upstream}: ` : ''}${s.what})`, async () => {
        await expect(renderScenario(s)).toMatchFileSnapshot(`../fixtures/golden/${s.name}.frr.conf`);
      });

      it('is deterministic', () => {
        expect(renderScenario(s)).toBe(renderScenario(s));
      });
    });
  }

  it('has no golden file without a scenario (besides the walking-skeleton one and the examples)', () => {
    const known = new Set([...scenarios.map((s) => `${s.name}.frr.conf`), 'l3vni-basic.frr.conf']);
    // example-*.frr.conf belong to test/unit/example-goldens.test.ts.
    const stray = readdirSync(GOLDEN_DIR).filter((f) => f.endsWith('.frr.conf') && !known.has(f) && !f.startsWith('example-'));
    expect(stray).toEqual([]);
  });
});
