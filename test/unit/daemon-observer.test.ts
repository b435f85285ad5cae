// The daemon tells its observers (status socket, metrics, health) about every reconcile with
// a typed ReconcileRecord, and about source changes; the fakes of test/support stand in.
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Daemon } from '../../src/daemon/daemon.js';
import type { DesiredState } from '../../src/daemon/desired-state.js';
import type { DaemonObserver, ReconcileRecord, SourceState } from '../../src/daemon/ports.js';
import type { RouterConfig } from '../../src/config/model.js';
import { l3vni, routerConfig, underlay } from '../support/builders.js';
import { FakeApi } from '../support/fake-api.js';
import { FakeDataplane } from '../support/fake-dataplane.js';
import { FakeFrr } from '../support/fake-frr.js';
import { FakeSources } from '../support/fake-sources.js';

const QUIET = 1000;
const withVnis = (...vnis: number[]): RouterConfig =>
  routerConfig({
    underlays: [underlay()],
    l3vnis: vnis.map((v, i) =>
      l3vni(`vrf${v}`, v, { hostSession: { asn: 64514, hostASN: 64515, localCIDR: { ipv4: `192.169.${10 + i}.0/24` } } }),
    ),
  });

class Recorder implements DaemonObserver {
  records: ReconcileRecord[] = [];
  desired: Array<DesiredState | undefined> = [];
  sources: SourceState[] = [];
  reconciled(r: ReconcileRecord, d: DesiredState | undefined): void {
    this.records.push(r);
    this.desired.push(d);
  }
  sourceChanged(s: SourceState): void {
    this.sources.push(s);
  }
}

function rig(files: RouterConfig) {
  const events: string[] = [];
  const kernel = new FakeDataplane(events);
  const frr = new FakeFrr(events);
  const sources = new FakeSources();
  sources.set({ config: files });
  const obs = new Recorder();
  const d = new Daemon(
    {
      routerNetns: 'perouter',
      quietMs: QUIET,
      triggers: { configDir: '/cfg', nodeConfigPath: '/node.yaml', watchFiles: false, debounceMs: 500, resyncSeconds: 0, frrPollMs: 2000 },
    },
    { kernel, frr, sources, status: { write: async () => undefined }, observers: [obs] },
    pino({ level: 'silent' }),
  );
  const settle = async (): Promise<void> => {
    await vi.advanceTimersByTimeAsync(QUIET * 3);
    await d.whenIdle();
  };
  return { d, kernel, frr, sources, obs, settle };
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

describe('daemon observers', () => {
  it('get one record per reconcile: triggers, outcome, netlink writes, FRR reload lines', async () => {
    const r = rig(withVnis(100, 200));
    r.d.trigger('start');
    await r.settle();
    expect(r.obs.records).toHaveLength(1);
    expect(r.obs.records[0]).toMatchObject({
      triggers: ['start'],
      outcome: 'applied',
      state: 'ready',
      netlinkWrites: 2,
      kernelOps: ['create vni100', 'create vni200'],
      kernelErrors: [],
      frr: { result: 'applied', linesAdded: 1, linesRemoved: 0 },
      failed: [],
    });
    expect(r.obs.records[0]!.durationMs).toBeGreaterThanOrEqual(0);
    expect(r.obs.desired[0]?.plan.l3vnis.map((v) => v.vni)).toEqual([100, 200]);

    r.d.trigger('resync');
    await r.settle();
    expect(r.obs.records[1]).toMatchObject({ triggers: ['resync'], outcome: 'applied', netlinkWrites: 0, frr: { result: 'unchanged' } });
    r.d.trigger('file-change');
    await r.settle();
    expect(r.obs.records[2]).toMatchObject({ triggers: ['file-change'], frr: { result: 'not-needed' } });
  });

  it('a failed reload and kernel errors are in the record, secrets redacted', async () => {
    const r = rig(withVnis(100));
    r.frr.failApply = 'reload failed; token=Bearer abc.def.ghi';
    r.d.trigger('start');
    await r.settle();
    const rec = r.obs.records[0]!;
    expect(rec).toMatchObject({ outcome: 'frr-failed', state: 'degraded', frr: { result: 'failed' } });
    expect(JSON.stringify(rec)).not.toContain('abc.def.ghi');

    r.kernel.failNext.additions = ['create vni100: EEXIST'];
    r.d.trigger('sighup');
    await r.settle();
    // The sighup's reconcile fails in the kernel; its retry then succeeds.
    expect(r.obs.records.slice(-2)).toMatchObject([
      { triggers: ['sighup'], outcome: 'kernel-failed', kernelErrors: ['create vni100: EEXIST'] },
      { triggers: ['retry: kernel-failed'], outcome: 'applied', kernelErrors: [] },
    ]);
  });

  it('invalid input: a record with no desired state', async () => {
    const r = rig(withVnis(100));
    r.sources.set({ invalid: 'openpe_a.yaml:3:5: l3vnis[0].vni: must be an integer' });
    r.d.trigger('start');
    await r.settle();
    expect(r.obs.records[0]).toMatchObject({ outcome: 'config-invalid', state: 'config-invalid', netlinkWrites: 0 });
    expect(r.obs.desired[0]).toBeUndefined();
  });

  it('source state: static only, merged with the API, API lost since T', async () => {
    const r = rig(withVnis(100));
    const api = new FakeApi();
    r.d.attachApi(api, withVnis(300));
    r.d.trigger('start');
    await r.settle();
    // A persisted snapshot in use while the API has not answered: the API is lost.
    expect(r.obs.sources.map((s) => s.kind)).toEqual(['api-lost']);
    api.config = withVnis(300);
    r.d.trigger('api-change');
    await r.settle();
    expect(r.obs.sources.map((s) => s.kind)).toEqual(['api-lost', 'merged']);
    (api as { connected?: boolean }).connected = false;
    r.d.trigger('resync');
    await r.settle();
    expect(r.obs.sources.at(-1)).toMatchObject({ kind: 'api-lost', since: expect.stringMatching(/^\d{4}-/) });
  });
});
