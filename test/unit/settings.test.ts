// Settings live in src/cli/settings.ts only: the namespace given on the command line reaches
// the static objects, and the default paths are the ones the packaged unit uses.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDesiredState } from '../../src/daemon/desired-state.js';
import { DEFAULTS, configSources, resolveGroup } from '../../src/cli/settings.js';
import { bgpListenLimitArg } from '../../src/cli/program.js';

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

  it('--bgp-listen-limit reaches the plan (upstream --bgplistenlimit: 1..65535, default 65535)', () => {
    const o = { configDir: `${EXAMPLE}/configs`, nodeConfig: `${EXAMPLE}/node-config.yaml`, namespace: 'x' };
    const limit = (extra: { bgpListenLimit?: number }): number | undefined => {
      const r = buildDesiredState(configSources({ ...o, ...extra }));
      return r.ok ? r.desired.plan.underlay?.listenLimit : undefined;
    };
    expect(limit({})).toBe(65535);
    expect(limit({ bgpListenLimit: 512 })).toBe(512);
    expect(DEFAULTS.bgpListenLimit).toBe(65535);
    expect(bgpListenLimitArg('1')).toBe(1);
    expect(bgpListenLimitArg('65535')).toBe(65535);
    for (const bad of ['0', '65536', '01', '-1', '1.5', '', 'x']) expect(() => bgpListenLimitArg(bad), bad).toThrow(/1 to 65535/);
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
