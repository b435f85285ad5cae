// The daemon's build (buildDesiredStateAsync: async reads, the event loop runs between files)
// gives exactly what `validate` and `render` get (buildDesiredState), and lets the loop turn.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { BuildCache, buildDesiredState, buildDesiredStateAsync, type ConfigSources } from '../../src/daemon/desired-state.js';
import { EXAMPLES, exampleNames } from '../fuzz/cli-helper.js';
import { writeConfig } from '../bench/scale-config.js';

const generated = writeConfig(60);
const tmp = mkdtempSync(join(tmpdir(), 'desired-async-'));
afterAll(() => {
  rmSync(generated.dir, { recursive: true, force: true });
  rmSync(tmp, { recursive: true, force: true });
});

const example = (name: string): ConfigSources => ({
  configDir: join(EXAMPLES, name, 'configs'),
  nodeConfigPath: join(EXAMPLES, name, 'node-config.yaml'),
});

describe('buildDesiredStateAsync', () => {
  it('gives the same result as buildDesiredState: examples, a generated configuration, broken and missing inputs', async () => {
    writeFileSync(join(tmp, 'openpe_bad.yaml'), 'l3vnis:\n  - {name: x, vrf: x, vni: 0100}\n');
    const cases: ConfigSources[] = [
      ...exampleNames().map(example),
      { configDir: generated.configDir, nodeConfigPath: generated.nodeConfigPath, listenLimit: 512 },
      { configDir: tmp, nodeConfigPath: generated.nodeConfigPath },
      { configDir: join(tmp, 'missing'), nodeConfigPath: generated.nodeConfigPath },
      { configDir: generated.configDir, nodeConfigPath: join(tmp, 'no-node-config.yaml') },
    ];
    expect(cases.length).toBeGreaterThan(5);
    for (const src of cases) {
      const scratch = buildDesiredState(src);
      expect(await buildDesiredStateAsync(src), src.configDir).toEqual(scratch);
      // The daemon's cached build, first (files read) and again (reused): the same.
      const cache = new BuildCache();
      expect(await buildDesiredStateAsync(src, undefined, cache), src.configDir).toEqual(scratch);
      expect(await buildDesiredStateAsync(src, undefined, cache), src.configDir).toEqual(scratch);
    }
  });

  it('lets the event loop run between files', async () => {
    let ticks = 0;
    let on = true;
    const tick = (): void => {
      ticks++;
      if (on) setImmediate(tick);
    };
    setImmediate(tick);
    const r = await buildDesiredStateAsync({ configDir: generated.configDir, nodeConfigPath: generated.nodeConfigPath });
    on = false;
    expect(r.ok).toBe(true);
    expect(r.sourceFiles).toHaveLength(61);
    // One turn of the loop at least per file (the synchronous build gives none).
    expect(ticks).toBeGreaterThanOrEqual(61);
  });
});
