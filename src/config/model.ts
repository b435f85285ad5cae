// The configuration model: TypeScript mirror of OpenPERouter's static file format
// (`openpe_*.yaml`, `node-config.yaml`) and of the v1alpha1 CRD specs.
// schemas/*.schema.json is the source of truth for validation; these types describe
// what a document looks like after it passed the schema (defaults applied).

import { escapeControl } from '../util/text.js';

/** Where a value came from, so every later error can name file, line and field. */
export interface SourceLocation {
  file: string;
  line: number; // 1-based
  column: number; // 1-based
  /** JSON-pointer-like path of the field, e.g. `l3vnis[0].hostSession.asn`. */
  field: string;
}

export interface LabelSelectorRequirement {
  key: string;
  operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

// ---------------------------------------------------------------- node config

export interface NodeIndexConfig {
  index?: number;
  interfaceName?: string;
  cidr?: string;
}

export interface NodeConfigFile {
  nodeIndex?: NodeIndexConfig;
  nodeName?: string;
  logLevel?: 'debug' | 'info' | 'warn' | 'error';
}

// ---------------------------------------------------------------- underlay

export type AddressFamilyType = 'ipv4unicast' | 'ipv6unicast' | 'evpn' | 'ipv4vpn' | 'ipv6vpn';

/** An optional feature of a neighbor's address family (upstream's object form). */
export interface AddressFamilyProperty {
  type: 'routeReflectorClient';
}

export interface NeighborAddressFamily {
  type: AddressFamilyType;
  properties?: AddressFamilyProperty[];
}

export interface BFDSettings {
  receiveInterval?: number;
  transmitInterval?: number;
  detectMultiplier?: number;
  echoInterval?: number;
  echoMode?: boolean;
  passiveMode?: boolean;
  sessionMode?: 'Active' | 'Passive';
  minimumTtl?: number;
  minimumTTL?: number;
}

export interface NeighborProperty {
  type: 'ebgpMultiHop';
  ebgpMultiHop?: { ttl?: number };
}

export interface Neighbor {
  asn?: number;
  type?: 'External' | 'Internal';
  address?: string;
  interface?: string;
  listenRange?: string;
  port?: number;
  password?: string;
  passwordSecret?: string;
  holdTimeSeconds?: number;
  keepaliveTimeSeconds?: number;
  connectTimeSeconds?: number;
  properties?: NeighborProperty[];
  bfd?: BFDSettings;
  addressFamilies?: NeighborAddressFamily[];
}

export interface UnderlayInterface {
  type: 'NetworkDevice' | 'CNIDevice';
  networkDevice?: { interfaceName: string };
  cniDevice?: unknown; // parsed, rejected as "not supported yet"
}

export interface GracefulRestartConfig {
  restartTimeSeconds: number; // default 120
  stalePathTimeSeconds: number; // default 360
}

export interface UnderlaySpec {
  nodeSelector?: LabelSelector;
  asn: number;
  routerIDCIDR: string; // default 10.0.0.0/24
  neighbors: Neighbor[];
  interfaces: UnderlayInterface[];
  tunnelEndpoint?: { cidrs: string[] };
  gracefulRestart?: GracefulRestartConfig;
  routeReflector?: { clusterID: string };
  isis?: unknown; // parsed, rejected as "not supported yet"
  srv6?: unknown; // parsed, rejected as "not supported yet"
}

// ---------------------------------------------------------------- overlays

export interface HostSession {
  asn: number;
  hostASN?: number;
  hostType?: 'External' | 'Internal';
  localCIDR: { ipv4?: string; ipv6?: string };
}

export interface L3VNISpec {
  nodeSelector?: LabelSelector;
  vrf: string;
  vni: number;
  vxlanPort: number; // default 4789
  underlayAddressFamily?: 'IPv4' | 'IPv6';
  hostSession?: HostSession;
  exportRTs?: string[];
  importRTs?: string[];
}

export interface RoutingDomain {
  type: 'L3VNI' | 'L3VPN';
  l3vni?: { name: string };
  l3vpn?: { name: string };
}

export interface HostBridgeConfig {
  lifecycle: 'Managed' | 'External';
  name?: string;
}

export interface HostMaster {
  type: 'LinuxBridge' | 'OVSBridge';
  linuxBridge?: HostBridgeConfig;
  ovsBridge?: HostBridgeConfig;
}

export interface L2VNISpec {
  nodeSelector?: LabelSelector;
  routingDomain?: RoutingDomain;
  vni: number;
  vxlanPort: number; // default 4789
  underlayAddressFamily?: 'IPv4' | 'IPv6';
  hostMaster?: HostMaster;
  gatewayIPs?: string[];
}

export interface L3PassthroughSpec {
  nodeSelector?: LabelSelector;
  hostSession: HostSession;
}

export interface RawFRRConfigSpec {
  nodeSelector?: LabelSelector;
  priority: number; // default 0
  rawConfig: string;
}

// ---------------------------------------------------------------- resources

export type ResourceKind = 'Underlay' | 'L3VNI' | 'L2VNI' | 'L3VPN' | 'L3Passthrough' | 'RawFRRConfig';

/** One resource after loading, whatever its source (static file or CR). */
export interface Resource<K extends ResourceKind, S> {
  kind: K;
  /** Object name as a CR would carry it (static objects: `static-<node>-…`). */
  name: string;
  namespace: string;
  /**
   * Where it came from: a static file location, or `api` for CRs (with the object's
   * metadata.creationTimestamp, which ranks API objects in a conflict: the older one wins).
   */
  origin: { source: 'static'; location: SourceLocation } | { source: 'api'; uid?: string; generation?: number; creationTimestamp?: string };
  spec: S;
}

export type UnderlayResource = Resource<'Underlay', UnderlaySpec>;
export type L3VNIResource = Resource<'L3VNI', L3VNISpec>;
export type L2VNIResource = Resource<'L2VNI', L2VNISpec>;
export type L3PassthroughResource = Resource<'L3Passthrough', L3PassthroughSpec>;
export type RawFRRConfigResource = Resource<'RawFRRConfig', RawFRRConfigSpec>;

/** Everything that applies to one node, before semantic validation. */
export interface RouterConfig {
  underlays: UnderlayResource[];
  l3vnis: L3VNIResource[];
  l2vnis: L2VNIResource[];
  l3passthroughs: L3PassthroughResource[];
  rawFrrConfigs: RawFRRConfigResource[];
}

export function emptyRouterConfig(): RouterConfig {
  return { underlays: [], l3vnis: [], l2vnis: [], l3passthroughs: [], rawFrrConfigs: [] };
}

/** Node-level settings resolved from node-config.yaml (index already derived). */
export interface NodeSettings {
  nodeName: string;
  nodeIndex: number;
  logLevel: 'debug' | 'info' | 'warn' | 'error';
}

// ---------------------------------------------------------------- diagnostics

export type Severity = 'error' | 'warning';

/** A problem in the input, always located when it comes from a file. */
export interface ConfigProblem {
  severity: Severity;
  message: string;
  location?: SourceLocation;
}

export type FailureReason = 'ValidationFailed' | 'DependencyFailed' | 'OverlayAttachmentFailed' | 'FrrConfigurationFailed';

/** A resource rejected by semantic validation (becomes status.failedResources). */
export interface FailedResource {
  kind: ResourceKind;
  name: string;
  reason: FailureReason;
  message: string;
  location?: SourceLocation;
}

/** Formats a location the way compilers do, so editors can jump to it. */
export function formatLocation(loc: SourceLocation): string {
  const at = `${loc.file}:${loc.line}:${loc.column}`;
  return loc.field ? `${at}: ${loc.field}` : at;
}

/** One line per problem as the CLI and the daemon's log print it: severity first; control characters escaped. */
export function problemLine(p: ConfigProblem): string {
  return escapeControl(`${p.severity}: ${p.location ? `${formatLocation(p.location)}: ` : ''}${p.message}`);
}

// ---------------------------------------------------------------- static file shapes (additions)

/** Name carried by list items of the static file (becomes `static-<node>-<name>`). */
export interface StaticNamed {
  name?: string;
}

/** One `openpe_*.yaml` after schema validation and defaults (upstream `PERouterConfig`). */
export interface StaticConfigFile {
  underlays?: UnderlaySpec[];
  l3vnis?: Array<L3VNISpec & StaticNamed>;
  l2vnis?: Array<L2VNISpec & StaticNamed>;
  /** Parsed and validated, then rejected: L3VPN (SRv6) is not supported yet. */
  l3vpns?: unknown[];
  bgppassthrough?: L3PassthroughSpec;
  rawfrrconfigs?: RawFRRConfigSpec[];
}

/** One line per problem: `file:line:col: field: severity: message` (parts left out when unknown). */
export function formatProblem(p: ConfigProblem): string {
  const l = p.location;
  if (!l) return escapeControl(`${p.severity}: ${p.message}`);
  const where = l.field === '' ? `${l.file}:${l.line}:${l.column}` : formatLocation(l);
  return escapeControl(`${where}: ${p.severity}: ${p.message}`);
}

/** True when any problem is an error: the configuration must then not be applied. */
export function hasErrors(problems: readonly ConfigProblem[]): boolean {
  return problems.some((p) => p.severity === 'error');
}
