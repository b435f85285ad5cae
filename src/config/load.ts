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
  type NodeSettings,
  type RouterConfig,
  type SourceLocation,
  type StaticConfigFile,
} from './model.js';
import { checkStaticFile, isValidObjectName, unsupportedFeatureIssues, upgradeLegacyFile } from './spec/index.js';
import { sortProblems } from './schema-errors.js';
import { openpeSchema } from './schemas.js';
import { type DirRead, readConfigDirSync, type SourceFile } from './read.js';
import { type YamlSource } from './yaml-source.js';
import { hasError, isObj, parseAndValidate } from './parse-document.js';
import { runAsync, runSync, type Steps } from '../util/steps.js';
import type { FileResult, StaticFileCache } from './file-cache.js';

export { loadNodeConfig, nodeIndexFromAddresses, nodeNameError, type NodeConfigDeps } from './node-config.js';

export const DEFAULT_NAMESPACE = 'openperouter-system';
/** Label key used as the forced node selector of static objects. */
export const HOSTNAME_LABEL = 'kubernetes.io/hostname';

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

/** Before the schema: the passthrough upstream ignores, perouterd 0.1's spellings, and features not built yet. */
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
  for (const issue of [...upgradeLegacyFile(raw), ...unsupportedFeatureIssues(raw)]) {
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
export function loadStaticConfig(dir: string | DirRead, node: NodeSettings, namespace = DEFAULT_NAMESPACE): StaticConfigResult {
  return runSync(staticConfigSteps(typeof dir === 'string' ? readConfigDirSync(dir) : dir, node, namespace));
}

/** What loadStaticConfig returns. */
export interface StaticConfigResult {
  config: RouterConfig;
  problems: ConfigProblem[];
  files: string[];
  /** Each file's own result, in order, when they came through a cache (whose results are kept objects). */
  parts?: FileResult[];
}

/**
 * The same as loadStaticConfig for what readConfigDir read, letting the event loop run
 * between files (setImmediate), so a directory of thousands of files never blocks it for
 * longer than one file takes. Same result, same code: both drain staticConfigSteps.
 */
export function loadStaticConfigAsync(
  read: DirRead,
  node: NodeSettings,
  namespace = DEFAULT_NAMESPACE,
  cache?: StaticFileCache,
): Promise<StaticConfigResult> {
  return runAsync(staticConfigSteps(read, node, namespace, cache));
}

/** Files served from the cache between two pauses (a file parsed is followed by a pause). */
const CACHED_PER_PAUSE = 256;

/**
 * Loads the files one by one (through `cache` when given), pausing after every file parsed
 * and every CACHED_PER_PAUSE files served from the cache; the result is the generator's return value.
 */
function* staticConfigSteps(read: DirRead, node: NodeSettings, namespace: string, cache?: StaticFileCache): Steps<StaticConfigResult> {
  const config = emptyRouterConfig();
  const problems: ConfigProblem[] = [...read.problems];
  const files = read.files.map((f) => f.path);
  const load = (f: SourceFile): FileResult => loadStaticFile(f, node, namespace);
  let served = 0;
  const parts: FileResult[] = [];
  for (const file of read.files) {
    const parsedBefore = cache?.stats.parsed;
    const r = cache ? cache.result(file, load) : load(file);
    const parsed = cache === undefined || cache.stats.parsed !== parsedBefore;
    parts.push(r);
    problems.push(...r.problems);
    config.underlays.push(...r.config.underlays);
    config.l3vnis.push(...r.config.l3vnis);
    config.l2vnis.push(...r.config.l2vnis);
    config.l3passthroughs.push(...r.config.l3passthroughs);
    config.rawFrrConfigs.push(...r.config.rawFrrConfigs);
    if (parsed || ++served % CACHED_PER_PAUSE === 0) yield;
  }
  cache?.keepOnly(files);
  problems.push(...nameClashes(config));
  return { config, problems, files, ...(cache ? { parts } : {}) };
}

/** Same object name from two places: only one of them can be mirrored to the API. */
function nameClashes(config: RouterConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
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
  return problems;
}
