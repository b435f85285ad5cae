// Validation that costs what changed. Between two builds, most L3VNIs and L2VNIs are the
// same objects (the file cache keeps an unchanged file's resources; src/config/file-cache.ts).
// An object's verdict depends only on the underlay, the node index and the objects it shares
// a claim with: its kind and name, its VNI, its VRF, the L3VNI name it is or refers to, and a
// host-session CIDR overlapping another. So when the objects added and removed share no claim
// with the objects that stayed, the others' verdicts stand: only the changed objects are
// validated (with the underlay), and merged into the last result. Anything else (a shared
// claim, an underlay, passthrough or raw change, a failure among the changed objects, a
// large change) validates everything, exactly as validateMerged does: the result is always
// the one validateMerged gives (test/unit/validate-incremental.test.ts compares them).

import type { L2VNIResource, L3VNIResource, RouterConfig } from '../model.js';
import { type Cidr, overlaps, tryParseCidr } from '../../net/ipnet.js';
import { perObject } from '../../util/memo.js';
import { runSync, type Steps } from '../../util/steps.js';
import { concat, type ValidationResult, validateMergedSteps, validateRouterConfig } from './index.js';
import type { AnyResource, ValidateOptions } from './state.js';

type Vni = L3VNIResource | L2VNIResource;

/** The claims an object shares with others (see the header). */
const claimsOf = perObject((r: Vni): string[] => {
  const own = [`name|${r.kind}|${r.namespace}/${r.name}`, `vni|${r.spec.vni}`];
  if (r.kind === 'L3VNI') return [...own, `vrf|${r.spec.vrf ?? ''}`, `l3|${r.name}`];
  const rd = r.spec.routingDomain;
  return rd ? [...own, `l3|${rd.l3vni?.name ?? ''}`] : own;
});

/** Host-session CIDRs of an L3VNI or passthrough (what the node-wide overlap check claims). */
const sessionCidrsOf = perObject((r: AnyResource): Cidr[] => {
  const lc = (r.spec as { hostSession?: { localCIDR?: { ipv4?: string; ipv6?: string } } }).hostSession?.localCIDR;
  const out: Cidr[] = [];
  for (const text of [lc?.ipv4, lc?.ipv6]) {
    const c = text === undefined ? undefined : tryParseCidr(text);
    if (c) out.push(c);
  }
  return out;
});

const nameKey = (r: AnyResource): string => `${r.namespace}/${r.name}`;

/** Two lists sorted by namespace/name (sortByName) merged into one; `a` first on equal keys. */
function mergeSorted<T extends AnyResource>(a: readonly T[], b: readonly T[]): T[] {
  if (b.length === 0) return [...a];
  const out: T[] = [];
  let j = 0;
  for (const x of a) {
    const k = nameKey(x);
    while (j < b.length && nameKey(b[j]!) < k) out.push(b[j++]!);
    out.push(x);
  }
  while (j < b.length) out.push(b[j++]!);
  return out;
}

