// The router namespace as trace and the support bundle read it: one rtnetlink socket
// opened inside the namespace and vtysh for FRR's JSON. Read-only.
import { execFile } from 'node:child_process';
import { openRtNetlink, type RtNetlink } from '../dataplane/netlink/index.js';
import type { TraceSources } from './trace-facts.js';

/** Runs `vtysh -N <pathspace> -c <command>`; resolves with stdout, or undefined when vtysh fails. */
export function vtysh(pathspace: string, command: string, timeoutMs = 20_000): Promise<string | undefined> {
  return new Promise((resolve) => {
    execFile('vtysh', ['-N', pathspace, '-c', command], { timeout: timeoutMs, maxBuffer: 32 * 1024 * 1024 }, (err, stdout) =>
      resolve(err ? undefined : stdout),
    );
  });
}

export async function vtyshJson(pathspace: string, command: string): Promise<unknown> {
  const out = await vtysh(pathspace, command);
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
  return {
    links: () => nl.dumpLinks(),
    getRoute: (dst, vrfIndex) => nl.getRoute(dst, vrfIndex !== undefined ? { vrfIndex } : {}),
    neighbours: () => nl.dumpNeighbours(4),
    vtyshJson: (command) => vtyshJson(pathspace, command),
    close: () => nl.close(),
  };
}
