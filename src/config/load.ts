// Loading of node-config.yaml and of the static `openpe_*.yaml` files.
//
// Contract for callers: every function returns its problems instead of throwing. When
// `problems.some(p => p.severity === 'error')` (see `hasErrors`), the result must be
// treated as unusable and NOTHING may be applied: a file with an error contributes no
// resource at all to the returned config, so applying the rest would silently remove what
// that file configures. This mirrors upstream, where any schema error in any static file
// fails the whole static read. Warnings (unknown keys, keys matched ignoring case, ignored
// nodeSelectors, …) never block.

import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  type ConfigProblem,
  emptyRouterConfig,
  type L2VNISpec,
  type L3VNISpec,
  type LabelSelector,
  type NodeConfigFile,
  type NodeSettings,
  type RouterConfig,
  type SourceLocation,
  type StaticConfigFile,
} from './model.js';
import { applyRemovals, normalizeKeys } from './keys.js';
import { checkStaticFile, isValidObjectName, unsupportedFeatureIssues } from './spec/index.js';
import { schemaErrorsToProblems, sortProblems } from './schema-errors.js';
import { type CompiledSchema, nodeConfigSchema, openpeSchema, runSchema } from './schemas.js';
import { readYamlSource, type YamlSource } from './yaml-source.js';
import { cidrContains, hostPart, type IPAddr, isGlobalUnicast, familyBits, tryParseCidr, tryParseIP } from '../net/ipnet.js';

export const DEFAULT_NAMESPACE = 'openperouter-system';
/** Label key used as the forced node selector of static objects. */
export const HOSTNAME_LABEL = 'kubernetes.io/hostname';

export interface NodeConfigDeps {
  hostname(): string;
  /** Addresses on a host interface, in kernel order. May throw when the interface does not exist. */
  interfaceAddresses(name: string): Array<{ address: string; prefixLen: number }>;
}

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function hasError(problems: readonly ConfigProblem[]): boolean {
  return problems.some((p) => p.severity === 'error');
}

/** Parse, normalise keys, apply defaults and validate one YAML file against a schema. */
function parseAndValidate(
  file: string,
  schema: CompiledSchema,
  prepare?: (data: unknown, src: YamlSource, problems: ConfigProblem[]) => boolean,
): {
  src: YamlSource;
  data?: unknown;
  /** True when `data` passed the schema (so it has the schema's shape). */
  schemaOk: boolean;
  problems: ConfigProblem[];
} {
  const src = readYamlSource(file);
  const problems = [...src.problems];
  if (!src.ok || !src.doc) return { src, problems, schemaOk: false };
  const keys = normalizeKeys(src, schema.root);
  problems.push(...keys.problems);
  let data: unknown;
  try {
    data = src.doc.toJS({ maxAliasCount: 1000 });
  } catch (err) {
    problems.push({ severity: 'error', message: `YAML: ${(err as Error).message}`, location: src.locate([]) });
    return { src, problems, schemaOk: false };
  }
  applyRemovals(data, keys.removals);
  if (prepare && !prepare(data, src, problems)) return { src, problems, schemaOk: false };
  const errors = runSchema(schema, data);
  const schemaProblems = schemaErrorsToProblems(errors, src);
  if (errors.length > 0 && !hasError(schemaProblems)) {
    schemaProblems.push({
      severity: 'error',
      message: `schema validation failed: ${errors.map((e) => `${e.instancePath || '/'} ${e.message ?? e.keyword}`).join('; ')}`,
      location: src.locate([]),
    });
  }
  problems.push(...schemaProblems);
  return { src, data, problems, schemaOk: errors.length === 0 };
}

// ---------------------------------------------------------------- node config

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

/** Reads node-config.yaml. A missing file is an error; `settings` is only set when there is no error. */
export function loadNodeConfig(path: string, deps: NodeConfigDeps): { settings?: NodeSettings; problems: ConfigProblem[] } {
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
  return { settings: { nodeName, nodeIndex, logLevel: cfg.logLevel ?? 'info' }, problems: sortProblems(problems) };
}

