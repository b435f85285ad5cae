// perouterd's Prometheus metrics (prom-client), fed by the daemon's observer (one record per
// reconcile, source-state changes), a netlink request hook, the API source's state and, on
// scrape, FRR's live state. Names follow Prometheus conventions: `perouterd_` prefix, base
// units (`_seconds`), counters end in `_total`. Label values come from fixed sets or from the
// configuration (VRF names), never from free text, so the series stay bounded.
//
// Loaded only by `perouterd run` with the HTTP endpoint on (a dynamic import in src/cli), so
// `--version`, `validate` and `render` never load prom-client.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { cachedWithTimeout } from './cached.js';

/** What metrics read of one reconcile (src/daemon ReconcileRecord satisfies it). */
export interface ReconcileFacts {
  triggers: readonly string[];
  outcome: string;
  durationMs: number;
  frr: { result: string; durationMs: number };
  failed: ReadonlyArray<{ kind: string }>;
}

/** What metrics read of the desired state a reconcile worked from (src/daemon DesiredState). */
export interface DesiredFacts {
  plan: {
    underlay?: unknown;
    l3vnis: readonly unknown[];
    l2vnis: readonly unknown[];
    passthrough?: unknown;
    rawSnippets: readonly unknown[];
  };
}

/** Where the desired state comes from (src/daemon SourceState). */
export interface SourceFacts {
  kind: string;
}

/** The API source's state as status.json carries it (src/k8s ApiSourceState). */
export interface ApiFacts {
  connected: boolean;
  synced: boolean;
  watchRestarts: number;
}

/** FRR's live state, as the FRR collector reads it (what metrics need of it). */
export interface FrrLiveFacts {
  bgpSessions: ReadonlyArray<{ vrf: string; addressFamily: string; state: string }>;
  evpnVnis: ReadonlyArray<{ vni: number; type: string; remoteVteps: number }>;
  bfdPeers: ReadonlyArray<{ vrf: string; status: string }>;
}

/** FRR's state as the FRR collector (frr-state.ts) reads it, in the metrics' terms: `ipv4-unicast`, `l2vpn-evpn`. */
export function frrLiveFacts(s: {
  bgp: ReadonlyArray<{ vrf: string; afi: string; safi: string; state: string }>;
  vnis: ReadonlyArray<{ vni: number; type: string; remoteVteps: readonly string[] }>;
  bfd: ReadonlyArray<{ vrf: string; status: string }>;
}): FrrLiveFacts {
  return {
    bgpSessions: s.bgp.map((n) => ({ vrf: n.vrf, addressFamily: `${n.afi}-${n.safi}`, state: n.state })),
    evpnVnis: s.vnis.map((v) => ({ vni: v.vni, type: v.type, remoteVteps: v.remoteVteps.length })),
    bfdPeers: s.bfd.map((b) => ({ vrf: b.vrf, status: b.status })),
  };
}

const UNANSWERED_HELP = 'FRR restarts run because FRR did not answer configuration pushes (vtysh ran out of its time).';

/** The EVPN data-plane health check's counters (the daemon's status.evpn). */
export interface EvpnHealthFacts {
  /** VNI/VTEP pairs blackholing now. */
  faults: number;
  faultsDetected: number;
  repairsByStep: Partial<Record<string, number>>;
}

export interface MetricsSources {
  /** The API source's state; undefined with `--no-api`. */
  api?: () => ApiFacts | undefined;
  /** FRR's live state, read at scrape time (cached briefly, bounded by a timeout). */
  frr?: () => Promise<FrrLiveFacts>;
  /** The EVPN data-plane health check's counters. */
  evpn?: () => EvpnHealthFacts;
  /** FRR restarts perouterd ran because FRR did not answer configuration (the daemon's status.frr.restarts). */
  frrUnansweredRestarts?: () => number;
  /** Milliseconds since the epoch (tests). */
  now?: () => number;
}

/** Triggers as labels: the fixed words the daemon uses; `retry: why` counts as `retry`. */
const TRIGGERS = new Set(['start', 'sighup', 'file-change', 'resync', 'frr-restart', 'api-change', 'retry']);
export function triggerLabel(trigger: string | undefined): string {
  const word = (trigger ?? '').split(':', 1)[0]!.trim();
  return TRIGGERS.has(word) ? word : 'other';
}

const SOURCE_STATES = ['static-only', 'merged', 'api-lost'] as const;
const RESOURCE_KINDS = ['Underlay', 'L3VNI', 'L2VNI', 'L3VPN', 'L3Passthrough', 'RawFRRConfig'] as const;
/** Scrapes wait at most this long for FRR; a slower FRR leaves the FRR series out of that scrape. */
export const FRR_SCRAPE_TIMEOUT_MS = 3000;
/** Scrapes closer together than this share one FRR read. */
export const FRR_CACHE_MS = 5000;

