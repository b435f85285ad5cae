// Where traffic from a host address enters the router: which VRF, and why. Pure: from the
// desired plan alone (the subnets each overlay hands to the host are the plan's).
import { cidrContains, tryParseIP } from '../net/ipnet.js';
import { names } from '../net/names.js';
import type { HostSessionPlan, RouterPlan } from '../plan/router-plan.js';

/** The router namespace's own routing table (underlay, passthrough), as FRR names it. */
export const DEFAULT_VRF = 'default';

export interface Ingress {
  /** VRF name, or DEFAULT_VRF for the underlay table (passthrough). */
  vrf: string;
  /** L3VNI of that VRF, when it has one. */
  vni?: number;
  /** Why the traffic lands there, in words. */
  why: string;
  /** Host-side and router-side links the traffic crosses, when known. */
  hostLink?: string;
  routerLink?: string;
}

const sessionCidrs = (s: HostSessionPlan | undefined): Array<{ host: string; pe: string }> =>
  s ? [s.ipv4, s.ipv6].filter((a): a is NonNullable<typeof a> => a !== undefined) : [];

/** The subnet of `cidrs` holding `ip` (as the plan spells it), if any. */
function holding(ip: string, cidrs: string[]): string | undefined {
  return cidrs.find((c) => {
    try {
      return cidrContains(c, ip);
    } catch {
      return false;
    }
  });
}

/** The VRF of the L3VNI named `vrf`, for `--vrf`. */
export function ingressOfVrf(plan: RouterPlan, vrf: string): Ingress | undefined {
  if (vrf === DEFAULT_VRF) return { vrf, why: '--vrf default: the router namespace’s own table (underlay, passthrough)' };
  const l3 = plan.l3vnis.find((l) => l.vrf === vrf);
  if (l3) return { vrf, vni: l3.vni, why: `--vrf ${vrf}: the VRF of L3VNI ${l3.name} (VNI ${l3.vni})` };
  const l2 = plan.l2vnis.find((l) => l.vrf === vrf);
  if (l2) return { vrf, why: `--vrf ${vrf}: the routing domain of L2VNI ${l2.name} (VNI ${l2.vni})` };
  return undefined;
}

/** Which VRF traffic from host address `from` lands in, or undefined when no overlay of this node holds it. */
export function ingressOfSource(plan: RouterPlan, from: string): Ingress | undefined {
  if (!tryParseIP(from)) return undefined;
  for (const l3 of plan.l3vnis) {
    const s = sessionCidrs(l3.hostSession).find((a) => holding(from, [a.host]));
    if (s)
      return {
        vrf: l3.vrf,
        vni: l3.vni,
        why: `source ${from} is in ${s.host}, the host session subnet of L3VNI ${l3.name} (VNI ${l3.vni}): the host sends it over ${names.hostVeth(l3.vni)}, the router receives it on ${names.peVeth(l3.vni)} in VRF ${l3.vrf}`,
        hostLink: names.hostVeth(l3.vni),
        routerLink: names.peVeth(l3.vni),
      };
  }
  for (const l2 of plan.l2vnis) {
    const gw = holding(from, l2.gatewayIPs);
    if (gw && l2.vrf) {
      const l3 = plan.l3vnis.find((l) => l.vrf === l2.vrf);
      return {
        vrf: l2.vrf,
        ...(l3 ? { vni: l3.vni } : {}),
        why: `source ${from} is in ${gw}, the gateway subnet of L2VNI ${l2.name} (VNI ${l2.vni}): routed by its gateway on ${names.peBridge(l2.vni)} in VRF ${l2.vrf}`,
        hostLink: names.hostVeth(l2.vni),
        routerLink: names.peBridge(l2.vni),
      };
    }
  }
  const pt = sessionCidrs(plan.passthrough?.hostSession).find((a) => holding(from, [a.host]));
  if (pt)
    return {
      vrf: DEFAULT_VRF,
      why: `source ${from} is in ${pt.host}, the passthrough subnet: the host sends it over ${names.passthroughHost}, the router receives it on ${names.passthroughPe} in its own table (underlay, no VXLAN)`,
      hostLink: names.passthroughHost,
      routerLink: names.passthroughPe,
    };
  return undefined;
}

/**
 * The VRF whose own subnets (host session, L2VNI gateways) hold `ip`, other than `except`:
 * a destination that belongs to another tenant on this node.
 */
export function localOwner(plan: RouterPlan, ip: string, except: string): { vrf: string; what: string } | undefined {
  for (const l3 of plan.l3vnis) {
    if (l3.vrf === except) continue;
    const s = holding(
      ip,
      sessionCidrs(l3.hostSession).map((a) => a.host),
    );
    if (s) return { vrf: l3.vrf, what: `${s}, the host session subnet of L3VNI ${l3.name} (VNI ${l3.vni})` };
  }
  for (const l2 of plan.l2vnis) {
    if (!l2.vrf || l2.vrf === except) continue;
    const gw = holding(ip, l2.gatewayIPs);
    if (gw) return { vrf: l2.vrf, what: `${gw}, the gateway subnet of L2VNI ${l2.name} (VNI ${l2.vni})` };
  }
  return undefined;
}

/** Every VRF a destination can be traced in when neither --from nor --vrf says which. */
export function allIngresses(plan: RouterPlan): Ingress[] {
  const out: Ingress[] = plan.l3vnis.map((l) => ({
    vrf: l.vrf,
    vni: l.vni,
    why: `VRF of L3VNI ${l.name} (VNI ${l.vni}); no --from or --vrf given`,
  }));
  for (const l2 of plan.l2vnis)
    if (l2.vrf && !out.some((i) => i.vrf === l2.vrf))
      out.push({ vrf: l2.vrf, why: `routing domain of L2VNI ${l2.name} (VNI ${l2.vni}); no --from or --vrf given` });
  if (plan.passthrough) out.push({ vrf: DEFAULT_VRF, why: 'the router namespace’s own table (passthrough); no --from or --vrf given' });
  return out;
}
