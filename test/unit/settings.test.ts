// Settings live in src/cli/settings.ts only: the namespace given on the command line reaches
// the static objects, and the default paths are the ones the packaged unit uses.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDesiredState } from '../../src/daemon/desired-state.js';
import { DEFAULTS, configSources, resolveGroup } from '../../src/cli/settings.js';

const EXAMPLE = resolve(import.meta.dirname, '../../examples/multi-file');

describe('settings', () => {
  it('--namespace reaches the static objects (it used to be ignored: always openperouter-system)', () => {
    const r = buildDesiredState(
      configSources({ configDir: `${EXAMPLE}/configs`, nodeConfig: `${EXAMPLE}/node-config.yaml`, namespace: 'tenant-a' }),
    );
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const all = Object.values(r.desired.staticConfig).flat();
    expect(all.length).toBeGreaterThan(0);
    expect(new Set(all.map((o) => o.namespace))).toEqual(new Set(['tenant-a']));
  });

  it('the node name resolved at start-up is kept for the life of the process', () => {
    const r = buildDesiredState({ configDir: `${EXAMPLE}/configs`, nodeConfigPath: `${EXAMPLE}/node-config.yaml`, nodeName: 'worker-9' });
    expect(r.ok && r.desired.node.nodeName).toBe('worker-9');
    expect(r.ok && r.desired.problems.map((p) => p.message)).toContainEqual(expect.stringMatching(/keeps worker-9 until it restarts/));
  });

  it('one set of default paths: the packaged systemd unit relies on exactly these', () => {
    const unit = readFileSync(resolve(import.meta.dirname, '../../systemd/perouterd.service'), 'utf8');
    expect(unit).toContain(`ConditionPathExists=${DEFAULTS.nodeConfig}`);
    const exec = unit.split('\n').find((l) => l.startsWith('ExecStart='))!;
    for (const [opt, def] of [
      ['--config-dir', DEFAULTS.configDir],
      ['--node-config', DEFAULTS.nodeConfig],
    ] as const)
      if (exec.includes(opt)) expect(exec).toContain(`${opt} ${def}`);
  });

  it('resolves a state group by name or number', () => {
    expect(resolveGroup(undefined)).toBeUndefined();
    expect(resolveGroup('42')).toBe(42);
    expect(resolveGroup('root')).toBe(0);
    expect(() => resolveGroup('no-such-group-here')).toThrow(/not found/);
  });
});