export class PerouterdMetrics {
  readonly registry = new Registry();
  private readonly now: () => number;
  private readonly reconciles: Counter<'trigger' | 'outcome'>;
  private readonly reconcileSeconds: Histogram;
  private readonly lastSuccess: Gauge;
  private readonly sourceState: Gauge<'state'>;
  private readonly resources: Gauge<'kind' | 'state'>;
  private readonly netlinkRequests: Counter<'kind'>;
  private readonly netlinkErrors: Counter<'kind' | 'errno'>;
  private readonly frrReloads: Counter<'result'>;
  private readonly frrReloadSeconds: Histogram;

  constructor(sources: MetricsSources = {}, opts: { processMetrics?: boolean } = {}) {
    this.now = sources.now ?? Date.now;
    const registers = [this.registry];
    this.reconciles = new Counter({
      name: 'perouterd_reconciles_total',
      help: 'Reconciles by what started them (the first of coalesced triggers) and their outcome.',
      labelNames: ['trigger', 'outcome'],
      registers,
    });
    this.reconcileSeconds = new Histogram({
      name: 'perouterd_reconcile_duration_seconds',
      help: 'Duration of one reconcile, from the file read to the last kernel removal.',
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
      registers,
    });
    this.lastSuccess = new Gauge({
      name: 'perouterd_last_successful_reconcile_timestamp_seconds',
      help: 'When the last reconcile that applied the configuration ended (Unix time).',
      registers,
    });
    this.sourceState = new Gauge({
      name: 'perouterd_source_state',
      help: 'Where the desired state comes from: 1 for the current state (static-only, merged with the API, api-lost), 0 for the others.',
      labelNames: ['state'],
      registers,
    });
    this.resources = new Gauge({
      name: 'perouterd_resources',
      help: 'Configured resources by kind and state (applied, skipped), as of the last reconcile that applied the configuration.',
      labelNames: ['kind', 'state'],
      registers,
    });
    this.netlinkRequests = new Counter({
      name: 'perouterd_netlink_requests_total',
      help: 'Netlink requests sent by perouterd, by message type (dumps, reads and changes).',
      labelNames: ['kind'],
      registers,
    });
    this.netlinkErrors = new Counter({
      name: 'perouterd_netlink_errors_total',
      help: 'Netlink requests the kernel answered with an error, by message type and errno (some, such as ENODEV on a delete, are expected).',
      labelNames: ['kind', 'errno'],
      registers,
    });
    this.frrReloads = new Counter({
      name: 'perouterd_frr_reloads_total',
      help: 'FRR configuration changes asked for, by result (applied, unchanged, failed).',
      labelNames: ['result'],
      registers,
    });
    this.frrReloadSeconds = new Histogram({
      name: 'perouterd_frr_reload_duration_seconds',
      help: 'Duration of one FRR configuration change (compare, vtysh, read back; frr-reload.py when needed).',
      buckets: [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    });
    this.setSource({ kind: 'static-only' });
    if (sources.api) this.apiMetrics(sources.api);
    if (sources.evpn) this.evpnHealthMetrics(sources.evpn);
    if (sources.frrUnansweredRestarts)
      this.countUp('perouterd_frr_unanswered_restarts_total', UNANSWERED_HELP, sources.frrUnansweredRestarts);
    if (sources.frr) this.frrMetrics(cachedWithTimeout(sources.frr, FRR_CACHE_MS, FRR_SCRAPE_TIMEOUT_MS, this.now));
    if (opts.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  /** A counter that follows a count the daemon keeps (read at scrape time). */
  private countUp(name: string, help: string, read: () => number): void {
    let seen = 0;
    new Counter({
      name,
      help,
      registers: [this.registry],
      collect() {
        const n = read();
        if (n > seen) this.inc(n - seen);
        seen = Math.max(seen, n);
      },
    });
  }

  /** The daemon's observer: one call per reconcile. */
  reconciled(r: ReconcileFacts, desired: DesiredFacts | undefined): void {
    this.reconciles.inc({ trigger: triggerLabel(r.triggers[0]), outcome: r.outcome });
    this.reconcileSeconds.observe(r.durationMs / 1000);
    if (r.outcome === 'applied') this.lastSuccess.set(this.now() / 1000);
    if (r.frr.result !== 'not-needed') {
      this.frrReloads.inc({ result: r.frr.result });
      if (r.frr.result !== 'unchanged') this.frrReloadSeconds.observe(r.frr.durationMs / 1000);
    }
    if (desired && r.outcome === 'applied') this.setResources(desired, r.failed);
  }

  /** The daemon's observer: the source state changed. */
  sourceChanged(s: SourceFacts): void {
    this.setSource(s);
  }

  /** The netlink request hook (src/dataplane/netlink setRequestListener). */
  netlinkRequest(kind: string, errno?: string): void {
    this.netlinkRequests.inc({ kind });
    if (errno !== undefined) this.netlinkErrors.inc({ kind, errno });
  }

  /** The Prometheus text exposition of every metric. */
  async scrape(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private setSource(s: SourceFacts): void {
    for (const state of SOURCE_STATES) this.sourceState.set({ state }, state === s.kind ? 1 : 0);
  }

  private setResources(d: DesiredFacts, failed: ReconcileFacts['failed']): void {
    const p = d.plan;
    const applied: Record<string, number> = {
      Underlay: p.underlay === undefined ? 0 : 1,
      L3VNI: p.l3vnis.length,
      L2VNI: p.l2vnis.length,
      L3VPN: 0,
      L3Passthrough: p.passthrough === undefined ? 0 : 1,
      RawFRRConfig: p.rawSnippets.length,
    };
    const skipped: Record<string, number> = {};
    for (const f of failed) skipped[f.kind] = (skipped[f.kind] ?? 0) + 1;
    this.resources.reset();
    for (const kind of RESOURCE_KINDS) {
      this.resources.set({ kind, state: 'applied' }, applied[kind] ?? 0);
      this.resources.set({ kind, state: 'skipped' }, skipped[kind] ?? 0);
    }
  }

  private apiMetrics(read: () => ApiFacts | undefined): void {
    const registers = [this.registry];
    new Gauge({
      name: 'perouterd_api_connected',
      help: 'Whether the Kubernetes API answers (1) or not (0); absent with --no-api.',
      registers,
      collect() {
        const s = read();
        if (s) this.set(s.connected ? 1 : 0);
      },
    });
    new Gauge({
      name: 'perouterd_api_synced',
      help: 'Whether every API informer has listed at least once (1) or not (0); absent with --no-api.',
      registers,
      collect() {
        const s = read();
        if (s) this.set(s.synced ? 1 : 0);
      },
    });
    let seen = 0;
    new Counter({
      name: 'perouterd_api_watch_restarts_total',
      help: 'API watches (informers) stopped by an error and restarted; absent with --no-api.',
      registers,
      collect() {
        const s = read();
        if (s && s.watchRestarts > seen) this.inc(s.watchRestarts - seen);
        if (s) seen = Math.max(seen, s.watchRestarts);
      },
    });
  }

  private frrMetrics(read: () => Promise<FrrLiveFacts | undefined>): void {
    const registers = [this.registry];
    // Each collect awaits the same cached read, so the three come from one FRR read.
    new Gauge({
      name: 'perouterd_frr_state_up',
      help: "Whether FRR's live state could be read for this scrape (1) or not (0: FRR down or slower than the scrape timeout).",
      registers,
      async collect() {
        this.set((await read()) ? 1 : 0);
      },
    });
    new Gauge({
      name: 'perouterd_bgp_sessions',
      help: 'BGP sessions by VRF, address family and state, as FRR reports them.',
      labelNames: ['vrf', 'address_family', 'state'],
      registers,
      async collect() {
        const s = await read();
        this.reset();
        for (const b of s?.bgpSessions ?? []) this.inc({ vrf: b.vrf, address_family: b.addressFamily, state: b.state });
      },
    });
    new Gauge({
      name: 'perouterd_evpn_vnis',
      help: 'EVPN VNIs FRR knows, by type (L2, L3).',
      labelNames: ['type'],
      registers,
      async collect() {
        const s = await read();
        this.reset();
        for (const v of s?.evpnVnis ?? []) this.inc({ type: v.type });
      },
    });
    new Gauge({
      name: 'perouterd_evpn_remote_vteps',
      help: 'Remote VTEPs per EVPN VNI, as FRR reports them (0: the VNI reaches no other node).',
      labelNames: ['vni', 'type'],
      registers,
      async collect() {
        const s = await read();
        this.reset();
        for (const v of s?.evpnVnis ?? []) this.set({ vni: String(v.vni), type: v.type }, v.remoteVteps);
      },
    });
    new Gauge({
      name: 'perouterd_bfd_peers',
      help: 'BFD peers by VRF and status (up, down, init, ...), as FRR reports them.',
      labelNames: ['vrf', 'status'],
      registers,
      async collect() {
        const s = await read();
        this.reset();
        for (const b of s?.bfdPeers ?? []) this.inc({ vrf: b.vrf, status: b.status });
      },
    });
  }

  private evpnHealthMetrics(read: () => EvpnHealthFacts): void {
    const registers = [this.registry];
    new Gauge({
      name: 'perouterd_evpn_dataplane_faults',
      help: 'VNI/remote-VTEP pairs whose routes lack their router-MAC neighbour or FDB entry now (they blackhole).',
      registers,
      collect() {
        this.set(read().faults);
      },
    });
    let seenFaults = 0;
    new Counter({
      name: 'perouterd_evpn_dataplane_faults_total',
      help: 'EVPN data-plane faults detected (a VNI/VTEP pair going from healthy to blackholing).',
      registers,
      collect() {
        const n = read().faultsDetected;
        if (n > seenFaults) this.inc(n - seenFaults);
        seenFaults = Math.max(seenFaults, n);
      },
    });
    const seenRepairs: Record<string, number> = {};
    new Counter({
      name: 'perouterd_evpn_repairs_total',
      help: 'EVPN data-plane repairs run, by step (patch, resync-vni, restart-frr).',
      labelNames: ['step'],
      registers,
      collect() {
        for (const [step, n = 0] of Object.entries(read().repairsByStep)) {
          const seen = seenRepairs[step] ?? 0;
          if (n > seen) this.inc({ step }, n - seen);
          seenRepairs[step] = Math.max(seen, n);
        }
      },
    });
  }
}
