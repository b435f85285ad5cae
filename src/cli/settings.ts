// Every setting of `perouterd` in one place: defaults (upstream's host-mode paths, so an
// existing node config works unchanged), and what each command derives from its options.
import os from 'node:os';
import { readFileSync } from 'node:fs';
import { loadNodeConfig } from '../config/load.js';
import { hostInterfaceAddresses, type ConfigSources } from '../daemon/desired-state.js';

export { DEFAULTS } from './defaults.js';

/** Options every command that reads the configuration takes. */
export interface SourceOptions {
  configDir: string;
  nodeConfig: string;
  namespace: string;
  /** `--bgp-listen-limit` (parsed in program.ts). */
  bgpListenLimit?: number;
}

export function configSources(o: SourceOptions, extra: Partial<ConfigSources> = {}): ConfigSources {
  const limit = o.bgpListenLimit !== undefined ? { listenLimit: o.bgpListenLimit } : {};
  return { configDir: o.configDir, nodeConfigPath: o.nodeConfig, namespace: o.namespace, ...limit, ...extra };
}

/**
 * The node's name, resolved once at start-up (node-config's `nodeName`, else the hostname):
 * the API side and every reconcile use this same name for the life of the process.
 */
export function resolveNodeName(nodeConfigPath: string): string {
  const node = loadNodeConfig(nodeConfigPath, { hostname: () => os.hostname(), interfaceAddresses: hostInterfaceAddresses });
  return node.settings?.nodeName ?? os.hostname();
}

/** A group name or number from /etc/group; undefined when not given. */
export function resolveGroup(group: string | undefined, groupFile = '/etc/group'): number | undefined {
  if (group === undefined) return undefined;
  if (/^\d+$/.test(group)) return Number(group);
  for (const line of readFileSync(groupFile, 'utf8').split('\n')) {
    const [name, , gid] = line.split(':');
    if (name === group && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
  }
  throw new Error(`group ${group} not found in ${groupFile}`);
}
