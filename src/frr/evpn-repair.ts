// The FRR side of an EVPN data-plane repair (the when and which step is decided in
// daemon/evpn-repair.ts). Each step is a few vtysh commands in the router
// namespace's FRR instance, or the operator's FRR restart command.
import { execFile } from 'node:child_process';
import type { FrrPaths } from './reloader.js';

export type EvpnRepairStep = 'resync-vni' | 'restart-frr';

/** The VNIs (with their VRFs) a repair is about. */
export interface EvpnRepairTarget {
  vni: number;
  vrf: string;
}

/** vtysh invocations of `resync-vni`, each a list of `-c` commands, run one after the other. */
export function evpnRepairCommands(targets: EvpnRepairTarget[]): string[][] {
  // Off, then on again in a second call: zebra withdraws the VNI's router MACs and
  // bgpd its imported routes, then both are installed afresh. frr.conf is untouched
  // and the running configuration is the same afterwards.
  const uniq = [...new Map(targets.map((t) => [t.vni, t])).values()];
  const toggle = (no: string) => ['configure terminal', ...uniq.flatMap((t) => [`vrf ${t.vrf}`, `${no}vni ${t.vni}`, 'exit-vrf']), 'end'];
  return [toggle('no '), toggle('')];
}

interface RunResult {
  code: number;
  output: string;
}

const run = (cmd: string, args: string[], timeoutMs: number): Promise<RunResult> =>
  new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : 1) : 0;
      resolve({ code, output: `${String(stdout)}${String(stderr)}`.trim() || (err?.message ?? '') });
    });
  });

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class FrrEvpnRepair {
  constructor(
    private readonly paths: Pick<FrrPaths, 'vtysh' | 'pathspace'>,
    /** argv of the operator's FRR restart command; without one the last step reports it cannot run. */
    private readonly restartCommand: string[] | undefined,
    private readonly opts: { pauseMs?: number; timeoutMs?: number } = {},
  ) {}

  /** undefined when the step ran, else why it did not. */
  async repair(step: EvpnRepairStep, targets: EvpnRepairTarget[]): Promise<string | undefined> {
    const timeout = this.opts.timeoutMs ?? 60_000;
    if (step === 'restart-frr') {
      const [cmd, ...args] = this.restartCommand ?? [];
      if (!cmd) return 'no FRR restart command configured (--frr-restart-command)';
      const r = await run(cmd, args, timeout);
      return r.code === 0 ? undefined : `${this.restartCommand!.join(' ')} exited ${r.code}: ${r.output.split('\n').slice(-3).join(' | ')}`;
    }
    const calls = evpnRepairCommands(targets);
    for (const [i, cmds] of calls.entries()) {
      if (i > 0) await sleep(this.opts.pauseMs ?? 500);
      const r = await run(this.paths.vtysh, ['-N', this.paths.pathspace, ...cmds.flatMap((c) => ['-c', c])], timeout);
      if (r.code !== 0) return `vtysh ${cmds.join('; ')} exited ${r.code}: ${r.output.split('\n').slice(-3).join(' | ')}`;
    }
    return undefined;
  }
}
