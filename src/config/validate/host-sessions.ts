// Step: host-session CIDRs (L3VNIs and the passthrough) must not overlap anywhere on the
// node: they all end up in the host's routing table. Claimed in validation order: an API
// object that overlaps an earlier session fails alone; an overlap between static objects
// rejects everything (fatal), as upstream does. O(n): one prefix-set look-up per CIDR.

import type { HostSession, L3PassthroughResource, L3VNIResource } from '../model.js';
import { tryParseCidr } from '../../net/ipnet.js';
import { PrefixSet } from '../../net/prefix-set.js';
import { CHUNK, type Steps } from '../../util/steps.js';
import { perObject } from '../../util/memo.js';
import { type AnyResource, droppedOf, failure, isStatic, lose, type State } from './state.js';

type WithSession = L3VNIResource | L3PassthroughResource;

function session(r: WithSession): HostSession | undefined {
  return r.spec.hostSession;
}

/** The host-session CIDRs of an object, kept per object (src/util/memo.ts). */
const cidrsOf = perObject(cidrsOfObject);

function cidrsOfObject(r: WithSession): Array<{ text: string; c: NonNullable<ReturnType<typeof tryParseCidr>> }> {
  const lc = session(r)?.localCIDR;
  const out = [];
  for (const text of [lc?.ipv4, lc?.ipv6]) {
    const c = text === undefined ? undefined : tryParseCidr(text);
    if (c && text !== undefined) out.push({ text, c });
  }
  return out;
}

function shortLabel(r: AnyResource): string {
  return `${r.kind.toLowerCase()} ${r.name}`;
}

export function* hostSessionsStep(st: State): Steps<void> {
  const live = new PrefixSet<{ r: AnyResource; text: string }>();
  const reserved = new PrefixSet<{ r: AnyResource; text: string }>();
  for (const r of [...droppedOf<L3VNIResource>(st, 'L3VNI'), ...droppedOf<L3PassthroughResource>(st, 'L3Passthrough')]) {
    for (const x of cidrsOf(r)) if (!reserved.find(x.c)) reserved.add(x.c, { r, text: x.text });
  }
  const order: WithSession[] = [...st.l3.filter(isStatic), ...st.pt.filter(isStatic)];
  order.push(...st.l3.filter((r) => !isStatic(r)), ...st.pt.filter((r) => !isStatic(r)));
  const lost = new Set<AnyResource>();
  let n = 0;
  for (const r of order) {
    if (++n % CHUNK === 0) yield;
    const cidrs = cidrsOf(r);
    const clash = cidrs.map((x) => ({ x, hit: live.find(x.c) ?? (isStatic(r) ? undefined : reserved.find(x.c)) })).find((y) => y.hit);
    if (!clash?.hit) {
      for (const x of cidrs) live.add(x.c, { r, text: x.text });
      continue;
    }
    const w = clash.hit.value;
    const message = `overlapping host-session cidrs ${w.text} - ${clash.x.text} for ${shortLabel(w.r)} - ${shortLabel(r)}`;
    if (isStatic(r)) {
      st.fatal = { message, failed: [failure(w.r, 'ValidationFailed', message), failure(r, 'ValidationFailed', message)] };
      return;
    }
    lose(st, r, w.r, `host-session cidr ${clash.x.text} overlaps`, message);
    lost.add(r);
  }
  st.l3 = st.l3.filter((v) => !lost.has(v));
  st.pt = st.pt.filter((p) => !lost.has(p));
}
