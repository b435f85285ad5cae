// The VTEP dependency of an overlay, in one place: which local VTEP a VNI uses (the family
// it asks for, else IPv4, else IPv6) and why it has none. Validation drops a VNI whose
// dependency is missing; the planner picks the address with the same rule.

import type { UnderlaySpec } from './model.js';
import { type Family, tryParseCidr } from '../net/ipnet.js';

export type UnderlayAddressFamily = 'IPv4' | 'IPv6' | undefined;

/** The VTEP an overlay uses among those the node has: the requested family, else IPv4, else IPv6. */
export function pickVtep<T>(vteps: { v4?: T | undefined; v6?: T | undefined }, requested: UnderlayAddressFamily): T | undefined {
  if (requested === 'IPv6') return vteps.v6;
  if (requested === 'IPv4') return vteps.v4;
  return vteps.v4 ?? vteps.v6;
}

/** Families of the VTEPs an underlay provides. */
export function vtepFamilies(u: UnderlaySpec | undefined): Set<Family> {
  const out = new Set<Family>();
  for (const c of u?.tunnelEndpoint?.cidrs ?? []) {
    const p = tryParseCidr(c);
    if (p) out.add(p.family);
  }
  return out;
}

/** Why an overlay of `kind` cannot get a VTEP from this underlay, or undefined when it can. */
export function vtepDependencyError(
  kind: 'L3VNI' | 'L2VNI',
  requested: UnderlayAddressFamily,
  u: UnderlaySpec | undefined,
): string | undefined {
  if (!u) return `no underlay configured on this node: an ${kind} needs the underlay's tunnelEndpoint`;
  if (!u.tunnelEndpoint) return `underlay tunnel endpoint configuration is required when ${kind}s are defined`;
  const fams = vtepFamilies(u);
  if (pickVtep({ v4: fams.has(4) || undefined, v6: fams.has(6) || undefined }, requested)) return undefined;
  if (requested === undefined) return `underlay tunnel endpoint configuration is required when ${kind}s are defined`;
  return `underlayAddressFamily is ${requested} but the underlay has no ${requested} tunnelEndpoint CIDR`;
}
