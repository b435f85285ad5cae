// Loading of node-config.yaml and of the static `openpe_*.yaml` files.
//
// Contract for callers: every function returns its problems instead of throwing. When
// `problems.some(p => p.severity === 'error')` (see `hasErrors`), the result must be
// treated as unusable and NOTHING may be applied: a file with an error contributes no
// resource at all to the returned config, so applying the rest would silently remove what
// that file configures. This mirrors upstream, where any schema error in any static file
// fails the whole static read. Warnings (unknown keys, keys matched ignoring case, ignored
// nodeSelectors, …) never block.

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
import { type DirRead, readConfigDirSync, type SourceFile } from './read.js';
import { keyText, readYamlSource, yamlSourceOf, type YamlSource } from './yaml-source.js';
import { isMap, isScalar } from 'yaml';
import { suggestKey } from './keys.js';
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

/**
 * A document that is not a configuration of this kind at all (no known top-level key, or
 * not a mapping), or one that configures nothing because every top-level key is empty (a
 * file caught half-way through a write: `bgppassthrough:` alone). Reported without echoing
 * any of its content.
 */
function documentProblem(src: YamlSource, schema: CompiledSchema): ConfigProblem | undefined {
  const contents = src.doc?.contents;
  const known = Object.keys((schema.root.properties as Record<string, unknown> | undefined) ?? {});
  const where = { file: src.file, line: 1, column: 1, field: '' };
  const notConfig = (why: string): ConfigProblem => ({
    severity: 'error',
    message: `not a perouterd configuration file (${why}); its content is not shown`,
    location: where,
  });
  if (!isMap(contents)) return notConfig('the top level is not a mapping of keys');
  const keys = contents.items.map((p) => keyText(p.key));
  const lower = new Set(known.map((k) => k.toLowerCase()));
  const recognised = keys.filter((k) => lower.has(k.toLowerCase()) || suggestKey(k, known) !== undefined || k === '<<');
  if (recognised.length === 0) return notConfig('none of its top-level keys is a known one');
  const isNull = (v: unknown): boolean => v === null || v === undefined || (isScalar(v) && v.value === null);
  if (contents.items.every((p) => isNull(p.value))) {
    return {
      severity: 'error',
      message:
        'every top-level key is empty, so the file configures nothing: a file caught half-way through a write? (to configure nothing, remove the file)',
      location: src.locate([keyText(contents.items[0]?.key)], { key: true }),
    };
  }
  return undefined;
}

