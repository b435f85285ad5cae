// Connects the daemon to the service manager: STATUS= on every state change,
// READY=1 once the configuration is applied, WATCHDOG=1 while the daemon is
// alive, STOPPING=1 on shutdown.
import type { ServiceManager } from './sd-notify.js';
import { readinessStep, type ReadinessMemory, type ServiceView } from './readiness.js';

/** What the hooks need from the daemon (src/daemon/daemon.ts), small enough to fake. */
export interface ObservableDaemon {
  readonly status: ServiceView;
  onStatus(listener: () => void): void;
  /** How long the running reconcile has been running; 0 when idle. */
  busyForMs(): number;
}

/**
 * A reconcile is bounded by FRR's and netlink's own timeouts, all well under
 * this; one running longer is stuck, and withholding the watchdog ping lets
 * systemd restart the daemon (the dataplane stays: KillMode=process).
 */
export const STUCK_RECONCILE_MS = 5 * 60_000;

export interface ServiceHooks {
  stopping(): void;
  close(): void;
}

export function attachServiceHooks(
  daemon: ObservableDaemon,
  manager: ServiceManager,
  warn: (msg: string) => void,
  timers: { setInterval: typeof setInterval; clearInterval: typeof clearInterval } = globalThis,
): ServiceHooks {
  let mem: ReadinessMemory = { readySent: false };
  const publish = (): void => {
    const step = readinessStep(mem, daemon.status);
    mem = step.next;
    if (Object.keys(step.fields).length > 0) manager.notify(step.fields);
  };
  daemon.onStatus(publish);
  publish();

  const interval = manager.watchdogIntervalMs();
  let stuckReported = false;
  // The ping runs on the event loop, so a blocked loop misses it; a reconcile
  // that never finishes stops it too.
  const timer =
    interval === undefined
      ? undefined
      : timers.setInterval(() => {
          const busy = daemon.busyForMs();
          if (busy < STUCK_RECONCILE_MS) {
            stuckReported = false;
            manager.notify({ WATCHDOG: '1' });
          } else if (!stuckReported) {
            stuckReported = true;
            warn(`reconcile running for ${Math.round(busy / 1000)} s: withholding the watchdog ping so systemd restarts the daemon`);
          }
        }, interval);
  return {
    stopping: () => manager.notify({ STOPPING: '1', STATUS: 'stopping; the dataplane stays in place' }),
    close: () => {
      if (timer !== undefined) timers.clearInterval(timer);
    },
  };
}
