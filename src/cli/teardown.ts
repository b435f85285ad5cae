// `perouterd teardown`: takes a node's router down on purpose. Removing the
// package never does (the networks stay up); this is the command for an operator
// who wants the node back to its bare state: the underlay NIC back in the host
// with its addresses, the host-side overlay links removed, the router namespace
// deleted. The FRR instance must be stopped first (it is systemd's to stop), and
// so must the daemon, which would otherwise build everything again.
import fs from 'node:fs';
import { diffKernel } from '../dataplane/diff.js';
import { describeOp, NetlinkDataplane } from '../dataplane/dataplane.js';
import { deleteNamedNetns, netnsExists } from '../dataplane/netlink/index.js';
import { FrrReloader, frrPaths } from '../frr/reloader.js';
import type { KernelPlan } from '../plan/kernel-plan.js';
import { UNDERLAY_LINK_GROUP } from '../net/names.js';
import { acquireInstanceLock, InstanceLockedError } from '../service/instance-lock.js';
import { VXLAN_OVERHEAD } from '../plan/router-plan.js';
import { processAlive } from '../sys/process.js';

/** Nothing desired: the kernel diff against it is exactly what teardown removes. */
export const EMPTY_KERNEL_PLAN: KernelPlan = {
  underlayNics: [],
  underlayGroup: UNDERLAY_LINK_GROUP,
  loopbackAddresses: [],
  links: [],
  sysctls: [],
  vxlanOverhead: VXLAN_OVERHEAD,
};

export interface TeardownOptions {
  netns: string;
  frrPathspace?: string;
  /** Where a running `perouterd run` holds its instance lock. */
  stateDir: string;
  /** Tests: a named namespace stands in for the host. */
  hostNetns?: string;
}

/** Returns the exit code; every step is reported through `out`. */
export async function teardownNode(o: TeardownOptions, out: (line: string) => void): Promise<number> {
  if (!netnsExists(o.netns)) {
    out(`/run/netns/${o.netns} does not exist: nothing to tear down`);
    return 0;
  }
  // Held while tearing down: no daemon can start and rebuild the router meanwhile.
  let lock: number;
  try {
    lock = acquireInstanceLock(o.stateDir, o.netns);
  } catch (e) {
    out(`error: ${(e as Error).message}`);
    if (e instanceof InstanceLockedError) out('stop it first: systemctl disable --now perouterd.service');
    return 1;
  }
  try {
    return await tearDownLocked(o, out);
  } finally {
    fs.closeSync(lock);
  }
}

async function tearDownLocked(o: TeardownOptions, out: (line: string) => void): Promise<number> {
  const ps = o.frrPathspace ?? o.netns;
  const running = Object.entries(await new FrrReloader(frrPaths(ps)).daemonPids()).filter(([, pid]) => processAlive(pid));
  if (running.length) {
    out(`error: FRR still runs in path space ${ps} (${running.map(([d, p]) => `${d} ${p}`).join(', ')})`);
    out(`stop the daemon and FRR first: systemctl disable --now perouterd.service perouterd-netns.service frr@${ps}.service`);
    return 1;
  }
  const dp = new NetlinkDataplane(o.netns, o.hostNetns ? { hostNetns: o.hostNetns } : {});
  try {
    const ops = diffKernel(EMPTY_KERNEL_PLAN, await dp.observe([]));
    const report = await dp.apply(ops);
    for (const op of ops) out(describeOp(op));
    for (const e of report.errors) out(`error: ${describeOp(e.op)}: ${e.error}`);
    if (report.errors.length) {
      out(`the router namespace ${o.netns} is kept: fix the errors above and run teardown again`);
      return 1;
    }
  } finally {
    dp.close();
  }
  deleteNamedNetns(o.netns);
  out(`deleted /run/netns/${o.netns}`);
  return 0;
}