const sameList = (a: readonly unknown[], b: readonly unknown[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

interface Last {
  cfg: RouterConfig;
  nodeIndex: number | undefined;
  members: Set<Vni>;
  /** How many objects of the last input hold each claim. */
  claims: Map<string, number>;
  valid: Set<Vni>;
  result: ValidationResult;
}

/** Changed objects beyond which everything is validated again (a bulk change costs a full pass anyway). */
const MAX_CHANGED = 64;

export class IncrementalValidation {
  private last: Last | undefined;
  /** Validations of everything, and of the changed objects only (tests, the bench). */
  full = 0;
  partial = 0;

  /** validateMergedSteps(staticCfg, apiCfg, opts), reusing the last result where it stands. */
  *steps(staticCfg: RouterConfig, apiCfg: RouterConfig, opts: ValidateOptions = {}): Steps<ValidationResult> {
    const cfg = concat(staticCfg, apiCfg);
    const quick = this.last ? yield* this.partialResult(this.last, cfg, opts) : undefined;
    if (quick) {
      this.partial++;
      return quick;
    }
    this.full++;
    const result = yield* validateMergedSteps(staticCfg, apiCfg, opts);
    this.remember(cfg, opts, result);
    return result;
  }

  private remember(cfg: RouterConfig, opts: ValidateOptions, result: ValidationResult): void {
    const members = new Set<Vni>([...cfg.l3vnis, ...cfg.l2vnis]);
    const claims = new Map<string, number>();
    for (const r of members) for (const k of claimsOf(r)) claims.set(k, (claims.get(k) ?? 0) + 1);
    const valid = new Set<Vni>([...result.valid.l3vnis, ...result.valid.l2vnis]);
    this.last = { cfg, nodeIndex: opts.nodeIndex, members, claims, valid, result };
  }

  /** The result from the last one and the changed objects, or undefined when everything must be validated. */
  private *partialResult(last: Last, cfg: RouterConfig, opts: ValidateOptions): Steps<ValidationResult | undefined> {
    if (last.result.fatal || opts.nodeIndex !== last.nodeIndex) return undefined;
    const prev = last.cfg;
    if (!sameList(prev.underlays, cfg.underlays) || !sameList(prev.l3passthroughs, cfg.l3passthroughs)) return undefined;
    if (!sameList(prev.rawFrrConfigs, cfg.rawFrrConfigs)) return undefined;
    const members = new Set<Vni>([...cfg.l3vnis, ...cfg.l2vnis]);
    const added = [...members].filter((r) => !last.members.has(r));
    const removed = [...last.members].filter((r) => !members.has(r));
    if (added.length + removed.length > MAX_CHANGED) return undefined;
    // The objects that stayed keep their order (validation breaks ties by input order).
    const kept = <T extends Vni>(list: readonly T[], gone: (r: T) => boolean): T[] => list.filter((r) => !gone(r));
    if (
      !sameList(
        kept(prev.l3vnis, (r) => !members.has(r)),
        kept(cfg.l3vnis, (r) => !last.members.has(r)),
      )
    )
      return undefined;
    if (
      !sameList(
        kept(prev.l2vnis, (r) => !members.has(r)),
        kept(cfg.l2vnis, (r) => !last.members.has(r)),
      )
    )
      return undefined;
    if (added.length + removed.length === 0) return last.result;
    yield; // each of these passes over every object is a few ms at 4000
    if (removed.some((r) => !last.valid.has(r))) return undefined; // its failure would have to go
    if (!this.independent(last, cfg, added, removed)) return undefined;
    yield;
    // The changed objects alone, with the underlay: they must all pass.
    const alone = validateRouterConfig(
      {
        underlays: cfg.underlays,
        l3vnis: cfg.l3vnis.filter((r) => !last.members.has(r)),
        l2vnis: cfg.l2vnis.filter((r) => !last.members.has(r)),
        l3passthroughs: [],
        rawFrrConfigs: [],
      },
      opts,
    );
    const underlayOnly = validateRouterConfig(
      { underlays: cfg.underlays, l3vnis: [], l2vnis: [], l3passthroughs: [], rawFrrConfigs: [] },
      opts,
    );
    const newL3 = added.filter((r) => r.kind === 'L3VNI').length;
    if (alone.fatal || alone.failed.length !== underlayOnly.failed.length || alone.valid.l3vnis.length !== newL3) return undefined;
    if (alone.valid.l2vnis.length !== added.length - newL3) return undefined;
    yield;
    const gone = new Set<Vni>(removed);
    const v = last.result.valid;
    const result: ValidationResult = {
      valid: {
        underlays: v.underlays,
        l3vnis: mergeSorted(
          v.l3vnis.filter((r) => !gone.has(r)),
          alone.valid.l3vnis,
        ),
        l2vnis: mergeSorted(
          v.l2vnis.filter((r) => !gone.has(r)),
          alone.valid.l2vnis,
        ),
        l3passthroughs: v.l3passthroughs,
        rawFrrConfigs: v.rawFrrConfigs,
      },
      failed: [...last.result.failed],
    };
    for (const r of removed) {
      for (const k of claimsOf(r)) last.claims.set(k, last.claims.get(k)! - 1);
      last.valid.delete(r);
    }
    for (const r of added) {
      for (const k of claimsOf(r)) last.claims.set(k, (last.claims.get(k) ?? 0) + 1);
      last.valid.add(r);
    }
    this.last = { ...last, cfg, members, result };
    return result;
  }

  /** No changed object shares a claim or an overlapping host-session CIDR with an object that stayed. */
  private independent(last: Last, cfg: RouterConfig, added: Vni[], removed: Vni[]): boolean {
    const changedClaims = new Map<string, number>();
    for (const r of removed) for (const k of claimsOf(r)) changedClaims.set(k, (changedClaims.get(k) ?? 0) + 1);
    // Objects that stayed holding k: the last input's holders minus the removed ones.
    for (const [k, n] of changedClaims) if ((last.claims.get(k) ?? 0) - n > 0) return false;
    const removedClaims = changedClaims;
    for (const r of added) for (const k of claimsOf(r)) if ((last.claims.get(k) ?? 0) - (removedClaims.get(k) ?? 0) > 0) return false;
    const cidrs = [...added, ...removed].filter((r) => r.kind === 'L3VNI').flatMap((r) => sessionCidrsOf(r));
    if (cidrs.length === 0) return true;
    const changed = new Set<AnyResource>([...added, ...removed]);
    const stayed: AnyResource[] = [...cfg.l3vnis.filter((r) => !changed.has(r)), ...cfg.l3passthroughs];
    return !stayed.some((r) => sessionCidrsOf(r).some((c) => cidrs.some((d) => overlaps(c, d))));
  }
}

/** The same as validateMerged, for tests: one IncrementalValidation drained at once. */
export function validateIncrementally(
  v: IncrementalValidation,
  staticCfg: RouterConfig,
  apiCfg: RouterConfig,
  opts: ValidateOptions = {},
): ValidationResult {
  return runSync(v.steps(staticCfg, apiCfg, opts));
}
