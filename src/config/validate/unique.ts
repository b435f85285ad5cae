// Steps: what must be unique on a node (object names against static ones, VNIs, one L3VNI
// per VRF) and the L2VNI routing-domain references. The earlier object in validation order
// wins (see state.ts).

import type { L2VNIResource, L3VNIResource } from '../model.js';
import { NOT_SUPPORTED } from '../spec/index.js';
import { eachInChunks, filterInChunks, type Steps } from '../../util/steps.js';
import { type AnyResource, Claims, droppedOf, fail, isStatic, lose, type State } from './state.js';

/** An API object with the kind and namespace/name of a static object loses to it. */
export function* namesStep(st: State): Steps<void> {
  const claims = new Claims<string>();
  const key = (r: AnyResource): string => `${r.kind}|${r.namespace}/${r.name}`;
  const lists = [st.l3, st.l2, st.pt, st.raw] as const;
  for (const list of lists) yield* eachInChunks(list as readonly AnyResource[], (r) => isStatic(r) && claims.take(key(r), r));
  const keep = <T extends AnyResource>(list: T[]): Steps<T[]> =>
    filterInChunks(list, (r) => {
      const holder = isStatic(r) ? undefined : claims.holder(key(r), r);
      if (holder) lose(st, r, holder, 'same name as a static object', 'same name as a static object');
      return !holder;
    });
  st.l3 = yield* keep(st.l3);
  st.l2 = yield* keep(st.l2);
  st.pt = yield* keep(st.pt);
  st.raw = yield* keep(st.raw);
}

/** VNIs are unique across L3VNIs and L2VNIs: static L3VNIs, static L2VNIs, then the API's. */
export function* vnisStep(st: State): Steps<void> {
  const claims = new Claims<number>();
  for (const r of [...droppedOf<L3VNIResource>(st, 'L3VNI'), ...droppedOf<L2VNIResource>(st, 'L2VNI')]) claims.reserve(r.spec.vni, r);
  const order: Array<L3VNIResource | L2VNIResource> = [
    ...st.l3.filter(isStatic),
    ...st.l2.filter(isStatic),
    ...st.l3.filter((r) => !isStatic(r)),
    ...st.l2.filter((r) => !isStatic(r)),
  ];
  const lost = new Set<AnyResource>();
  yield* eachInChunks(order, (v) => {
    const holder = claims.holder(v.spec.vni, v);
    if (holder) {
      const why = `duplicate vni ${v.spec.vni}`;
      lose(st, v, holder, why, `${why}: already used by ${holder.kind}/${holder.name}`);
      lost.add(v);
    } else claims.take(v.spec.vni, v);
  });
  st.l3 = st.l3.filter((v) => !lost.has(v));
  st.l2 = st.l2.filter((v) => !lost.has(v));
}

/** One L3VNI per VRF. */
export function* vrfsStep(st: State): Steps<void> {
  const claims = new Claims<string>();
  for (const r of droppedOf<L3VNIResource>(st, 'L3VNI')) claims.reserve(r.spec.vrf, r);
  st.l3 = yield* filterInChunks(st.l3, (v) => {
    const holder = claims.holder(v.spec.vrf, v);
    if (holder) {
      const plain = `more than one L3VNI detected in VRF "${v.spec.vrf}": "${holder.namespace}/${holder.name}" already exists`;
      lose(st, v, holder, `more than one L3VNI in VRF "${v.spec.vrf}"`, plain);
    } else claims.take(v.spec.vrf, v);
    return !holder;
  });
}

/** L2VNI routing domains must name a still-valid L3VNI (by name, whatever the namespace, like upstream). */
export function* routingDomainsStep(st: State): Steps<void> {
  const l3ByName = new Set(st.l3.map((v) => v.name));
  st.l2 = yield* filterInChunks(st.l2, (v) => {
    const rd = v.spec.routingDomain;
    if (!rd) return true;
    if (rd.type === 'L3VPN' || rd.l3vpn) {
      fail(st, v, 'DependencyFailed', `referenced L3VPN "${rd.l3vpn?.name ?? ''}" not found (L3VPN is ${NOT_SUPPORTED})`);
      return false;
    }
    const ref = rd.l3vni?.name ?? '';
    if (!l3ByName.has(ref)) fail(st, v, 'DependencyFailed', `referenced L3VNI "${ref}" not found`);
    return l3ByName.has(ref);
  });
}
