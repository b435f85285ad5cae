// What the validation steps share: the resources still standing, in validation order, and
// the failures so far. Precedence is the order: static objects first (by namespace/name),
// then API objects oldest first (metadata.creationTimestamp, then namespace/name); on a
// conflict the earlier object wins. So an object created later can never take the place of
// one that was already applied, whatever its name: the newcomer is the one that fails.
//
// One rule settles conflicts: an API object that conflicts with an earlier object fails
// alone (it is named in failedResources; the rest keeps being applied). Conflicts the
// static files make among themselves are settled as upstream does (a VRF with overlapping
// subnets is rejected whole, overlapping host sessions reject everything), since the files
// are one document whose author must fix it. A static object that a step drops still holds
// its claims against API objects: the outcome depends on what the files say, never on the
// order in which objects were created.

import type {
  FailedResource,
  FailureReason,
  L2VNIResource,
  L3PassthroughResource,
  L3VNIResource,
  RawFRRConfigResource,
  Resource,
  ResourceKind,
  UnderlayResource,
} from '../model.js';

export type AnyResource = Resource<ResourceKind, unknown>;

export interface ValidateOptions {
  /** When known, also check that every CIDR has room for this node's addresses. */
  nodeIndex?: number;
}

export interface Fatal {
  message: string;
  failed: FailedResource[];
}

export interface State {
  opts: ValidateOptions;
  /** The underlay that applies (set by the underlay step). */
  underlay?: UnderlayResource;
  underlays: UnderlayResource[];
  l3: L3VNIResource[];
  l2: L2VNIResource[];
  pt: L3PassthroughResource[];
  raw: RawFRRConfigResource[];
  /** Static objects dropped by a step: they keep their claims against API objects. */
  dropped: AnyResource[];
  failed: FailedResource[];
  /** API objects that lost a conflict to a static object. */
  lostToStatic: Array<{ r: AnyResource; failure: FailedResource }>;
  fatal?: Fatal;
}

export function isStatic(r: AnyResource): boolean {
  return r.origin.source === 'static';
}

/** Sorted copy by `namespace/name` (byte order for ASCII names, like Go); stable. */
export function sortByName<T extends { namespace: string; name: string }>(items: readonly T[]): T[] {
  const key = (x: T): string => `${x.namespace}/${x.name}`;
  return items
    .map((item, i) => ({ item, i, k: key(item) }))
    .sort((a, b) => (a.k < b.k ? -1 : a.k > b.k ? 1 : a.i - b.i))
    .map((x) => x.item);
}

/** Milliseconds since the epoch of an API object's creation; objects without one rank last. */
function createdAt(r: AnyResource): number {
  const ts = r.origin.source === 'api' ? r.origin.creationTimestamp : undefined;
  const t = ts === undefined ? NaN : Date.parse(ts);
  return Number.isNaN(t) ? Infinity : t;
}

/** Sorted copy, oldest first (creationTimestamp), then by namespace/name; stable. */
export function sortByAge<T extends AnyResource>(items: readonly T[]): T[] {
  const byName = sortByName(items);
  const rank = new Map(byName.map((r, i) => [r, i]));
  return byName
    .map((r) => ({ r, t: createdAt(r) }))
    .sort((a, b) => (a.t === b.t ? (rank.get(a.r) ?? 0) - (rank.get(b.r) ?? 0) : a.t < b.t ? -1 : 1))
    .map((x) => x.r);
}

/** Validation order: static objects first (by namespace/name), then API objects oldest first. */
export function inValidationOrder<T extends AnyResource>(items: readonly T[]): T[] {
  return [...sortByName(items.filter(isStatic)), ...sortByAge(items.filter((r) => !isStatic(r)))];
}

export function label(r: AnyResource): string {
  return `${r.kind} ${r.namespace}/${r.name}`;
}

export function failure(r: AnyResource, reason: FailureReason, message: string): FailedResource {
  const f: FailedResource = { kind: r.kind, name: r.name, reason, message };
  if (r.origin.source === 'static') f.location = r.origin.location;
  return f;
}

/** Records a failure of `r` (the caller removes it from its list). */
export function fail(st: State, r: AnyResource, reason: FailureReason, message: string): void {
  st.failed.push(failure(r, reason, message));
  if (isStatic(r)) st.dropped.push(r);
}

/**
 * `loser` conflicts with the earlier `winner`. Against a static winner, an API object is
 * told that the static configuration wins (`why` names the conflict); otherwise `message`.
 */
export function lose(st: State, loser: AnyResource, winner: AnyResource, why: string, message: string): void {
  if (isStatic(winner) && !isStatic(loser)) {
    const f = failure(loser, 'ValidationFailed', `${why}: conflicts with static ${label(winner)}, the static configuration wins`);
    st.failed.push(f);
    st.lostToStatic.push({ r: loser, failure: f });
  } else fail(st, loser, 'ValidationFailed', message);
}

/** Keys taken by earlier objects; dropped static objects hold theirs against API objects only. */
export class Claims<K> {
  private readonly live = new Map<K, AnyResource>();
  private readonly reserved = new Map<K, AnyResource>();

  /** The earlier object holding `key` against `r`, if any. */
  holder(key: K, r: AnyResource): AnyResource | undefined {
    return this.live.get(key) ?? (isStatic(r) ? undefined : this.reserved.get(key));
  }

  take(key: K, r: AnyResource): void {
    if (!this.live.has(key)) this.live.set(key, r);
  }

  reserve(key: K, r: AnyResource): void {
    if (!this.reserved.has(key)) this.reserved.set(key, r);
  }
}

/** The dropped static objects of one kind. */
export function droppedOf<T extends AnyResource>(st: State, kind: T['kind']): T[] {
  return st.dropped.filter((r): r is T => r.kind === kind);
}
