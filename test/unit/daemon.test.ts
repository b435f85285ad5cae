// The reconcile loop with fakes (test/support/fake-*.ts): ordering, settling of the files,
// retry and backoff, FRR restart, invalid input, per-resource failure and the outcome that
// feeds status.json and the Kubernetes status. Fake timers: nothing here waits for real.
import { spawnSync } from 'node:child_process';
import { chmodSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MAX_CONFIG_BYTES } from '../../src/config/read.js';
import { writeConfig } from '../bench/scale-config.js';
import { apiOrigin, l3vni, raw, routerConfig } from '../support/builders.js';
import { FakeApi } from '../support/fake-api.js';
import { QUIET, rig, withVnis } from '../support/daemon-rig.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('daemon loop: order of one reconcile', () => {
  it('check -> kernel additions -> FRR reload -> kernel removals, then ready', async () => {
    const r = rig(withVnis(100, 200));
    r.d.trigger('start');
    await r.settle();
    expect(r.events).toEqual(['frr check', 'kernel additions: create vni100, create vni200', 'frr apply', 'kernel removals']);
    expect(r.last()).toMatchObject({ state: 'ready', message: 'all configuration applied', failedResources: [] });

    r.events.length = 0;
    r.sources.set({ config: withVnis(100) });
    r.d.trigger('file-change');
    await r.settle();
    expect(r.events).toEqual(['frr check', 'kernel additions', 'frr apply', 'kernel removals: delete vni200']);
    expect(r.kernel.vnis()).toEqual([100]);
  });

  it('an unchanged configuration touches neither FRR nor the kernel beyond the diff', async () => {
    const r = rig();
    r.d.trigger('start');
    await r.settle();
    r.events.length = 0;
    r.sources.set({ config: withVnis(100) });
    r.d.trigger('file-change');
    await r.settle();
    expect(r.events).toEqual(['kernel additions', 'kernel removals']);
    expect(r.frr.checks).toBe(1);
    expect(r.frr.verifies).toBe(0);
  });

  it('only a reconcile asked for by file events alone may read just the files they named', async () => {
    const r = rig();
    r.d.trigger('start');
    await r.settle();
    expect(r.sources.rescans).toBe(1);
    for (const [reason, full] of [
      ['file-change', false],
      ['resync', true],
      ['api-change', true],
      ['sighup', true],
    ] as const) {
      const before = r.sources.rescans;
      r.d.trigger(reason);
      await r.settle();
      expect(r.sources.rescans - before, reason).toBe(full ? 1 : 0);
    }
  });

  it('a resync compares FRR’s running configuration (drift check) without checking unchanged text again', async () => {
    const r = rig();
    r.d.trigger('start');
    await r.settle();
    r.events.length = 0;
    r.d.trigger('resync');
    await r.settle();
    expect(r.events).toEqual(['kernel additions', 'frr apply', 'kernel removals']);
    expect([r.frr.checks, r.frr.verifies]).toEqual([1, 1]);
    expect(r.last()).toMatchObject({ state: 'ready' });
  });
});

describe('daemon loop: transient and invalid input changes nothing', () => {
  it('a missing configuration directory is invalid input, never an empty configuration', async () => {
    const r = rig();
    r.d.trigger('start');
    await r.settle();
    r.events.length = 0;
    r.sources.set({ missing: true });
    r.d.trigger('file-change');
    await r.settle();
    expect(r.events).toEqual([]);
    expect(r.kernel.vnis()).toEqual([100]);
    expect(r.last()).toMatchObject({ state: 'config-invalid' });
    expect(r.last().message).toMatch(/does not exist; running configuration left unchanged/);
  });

  it('an invalid file changes nothing and says why', async () => {
    const r = rig();
    r.d.trigger('start');
    await r.settle();
    r.events.length = 0;
    r.sources.set({ invalid: 'openpe_a.yaml:3:5: l3vnis[0].vni: must be an integer' });
    r.d.trigger('file-change');
    await r.settle();
    expect(r.events).toEqual([]);
    expect(r.last()).toMatchObject({ state: 'config-invalid', problems: ['error: openpe_a.yaml:3:5: l3vnis[0].vni: must be an integer'] });
  });

  it('applies a change only once two reads a quiet period apart agree: states in between are never applied', async () => {
    const r = rig(withVnis(100, 200));
    r.d.trigger('start');
    await r.settle();
    r.events.length = 0;
    // A replacement loop caught mid-way: the directory recreated empty, then half-written, then complete.
    r.sources.script.push({ config: routerConfig({}) }, { config: withVnis(100) }, { config: withVnis(100, 200, 300) });
    r.d.trigger('file-change');
    await r.settle(QUIET * 6);
    expect(r.sources.builds).toBe(2); // start, and the settled final state only
    expect(r.events).toEqual(['frr check', 'kernel additions: create vni300', 'frr apply', 'kernel removals']);
    expect(r.kernel.vnis()).toEqual([100, 200, 300]);
  });

  it('files that never settle change nothing and are retried', async () => {
    const r = rig();
    r.d.trigger('start');
    await r.settle();
    r.events.length = 0;
    for (let i = 0; i < 12; i++) r.sources.script.push({ config: withVnis(100 + i) });
    r.d.trigger('file-change');
    await r.settle(QUIET * 11);
    expect(r.events).toEqual([]);
    expect(r.last()).toMatchObject({ state: 'config-invalid', message: expect.stringMatching(/kept changing/) });
  });

  it('an operator removes every network with an empty directory that stays empty', async () => {
    const r = rig(withVnis(100));
    r.d.trigger('start');
    await r.settle();
    r.sources.set({ config: routerConfig({}) });
    r.d.trigger('file-change');
    await r.settle();
    expect(r.kernel.vnis()).toEqual([]);
    expect(r.last().state).toBe('ready');
  });
});

