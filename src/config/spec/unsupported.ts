// Features upstream has and perouterd does not build yet: they are parsed (and validated by
// the schema) but always rejected, never silently ignored. The one place that says so, for
// static files, custom resources and the validation steps alike. Works on raw data (keys
// already normalised), so the rejection shows even when the schema finds other errors.

import type { PathSeg } from '../yaml-source.js';
import type { RuleIssue } from './issue.js';

export const NOT_SUPPORTED = 'not supported yet by perouterd';

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function listOf(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function error(path: PathSeg[], message: string, key = false): RuleIssue {
  return { severity: 'error', path, message, ...(key ? { key } : {}) };
}

function underlayUnsupported(u: Record<string, unknown>): RuleIssue[] {
  const out: RuleIssue[] = [];
  for (const f of ['isis', 'srv6'] as const) {
    if (u[f] !== undefined) out.push(error([f], `${f}: ${NOT_SUPPORTED}`, true));
  }
  listOf(u.interfaces).forEach((itf, j) => {
    if (!isObj(itf)) return;
    if (itf.cniDevice !== undefined) {
      out.push(error(['interfaces', j, 'cniDevice'], `cniDevice: ${NOT_SUPPORTED} (use type NetworkDevice)`, true));
    } else if (itf.type === 'CNIDevice') {
      out.push(error(['interfaces', j, 'type'], `CNIDevice: ${NOT_SUPPORTED} (use type NetworkDevice)`));
    }
  });
  return out;
}

function l2vniUnsupported(v: Record<string, unknown>): RuleIssue[] {
  const out: RuleIssue[] = [];
  const hm = v.hostMaster;
  if (isObj(hm)) {
    if (hm.ovsBridge !== undefined) {
      out.push(error(['hostMaster', 'ovsBridge'], `ovsBridge: ${NOT_SUPPORTED} (use type LinuxBridge)`, true));
    } else if (hm.type === 'OVSBridge') {
      out.push(error(['hostMaster', 'type'], `OVSBridge: ${NOT_SUPPORTED} (use type LinuxBridge)`));
    }
  }
  const rd = v.routingDomain;
  if (isObj(rd) && (rd.type === 'L3VPN' || rd.l3vpn !== undefined)) {
    out.push(error(['routingDomain'], `routingDomain of type L3VPN: ${NOT_SUPPORTED}`, true));
  }
  return out;
}

/** Unsupported features used by one spec of `kind`; paths are relative to the spec. */
export function unsupportedIssues(kind: string, spec: unknown): RuleIssue[] {
  if (!isObj(spec)) return [];
  if (kind === 'Underlay') return underlayUnsupported(spec);
  if (kind === 'L2VNI') return l2vniUnsupported(spec);
  return [];
}

/** Unsupported features used anywhere in one raw `openpe_*.yaml` document. */
export function unsupportedFeatureIssues(raw: unknown): RuleIssue[] {
  const out: RuleIssue[] = [];
  if (!isObj(raw)) return out;
  const within = (prefix: PathSeg[], issues: RuleIssue[]): RuleIssue[] => issues.map((i) => ({ ...i, path: [...prefix, ...i.path] }));
  listOf(raw.underlays).forEach((u, i) => out.push(...within(['underlays', i], unsupportedIssues('Underlay', u))));
  listOf(raw.l2vnis).forEach((v, i) => out.push(...within(['l2vnis', i], unsupportedIssues('L2VNI', v))));
  if (raw.l3vpns !== undefined) {
    if (Array.isArray(raw.l3vpns) && raw.l3vpns.length === 0) {
      out.push({ severity: 'warning', path: ['l3vpns'], key: true, message: `l3vpns: empty list ignored (L3VPN is ${NOT_SUPPORTED})` });
    } else {
      out.push(error(['l3vpns'], `l3vpns: ${NOT_SUPPORTED}`, true));
    }
  }
  return out;
}
