// The router namespace as trace and the support bundle read it: one rtnetlink socket
// opened inside the namespace and vtysh for FRR's JSON. Read-only.
import { openRtNetlink, type RtNetlink } from '../dataplane/netlink/index.js';
import type { TraceSources } from './trace-facts.js';
import { coalescedVtysh } from './vtysh-batch.js';

/** `vtysh` output parsed as JSON; undefined when vtysh failed or printed something else. */
export async function vtyshJson(vtysh: (command: string) => Promise<string | undefined>, command: string): Promise<unknown> {
  const out = await vtysh(command);
  if (out === undefined) return undefined;
  try {
    return JSON.parse(out) as unknown;
  } catch {
    return undefined;
  }
}

/** TraceSources over the router namespace `netns` and the FRR instance of `pathspace`. Close it when done. */
export function routerTraceSources(netns: string, pathspace: string): TraceSources & { close(): void } {
  const nl: RtNetlink = openRtNetlink({ netnsPath: netns });
  // The lookups of one round (every VRF, then the underlay and the router MACs) share one shell.
  const vtysh = coalescedVtysh(pathspace);
  return {
    links: () => nl.dumpLinks(),
    getRoute: (dst, vrfIndex) => nl.getRoute(dst, vrfIndex !== undefined ? { vrfIndex } : {}),
    neighbours: () => nl.dumpNeighbours(4),
    vtyshJson: (command) => vtyshJson(vtysh, command),
    close: () => nl.close(),
  };
}