describe('daemon loop: retry, backoff and FRR restarts', () => {
  it('waits for FRR with backoff (1 s, then 2 s) and applies once it runs', async () => {
    const r = rig();
    r.frr.running = false;
    r.d.trigger('start');
    await r.settle(QUIET); // the first reading of the files waits one quiet period
    expect(r.last().state).toBe('waiting-for-frr');
    const reconcilesAfter = (ms: number) => vi.advanceTimersByTimeAsync(ms).then(() => r.d.status.reconciles);
    expect(r.d.status.reconciles).toBe(1);
    expect(await reconcilesAfter(999)).toBe(1);
    expect(await reconcilesAfter(1)).toBe(2); // retry after 1 s
    expect(await reconcilesAfter(1999)).toBe(2);
    expect(await reconcilesAfter(1)).toBe(3); // then after 2 s
    r.frr.running = true;
    await r.settle(4000);
    expect(r.last().state).toBe('ready');
    expect(r.events).toEqual(['frr check', 'kernel additions: create vni100', 'frr apply', 'kernel removals']);
  });

  it('kernel failures make the outcome degraded (never ready) and are retried', async () => {
    const r = rig();
    r.kernel.failNext.additions = ['create router/vni100 (vxlan): EEXIST'];
    r.d.trigger('start');
    await r.settle(QUIET);
    expect(r.last()).toMatchObject({ state: 'degraded', message: '1 kernel change(s) failed' });
    expect(r.last().kernel.lastErrors).toEqual(['create router/vni100 (vxlan): EEXIST']);
    await r.settle(1000);
    expect(r.last().state).toBe('ready');
  });

  it('a failed FRR reload keeps stale kernel objects and retries the reload', async () => {
    const r = rig(withVnis(100, 200));
    r.d.trigger('start');
    await r.settle();
    r.sources.set({ config: withVnis(100) });
    r.frr.failApply = 'frr-reload.py --reload exited 1';
    r.events.length = 0;
    r.d.trigger('file-change');
    await r.settle(QUIET);
    expect(r.events).toEqual(['frr check', 'kernel additions', 'frr apply: failed']);
    expect(r.kernel.vnis()).toEqual([100, 200]);
    expect(r.last().state).toBe('degraded');
    r.events.length = 0;
    await r.settle(1000);
    expect(r.events).toEqual(['frr check', 'kernel additions', 'frr apply', 'kernel removals: delete vni200']);
    expect(r.last().state).toBe('ready');
  });

  it('an FRR that does not answer two pushes in a row is restarted once (rate-limited), then gets its configuration', async () => {
    const r = rig(withVnis(100));
    r.d.trigger('start');
    await r.settle();
    r.sources.set({ config: withVnis(100, 200) });
    r.frr.unansweredApplies = 4;
    r.events.length = 0;
    r.d.trigger('file-change');
    await r.settle(QUIET);
    expect(r.events).toEqual(['frr check', 'kernel additions: create vni200', 'frr apply: unanswered']);
    expect(r.frr.repairs).toEqual([]);
    expect(r.last()).toMatchObject({ state: 'degraded', frr: { restarts: 0 } });
    // The retry 1 s later is not answered either: FRR is restarted through the operator's command.
    await r.settle(1000);
    expect(r.frr.repairs).toEqual(['restart-frr ']);
    expect(r.last()).toMatchObject({ state: 'degraded', frr: { restarts: 1 } });
    // Two more unanswered pushes within the 5 minutes: no second restart.
    await r.settle(2000);
    await r.settle(4000);
    expect(r.frr.repairs).toEqual(['restart-frr ']);
    // FRR answers again: the change goes through.
    await r.settle(8000);
    expect(r.events.filter((e) => e.startsWith('frr apply'))).toEqual([...Array<string>(4).fill('frr apply: unanswered'), 'frr apply']);
    expect(r.last()).toMatchObject({ state: 'ready', frr: { restarts: 1 } });
  });

  it('pushes the configuration again when FRR restarts', async () => {
    const r = rig();
    await r.d.start();
    await r.settle();
    r.events.length = 0;
    r.frr.restart();
    await r.settle(2000);
    expect(r.events).toEqual(['frr check', 'kernel additions', 'frr apply', 'kernel removals']);
    await r.d.stop();
    expect(r.kernel.closed).toBe(true);
  });
});

