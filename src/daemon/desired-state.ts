// sources → parse + validate → desired state. Reading the files is one step (loadSources);
// everything after it is pure (desiredFrom). The daemon, `render` and `validate` all go
// through buildDesiredState (the daemon through its async twin, which reads without blocking
// and lets the event loop run between files: same steps, same result), so the CLI can never
// disagree with what the daemon would apply.
import os from 'node:os';
import { DEFAULT_NAMESPACE, loadNodeConfig, loadStaticConfig, loadStaticConfigAsync, type StaticConfigResult } from '../config/load.js';
import { readConfigDir, readConfigFile, readSourcesSync, type SourceFile } from '../config/read.js';
import { TrustCheck } from '../config/trust.js';
import { type FileResult, StaticFileCache } from '../config/file-cache.js';
import type { Changes } from '../config/dir-changes.js';
import { validateMergedSteps } from '../config/validate/index.js';
import { IncrementalValidation } from '../config/validate/incremental.js';
import { runAsync, runSync, type Steps, turn } from '../util/steps.js';
import { type ConfigProblem, emptyRouterConfig, type FailedResource, type NodeSettings, type RouterConfig } from '../config/model.js';
import { planRouterSteps, type RouterPlan } from '../plan/router-plan.js';
import { planKernelSteps, type KernelPlan } from '../plan/kernel-plan.js';
import { renderFrrConfigSteps } from '../frr/render.js';
import type { FrrConfigTree } from '../frr/frr-config.js';

export interface ConfigSources {
  configDir: string;
  nodeConfigPath: string;
  /** Overrides node-config's index (render for another node). */
  nodeIndexOverride?: number;
  /** Namespace given to objects from static files (the API's namespace, `--namespace`). */
  namespace?: string;
  /** The node name `run` resolved at start-up; the node config may not change it underneath. */
  nodeName?: string;
  /** `bgp listen limit` for listen-range neighbours (`--bgp-listen-limit`, upstream's --bgplistenlimit). */
  listenLimit?: number;
}

export interface DesiredState {
  node: NodeSettings;
  config: RouterConfig;
  /** The static files alone (what is mirrored to CRs). */
  staticConfig: RouterConfig;
  plan: RouterPlan;
  frrConfig: string;
  /** frrConfig parsed, as the renderer wrote it (equal to parseFrrConfig(frrConfig)): FRR's delta needs no parse. */
  frrTree: FrrConfigTree;
  kernel: KernelPlan;
  failed: FailedResource[];
  problems: ConfigProblem[];
}

export type PipelineResult =
  | { ok: true; desired: DesiredState }
  /** Nothing may be applied: a file is invalid, or the underlay failed validation. */
  | { ok: false; problems: ConfigProblem[]; failed: FailedResource[]; reason: string; node?: NodeSettings; staticConfig?: RouterConfig };

/** What the files hold, read once: the node settings and the static objects. */
export type LoadedSources = (
  | {
      ok: true;
      node: NodeSettings;
      staticConfig: RouterConfig;
      problems: ConfigProblem[];
      /** The files' results the static configuration was made of, when they came through a cache. */
      parts?: readonly FileResult[];
    }
  | { ok: false; problems: ConfigProblem[]; reason: string; node?: NodeSettings }
) & { /** The openpe_*.yaml files read (none when the node config failed first). */ files: string[] };

/** Addresses of a host interface, used to derive the node index from `interfaceName`. */
export function hostInterfaceAddresses(name: string): Array<{ address: string; prefixLen: number }> {
  const ifs = os.networkInterfaces()[name] ?? [];
  return ifs.map((i) => ({
    address: i.address.split('%')[0] ?? i.address,
    prefixLen: Number(i.cidr?.split('/')[1] ?? (i.family === 'IPv6' ? 128 : 32)),
  }));
}

