// Trust in the last clean apply, and with it the choice between the two kernel
// reconciles: full (dump both namespaces, diff everything) and scoped (look up and
// diff only what the plan change touches, kernel-scope.ts). The scoped one runs
// only while the last apply was clean and nothing since may have changed the
// kernel behind it; the daemon asks for full at start, resync, FRR restart and
// retries, so drift anywhere is still found within one resync.
import type { KernelPlan } from '../plan/kernel-plan.js';
import { runAsync } from '../util/steps.js';
import { applyKernel, isRemoval, kernelChanges, type ApplyReport, type Dataplane, type KernelChanges } from './dataplane.js';
import { diffKernelSteps, type DataplaneOp } from './diff.js';
import {
  fullObservationReason,
  indexDesired,
  scopeSteps,
  vrfTablesAfter,
  vrfTablesOf,
  vrfTablesSeen,
  type AppliedKernel,
  type DesiredIndex,
  type KernelScope,
} from './kernel-scope.js';
import { hostVethsWithUnseenPeerSteps, missingUnderlayNics } from './unfixable.js';

export interface TrackedChanges extends KernelChanges {
  /** How the kernel was looked at, and why not scoped when it was not. */
  how: { scope: 'full'; why: string } | { scope: 'scoped'; links: number };
  /** Call once both phases applied without an error: the kernel now matches the plan. */
  applied(): void;
}

export class KernelTracker {
  private trusted: { applied: AppliedKernel; namespace: number | undefined } | undefined;
  /** Bumped by distrust(): an apply that began before cannot restore trust. */
  private generation = 0;

  constructor(private readonly dp: Dataplane) {}

  /** Something may have changed the kernel behind the last apply: the next reconcile looks at it all. */
  distrust(): void {
    this.trusted = undefined;
    this.generation++;
  }

  async changes(plan: KernelPlan, opts: { full?: boolean } = {}): Promise<TrackedChanges> {
    const trusted = this.trusted;
    this.trusted = undefined; // trusted again only once these changes are applied cleanly
    const generation = this.generation;
    const namespace = this.dp.routerNamespaceId();
    let why = fullObservationReason({
      applied: trusted?.applied,
      askedFull: opts.full ?? false,
      trustedNamespace: trusted?.namespace,
      namespaceNow: namespace,
    });
    if (why === undefined && trusted) {
      const d = await runAsync(scopeSteps(trusted.applied, plan));
      if (d.kind === 'scoped') {
        const c = await scopedChanges(this.dp, plan, d.scope);
        // Either is a reason to look at everything: the full path finds them all for the status.
        if (c.missingNics.length === 0 && c.heldVeths.length === 0) {
          const tables = vrfTablesSeen(trusted.applied.vrfTables, d.scope.fetch.router, c.observed.router.links);
          return this.tracked(
            c,
            { plan, index: d.scope.index, vrfTables: tables },
            { scope: 'scoped', links: d.scope.links.length },
            namespace,
            generation,
          );
        }
        why = 'an underlay NIC missing or a host veth held';
      } else why = d.why;
    }
    const c = await kernelChanges(this.dp, plan);
    const desired: DesiredIndex = await runAsync(indexDesired(plan));
    const before = { plan, index: () => desired, vrfTables: vrfTablesOf(c.observed.router.links) };
    return this.tracked(c, before, { scope: 'full', why: why ?? 'asked for' }, namespace, generation);
  }

  /** `before`: the plan, its index when applied, and the VRF tables before the ops. */
  private tracked(
    c: KernelChanges,
    before: { plan: KernelPlan; index: () => DesiredIndex; vrfTables: Map<string, number> },
    how: TrackedChanges['how'],
    namespace: number | undefined,
    generation: number,
  ): TrackedChanges {
    return {
      ...c,
      how,
      applied: () => {
        if (generation !== this.generation) return;
        const vrfTables = vrfTablesAfter(before.vrfTables, [...c.additions, ...c.removals]);
        this.trusted = { applied: { plan: before.plan, desired: before.index(), vrfTables }, namespace };
      },
    };
  }
}

/** The scoped reconcile's changes: what `scope` names looked up, and the diff of its links. */
async function scopedChanges(dp: Dataplane, plan: KernelPlan, scope: KernelScope): Promise<KernelChanges> {
  const observed = await dp.observeLinks(scope.fetch);
  // Sysctls, NICs and loopback addresses are the same as applied (else the scope would be full).
  const part: KernelPlan = { ...plan, links: scope.links, sysctls: [] };
  const ops: DataplaneOp[] = await runAsync(diffKernelSteps(part, observed, scope));
  const heldVeths = await runAsync(hostVethsWithUnseenPeerSteps(observed));
  return {
    observed,
    additions: ops.filter((o) => !isRemoval(o)),
    removals: ops.filter(isRemoval),
    missingNics: missingUnderlayNics(plan, observed),
    heldVeths,
  };
}

/** Tracked changes, applied whole (tests, benchmarks): the reconcile the daemon runs, in one step. */
export async function reconcileTracked(
  dp: Dataplane,
  tracker: KernelTracker,
  plan: KernelPlan,
  opts: { full?: boolean } = {},
): Promise<ApplyReport & { how: TrackedChanges['how'] }> {
  const c = await tracker.changes(plan, opts);
  const r = await applyKernel(dp, [...c.additions, ...c.removals], c.observed);
  if (r.errors.length === 0) c.applied();
  return { ...r, missingNics: c.missingNics, how: c.how };
}
