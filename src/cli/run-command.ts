// `perouterd run`: the daemon. Loaded only when it runs (netlink, FRR, the daemon loop).
import type { Logger } from 'pino';
import { createLogger } from '../service/journal-log.js';
import { acquireInstanceLock, InstanceLockedError } from '../service/instance-lock.js';
import { runDaemon, type RunOptions } from './wiring.js';

/** One `run` per router namespace; exit status 3 when another one holds it (the unit does not restart on 3). */
function lockRouterNamespace(stateDir: string, netns: string, log: Logger): boolean {
  try {
    acquireInstanceLock(stateDir, netns); // held until the process exits
    return true;
  } catch (e) {
    log.fatal((e as Error).message);
    process.exitCode = e instanceof InstanceLockedError ? 3 : 1;
    return false;
  }
}

export async function run(o: RunOptions & { logLevel: string }): Promise<void> {
  const log = createLogger(o.logLevel, { netns: o.netns });
  if (!lockRouterNamespace(o.stateDir, o.netns, log)) return;
  await runDaemon(o, log);
}
