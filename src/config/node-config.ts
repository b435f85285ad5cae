// node-config.yaml: the node's name and index (see load.ts for the loading contract).

import { type ConfigProblem, type NodeConfigFile, type NodeSettings } from './model.js';
import { sortProblems } from './schema-errors.js';
import { nodeConfigSchema } from './schemas.js';
import { type SourceFile } from './read.js';
import { cidrContains, hostPart, type IPAddr, isGlobalUnicast, familyBits, tryParseCidr, tryParseIP } from '../net/ipnet.js';
import { hasError, isObj, parseAndValidate } from './parse-document.js';

export interface NodeConfigDeps {
  hostname(): string;
  /** Addresses on a host interface, in kernel order. May throw when the interface does not exist. */
  interfaceAddresses(name: string): Array<{ address: string; prefixLen: number }>;
}

/**
 * Node index from the addresses of an interface: the host part (address AND NOT mask) of
 * the first address inside `cidr` when given, else of the first IPv4 address, else of the
 * first global-unicast IPv6 address.
 */
export function nodeIndexFromAddresses(
  addresses: ReadonlyArray<{ address: string; prefixLen: number }>,
  cidr?: string,
): { index: number; address: string } | { error: string } {
  const parsed: Array<{ ip: IPAddr; prefixLen: number; text: string }> = [];
  for (const a of addresses) {
    const ip = tryParseIP(a.address);
    if (!ip || !Number.isInteger(a.prefixLen) || a.prefixLen < 0 || a.prefixLen > familyBits(ip.family)) continue;
    parsed.push({ ip, prefixLen: a.prefixLen, text: `${a.address}/${a.prefixLen}` });
  }
  let chosen: (typeof parsed)[number] | undefined;
  if (cidr !== undefined) {
    const filter = tryParseCidr(cidr);
    if (!filter) return { error: `invalid cidr "${cidr}"` };
    chosen = parsed.find((p) => cidrContains(filter, p.ip));
    if (!chosen) return { error: `no address inside ${cidr}` };
  } else {
    chosen = parsed.find((p) => p.ip.family === 4) ?? parsed.find((p) => p.ip.family === 6 && isGlobalUnicast(p.ip));
    if (!chosen) return { error: 'no IPv4 or global-unicast IPv6 address' };
  }
  const host = hostPart(chosen.ip, chosen.prefixLen);
  if (host > BigInt(Number.MAX_SAFE_INTEGER)) return { error: `host part of ${chosen.text} is too large for a node index` };
  return { index: Number(host), address: chosen.text };
}

/**
 * Why a node name cannot be used, if it cannot: it names this node's objects
 * (`static-<node>-…`), label values and files, so no `/`, no control characters (newline,
 * NUL), and at most 253 characters (a Kubernetes object name).
 */
export function nodeNameError(name: string): string | undefined {
  if (name === '') return 'is empty';
  if (name.length > 253) return 'is longer than 253 characters';
  if (name.includes('/')) return 'must not contain "/"';
  if (/[\u0000-\u001f\u007f]/.test(name)) return 'must not contain control characters (newline, NUL, …)';
  return undefined;
}

/** Reads node-config.yaml. A missing file is an error; `settings` is only set when there is no error. */
export function loadNodeConfig(path: string | SourceFile, deps: NodeConfigDeps): { settings?: NodeSettings; problems: ConfigProblem[] } {
  const schema = nodeConfigSchema();
  const { src, data, problems } = parseAndValidate(path, schema, (raw, s, probs) => {
    if (isObj(raw) && (typeof raw.nodeIndex === 'number' || typeof raw.nodeIndex === 'string')) {
      probs.push({
        severity: 'error',
        message: 'nodeIndex must be a mapping, e.g. "nodeIndex: {index: 3}" or "nodeIndex: {interfaceName: eth1}"',
        location: s.locate(['nodeIndex']),
      });
      return false;
    }
    return true;
  });
  if (data === undefined || hasError(problems)) return { problems: sortProblems(problems) };
  const cfg = data as NodeConfigFile;

  let nodeIndex = 0;
  const ni = cfg.nodeIndex ?? {};
  if (ni.interfaceName !== undefined) {
    const where = src.locate(['nodeIndex', 'interfaceName']);
    let addrs: Array<{ address: string; prefixLen: number }>;
    try {
      addrs = deps.interfaceAddresses(ni.interfaceName);
    } catch (err) {
      problems.push({
        severity: 'error',
        message: `cannot read the addresses of ${ni.interfaceName}: ${(err as Error).message}`,
        location: where,
      });
      return { problems: sortProblems(problems) };
    }
    const r = nodeIndexFromAddresses(addrs, ni.cidr);
    if ('error' in r) {
      const loc = ni.cidr !== undefined && r.error.startsWith('invalid cidr') ? src.locate(['nodeIndex', 'cidr']) : where;
      problems.push({
        severity: 'error',
        message: `cannot derive the node index from interface ${ni.interfaceName}: ${r.error}`,
        location: loc,
      });
      return { problems: sortProblems(problems) };
    }
    nodeIndex = r.index;
  } else if (ni.index !== undefined) {
    nodeIndex = ni.index;
  }

  let nodeName = cfg.nodeName;
  if (nodeName === undefined) {
    try {
      nodeName = deps.hostname();
    } catch (err) {
      problems.push({
        severity: 'error',
        message: `nodeName is not set and the host name is unavailable: ${(err as Error).message}`,
        location: src.locate([]),
      });
      return { problems: sortProblems(problems) };
    }
  }
  const nameErr = nodeNameError(nodeName);
  if (nameErr) {
    const loc = cfg.nodeName === undefined ? src.locate([]) : src.locate(['nodeName']);
    problems.push({ severity: 'error', message: `${cfg.nodeName === undefined ? 'the host name' : 'nodeName'} ${nameErr}`, location: loc });
    return { problems: sortProblems(problems) };
  }
  return { settings: { nodeName, nodeIndex, logLevel: cfg.logLevel ?? 'info' }, problems: sortProblems(problems) };
}
