// The frr.conf of every example is kept as a golden file, so the real-FRR
// acceptance test (test/host/frr-accepts.test.ts, which loads every golden)
// proves FRR accepts and converges on what the examples render.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildDesiredState } from '../../src/daemon/desired-state.js';

const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));
const names = readdirSync(EXAMPLES, { withFileTypes: true })
  .filter((d) => d.isDirectory())
  .map((d) => d.name)
  .sort();

describe('example frr.conf goldens', () => {
  it.each(names)('%s', async (name) => {
    const r = buildDesiredState({ configDir: `${EXAMPLES}${name}/configs`, nodeConfigPath: `${EXAMPLES}${name}/node-config.yaml` });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    await expect(r.desired.frrConfig).toMatchFileSnapshot(`../fixtures/golden/example-${name}.frr.conf`);
  });
});