describe('daemon loop: failures stay local; one outcome for status.json and the API', () => {
  it('a resource failing validation is skipped and named; the rest is applied; state is degraded, not ready', async () => {
    const bad = l3vni('dup', 100, { hostSession: { asn: 64514, hostASN: 64515, localCIDR: { ipv4: '192.169.20.0/24' } } });
    const r = rig(routerConfig({ ...withVnis(100, 200), l3vnis: [...withVnis(100, 200).l3vnis, bad] }));
    const api = new FakeApi();
    r.d.attachApi(api);
    r.d.trigger('start');
    await r.settle();
    expect(r.kernel.vnis()).toEqual([100, 200]);
    expect(r.last().state).toBe('degraded');
    expect(r.last().failedResources).toHaveLength(1);
    expect(api.last()).toMatchObject({ ok: true, failed: [expect.objectContaining({ kind: 'L3VNI', reason: 'ValidationFailed' })] });
  });

  it('an API RawFRRConfig FRR rejects fails alone, named with FRR’s message; static objects keep applying', async () => {
    const r = rig(withVnis(100));
    const api = new FakeApi();
    const good = raw('ip prefix-list good seq 5 permit 10.0.0.0/8', 0, 1, { name: 'good', origin: apiOrigin });
    const evil = raw('bogus command here', 0, 2, { name: 'evil', origin: apiOrigin });
    const open = raw('router bgp 64514 vrf red\n neighbor 1.2.3.4 remote-as 1', 0, 3, { name: 'open', origin: apiOrigin });
    api.config = routerConfig({ rawFrrConfigs: [good, evil, open] });
    r.frr.rejects = /^bogus/;
    r.d.attachApi(api);
    r.d.trigger('start');
    await r.settle();
    expect(r.kernel.vnis()).toEqual([100]);
    expect(r.frr.running_config).toContain('ip prefix-list good');
    expect(r.frr.running_config).not.toContain('bogus');
    expect(r.frr.running_config).not.toContain('1.2.3.4');
    const failed = Object.fromEntries(r.last().failedResources.map((f) => [f.name, f.message]));
    expect(failed.evil).toMatch(/FRR rejects it: % Unknown command: bogus command here/);
    expect(failed.open).toMatch(/unbalanced.*never closed/);
    expect(r.last().state).toBe('degraded');
    expect(api.last()?.ok).toBe(true);
  });

  it('a static RawFRRConfig FRR rejects changes nothing (the operator’s own files are not second-guessed)', async () => {
    const r = rig(routerConfig({ ...withVnis(100), rawFrrConfigs: [raw('bogus static line')] }));
    r.frr.rejects = /^bogus/;
    r.d.trigger('start');
    await r.settle(QUIET);
    expect(r.events).toEqual(['frr check: rejected']);
    expect(r.last()).toMatchObject({ state: 'degraded' });
    expect(r.last().message).toMatch(/FRR rejects the configuration; nothing changed/);
  });

  it('status.json carries no secret even when the API side’s state quotes one', async () => {
    const r = rig();
    const api = new FakeApi();
    api.connection = { lastError: 'kubeconfig line 7: token: eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln' };
    r.d.attachApi(api);
    r.d.trigger('start');
    await r.settle();
    expect(r.statusJson.at(-1)).not.toContain('eyJ');
    expect(r.last().k8s).toEqual({ lastError: 'kubeconfig line 7: token: <redacted>' });
  });
});