// ---------------------------------------------------------------- static files

const STATIC_FILE_RE = /^openpe_.*\.yaml$/;

/**
 * `openpe_*.yaml` files of `dir` (not `.yml`), full paths, in byte-wise lexicographic order
 * of their names (Go's filepath.Glob order). A missing directory gives `[]`; directories
 * that happen to match the pattern are skipped. Other fs errors are thrown.
 */
export function discoverConfigFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return names
    .filter((n) => STATIC_FILE_RE.test(n))
    .sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)))
    .map((n) => join(dir, n))
    .filter((p) => {
      try {
        return statSync(p).isFile();
      } catch {
        return true; // dangling link: reading it reports the problem
      }
    });
}

/** `static-<node>-<suffix>`: how upstream names objects coming from static files. */
export function staticName(nodeName: string, suffix: string): string {
  return `static-${nodeName}-${suffix}`;
}

function hostSelector(nodeName: string): LabelSelector {
  return { matchLabels: { [HOSTNAME_LABEL]: nodeName } };
}

/**
 * Loads one static file into resources. A file with any error contributes nothing
 * (an empty config) and the errors are in `problems`.
 */
export function loadStaticFile(
  file: string,
  node: NodeSettings,
  namespace = DEFAULT_NAMESPACE,
): { config: RouterConfig; problems: ConfigProblem[] } {
  const config = emptyRouterConfig();
  const { src, data, problems, schemaOk } = parseAndValidate(file, openpeSchema(), (raw, s, probs) => {
    // Upstream's bgppassthrough is a plain struct: it only counts when hostSession.asn > 0.
    if (isObj(raw) && isObj(raw.bgppassthrough)) {
      const hs = raw.bgppassthrough.hostSession;
      const asn = isObj(hs) ? hs.asn : undefined;
      if (asn === undefined || asn === null || asn === 0) {
        probs.push({
          severity: 'warning',
          message: 'bgppassthrough: ignored because hostSession.asn is not set (it only counts when asn > 0)',
          location: s.locate(['bgppassthrough'], { key: true }),
        });
        delete raw.bgppassthrough;
      }
    }
    for (const issue of unsupportedFeatureIssues(raw)) {
      probs.push({
        severity: issue.severity,
        message: issue.message,
        location: s.locate(issue.path, issue.key ? { key: true } : undefined),
      });
    }
    return true;
  });
  // Value checks need the schema's shape; unsupported features were flagged before it.
  if (data === undefined || !schemaOk) return { config, problems: sortProblems(problems) };
  const f = data as StaticConfigFile;
  for (const issue of checkStaticFile(f)) {
    problems.push({
      severity: issue.severity,
      message: issue.message,
      location: src.locate(issue.path, issue.key ? { key: true } : undefined),
    });
  }
  if (hasError(problems)) return { config, problems: sortProblems(problems) };

  const nodeName = node.nodeName;
  const sel = hostSelector(nodeName);
  const origin = (path: Array<string | number>): { source: 'static'; location: SourceLocation } => ({
    source: 'static',
    location: src.locate(path),
  });
  const checkName = (kind: string, name: string | undefined, path: Array<string | number>): string => {
    const full = staticName(nodeName, name ?? '');
    if (name === undefined || name === '') {
      problems.push({
        severity: 'warning',
        message: `${kind} has no name: it is named "${full}", which cannot be mirrored to the API; set name`,
        location: src.locate(path),
      });
    } else if (!isValidObjectName(full)) {
      problems.push({
        severity: 'warning',
        message: `"${full}" is not a valid Kubernetes object name (lower-case letters, digits, '-' and '.'), so it cannot be mirrored to the API`,
        location: src.locate([...path, 'name']),
      });
    }
    return full;
  };

  (f.underlays ?? []).forEach((u, i) => {
    config.underlays.push({
      kind: 'Underlay',
      name: staticName(nodeName, `underlay-${i}`),
      namespace,
      origin: origin(['underlays', i]),
      spec: { ...u, nodeSelector: sel },
    });
  });
  (f.l3vnis ?? []).forEach((item, i) => {
    const { name, ...rest } = item;
    const spec: L3VNISpec = { ...rest, nodeSelector: sel };
    config.l3vnis.push({ kind: 'L3VNI', name: checkName('l3vni', name, ['l3vnis', i]), namespace, origin: origin(['l3vnis', i]), spec });
  });
  (f.l2vnis ?? []).forEach((item, i) => {
    const { name, ...rest } = item;
    const spec: L2VNISpec = { ...rest, nodeSelector: sel };
    const rd = spec.routingDomain;
    if (rd) {
      spec.routingDomain = {
        type: rd.type,
        ...(rd.l3vni ? { l3vni: { name: staticName(nodeName, rd.l3vni.name) } } : {}),
        ...(rd.l3vpn ? { l3vpn: { name: staticName(nodeName, rd.l3vpn.name) } } : {}),
      };
    }
    config.l2vnis.push({ kind: 'L2VNI', name: checkName('l2vni', name, ['l2vnis', i]), namespace, origin: origin(['l2vnis', i]), spec });
  });
  if (f.bgppassthrough) {
    config.l3passthroughs.push({
      kind: 'L3Passthrough',
      name: staticName(nodeName, 'l3passthrough'),
      namespace,
      origin: origin(['bgppassthrough']),
      spec: { ...f.bgppassthrough, nodeSelector: sel },
    });
  }
  (f.rawfrrconfigs ?? []).forEach((r, i) => {
    config.rawFrrConfigs.push({
      kind: 'RawFRRConfig',
      name: staticName(nodeName, `rawfrrconfig-${i}`),
      namespace,
      origin: origin(['rawfrrconfigs', i]),
      spec: { ...r, nodeSelector: sel },
    });
  });
  return { config, problems: sortProblems(problems) };
}

