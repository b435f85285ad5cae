// /healthz and /readyz, with OpenPERouter's paths and meaning (its reloader answers both on
// :9080, 200 "ok"): ready = the configuration has been applied (the rule behind READY=1,
// src/service/readiness.ts); live = the event loop answers (this code runs), no reconcile is
// stuck, and FRR's daemons run in the router namespace (upstream's probe: `show daemons`).
import { STUCK_RECONCILE_MS } from '../service/hooks.js';
import { configurationApplied, statusLine, type ServiceView } from '../service/readiness.js';
import { cachedWithTimeout } from './cached.js';

export interface Verdict {
  ok: boolean;
  /** "ok", or why not (one short line, no secret: the daemon's own status line). */
  reason: string;
}

/**
 * Ready once the configuration is applied (kernel objects in place, FRR loaded it; skipped
 * resources do not hold it back, as for READY=1), and while it stays so. After a first apply, a
 * rejected input (`config-invalid`) changes nothing that runs, so the node stays ready; FRR gone,
 * FRR refusing or failing, or a kernel change failing make it not ready until repaired.
 */
export function readiness(s: ServiceView, appliedBefore: boolean): Verdict {
  if (configurationApplied(s)) return { ok: true, reason: 'ok' };
  if (appliedBefore && s.state === 'config-invalid' && s.kernel.lastErrors.length === 0 && s.frr.lastError === undefined)
    return { ok: true, reason: 'ok' };
  return { ok: false, reason: appliedBefore ? statusLine(s) : `not applied yet: ${statusLine(s)}` };
}

export interface HealthSources {
  status: () => ServiceView;
  /** Called after every status update (src/daemon Daemon.onStatus). */
  onStatus: (listener: () => void) => void;
  /** How long the running reconcile has been running; 0 when idle. */
  busyForMs: () => number;
  /** FRR's daemons answer in the router namespace (src/frr FrrReloader.isRunning). */
  frrRunning: () => Promise<boolean>;
}

/** A probe waits at most this long for FRR (upstream's controller gives its probe 2 s to dial and read). */
export const FRR_PROBE_TIMEOUT_MS = 1500;
/** Probes closer together than this share one `show daemons`. */
export const FRR_PROBE_CACHE_MS = 2000;

export class Health {
  private appliedBefore = false;
  private readonly frr: () => Promise<boolean | undefined>;

  constructor(
    private readonly src: HealthSources,
    frrCacheMs = FRR_PROBE_CACHE_MS,
  ) {
    this.frr = cachedWithTimeout(src.frrRunning, frrCacheMs, FRR_PROBE_TIMEOUT_MS);
    const note = (): void => {
      if (configurationApplied(src.status())) this.appliedBefore = true;
    };
    src.onStatus(note);
    note();
  }

  ready(): Verdict {
    return readiness(this.src.status(), this.appliedBefore);
  }

  async live(): Promise<Verdict> {
    const busy = this.src.busyForMs();
    if (busy >= STUCK_RECONCILE_MS) return { ok: false, reason: `reconcile stuck for ${Math.round(busy / 1000)} s` };
    const running = await this.frr();
    if (running === undefined) return { ok: false, reason: `FRR did not answer within ${FRR_PROBE_TIMEOUT_MS} ms` };
    if (!running) return { ok: false, reason: 'FRR daemons are not running in the router namespace' };
    return { ok: true, reason: 'ok' };
  }
}
