// Steps: per-object checks of L3VNIs and L2VNIs (names, route targets, host-session
// CIDRs, gateways, the VTEP they need). A failing object is dropped alone.

import type { FailureReason, HostSession, L2VNIResource, L3VNIResource, UnderlayResource } from '../model.js';
import { cidrListError, interfaceNameError, routeTargetError, unsupportedIssues } from '../spec/index.js';
import { vtepDependencyError } from '../vtep.js';
import { tryParseCidr } from '../../net/ipnet.js';
import { vethIPs } from '../../net/ipam.js';
import { isReservedLinkName } from '../../net/names.js';
import { filterInChunks, type Steps } from '../../util/steps.js';
import { perObject } from '../../util/memo.js';
import { fail, type State, type ValidateOptions } from './state.js';

type Problem = { reason: FailureReason; message: string } | undefined;

/** Host-session CIDR parse (and room for this node) problems; shared with the passthrough step. */
export function hostSessionError(hs: HostSession, opts: ValidateOptions): string | undefined {
  const { ipv4, ipv6 } = hs.localCIDR ?? {};
  if (ipv4 === undefined && ipv6 === undefined) return 'hostSession.localCIDR needs at least one of ipv4, ipv6';
  for (const [field, value, fam] of [
    ['ipv4', ipv4, 4],
    ['ipv6', ipv6, 6],
  ] as const) {
    if (value === undefined) continue;
    const c = tryParseCidr(value);
    if (!c || c.family !== fam) return `hostSession.localCIDR.${field} "${value}" is not a valid IPv${fam} CIDR`;
    if (opts.nodeIndex !== undefined) {
      try {
        vethIPs(c, opts.nodeIndex);
      } catch {
        return `hostSession.localCIDR.${field} ${value} has no room for node index ${opts.nodeIndex}`;
      }
    }
  }
  return undefined;
}

function reservedNameError(name: string, u: UnderlayResource | undefined): string | undefined {
  if (isReservedLinkName(name)) return `"${name}" is reserved for perouterd's own interfaces`;
  if (u?.spec.interfaces?.some((i) => i.networkDevice?.interfaceName === name)) return `"${name}" is the underlay interface`;
  return undefined;
}

function l3vniProblem(v: L3VNIResource, u: UnderlayResource | undefined, opts: ValidateOptions): Problem {
  const s = v.spec;
  const vrfErr = interfaceNameError(s.vrf ?? '') ?? reservedNameError(s.vrf ?? '', u);
  if (vrfErr) return { reason: 'ValidationFailed', message: `invalid vrf name for vni "${v.name}", vrf "${s.vrf}": ${vrfErr}` };
  for (const rt of [...(s.exportRTs ?? []), ...(s.importRTs ?? [])]) {
    const m = routeTargetError(rt);
    if (m) return { reason: 'ValidationFailed', message: `invalid route targets for vni "${v.name}": ${m}` };
  }
  if (s.hostSession) {
    const m = hostSessionError(s.hostSession, opts);
    if (m) return { reason: 'ValidationFailed', message: m };
  }
  const dep = vtepDependencyError('L3VNI', s.underlayAddressFamily, u?.spec);
  return dep ? { reason: 'DependencyFailed', message: dep } : undefined;
}

function l2vniProblem(v: L2VNIResource, u: UnderlayResource | undefined): Problem {
  const s = v.spec;
  const unsupported = unsupportedIssues('L2VNI', s).find((i) => i.path[0] === 'hostMaster');
  if (unsupported) return { reason: 'ValidationFailed', message: unsupported.message };
  const hm = s.hostMaster;
  if (hm) {
    if (hm.type !== 'LinuxBridge') return { reason: 'ValidationFailed', message: `invalid hostmaster type "${String(hm.type)}"` };
    const name = hm.linuxBridge?.name;
    if (name) {
      const m = interfaceNameError(name) ?? reservedNameError(name, u);
      if (m) return { reason: 'ValidationFailed', message: `invalid hostmaster name for vni ${v.name}: ${name} - ${m}` };
    }
  }
  const gw = s.gatewayIPs ?? [];
  if (gw.length > 0) {
    const e = gw.length > 2 ? { message: 'at most 2 gatewayIPs' } : cidrListError(gw, 'gatewayIPs');
    if (e) return { reason: 'ValidationFailed', message: `invalid gatewayIPs for vni "${v.name}" = [${gw.join(' ')}]: ${e.message}` };
  }
  const dep = vtepDependencyError('L2VNI', s.underlayAddressFamily, u?.spec);
  return dep ? { reason: 'DependencyFailed', message: dep } : undefined;
}

// Kept per object (src/util/memo.ts): an unchanged file's objects are checked once.
const l3vniVerdict = perObject((v: L3VNIResource, u: UnderlayResource | undefined, nodeIndex: number | undefined) =>
  l3vniProblem(v, u, nodeIndex === undefined ? {} : { nodeIndex }),
);
const l2vniVerdict = perObject(l2vniProblem);

export function* l3vniStep(st: State): Steps<void> {
  st.l3 = yield* filterInChunks(st.l3, (v) => {
    const p = l3vniVerdict(v, st.underlay, st.opts.nodeIndex);
    if (p) fail(st, v, p.reason, p.message);
    return !p;
  });
}

export function* l2vniStep(st: State): Steps<void> {
  st.l2 = yield* filterInChunks(st.l2, (v) => {
    const p = l2vniVerdict(v, st.underlay);
    if (p) fail(st, v, p.reason, p.message);
    return !p;
  });
}
