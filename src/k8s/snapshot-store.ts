// The last API snapshot on disk (`<stateDir>/api-snapshot.json`), so that a daemon restarted
// while the API is unreachable can keep the networks the API had defined. Written atomically
// (temporary file, fsync, rename). Loading is the daemon's decision (see ApiSource).

import { promises as fsp, readFileSync } from 'node:fs';
import path from 'node:path';
import type { RouterConfig } from '../config/model.js';

export const SNAPSHOT_FILE = 'api-snapshot.json';
const FORMAT_VERSION = 1;

export interface PersistedSnapshot {
  version: number;
  nodeName: string;
  namespace: string;
  savedAt: string;
  /** The module's snapshot generation when saved (continues across restarts). */
  generation: number;
  nodeLabels: Record<string, string>;
  /** Last resourceVersion seen per informer, for diagnosis. */
  resourceVersions: Record<string, string>;
  /** The converted, node-filtered API configuration. */
  config: RouterConfig;
}

export function snapshotPath(stateDir: string): string {
  return path.join(stateDir, SNAPSHOT_FILE);
}

export async function writeSnapshot(stateDir: string, s: Omit<PersistedSnapshot, 'version'>): Promise<void> {
  await fsp.mkdir(stateDir, { recursive: true });
  const file = snapshotPath(stateDir);
  const tmp = `${file}.${process.pid}.tmp`;
  const fh = await fsp.open(tmp, 'w', 0o600);
  try {
    await fh.writeFile(JSON.stringify({ version: FORMAT_VERSION, ...s }, null, 2));
    await fh.sync();
  } finally {
    await fh.close();
  }
  await fsp.rename(tmp, file);
}

const LISTS = ['underlays', 'l3vnis', 'l2vnis', 'l3passthroughs', 'rawFrrConfigs'] as const;

/** The stored snapshot, or why there is none usable. Never throws. */
export function readSnapshot(stateDir: string): { snapshot: PersistedSnapshot } | { error: string; missing?: boolean } {
  const file = snapshotPath(stateDir);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { error: `${file} does not exist`, missing: true };
    return { error: `cannot read ${file}: ${(e as Error).message}` };
  }
  try {
    const s = JSON.parse(text) as PersistedSnapshot;
    if (s.version !== FORMAT_VERSION) throw new Error(`unknown format version ${String(s.version)}`);
    const cfg = s.config as unknown as Record<string, unknown> | undefined;
    if (!cfg || !LISTS.every((k) => Array.isArray(cfg[k]))) throw new Error('no configuration in it');
    return { snapshot: s };
  } catch (e) {
    return { error: `${file}: ${(e as Error).message}` };
  }
}
