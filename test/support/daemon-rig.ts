// The daemon driven by fakes (test/support/fake-*.ts) under vitest's fake timers: the
// rig the loop's unit tests share.
import { pino } from 'pino';
import { vi } from 'vitest';
import { Daemon, type DaemonStatus, type LoopOptions } from '../../src/daemon/daemon.js';
import type { RouterConfig } from '../../src/config/model.js';
import { l3vni, routerConfig, underlay } from './builders.js';
import { FakeDataplane } from './fake-dataplane.js';
import { FakeFrr } from './fake-frr.js';
import { FakeSources } from './fake-sources.js';

export const QUIET = 1000;

export const withVnis = (...vnis: number[]): RouterConfig =>
  routerConfig({
    underlays: [underlay()],
    l3vnis: vnis.map((v, i) =>
      l3vni(`vrf${v}`, v, { hostSession: { asn: 64514, hostASN: 64515, localCIDR: { ipv4: `192.169.${10 + i}.0/24` } } }),
    ),
  });

export interface Rig {
  d: Daemon;
  events: string[];
  kernel: FakeDataplane;
  frr: FakeFrr;
  sources: FakeSources;
  statusJson: string[];
  last(): DaemonStatus;
  /** Lets a triggered reconcile run to its end (quiet periods included). */
  settle(ms?: number): Promise<void>;
}

export function rig(files: RouterConfig | 'missing' = withVnis(100), extra: Partial<LoopOptions> = {}): Rig {
  const events: string[] = [];
  const kernel = new FakeDataplane(events);
  const frr = new FakeFrr(events);
  const sources = new FakeSources();
  sources.set(files === 'missing' ? { missing: true } : { config: files });
  const statusJson: string[] = [];
  const d = new Daemon(
    {
      routerNetns: 'perouter',
      quietMs: QUIET,
      triggers: { configDir: '/cfg', nodeConfigPath: '/node.yaml', watchFiles: false, debounceMs: 500, resyncSeconds: 0, frrPollMs: 2000 },
      ...extra,
    },
    { kernel, frr, sources, status: { write: async (j) => void statusJson.push(j) } },
    pino({ level: 'silent' }),
  );
  const settle = async (ms = QUIET * 3): Promise<void> => {
    await vi.advanceTimersByTimeAsync(ms);
    await d.whenIdle();
  };
  return { d, events, kernel, frr, sources, statusJson, last: () => JSON.parse(statusJson.at(-1) ?? '{}') as DaemonStatus, settle };
}
