// `perouterd run`'s HTTP endpoint: metrics, health and readiness, wired to the daemon, the
// netlink hook, FRR and the API source. Everything here is imported lazily (prom-client is
// loaded only when the endpoint is on), and a failure to listen never stops the daemon.
import type { Logger } from 'pino';
import type { Daemon } from '../daemon/daemon.js';
import { setRequestListener } from '../dataplane/netlink/index.js';
import type { FrrPort } from '../daemon/ports.js';
import type { ApiSource } from '../k8s/api-source.js';
import { isLoopback, parseListen } from '../observe/listen.js';
import type { PerouterdMetrics } from '../observe/metrics.js';

export interface HttpWiring {
  metrics: PerouterdMetrics;
  close(): Promise<void>;
}

/** Starts the endpoint at `listen` (`addr:port`), or nothing for `off`; undefined when it could not start. */
export async function startHttpEndpoint(
  listen: string,
  parts: { daemon: Daemon; frr: FrrPort; api: ApiSource | undefined; pathspace: string; log: Logger },
): Promise<HttpWiring | undefined> {
  const at = parseListen(listen);
  if (at === undefined) return undefined;
  const [{ startHttpServer }, { PerouterdMetrics, frrLiveFacts }, { Health }, { VtyshFrrState }] = await Promise.all([
    import('../observe/http-server.js'),
    import('../observe/metrics.js'),
    import('../observe/health.js'),
    import('../observe/frr-state.js'),
  ]);
  const { daemon, frr, api, log } = parts;
  const frrState = new VtyshFrrState({ pathspace: parts.pathspace, timeoutMs: 5000 });
  const metrics = new PerouterdMetrics({
    api: api ? () => api.state() : undefined,
    frr: () => frrState.read().then(frrLiveFacts),
    evpn: () => {
      const e = daemon.status.evpn;
      // The patch counts as a step of its own: `patch` (the router MAC written by perouterd).
      const repairsByStep = e.patches > 0 ? { patch: e.patches, ...e.repairsByStep } : e.repairsByStep;
      return { faults: e.faults.length, faultsDetected: e.faultsDetected, repairsByStep };
    },
    frrUnansweredRestarts: () => daemon.status.frr.restarts,
  });
  setRequestListener((kind, errno) => metrics.netlinkRequest(kind, errno));
  const health = new Health({
    status: () => daemon.status,
    onStatus: (l) => daemon.onStatus(l),
    busyForMs: () => daemon.busyForMs(),
    frrRunning: () => frr.isRunning(),
  });
  try {
    const server = await startHttpServer(
      at,
      { metrics: () => metrics.scrape(), ready: () => health.ready(), live: () => health.live() },
      (m) => log.warn(m),
    );
    const where = `${server.address.host.includes(':') ? `[${server.address.host}]` : server.address.host}:${server.address.port}`;
    if (!isLoopback(at.host))
      log.warn({ listen: where }, 'HTTP endpoint listens beyond loopback (--http-listen): metrics are readable from the network');
    log.info({ listen: where }, 'serving /metrics, /healthz, /readyz');
    return { metrics, close: () => server.close() };
  } catch (e) {
    // The network comes first: no endpoint is better than no router.
    log.error({ listen, err: (e as Error).message }, 'cannot serve /metrics, /healthz, /readyz: going on without them');
    setRequestListener(undefined);
    return undefined;
  }
}
