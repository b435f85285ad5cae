// The real BundleSources: files, the project's own netlink dumps of the host and router
// namespaces, vtysh, journalctl. Read-only; every failure becomes a note in the bundle.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import { openRtNetlink } from '../dataplane/netlink/index.js';
import type { BundleSources } from './support-bundle.js';
import { coalescedVtysh } from './vtysh-batch.js';

export interface BundleSourceOptions {
  netns: string;
  pathspace: string;
  stateDir: string;
  perouterdVersion: string;
  /** What the configuration pipeline read and rendered (computed by the caller). */
  sourceFiles: string[];
  rendered: { config?: string; error?: string };
  /** The daemon's status document (its status socket, else status.json); default: status.json alone. */
  status?: () => Promise<{ text?: string; from: string }>;
}

/** links, addresses, routes of every table, neighbours and the bridge FDB of one namespace. */
async function kernelState(netnsPath: string | undefined): Promise<unknown> {
  const nl = openRtNetlink(netnsPath !== undefined ? { netnsPath } : {});
  try {
    const [links, addresses, routes, neighbours4, neighbours6, fdb] = await Promise.all([
      nl.dumpLinks(),
      nl.dumpAddresses(),
      nl.dumpRoutes(),
      nl.dumpNeighbours(4),
      nl.dumpNeighbours(6),
      nl.dumpNeighbours('bridge'),
    ]);
    const name = new Map(links.map((l) => [l.index, l.name]));
    const named = <T extends { index?: number; ifindex?: number; oif?: number }>(x: T): T & { dev?: string } => {
      const dev = name.get(x.index ?? x.ifindex ?? x.oif ?? -1);
      return dev ? { ...x, dev } : x;
    };
    return {
      links,
      addresses: addresses.map(named),
      routes: routes.map(named),
      neighbours: [...neighbours4, ...neighbours6].map(named),
      fdb: fdb.map(named),
    };
  } finally {
    nl.close();
  }
}

function run(cmd: string, args: string[]): Promise<{ out?: string; error?: string }> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: 20_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err)
        resolve({
          error:
            (err as NodeJS.ErrnoException).code === 'ENOENT' ? `${cmd} is not installed` : `${cmd} failed: ${stderr.trim() || err.message}`,
        });
      else resolve({ out: stdout });
    });
  });
}

export function bundleSources(o: BundleSourceOptions): BundleSources {
  // FRR's show commands asked together run from one shell (vtysh-batch.ts).
  const vtysh = coalescedVtysh(o.pathspace);
  const read = async (p: string): Promise<string | undefined> => {
    try {
      return await readFile(p, 'utf8');
    } catch {
      return undefined;
    }
  };
  return {
    readFile: read,
    configFiles: async () => o.sourceFiles,
    renderedFrrConfig: async () => o.rendered,
    kernelState: (ns) => kernelState(ns === 'router' ? o.netns : undefined),
    vtysh,
    status:
      o.status ??
      (async () => {
        const path = `${o.stateDir}/status.json`;
        const text = await read(path);
        return text === undefined ? { from: `${path} could not be read (daemon never ran?)` } : { text, from: `read from ${path}` };
      }),
    journal: async (lines) => {
      const r = await run('journalctl', ['-u', 'perouterd', '-n', String(lines), '-o', 'json', '--no-pager']);
      if (r.error !== undefined) return { note: r.error };
      return r.out?.trim() ? { text: r.out } : { note: 'the journal holds no line of perouterd.service' };
    },
    versions: async () => {
      const frr = (await vtysh('show version'))?.split('\n').find((l) => /FRRouting/.test(l));
      return {
        perouterd: o.perouterdVersion,
        frr: frr?.trim() ?? 'unknown (vtysh did not answer)',
        kernel: `${os.type()} ${os.release()} ${os.machine()}`,
        node: process.version,
        hostname: os.hostname(),
        collectedAt: new Date().toISOString(),
      };
    },
  };
}
