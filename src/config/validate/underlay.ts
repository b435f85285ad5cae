// Step: the underlay. One per node; any problem in it makes the whole configuration
// unusable (fatal: nothing is applied, what runs stays), since every overlay depends on it.
// An API underlay next to a static one loses alone.

import type { FailedResource, UnderlayResource, UnderlaySpec } from '../model.js';
import { cidrListError, interfaceNameError, unsupportedIssues } from '../spec/index.js';
import { canonicalIP, tryParseCidr } from '../../net/ipnet.js';
import { routerID, vtepIP } from '../../net/ipam.js';
import { isReservedLinkName } from '../../net/names.js';
import { PrefixSet } from '../../net/prefix-set.js';
import { failure, isStatic, lose, type State, type ValidateOptions } from './state.js';

function neighborErrors(s: UnderlaySpec): string[] {
  const msgs: string[] = [];
  const addresses = new Set<string>();
  const ifaces = new Set<string>();
  const ranges: Array<{ text: string; c: NonNullable<ReturnType<typeof tryParseCidr>> }> = [];
  for (const n of s.neighbors ?? []) {
    if (n.address !== undefined) {
      const a = canonicalIP(n.address);
      if (addresses.has(a)) msgs.push(`has duplicate neighbor address ${n.address}`);
      addresses.add(a);
    }
    if (n.interface !== undefined) {
      if (ifaces.has(n.interface)) msgs.push(`has duplicate neighbor interface ${n.interface}: only one peer is allowed per interface`);
      ifaces.add(n.interface);
    }
    if (n.listenRange !== undefined) {
      const c = tryParseCidr(n.listenRange);
      if (!c) msgs.push(`invalid listenRange ${n.listenRange}`);
      else ranges.push({ text: n.listenRange, c });
    }
  }
  // Wider ranges first, so a range is reported against the range that contains it.
  ranges.sort((a, b) => (a.c.network < b.c.network ? -1 : a.c.network > b.c.network ? 1 : a.c.prefixLen - b.c.prefixLen));
  const taken = new PrefixSet<string>();
  for (const r of ranges) {
    const hit = taken.find(r.c);
    if (hit) msgs.push(`listenRange ${r.text} overlaps with listenRange ${hit.value}`);
    else taken.add(r.c, r.text);
  }
  return msgs;
}

function interfaceErrors(s: UnderlaySpec): string[] {
  const msgs: string[] = [];
  const kinds = new Set((s.interfaces ?? []).map((i) => i.type));
  if (kinds.size > 1) msgs.push('all interfaces must be of the same type');
  const names = new Set<string>();
  for (const itf of s.interfaces ?? []) {
    if (itf.type === 'CNIDevice') continue; // rejected as unsupported
    const name = itf.networkDevice?.interfaceName ?? '';
    const err =
      interfaceNameError(name) ?? (isReservedLinkName(name) ? `interface "${name}" is reserved for perouterd's own interfaces` : undefined);
    if (err) msgs.push(err);
    else if (names.has(name)) msgs.push(`duplicate interface name ${name}`);
    names.add(name);
  }
  return msgs;
}

function addressingErrors(s: UnderlaySpec, opts: ValidateOptions): string[] {
  const msgs: string[] = [];
  if (s.tunnelEndpoint) {
    const cidrs = s.tunnelEndpoint.cidrs ?? [];
    const e = cidrListError(cidrs, 'tunnelEndpoint.cidrs');
    if (cidrs.length === 0) msgs.push('tunnelEndpoint.cidrs must not be empty');
    else if (cidrs.length > 2) msgs.push('tunnelEndpoint.cidrs can have at most 2 entries');
    else if (e) msgs.push(e.message);
    else if (opts.nodeIndex !== undefined) {
      for (const c of cidrs) {
        try {
          vtepIP(c, opts.nodeIndex);
        } catch {
          msgs.push(`tunnelEndpoint cidr ${c} has no room for node index ${opts.nodeIndex}`);
        }
      }
    }
  }
  const rid = tryParseCidr(s.routerIDCIDR ?? '10.0.0.0/24');
  if (!rid || rid.family !== 4) msgs.push(`routerIDCIDR ${s.routerIDCIDR} must be an IPv4 CIDR`);
  else if (opts.nodeIndex !== undefined) {
    try {
      routerID(s.routerIDCIDR, opts.nodeIndex);
    } catch {
      msgs.push(`routerIDCIDR ${s.routerIDCIDR} has no room for node index ${opts.nodeIndex}`);
    }
  }
  return msgs;
}

/** Checks of the underlays that apply; any failure makes the whole configuration unusable. */
export function validateUnderlays(underlays: readonly UnderlayResource[], opts: ValidateOptions = {}): FailedResource[] {
  const u = underlays[0];
  if (!u) return [];
  if (underlays.length > 1) {
    const where = (x: UnderlayResource): string =>
      x.origin.source === 'static' ? `${x.name} at ${x.origin.location.file}:${x.origin.location.line}` : x.name;
    const names = underlays.map(where).join(', ');
    return [failure(u, 'ValidationFailed', `can't have more than one underlay per node (found ${underlays.length}: ${names})`)];
  }
  const s = u.spec;
  const msgs: string[] = [];
  if (!s.asn) msgs.push('must have a valid ASN');
  if (!s.neighbors || s.neighbors.length === 0) msgs.push('must have at least one neighbor configured');
  msgs.push(...neighborErrors(s), ...interfaceErrors(s), ...addressingErrors(s, opts));
  msgs.push(...unsupportedIssues('Underlay', s).map((i) => i.message));
  return msgs.map((m) => failure(u, 'ValidationFailed', m));
}

/** Step: an API underlay next to a static one loses alone. */
export function underlayConflictsStep(st: State): void {
  const statics = st.underlays.filter(isStatic);
  const winner = statics[0];
  if (!winner) return;
  const why = "can't have more than one underlay per node";
  for (const u of st.underlays.filter((x) => !isStatic(x))) lose(st, u, winner, why, why);
  st.underlays = statics;
}

/** Step: the underlay that applies is checked; any problem is fatal. */
export function underlayStep(st: State): void {
  const failures = validateUnderlays(st.underlays, st.opts);
  if (failures.length > 0) {
    st.fatal = { message: `underlay failed validation, nothing applied: ${failures.map((f) => f.message).join('; ')}`, failed: failures };
    return;
  }
  st.underlay = st.underlays[0];
}