/** The node settings from what was read, or the reason there are none. */
function nodeSettings(src: ConfigSources, nodeConfig: SourceFile): { node?: NodeSettings; problems: ConfigProblem[] } {
  const nodeRes = loadNodeConfig(nodeConfig, { hostname: () => os.hostname(), interfaceAddresses: hostInterfaceAddresses });
  const problems: ConfigProblem[] = [...nodeRes.problems];
  if (!nodeRes.settings || problems.some((p) => p.severity === 'error')) return { problems };
  const node: NodeSettings = { ...nodeRes.settings };
  if (src.nodeIndexOverride !== undefined) node.nodeIndex = src.nodeIndexOverride;
  if (src.nodeName !== undefined && src.nodeName !== node.nodeName) {
    problems.push({ severity: 'warning', message: `nodeName is now ${node.nodeName}; perouterd keeps ${src.nodeName} until it restarts` });
    node.nodeName = src.nodeName;
  }
  return { node, problems };
}

function withStatic(node: NodeSettings, problems: ConfigProblem[], stat: StaticConfigResult): LoadedSources {
  problems.push(...stat.problems);
  if (stat.problems.some((p) => p.severity === 'error')) {
    return { ok: false, problems, reason: 'static configuration is invalid', node, files: stat.files };
  }
  return { ok: true, node, staticConfig: stat.config, problems, files: stat.files, ...(stat.parts ? { parts: stat.parts } : {}) };
}

const NODE_INVALID = 'node configuration is invalid';

export function loadSources(src: ConfigSources): LoadedSources {
  const snap = readSourcesSync(src.configDir, src.nodeConfigPath);
  const { node, problems } = nodeSettings(src, snap.nodeConfig);
  if (!node) return { ok: false, problems, reason: NODE_INVALID, files: [] };
  return withStatic(node, problems, loadStaticConfig({ files: snap.files, problems: snap.problems }, node, src.namespace));
}

/**
 * loadSources without blocking: async reads, and the event loop runs between files. With a
 * cache, static files that did not change are neither read nor parsed again (file-cache.ts);
 * with `changes` too (the directory watch's record), only the files it names are looked at
 * (dir-changes.ts). The node configuration is read every time: one file.
 */
export async function loadSourcesAsync(src: ConfigSources, cache?: StaticFileCache, changes?: Changes): Promise<LoadedSources> {
  const trust = new TrustCheck();
  const nodeConfig = await readConfigFile(src.nodeConfigPath, 'the node configuration', trust);
  const { node, problems } = nodeSettings(src, nodeConfig);
  if (!node) return { ok: false, problems, reason: NODE_INVALID, files: [] };
  cache?.use(node.nodeName, src.namespace ?? DEFAULT_NAMESPACE);
  const dir = await readConfigDir(src.configDir, trust, cache, cache && changes);
  return withStatic(node, problems, await loadStaticConfigAsync(dir, node, src.namespace, cache));
}

/** Pure: the desired state of `node` from its static objects with the API objects under them. */
export function desiredFrom(
  node: NodeSettings,
  staticConfig: RouterConfig,
  problems: ConfigProblem[],
  apiConfig?: RouterConfig,
  opts: { listenLimit?: number } = {},
): PipelineResult {
  return runSync(desiredSteps(undefined, node, staticConfig, problems, apiConfig, opts));
}

/** desiredFrom, letting the event loop run between chunks of validation, planning and rendering. */
function desiredFromAsync(validation: IncrementalValidation | undefined, ...args: Parameters<typeof desiredFrom>): Promise<PipelineResult> {
  return runAsync(desiredSteps(validation, ...args));
}

/**
 * desiredFrom's work, pausing between chunks of validation and between its phases (validate, plan, render).
 * With `validation` (the daemon's, kept between builds), only the objects that changed are validated when that gives the same result.
 */
function* desiredSteps(
  validation: IncrementalValidation | undefined,
  ...[node, staticConfig, problems, apiConfig, opts = {}]: Parameters<typeof desiredFrom>
): Steps<PipelineResult> {
  // API objects go on top of the static base: validation takes static objects first, so on
  // a conflict the static side wins and the API object is reported (src/config/validate/).
  const vopts = { nodeIndex: node.nodeIndex };
  const api = apiConfig ?? emptyRouterConfig();
  const v = yield* validation ? validation.steps(staticConfig, api, vopts) : validateMergedSteps(staticConfig, api, vopts);
  const fail = (reason: string, failed: FailedResource[]): PipelineResult => ({ ok: false, problems, failed, reason, node, staticConfig });
  if (v.fatal) return fail(v.fatal.message, [...v.failed, ...v.fatal.failed]);
  yield;
  let plan: RouterPlan;
  try {
    plan = yield* planRouterSteps(v.valid, node, opts.listenLimit !== undefined ? { listenLimit: opts.listenLimit } : {});
  } catch (e) {
    return fail(e instanceof Error ? e.message : String(e), v.failed);
  }
  yield;
  const frr = yield* renderFrrConfigSteps(plan);
  yield;
  const kernel = yield* planKernelSteps(plan);
  return {
    ok: true,
    desired: {
      node,
      config: v.valid,
      staticConfig,
      plan,
      frrConfig: frr.text,
      frrTree: frr.tree,
      kernel,
      failed: v.failed,
      problems,
    },
  };
}

