// The settled read after an FRR restart. A restarted packaged FRR loads frr.conf with
// `vtysh -b` after its daemons start: until that ends its running configuration is
// partial, and a delta from it would push lines that are on their way anyway (a reload
// after every FRR restart, lab), or push them into a half-loaded FRR. So after new PIDs
// the running configuration is read until it shows frr.conf (the file FRR started from);
// while a `vtysh -b` of the instance runs (boot-load.ts) it is still loading, however
// long it pauses (FRR 10 commits its mgmtd lines at the end, after a pause; a loaded
// machine or 1000 VNIs pause longer), up to RESTART_LOAD_MS; then (or with no load seen:
// an FRR started some other way) until it has not changed over RESTART_QUIET_READS reads
// RESTART_SETTLE_MS apart, at most RESTART_SETTLE_READS such reads: FRR 10's mgmtd still
// applies what `vtysh -b` committed after the process ends (lab: `vrf red / vni 100` and
// the `nht` lines were missing from the first read after it).
import { frrDeltaSteps, parseFrrConfigSteps } from './frr-config.js';
import { runAsync } from '../util/steps.js';

const RESTART_SETTLE_MS = 1000;
const RESTART_QUIET_READS = 3;
/** How long a running `vtysh -b` is waited for (FRR 10 loads 29 000 lines in about 3 minutes in the lab). */
const RESTART_LOAD_MS = 300_000;
const RESTART_SETTLE_READS = 30;
/**
 * With no `vtysh -b` seen yet, at least this many reads: packaged FRR starts its daemons one
 * by one and only then runs `vtysh -b`, so an empty running configuration that stays quiet
 * is no proof (lab: 4.5-12 s of daemon starts in UML; CI caught a push of all of frr.conf).
 */
const RESTART_NO_LOAD_READS = 15;

/** One `show running-config`: its exit code and output. */
export interface RunningRead {
  code: number;
  stdout: string;
}

export interface SettleOptions {
  /** Wait between two reads (default RESTART_SETTLE_MS). */
  waitMs?: number;
  /** How long a running load is waited for (default RESTART_LOAD_MS). */
  loadMs?: number;
  /** Whether FRR is loading its configuration now (a `vtysh -b` of the instance runs). */
  loading?: () => Promise<boolean>;
  log?: (msg: string, extra?: object) => void;
}

/**
 * Reads again (`show`) from `first` until the running configuration has settled as above;
 * the last read. A failed read ends it. `startedFrom` is frr.conf's text (undefined: none).
 */
export async function settledRunningRead<R extends RunningRead>(
  first: R,
  show: () => Promise<R>,
  startedFrom: string | undefined,
  opts: SettleOptions = {},
): Promise<R> {
  const waitMs = opts.waitMs ?? RESTART_SETTLE_MS;
  const loadUntil = Date.now() + (opts.loadMs ?? RESTART_LOAD_MS);
  // Parsed and compared pausing between chunks (a configuration of 4000 VNIs holds the loop 200-400 ms otherwise).
  const started = startedFrom === undefined ? undefined : await runAsync(parseFrrConfigSteps(startedFrom));
  const isStartedFrom = async (text: string): Promise<boolean> =>
    started !== undefined && (await runAsync(frrDeltaSteps(await runAsync(parseFrrConfigSteps(text)), started))).lines.length === 0;
  let r = first;
  let quiet = 1;
  let reads = 1;
  let sawLoad = false;
  while (r.code === 0 && !(await isStartedFrom(r.stdout))) {
    const loading = (await opts.loading?.()) ?? false;
    if (loading && Date.now() > loadUntil) {
      opts.log?.('FRR is still loading its configuration after the wait: comparing what it runs now', {
        waitedMs: opts.loadMs ?? RESTART_LOAD_MS,
      });
      break;
    }
    const settled = quiet >= RESTART_QUIET_READS && (sawLoad || reads >= RESTART_NO_LOAD_READS);
    if (!loading && (settled || reads >= RESTART_SETTLE_READS)) break;
    if (loading && !sawLoad) opts.log?.('FRR restarted and is loading its configuration (vtysh -b): waiting for it');
    sawLoad ||= loading;
    await new Promise((res) => setTimeout(res, waitMs));
    const again = await show();
    if (again.code !== 0) break;
    // While loading, reads neither count nor make quiet; after the load the quiet-read rule
    // applies from there (FRR 10's mgmtd applies what vtysh -b committed after it exits).
    if (loading) quiet = 1;
    else {
      reads++;
      quiet = again.stdout === r.stdout ? quiet + 1 : 1;
      if (quiet === 1) opts.log?.('FRR restarted and is still loading its configuration: reading again', { read: reads });
    }
    r = again;
  }
  return r;
}