/**
 * Loads every `openpe_*.yaml` of `dir` (see discoverConfigFiles) and concatenates their
 * resources in file order; conflicts between files are left to validateRouterConfig.
 *
 * `files` lists what was read: empty means "no static configuration available" (missing
 * directory or no matching file), which is not an error here.
 *
 * IMPORTANT: when `problems.some(p => p.severity === 'error')`, `config` is incomplete
 * (files with errors contribute nothing) and must not be applied.
 */
export function loadStaticConfig(
  dir: string,
  node: NodeSettings,
  namespace = DEFAULT_NAMESPACE,
): { config: RouterConfig; problems: ConfigProblem[]; files: string[] } {
  const config = emptyRouterConfig();
  const problems: ConfigProblem[] = [];
  let files: string[];
  try {
    files = discoverConfigFiles(dir);
  } catch (err) {
    problems.push({ severity: 'error', message: `cannot list static configuration directory ${dir}: ${(err as Error).message}` });
    return { config, problems, files: [] };
  }
  for (const file of files) {
    const r = loadStaticFile(file, node, namespace);
    problems.push(...r.problems);
    config.underlays.push(...r.config.underlays);
    config.l3vnis.push(...r.config.l3vnis);
    config.l2vnis.push(...r.config.l2vnis);
    config.l3passthroughs.push(...r.config.l3passthroughs);
    config.rawFrrConfigs.push(...r.config.rawFrrConfigs);
  }
  // Same object name from two places: only one of them can be mirrored to the API.
  for (const list of [config.l3vnis, config.l2vnis, config.rawFrrConfigs] as const) {
    const first = new Map<string, SourceLocation | undefined>();
    for (const r of list) {
      const loc = r.origin.source === 'static' ? r.origin.location : undefined;
      const prev = first.get(r.name);
      if (first.has(r.name)) {
        problems.push({
          severity: 'warning',
          message: `${r.kind} name ${r.name} is also used at ${prev ? `${prev.file}:${prev.line}` : 'another place'}; only one of them can be mirrored to the API`,
          ...(loc ? { location: loc } : {}),
        });
      } else first.set(r.name, loc);
    }
  }
  return { config, problems, files };
}
