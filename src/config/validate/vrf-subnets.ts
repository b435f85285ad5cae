// Step: no overlapping subnets inside a VRF (the L3VNI's host session and the gateways of
// the L2VNIs attached to it). Subnets are claimed in validation order: an API object that
// overlaps an earlier subnet fails alone; an overlap between static objects rejects every
// VNI of that VRF, as upstream does.

import type { L2VNIResource, L3VNIResource } from '../model.js';
import { type Cidr, type Family, formatNetwork, tryParseCidr } from '../../net/ipnet.js';
import { PrefixSet } from '../../net/prefix-set.js';
import { eachInChunks, filterInChunks, type Steps } from '../../util/steps.js';
import { perObject } from '../../util/memo.js';
import { type AnyResource, fail, isStatic, label, lose, type State } from './state.js';

interface Subnet {
  c: Cidr;
  text: string;
  what: 'gateway' | 'host-session cidr';
}

function firstOfFamily(cidrs: readonly string[], fam: Family): { c: Cidr; text: string } | undefined {
  for (const text of cidrs) {
    const c = tryParseCidr(text);
    if (c && c.family === fam) return { c, text };
  }
  return undefined;
}

/** The subnets an object claims in its VRF, kept per object (src/util/memo.ts). */
const subnetsOf = perObject(subnetsOfObject);

function subnetsOfObject(r: L3VNIResource | L2VNIResource): Subnet[] {
  const out: Subnet[] = [];
  if (r.kind === 'L3VNI') {
    for (const text of [r.spec.hostSession?.localCIDR?.ipv4, r.spec.hostSession?.localCIDR?.ipv6]) {
      const c = text === undefined ? undefined : tryParseCidr(text);
      if (c && text !== undefined) out.push({ c, text, what: 'host-session cidr' });
    }
  } else {
    for (const fam of [4, 6] as const) {
      const g = firstOfFamily(r.spec.gatewayIPs ?? [], fam);
      if (g) out.push({ ...g, what: 'gateway' });
    }
  }
  return out;
}

export function* vrfSubnetsStep(st: State): Steps<void> {
  const vrfOfL3 = new Map(st.l3.map((v) => [v.name, v.spec.vrf] as const));
  const vrfOf = (r: L3VNIResource | L2VNIResource): string | undefined =>
    r.kind === 'L3VNI' ? r.spec.vrf : vrfOfL3.get(r.spec.routingDomain?.l3vni?.name ?? '');
  const perVrf = new Map<string, PrefixSet<AnyResource>>();
  const failedVrfs = new Map<string, string>();
  const lost = new Set<AnyResource>();
  const order = [
    ...st.l3.filter(isStatic),
    ...st.l2.filter(isStatic),
    ...st.l3.filter((r) => !isStatic(r)),
    ...st.l2.filter((r) => !isStatic(r)),
  ];
  yield* eachInChunks(order, (r) => {
    const vrf = vrfOf(r);
    if (vrf === undefined) return;
    let taken = perVrf.get(vrf);
    if (!taken) perVrf.set(vrf, (taken = new PrefixSet()));
    const subnets = subnetsOf(r);
    const clash = subnets.map((s) => ({ s, hit: taken.find(s.c) })).find((x) => x.hit);
    if (!clash?.hit) {
      for (const s of subnets) taken.add(s.c, r);
      return;
    }
    const { s, hit } = clash;
    const why = `subnet overlap in VRF "${vrf}": ${s.what} ${s.text} overlaps ${formatNetwork(hit.cidr)}`;
    if (!isStatic(r)) {
      lose(st, r, hit.value, why, `${why} of ${label(hit.value)}`);
      lost.add(r);
    } else if (!failedVrfs.has(vrf)) {
      const mine = `${formatNetwork(s.c)} (${r.kind} ${r.namespace}/${r.name})`;
      const theirs = `${formatNetwork(hit.cidr)} (${hit.value.kind} ${hit.value.namespace}/${hit.value.name})`;
      failedVrfs.set(vrf, `subnet overlap in VRF "${vrf}": ${mine} overlaps with ${theirs}`);
    }
  });
  const keep = (r: L3VNIResource | L2VNIResource): boolean => {
    const vrf = vrfOf(r);
    const m = vrf === undefined ? undefined : failedVrfs.get(vrf);
    if (m) fail(st, r, 'ValidationFailed', m);
    return !m && !lost.has(r);
  };
  st.l3 = yield* filterInChunks(st.l3, keep);
  st.l2 = yield* filterInChunks(st.l2, keep);
}