// Issue 8's promises, one case each, with real files behind the fake directory (read by the
// path `validate` takes): whatever the input, what runs stays and the status says why.
describe('daemon loop: nothing an input does takes a network down (issue 8)', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  /** VNIs of writeConfig(2): two L3VNIs and the L2VNI routed by the first. */
  const RUNNING = [1000, 1001, 51000];

  /** The daemon running them from real files; `change` then alters the files and the loop rereads. */
  async function runningThenChanged(change: (configDir: string, r: ReturnType<typeof rig>) => void): Promise<ReturnType<typeof rig>> {
    const cfg = writeConfig(2);
    dirs.push(cfg.dir);
    const r = rig();
    r.sources.set({ dir: { configDir: cfg.configDir, nodeConfigPath: cfg.nodeConfigPath } });
    r.d.trigger('start');
    await r.settle();
    expect(r.last().state).toBe('ready');
    expect(r.kernel.vnis()).toEqual(RUNNING);
    r.events.length = 0;
    change(cfg.configDir, r);
    r.sources.set({ dir: { configDir: cfg.configDir, nodeConfigPath: cfg.nodeConfigPath } });
    r.d.trigger('file-change');
    await r.settle();
    return r;
  }

  const unchanged = (r: ReturnType<typeof rig>): void => {
    expect(r.events).toEqual([]);
    expect(r.kernel.vnis()).toEqual(RUNNING);
    expect(r.last().state).toBe('config-invalid');
  };

  it('1. transient: a file caught half-written (a valid prefix) is never applied', async () => {
    const r = await runningThenChanged((d) => writeFileSync(join(d, 'openpe_v00001.yaml'), 'l3vnis:\n'));
    unchanged(r);
    expect(r.last().problems).toEqual([expect.stringMatching(/openpe_v00001\.yaml:1:1: .*every top-level key is empty/)]);
  });

  it('2. least privilege: a configuration directory another user can write is trusted with nothing', async () => {
    const r = await runningThenChanged((d) => chmodSync(d, 0o777));
    unchanged(r);
    expect(r.last().problems).toEqual([
      expect.stringMatching(/^error: .*configs:1:1: the configuration directory is writable by every user/),
    ]);
  });

  it('3. bounded input: a FIFO and a file over the cap are located errors; nothing blocks, nothing changes', async () => {
    const r = await runningThenChanged((d) => {
      expect(spawnSync('mkfifo', [join(d, 'openpe_fifo.yaml')]).status).toBe(0);
      writeFileSync(join(d, 'openpe_big.yaml'), `# ${'x'.repeat(MAX_CONFIG_BYTES)}\n`);
    });
    unchanged(r);
    expect(r.last().problems).toEqual([
      expect.stringMatching(/openpe_fifo\.yaml:1:1: .*is a FIFO, not a regular file/),
      expect.stringMatching(/openpe_big\.yaml:1:1: .*larger than 4194304 bytes/),
    ]);
  });

  it('4. failures stay local: API objects overlapping a static host session or duplicating a VNI fail alone', async () => {
    const api = new FakeApi();
    const session = { asn: 64514, hostASN: 64515, localCIDR: { ipv4: '10.100.0.128/25' } };
    api.config = routerConfig({
      l3vnis: [
        l3vni('overlap', 2000, { hostSession: session }, { name: 'overlap', origin: apiOrigin }),
        l3vni('dup', 1001, {}, { name: 'dup', origin: apiOrigin }),
      ],
    });
    const r = await runningThenChanged((_, rr) => rr.d.attachApi(api));
    expect(r.kernel.vnis()).toEqual(RUNNING);
    expect(r.last().state).toBe('degraded');
    expect(r.last().failedResources.map((f) => [f.name, f.message])).toEqual([
      ['dup', expect.stringMatching(/duplicate vni 1001: conflicts with static L3VNI .*static-bench-t1001, the static configuration wins/)],
      ['overlap', expect.stringMatching(/host-session cidr 10.100.0.128\/25 overlaps/)],
    ]);
    expect(api.last()).toMatchObject({ ok: true });
  });

  it('5. numbers mean one thing: vni: 01001 (octal to YAML 1.1) is rejected with a hint, nothing changes', async () => {
    const r = await runningThenChanged((d) =>
      writeFileSync(join(d, 'openpe_v00001.yaml'), 'l3vnis:\n  - {name: t1001, vrf: t1001, vni: 01001}\n'),
    );
    unchanged(r);
    expect(r.last().problems).toEqual([expect.stringMatching(/01001: an integer with a leading zero is ambiguous/)]);
  });
});