/** Parse, normalise keys, apply defaults and validate one YAML file against a schema. */
function parseAndValidate(
  file: string | SourceFile,
  schema: CompiledSchema,
  prepare?: (data: unknown, src: YamlSource, problems: ConfigProblem[]) => boolean,
): {
  src: YamlSource;
  data?: unknown;
  /** True when `data` passed the schema (so it has the schema's shape). */
  schemaOk: boolean;
  problems: ConfigProblem[];
} {
  const src = typeof file === 'string' ? readYamlSource(file) : yamlSourceOf(file);
  const problems = [...src.problems];
  if (!src.ok || !src.doc) return { src, problems, schemaOk: false };
  const shape = documentProblem(src, schema);
  if (shape) return { src, problems: [...problems, shape], schemaOk: false };
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

// ---------------------------------------------------------------- static files

/** `static-<node>-<suffix>`: how upstream names objects coming from static files. */
export function staticName(nodeName: string, suffix: string): string {
  return `static-${nodeName}-${suffix}`;
}

function hostSelector(nodeName: string): LabelSelector {
  return { matchLabels: { [HOSTNAME_LABEL]: nodeName } };
}

/** Checks of one schema-valid file that need the data (values, names); they go into `problems`. */
function fileRuleProblems(f: StaticConfigFile, src: YamlSource): ConfigProblem[] {
  return checkStaticFile(f).map((issue) => ({
    severity: issue.severity,
    message: issue.message,
    location: src.locate(issue.path, issue.key ? { key: true } : undefined),
  }));
}

/** Before the schema: the passthrough upstream ignores, and features not built yet. */
function prepareStaticFile(raw: unknown, s: YamlSource, probs: ConfigProblem[]): boolean {
  // Upstream's bgppassthrough is a plain struct: it only counts when hostSession.asn > 0. A
  // hostSession that is not a mapping at all (`hostSession: 0.5`) is left to the schema.
  if (isObj(raw) && isObj(raw.bgppassthrough)) {
    const hs = raw.bgppassthrough.hostSession;
    const asn = isObj(hs) ? hs.asn : undefined;
    if ((hs === undefined || hs === null || isObj(hs)) && (asn === undefined || asn === null || asn === 0)) {
      probs.push({
        severity: 'warning',
        message: 'bgppassthrough: ignored because hostSession.asn is not set (it only counts when asn > 0)',
        location: s.locate(['bgppassthrough'], { key: true }),
      });
      delete raw.bgppassthrough;
    }
  }
  for (const issue of unsupportedFeatureIssues(raw)) {
    probs.push({ severity: issue.severity, message: issue.message, location: s.locate(issue.path, issue.key ? { key: true } : undefined) });
  }
  return true;
}

/** The resources one valid file describes, named and selected as upstream does. */
function fileResources(
  f: StaticConfigFile,
  src: YamlSource,
  node: NodeSettings,
  namespace: string,
  problems: ConfigProblem[],
): RouterConfig {
  const config = emptyRouterConfig();
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
  const base = <K extends string>(kind: K, name: string, path: Array<string | number>) => ({ kind, name, namespace, origin: origin(path) });
  (f.underlays ?? []).forEach((u, i) => {
    config.underlays.push({
      ...base('Underlay', staticName(nodeName, `underlay-${i}`), ['underlays', i]),
      spec: { ...u, nodeSelector: sel },
    });
  });
  (f.l3vnis ?? []).forEach((item, i) => {
    const { name, ...rest } = item;
    const spec: L3VNISpec = { ...rest, nodeSelector: sel };
    config.l3vnis.push({ ...base('L3VNI', checkName('l3vni', name, ['l3vnis', i]), ['l3vnis', i]), spec });
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
    config.l2vnis.push({ ...base('L2VNI', checkName('l2vni', name, ['l2vnis', i]), ['l2vnis', i]), spec });
  });
  if (f.bgppassthrough) {
    const spec = { ...f.bgppassthrough, nodeSelector: sel };
    config.l3passthroughs.push({ ...base('L3Passthrough', staticName(nodeName, 'l3passthrough'), ['bgppassthrough']), spec });
  }
  (f.rawfrrconfigs ?? []).forEach((r, i) => {
    const spec = { ...r, nodeSelector: sel };
    config.rawFrrConfigs.push({ ...base('RawFRRConfig', staticName(nodeName, `rawfrrconfig-${i}`), ['rawfrrconfigs', i]), spec });
  });
  return config;
}

/**
 * Loads one static file (a path, or a file already read by src/config/read.ts) into
 * resources. A file with any error contributes nothing (an empty config) and the errors are
 * in `problems`.
 */
export function loadStaticFile(
  file: string | SourceFile,
  node: NodeSettings,
  namespace = DEFAULT_NAMESPACE,
): { config: RouterConfig; problems: ConfigProblem[] } {
  const { src, data, problems, schemaOk } = parseAndValidate(file, openpeSchema(), prepareStaticFile);
  // Value checks need the schema's shape; unsupported features were flagged before it.
  if (data === undefined || !schemaOk) return { config: emptyRouterConfig(), problems: sortProblems(problems) };
  const f = data as StaticConfigFile;
  problems.push(...fileRuleProblems(f, src));
  if (hasError(problems)) return { config: emptyRouterConfig(), problems: sortProblems(problems) };
  const config = fileResources(f, src, node, namespace, problems);
  return { config, problems: sortProblems(problems) };
}

/**
 * Loads every `openpe_*.yaml` of a directory (a path, read here with src/config/read.ts, or
 * what readConfigDir read) and concatenates their resources in file order; conflicts
 * between files are left to validation. A missing directory is an error.
 *
 * `files` lists the files that were read.
 *
 * IMPORTANT: when `problems.some(p => p.severity === 'error')`, `config` is incomplete
 * (files with errors contribute nothing) and must not be applied.
 */
export function loadStaticConfig(
  dir: string | DirRead,
  node: NodeSettings,
  namespace = DEFAULT_NAMESPACE,
): { config: RouterConfig; problems: ConfigProblem[]; files: string[] } {
  const read = typeof dir === 'string' ? readConfigDirSync(dir) : dir;
  const config = emptyRouterConfig();
  const problems: ConfigProblem[] = [...read.problems];
  const files = read.files.map((f) => f.path);
  for (const file of read.files) {
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