export function buildDesiredState(src: ConfigSources, extra?: { apiConfig?: RouterConfig }): PipelineResult & { sourceFiles: string[] } {
  return fromLoaded(src, loadSources(src), extra);
}

/**
 * What the daemon keeps from one build to the next: the static files' results (read and parsed
 * again only when they change) and the last desired state with what it was built from, reused
 * as it is when nothing it depends on changed (the no-op reconcile of every resync).
 */
export class BuildCache {
  readonly files: StaticFileCache;
  /** Validation of what changed since the last build (src/config/validate/incremental.ts). */
  readonly validation = new IncrementalValidation();
  private readonly ids = new WeakMap<FileResult, number>();
  private nextId = 0;
  private last: { key: string; result: PipelineResult } | undefined;
  /** Builds that reused the last desired state (tests, the bench). */
  reused = 0;

  constructor(files = new StaticFileCache()) {
    this.files = files;
  }

  /** Everything desiredFrom depends on, as one string: the files' results by identity, the rest by value. */
  key(s: Extract<LoadedSources, { ok: true }>, apiConfig: RouterConfig | undefined, opts: { listenLimit?: number }): string {
    const ids = (s.parts ?? []).map((r) => {
      let id = this.ids.get(r);
      if (id === undefined) this.ids.set(r, (id = this.nextId++));
      return id;
    });
    return JSON.stringify([s.node, ids, s.parts ? undefined : s.staticConfig, s.problems, apiConfig ?? null, opts]);
  }

  /** The last result when `key` is the last key. */
  reuse(key: string): PipelineResult | undefined {
    if (this.last?.key !== key) return undefined;
    this.reused++;
    return this.last.result;
  }

  remember(key: string, result: PipelineResult): void {
    this.last = { key, result };
  }
}

/** buildDesiredState for the daemon: the files are read and parsed without blocking the event loop. */
export async function buildDesiredStateAsync(
  src: ConfigSources,
  extra?: { apiConfig?: RouterConfig },
  cache?: BuildCache,
  changes?: Changes,
): Promise<PipelineResult & { sourceFiles: string[] }> {
  const s = await loadSourcesAsync(src, cache?.files, changes);
  await turn();
  if (!s.ok) return notLoaded(s);
  const key = cache?.key(s, extra?.apiConfig, planOpts(src));
  const kept = key === undefined ? undefined : cache?.reuse(key);
  if (kept) return { ...kept, sourceFiles: s.files };
  const r = await desiredFromAsync(cache?.validation, s.node, s.staticConfig, s.problems, extra?.apiConfig, planOpts(src));
  if (key !== undefined) cache?.remember(key, r);
  return { ...r, sourceFiles: s.files };
}

function planOpts(src: ConfigSources): { listenLimit?: number } {
  return src.listenLimit !== undefined ? { listenLimit: src.listenLimit } : {};
}

function notLoaded(s: Extract<LoadedSources, { ok: false }>): PipelineResult & { sourceFiles: string[] } {
  return { ok: false, problems: s.problems, failed: [], reason: s.reason, ...(s.node ? { node: s.node } : {}), sourceFiles: s.files };
}

function fromLoaded(
  src: ConfigSources,
  s: LoadedSources,
  extra?: { apiConfig?: RouterConfig },
): PipelineResult & { sourceFiles: string[] } {
  if (!s.ok) return notLoaded(s);
  return { ...desiredFrom(s.node, s.staticConfig, s.problems, extra?.apiConfig, planOpts(src)), sourceFiles: s.files };
}
