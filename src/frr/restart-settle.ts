// The settled read after an FRR restart. A restarted packaged FRR loads frr.conf with
// `vtysh -b` after its daemons start: until that ends its running configuration is
// partial, and a delta from it would push lines that are on their way anyway (a reload
// after every FRR restart, lab). So after new PIDs the running configuration is read until
// it shows frr.conf (the file FRR started from), or has not changed over
// RESTART_QUIET_READS reads RESTART_SETTLE_MS apart (FRR 10 commits its mgmtd lines at the
// end of `vtysh -b`, after a pause: one quiet second was not enough), at most
// RESTART_SETTLE_READS reads.
import { frrDelta, parseFrrConfig } from './frr-config.js';

const RESTART_SETTLE_MS = 1000;
const RESTART_QUIET_READS = 3;
const RESTART_SETTLE_READS = 30;

/** One `show running-config`: its exit code and output. */
export interface RunningRead {
  code: number;
  stdout: string;
}

/**
 * Reads again (`show`) from `first` until the running configuration has settled as above;
 * the last read. A failed read ends it. `startedFrom` is frr.conf's text (undefined: none).
 */
export async function settledRunningRead<R extends RunningRead>(
  first: R,
  show: () => Promise<R>,
  startedFrom: string | undefined,
  opts: { waitMs?: number; log?: (msg: string, extra?: object) => void } = {},
): Promise<R> {
  const waitMs = opts.waitMs ?? RESTART_SETTLE_MS;
  const started = startedFrom === undefined ? undefined : parseFrrConfig(startedFrom);
  let r = first;
  let quiet = 1;
  for (let i = 1; r.code === 0 && i < RESTART_SETTLE_READS && quiet < RESTART_QUIET_READS; i++) {
    if (started && frrDelta(parseFrrConfig(r.stdout), started).lines.length === 0) break;
    await new Promise((res) => setTimeout(res, waitMs));
    const again = await show();
    if (again.code !== 0) break;
    quiet = again.stdout === r.stdout ? quiet + 1 : 1;
    if (quiet === 1) opts.log?.('FRR restarted and is still loading its configuration: reading again', { read: i + 1 });
    r = again;
  }
  return r;
}
