// Metrics and health against the real reconcile loop (fakes of test/support for the kernel, FRR
// and the files): the records the daemon emits move the counters, and /readyz turns ready only
// once the configuration has been applied.
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { Daemon } from '../../src/daemon/daemon.js';
import { Health } from '../../src/observe/health.js';
import { PerouterdMetrics } from '../../src/observe/metrics.js';
import { l3vni, routerConfig, underlay } from '../support/builders.js';
import { FakeDataplane } from '../support/fake-dataplane.js';
import { FakeFrr } from '../support/fake-frr.js';
import { FakeSources } from '../support/fake-sources.js';

describe('metrics and health fed by the daemon', () => {
  it('count reconciles by trigger and outcome; ready only after the apply', async () => {
    const frr = new FakeFrr([]);
    const sources = new FakeSources();
    sources.set({ config: routerConfig({ underlays: [underlay()], l3vnis: [l3vni('red', 100)] }) });
    const metrics = new PerouterdMetrics({}, { processMetrics: false });
    const d = new Daemon(
      {
        routerNetns: 'perouter',
        quietMs: 5,
        triggers: {
          configDir: '/cfg',
          nodeConfigPath: '/node.yaml',
          watchFiles: false,
          debounceMs: 5,
          resyncSeconds: 0,
          frrPollMs: 60_000,
        },
      },
      { kernel: new FakeDataplane([]), frr, sources, status: { write: async () => undefined }, observers: [metrics] },
      pino({ level: 'silent' }),
    );
    const health = new Health({
      status: () => d.status,
      onStatus: (l) => d.onStatus(l),
      busyForMs: () => d.busyForMs(),
      frrRunning: () => frr.isRunning(),
    });
    expect(health.ready()).toEqual({ ok: false, reason: 'not applied yet: starting: starting' });
    await d.start();
    await new Promise((r) => setTimeout(r, 50));
    await d.whenIdle();
    expect(health.ready()).toEqual({ ok: true, reason: 'ok' });
    d.trigger('sighup');
    await new Promise((r) => setTimeout(r, 20));
    await d.whenIdle();
    await d.stop();
    const { body } = await metrics.scrape();
    expect(body).toContain('perouterd_reconciles_total{trigger="start",outcome="applied"} 1');
    expect(body).toContain('perouterd_reconciles_total{trigger="sighup",outcome="applied"} 1');
    expect(body).toContain('perouterd_frr_reloads_total{result="applied"} 1');
    expect(body).toContain('perouterd_resources{kind="L3VNI",state="applied"} 1');
    expect(body).toContain('perouterd_source_state{state="static-only"} 1');
    expect(body).toMatch(/perouterd_last_successful_reconcile_timestamp_seconds \d{10}/);
  });
});
