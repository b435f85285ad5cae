// The one table of the API group's kinds: what the daemon reads and mirrors,
// and what the CRD generator (tools/crds) writes. Upstream's plurals.
import type { RouterConfig } from '../config/model.js';

export const GROUP = 'network.openperouter.io';
export const VERSION = 'v1alpha1';
export const API_VERSION = `${GROUP}/${VERSION}`;

/** The kinds read from (and mirrored to) the API. L3VPN is not supported: watched and reported only (UNSUPPORTED_KINDS). */
export type ApiKind = 'Underlay' | 'L3VNI' | 'L2VNI' | 'L3Passthrough' | 'RawFRRConfig';

export interface KindInfo {
  kind: string;
  plural: string;
  singular: string;
  listKind: string;
  /** `$defs` entry of schemas/openpe-config.schema.json holding the spec; absent for the status-only kind. */
  specDef?: string;
  /** Set for the kinds the daemon reads: the RouterConfig list the kind goes to. */
  configKey?: keyof RouterConfig;
  /** Listed cluster-wide (true) or only in the daemon's namespace (RawFRRConfig, as upstream). */
  clusterWide: boolean;
}

export interface ApiKindInfo extends KindInfo {
  kind: ApiKind;
  specDef: string;
  configKey: keyof RouterConfig;
}

function entry(kind: string, plural: string, more: Partial<KindInfo> = {}): KindInfo {
  return { kind, plural, singular: kind.toLowerCase(), listKind: `${kind}List`, clusterWide: true, ...more };
}

/** All seven kinds of the group; all are namespaced and have a status subresource. */
export const ALL_KINDS: readonly KindInfo[] = [
  entry('Underlay', 'underlays', { specDef: 'Underlay', configKey: 'underlays' }),
  entry('L3VNI', 'l3vnis', { specDef: 'L3VNI', configKey: 'l3vnis' }),
  entry('L2VNI', 'l2vnis', { specDef: 'L2VNI', configKey: 'l2vnis' }),
  entry('L3VPN', 'l3vpns', { specDef: 'L3VPN' }),
  entry('L3Passthrough', 'l3passthroughs', { specDef: 'L3Passthrough', configKey: 'l3passthroughs' }),
  entry('RawFRRConfig', 'rawfrrconfigs', { specDef: 'RawFRRConfig', configKey: 'rawFrrConfigs', clusterWide: false }),
  entry('RouterNodeConfigurationStatus', 'routernodeconfigurationstatuses'),
];

/** The kinds the daemon reads and mirrors. */
export const API_KINDS: readonly ApiKindInfo[] = ALL_KINDS.filter((k): k is ApiKindInfo => k.configKey !== undefined);

/**
 * Kinds perouterd watches only to report them: an object of these kinds that selects this node
 * is named in the status as not applied, never silently ignored (L3VPN: SRv6 is not built yet).
 */
export const UNSUPPORTED_KINDS: readonly KindInfo[] = ALL_KINDS.filter((k) => k.specDef !== undefined && k.configKey === undefined);

export function kindInfo(kind: ApiKind): ApiKindInfo {
  return API_KINDS.find((k) => k.kind === kind) as ApiKindInfo;
}

export const STATUS_KIND = 'RouterNodeConfigurationStatus';
export const STATUS_PLURAL = 'routernodeconfigurationstatuses';
