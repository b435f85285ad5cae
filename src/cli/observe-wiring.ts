// The observers of `perouterd run` (src/observe) wired to the daemon and the adapters: the
// status collector behind the status socket. A socket that cannot be opened is logged and
// the daemon runs on: looking into a node must never stop it from routing.
import type { Logger } from 'pino';
import type { DaemonObserver } from '../daemon/ports.js';
import { describeOp, kernelChanges, type Dataplane } from '../dataplane/dataplane.js';
import { VtyshFrrState } from '../observe/frr-state.js';
import { StatusCollector, type DaemonView, type KernelDriftPort } from '../observe/status-collector.js';
import { StatusServer } from '../observe/status-server.js';

/** What perouterd would change in the kernel now (a dump and the pure diff; never a write). */
export function kernelDrift(dp: Dataplane): KernelDriftPort {
  return {
    drift: async (plan) => {
      const c = await kernelChanges(dp, plan);
      return [...c.additions, ...c.removals].map(describeOp).concat(c.missingNics.map((n) => `underlay NIC ${n} is in neither namespace`));
    },
  };
}

export interface StatusWiring {
  stateDir: string;
  gid?: number;
  pathspace: string;
}

/** Adds the status collector to `observers` and serves it on `<state-dir>/status.sock`. */
export async function startStatusSocket(
  daemon: DaemonView,
  dp: Dataplane,
  o: StatusWiring,
  observers: DaemonObserver[],
  log: Logger,
): Promise<{ close(): Promise<void> }> {
  const collector = new StatusCollector(daemon, new VtyshFrrState({ pathspace: o.pathspace }), kernelDrift(dp));
  observers.push(collector);
  const server = new StatusServer({
    stateDir: o.stateDir,
    gid: o.gid,
    log: (m, e) => log.warn(e ?? {}, m),
    handler: async (req) => {
      if (req.request !== 'status') throw new Error(`unknown request ${JSON.stringify(req.request)}; known: "status"`);
      return collector.document();
    },
  });
  try {
    await server.start();
    log.info({ socket: server.socketPath }, 'status socket ready');
  } catch (e) {
    log.error({ err: (e as Error).message }, 'cannot open the status socket; perouterd status will read status.json');
  }
  return server;
}
