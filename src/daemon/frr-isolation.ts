// Failures stay local: an API RawFRRConfig whose blocks are unbalanced, or that FRR's parser
// rejects, is dropped alone and named with FRR's message; the rest of the configuration is
// still applied. Static files are the operator's own: if FRR rejects what remains without
// any API RawFRRConfig, nothing changes (as before).
import type { FailedResource, RawFRRConfigResource, RouterConfig } from '../config/model.js';
import { rawBlockProblem } from '../plan/raw-frr.js';
import type { DesiredState } from './desired-state.js';
import type { FrrPort, SourcesPort } from './ports.js';

export type IsolationResult =
  { ok: true; desired: DesiredState; rejected: FailedResource[] } | { ok: false; error: string; rejected: FailedResource[] };

function failure(r: RawFRRConfigResource, message: string): FailedResource {
  const f: FailedResource = { kind: 'RawFRRConfig', name: r.name, reason: 'FrrConfigurationFailed', message };
  if (r.origin.source === 'static' && r.origin.location) f.location = r.origin.location;
  return f;
}

/** FRR's check on `desired`; when it fails, finds the API RawFRRConfigs responsible. */
export async function checkIsolatingRawFrr(
  frr: Pick<FrrPort, 'check'>,
  sources: Pick<SourcesPort, 'build'>,
  desired: DesiredState,
  apiConfig: RouterConfig | undefined,
): Promise<IsolationResult> {
  const apiRaws = apiConfig?.rawFrrConfigs ?? [];
  const rejected: FailedResource[] = [];
  const withRaws = async (raws: RawFRRConfigResource[]): Promise<DesiredState | undefined> => {
    const b = await sources.build({ ...(apiConfig as RouterConfig), rawFrrConfigs: raws });
    return b.ok ? b.desired : undefined;
  };
  let candidates = apiRaws;
  let current: DesiredState | undefined = desired;
  const balanced = apiRaws.filter((r) => {
    const p = rawBlockProblem(r.spec.rawConfig);
    if (p) rejected.push(failure(r, `blocks are unbalanced: ${p}`));
    return !p;
  });
  if (balanced.length !== apiRaws.length) {
    candidates = balanced;
    current = await withRaws(balanced);
  }
  const err = current
    ? await frr.check(current.frrConfig, current.frrTree)
    : 'configuration does not build without the rejected RawFRRConfigs';
  if (err === undefined && current) return { ok: true, desired: current, rejected };
  if (candidates.length === 0) return { ok: false, error: err ?? 'rejected', rejected };

  // Without any API RawFRRConfig: if FRR still rejects it, the static side is at fault.
  const base = await withRaws([]);
  const baseErr = base ? await frr.check(base.frrConfig, base.frrTree) : 'configuration does not build without API RawFRRConfigs';
  if (baseErr !== undefined || !base) return { ok: false, error: baseErr ?? 'rejected', rejected };
  const keep: RawFRRConfigResource[] = [];
  for (const r of candidates) {
    const one = await withRaws([r]);
    const e = one ? await frr.check(one.frrConfig, one.frrTree) : 'does not build';
    if (e === undefined) keep.push(r);
    else rejected.push(failure(r, `FRR rejects it: ${e}`));
  }
  const final = keep.length > 0 ? await withRaws(keep) : base;
  const finalErr = final && keep.length > 0 ? await frr.check(final.frrConfig, final.frrTree) : undefined;
  if (final && finalErr === undefined) return { ok: true, desired: final, rejected };
  // Each is accepted alone but not together: none of them is applied.
  for (const r of keep) rejected.push(failure(r, `FRR rejects it together with other RawFRRConfigs: ${finalErr}`));
  return { ok: true, desired: base, rejected };
}
