// Semantic validation of everything that applies to this node (static files and API
// objects together), as a short list of named steps in the order of upstream's
// internal/controller/routerconfiguration/reconcile.go. Precedence is the
// order of the input (state.ts): static objects first, so a static object wins every
// conflict with an API object, and an API object that conflicts fails alone.
//
// Upstream checks the VTEP of VNIs only while converting (and then fails the whole
// reconcile); here the per-object steps drop just the resource, so later steps (duplicates,
// references) see the outcome. Upstream's grout and L3VPN steps have no counterpart.

import { emptyRouterConfig, type FailedResource, type RouterConfig } from '../model.js';
import { runSync, type Steps } from '../../util/steps.js';
import { hostSessionsStep } from './host-sessions.js';
import { passthroughCountStep, passthroughStep } from './passthrough.js';
import { type AnyResource, type Fatal, inValidationOrder, sortByName, type State, type ValidateOptions } from './state.js';
import { namesStep, routingDomainsStep, vnisStep, vrfsStep } from './unique.js';
import { underlayConflictsStep, underlayStep } from './underlay.js';
import { l2vniStep, l3vniStep } from './vni-checks.js';
import { vrfSubnetsStep } from './vrf-subnets.js';

export { sortByName, type ValidateOptions } from './state.js';
export { validateUnderlays } from './underlay.js';

export interface ValidationResult {
  /** What may be applied. Empty when `fatal` is set. */
  valid: RouterConfig;
  /** Resources dropped one by one; the rest of the configuration still applies. */
  failed: FailedResource[];
  /** Set when nothing at all may be applied (underlay failure, static host sessions overlapping). */
  fatal?: Fatal;
}

/**
 * The steps, in order; each drops what fails it, or sets `fatal`. A step over every object
 * is a generator that pauses between chunks of objects (src/util/steps.ts), so the daemon
 * can let its event loop run in between; every check is one pass with map or prefix-set
 * look-ups (O(n), sorting aside), never a comparison of pairs.
 */
type Step = readonly [string, (st: State) => void | Steps<void>];
const STEPS: readonly Step[] = [
  ['one underlay', underlayConflictsStep],
  ['underlay', underlayStep],
  ['names', namesStep],
  ['L3VNI checks', l3vniStep],
  ['L2VNI checks', l2vniStep],
  ['unique VNIs', vnisStep],
  ['one L3VNI per VRF', vrfsStep],
  ['routing domains', routingDomainsStep],
  ['VRF subnets', vrfSubnetsStep],
  ['one passthrough', passthroughCountStep],
  ['passthrough', passthroughStep],
  ['host sessions', hostSessionsStep],
];

/** The steps that settle conflicts between objects (no per-object checks): what the merge view runs. */
const CONFLICT_STEPS: readonly Step[] = STEPS.filter(([, f]) =>
  [underlayConflictsStep, namesStep, vnisStep, vrfsStep, vrfSubnetsStep, passthroughCountStep, hostSessionsStep].includes(f),
);

function* run(cfg: RouterConfig, opts: ValidateOptions, steps: readonly Step[] = STEPS): Steps<State> {
  const st: State = {
    opts,
    underlays: inValidationOrder(cfg.underlays),
    l3: inValidationOrder(cfg.l3vnis),
    l2: inValidationOrder(cfg.l2vnis),
    pt: inValidationOrder(cfg.l3passthroughs),
    raw: inValidationOrder(cfg.rawFrrConfigs),
    dropped: [],
    failed: [],
    lostToStatic: [],
  };
  yield;
  for (const [, step] of steps) {
    const paused = step(st);
    if (paused) yield* paused;
    if (st.fatal) break;
    yield;
  }
  return st;
}

export function validateRouterConfig(cfg: RouterConfig, opts: ValidateOptions = {}): ValidationResult {
  return runSync(validateSteps(cfg, opts));
}

/** validateRouterConfig as pausing work (see src/util/steps.ts): the same result, drained by the caller. */
export function* validateSteps(cfg: RouterConfig, opts: ValidateOptions = {}): Steps<ValidationResult> {
  const st = yield* run(cfg, opts);
  if (st.fatal) {
    return { valid: emptyRouterConfig(), failed: st.failed, fatal: st.fatal };
  }
  return {
    valid: {
      underlays: st.underlays,
      l3vnis: sortByName(st.l3),
      l2vnis: sortByName(st.l2),
      l3passthroughs: sortByName(st.pt),
      rawFrrConfigs: sortByName(st.raw),
    },
    failed: st.failed,
  };
}

/** The static objects, then the API's: validation order puts static ones first anyway (state.ts). */
export function concat(a: RouterConfig, b: RouterConfig): RouterConfig {
  return {
    underlays: [...a.underlays, ...b.underlays],
    l3vnis: [...a.l3vnis, ...b.l3vnis],
    l2vnis: [...a.l2vnis, ...b.l2vnis],
    l3passthroughs: [...a.l3passthroughs, ...b.l3passthroughs],
    rawFrrConfigs: [...a.rawFrrConfigs, ...b.rawFrrConfigs],
  };
}

/** Validates the static files' resources with the API's on top (static objects win; see state.ts). */
export function validateMerged(staticCfg: RouterConfig, apiCfg: RouterConfig, opts: ValidateOptions = {}): ValidationResult {
  return runSync(validateMergedSteps(staticCfg, apiCfg, opts));
}

/** validateMerged as pausing work: the same result, drained by the caller. */
export function validateMergedSteps(staticCfg: RouterConfig, apiCfg: RouterConfig, opts: ValidateOptions = {}): Steps<ValidationResult> {
  return validateSteps(concat(staticCfg, apiCfg), opts);
}

export interface MergeResult {
  /** Static resources first, then the API resources that survived, sorted. */
  merged: RouterConfig;
  /** API resources dropped because a static resource wins. */
  conflicts: FailedResource[];
}

const KIND_RANK: Record<string, number> = { Underlay: 0, L3VNI: 1, L2VNI: 2, L3Passthrough: 3, RawFRRConfig: 4 };

/**
 * The static side with the API objects that do not lose a conflict to it: what status
 * reports as overridden. Validation settles the same conflicts (this is a view of it).
 */
export function mergeApiOverStatic(staticCfg: RouterConfig, apiCfg: RouterConfig): MergeResult {
  const st = runSync(run(concat(staticCfg, apiCfg), {}, CONFLICT_STEPS));
  const lost = new Set<AnyResource>(st.lostToStatic.map((x) => x.r));
  const conflicts = sortByName(st.lostToStatic.map((x) => ({ ...x.failure, namespace: x.r.namespace })))
    .sort((a, b) => (KIND_RANK[a.kind] ?? 9) - (KIND_RANK[b.kind] ?? 9))
    .map(({ namespace: _ns, ...f }) => f);
  const survivors = <T extends AnyResource>(list: readonly T[]): T[] => sortByName(list).filter((r) => !lost.has(r));
  const merged: RouterConfig = {
    underlays: [...staticCfg.underlays, ...survivors(apiCfg.underlays)],
    l3vnis: [...staticCfg.l3vnis, ...survivors(apiCfg.l3vnis)],
    l2vnis: [...staticCfg.l2vnis, ...survivors(apiCfg.l2vnis)],
    l3passthroughs: [...staticCfg.l3passthroughs, ...survivors(apiCfg.l3passthroughs)],
    rawFrrConfigs: [...staticCfg.rawFrrConfigs, ...survivors(apiCfg.rawFrrConfigs)],
  };
  return { merged, conflicts };
}
