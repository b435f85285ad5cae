// Keeps silent hosts on L2VNIs reachable between reconciles: every `intervalMs`
// it has the kernel re-confirm the STALE ARP/ND entries on the br-pe-<vni>
// bridges of the L2VNIs applied (dataplane/bridge-refresh.ts says which and why),
// before the kernel drops them and zebra withdraws their EVPN type-2 routes.
// Upstream refreshes the same entries every 30 s (by pinging them). Never while
// a reconcile runs: the bridges may be changing under it.
import type { Logger } from 'pino';
import type { KernelPort } from './ports.js';

export interface BridgeRefreshStatus {
  /** Period in ms; 0 = switched off (`--bridge-refresh-ms 0`). */
  intervalMs: number;
  /** Rounds that read the kernel (each looks at every L2VNI bridge once). */
  rounds: number;
  /** Entries the kernel was asked to re-confirm, since start. */
  refreshes: number;
  /** Of those, entries gone before the request (nothing to re-confirm). */
  gone: number;
  /** ISO time of the last round that found stale entries. */
  lastRefreshAt?: string;
  /** The last round's failure (the kernel could not be read or refused), cleared by a good round. */
  lastError?: string;
}

export interface BridgeRefresherDeps {
  kernel: Pick<KernelPort, 'refreshStaleNeighbours'>;
  /** The L2VNIs of the configuration last applied. */
  l2vnis(): number[];
  /** True while a reconcile runs. */
  busy(): boolean;
  /** The counts changed (status must be written again). */
  changed(): void;
  log: Logger;
  now?: () => number;
}

export class BridgeRefresher {
  readonly status: BridgeRefreshStatus = { intervalMs: 0, rounds: 0, refreshes: 0, gone: 0 };
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;

  constructor(private readonly d: BridgeRefresherDeps) {}

  start(intervalMs: number): void {
    if (intervalMs <= 0 || this.timer) return;
    this.status.intervalMs = intervalMs;
    this.timer = setInterval(() => void this.tick(), intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** One round: every stale entry on every L2VNI bridge, one request each. */
  async tick(): Promise<void> {
    const vnis = this.d.l2vnis();
    if (this.ticking || this.d.busy() || vnis.length === 0) return;
    this.ticking = true;
    try {
      const r = await this.d.kernel.refreshStaleNeighbours(vnis);
      this.status.rounds++;
      if (r.refreshed.length + r.gone > 0) {
        this.status.refreshes += r.refreshed.length;
        this.status.gone += r.gone;
        this.status.lastRefreshAt = new Date((this.d.now ?? Date.now)()).toISOString();
        this.d.log.debug({ refreshed: r.refreshed, gone: r.gone }, 'stale L2VNI neighbours sent for re-confirmation');
        this.d.changed();
      }
      if (r.errors.length > 0) {
        this.status.lastError = r.errors.join('; ');
        this.d.log.warn({ errors: r.errors }, 'bridge refresher: some stale neighbours could not be re-confirmed');
      } else delete this.status.lastError;
    } catch (e) {
      this.status.lastError = (e as Error).message;
      this.d.log.debug({ err: (e as Error).message }, 'bridge refresher could not observe the kernel');
    } finally {
      this.ticking = false;
    }
  }
}
