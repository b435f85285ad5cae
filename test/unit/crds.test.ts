// The CRDs generated from schemas/openpe-config.schema.json: right kinds and names, structural
// schemas Kubernetes accepts, samples that validate, and deploy/ in sync with the generator.
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import {
  API_VERSION,
  CRD_KINDS,
  GROUP,
  VERSION,
  generateCrds,
  generateRbac,
  renderManifests,
  toStructural,
  openpeSchemaRoot,
} from '../../tools/crds/crds.js';

type Obj = Record<string, unknown>;

const crds = generateCrds() as Obj[];

function versionOf(crd: Obj): Obj {
  const spec = crd.spec as Obj;
  return (spec.versions as Obj[])[0] as Obj;
}

function schemaOf(kind: string): Obj {
  const crd = crds.find((c) => ((c.spec as Obj).names as Obj).kind === kind);
  if (!crd) throw new Error(`no CRD for ${kind}`);
  return (versionOf(crd).schema as Obj).openAPIV3Schema as Obj;
}

/** Every schema node below `s` with its path. */
function* nodes(s: Obj, path = ''): Generator<[string, Obj]> {
  yield [path, s];
  if (s.properties) for (const [k, v] of Object.entries(s.properties as Obj)) yield* nodes(v as Obj, `${path}.${k}`);
  if (s.items && typeof s.items === 'object') yield* nodes(s.items as Obj, `${path}[]`);
  if (s.additionalProperties && typeof s.additionalProperties === 'object') yield* nodes(s.additionalProperties as Obj, `${path}{}`);
}

const FORBIDDEN_KEYWORDS = [
  '$ref',
  '$defs',
  '$schema',
  '$id',
  'allOf',
  'anyOf',
  'oneOf',
  'not',
  'if',
  'then',
  'else',
  'const',
  'dependentRequired',
  'contains',
  'uniqueItems',
  'unevaluatedProperties',
  'x-message',
  'definitions',
];

describe('generated CRDs', () => {
  it('cover the seven kinds with upstream plurals, group and version', () => {
    const byKind = Object.fromEntries(crds.map((c) => [((c.spec as Obj).names as Obj).kind as string, c]));
    expect(Object.keys(byKind).sort()).toEqual(
      ['L2VNI', 'L3Passthrough', 'L3VNI', 'L3VPN', 'RawFRRConfig', 'RouterNodeConfigurationStatus', 'Underlay'].sort(),
    );
    const plurals: Record<string, string> = {
      Underlay: 'underlays',
      L3VNI: 'l3vnis',
      L2VNI: 'l2vnis',
      L3VPN: 'l3vpns',
      L3Passthrough: 'l3passthroughs',
      RawFRRConfig: 'rawfrrconfigs',
      RouterNodeConfigurationStatus: 'routernodeconfigurationstatuses',
    };
    for (const [kind, plural] of Object.entries(plurals)) {
      const crd = byKind[kind] as Obj;
      const spec = crd.spec as Obj;
      expect(crd.apiVersion).toBe('apiextensions.k8s.io/v1');
      expect(crd.kind).toBe('CustomResourceDefinition');
      expect((crd.metadata as Obj).name).toBe(`${plural}.network.openperouter.io`);
      expect(spec.group).toBe('network.openperouter.io');
      expect(spec.scope).toBe('Namespaced');
      expect(spec.names).toEqual({ kind, listKind: `${kind}List`, plural, singular: kind.toLowerCase() });
      const versions = spec.versions as Obj[];
      expect(versions).toHaveLength(1);
      expect(versions[0]).toMatchObject({ name: 'v1alpha1', served: true, storage: true, subresources: { status: {} } });
    }
    expect(GROUP).toBe('network.openperouter.io');
    expect(VERSION).toBe('v1alpha1');
    expect(API_VERSION).toBe('network.openperouter.io/v1alpha1');
    expect(CRD_KINDS.map((k) => k.plural)).toEqual(Object.values(plurals));
  });

  it('are structural: every node typed (or preserve-unknown-fields), no JSON-Schema-only keywords', () => {
    for (const crd of crds) {
      const kind = ((crd.spec as Obj).names as Obj).kind as string;
      const root = schemaOf(kind);
      expect(root.type).toBe('object');
      expect(root.properties).toHaveProperty('metadata', { type: 'object' });
      for (const [path, node] of nodes(root)) {
        const where = `${kind}${path}`;
        if (node['x-kubernetes-preserve-unknown-fields'] !== true) {
          expect(typeof node.type, `${where} has a type`).toBe('string');
        }
        for (const k of FORBIDDEN_KEYWORDS) expect(node, `${where} has no ${k}`).not.toHaveProperty(k);
        expect(
          node.properties !== undefined && node.additionalProperties !== undefined,
          `${where}: properties and additionalProperties`,
        ).toBe(false);
        expect(node.additionalProperties, `${where}: additionalProperties must be a schema`).not.toBe(false);
        if (
          node.type === 'object' &&
          node.properties === undefined &&
          node.additionalProperties === undefined &&
          path !== '.metadata' &&
          path !== '.status'
        ) {
          expect(node['x-kubernetes-preserve-unknown-fields'], `${where}: empty object must preserve unknown fields`).toBe(true);
        }
        if (node['x-kubernetes-list-type'] === 'map') {
          const keys = node['x-kubernetes-list-map-keys'] as string[];
          const items = node.items as Obj;
          for (const k of keys) expect(items.required, `${where}: list-map key ${k} is required`).toContain(k);
        }
        if (node['x-kubernetes-list-type'] === 'set') expect((node.items as Obj).type).not.toBe('object');
        for (const rule of (node['x-kubernetes-validations'] as Obj[] | undefined) ?? []) {
          expect(typeof rule.rule).toBe('string');
          expect(typeof rule.message).toBe('string');
        }
      }
    }
  });

  it('carry the schema details: defaults, bounds, patterns, enums, maxItems and the either/or rules as CEL', () => {
    const l3vni = (schemaOf('L3VNI').properties as Obj).spec as Obj;
    const props = l3vni.properties as Record<string, Obj>;
    expect(l3vni.required).toEqual(['vrf', 'vni']);
    expect(props.vni).toEqual({ type: 'integer', minimum: 1, maximum: 16777215 });
    expect(props.vxlanPort).toMatchObject({ type: 'integer', default: 4789 });
    expect(props.vrf).toMatchObject({ type: 'string', maxLength: 15, pattern: '^[a-zA-Z][a-zA-Z0-9_-]*$' });
    expect(props.underlayAddressFamily).toEqual({ type: 'string', enum: ['IPv4', 'IPv6'] });
    expect(props.exportRTs).toMatchObject({ type: 'array', maxItems: 100 });
    const hs = props.hostSession as Obj;
    expect(hs['x-kubernetes-validations']).toEqual([
      { rule: 'has(self.hostASN) || has(self.hostType)', message: 'either HostASN or HostType must be set' },
      { rule: '!(has(self.hostASN) && has(self.hostType))', message: 'HostASN and HostType cannot be set together' },
    ]);
    expect(((hs.properties as Obj).localCIDR as Obj)['x-kubernetes-validations']).toEqual([
      { rule: 'has(self.ipv4) || has(self.ipv6)', message: 'must have at least one of ipv4, ipv6' },
      { rule: 'self == oldSelf', message: "LocalCIDR can't be changed" },
    ]);

    const underlay = (schemaOf('Underlay').properties as Obj).spec as Obj;
    const up = underlay.properties as Record<string, Obj>;
    expect(up.routerIDCIDR).toMatchObject({ default: '10.0.0.0/24' });
    expect((up.gracefulRestart?.properties as Obj).restartTimeSeconds).toMatchObject({ default: 120, minimum: 1, maximum: 4095 });
    // Generated rules first, then the CEL written in the schema (upstream's rules on addresses).
    expect((underlay['x-kubernetes-validations'] as Obj[]).map((r) => r.message)).toEqual([
      'SRv6 can only be configured if isis is set',
      'SRv6 requires at least one IPv6 CIDR in tunnelEndpoint.cidrs',
      'routeReflector.clusterID must be outside the routerIDCIDR range',
    ]);
    expect((underlay['x-kubernetes-validations'] as Obj[])[0]).toEqual({
      rule: '!has(self.srv6) || has(self.isis)',
      message: 'SRv6 can only be configured if isis is set',
    });
    const cni = ((up.interfaces?.items as Obj).properties as Obj).cniDevice as Obj;
    expect((cni.properties as Obj).rawConfig).toEqual({ 'x-kubernetes-preserve-unknown-fields': true });
    expect((cni.properties as Obj).interfaceName).toMatchObject({ default: 'net1' });
    const neighbor = up.neighbors?.items as Obj;
    const rules = (neighbor['x-kubernetes-validations'] as Obj[]).map((r) => r.message);
    expect(rules).toEqual([
      'either ASN or Type must be set',
      'ASN and Type cannot be set together',
      'Either a valid Address, Interface name or ListenRange must be provided for Neighbor',
      'Address and Interface cannot be set together for Neighbor',
      'listenRange and address are mutually exclusive',
      'listenRange and interface are mutually exclusive',
      'ipv4vpn and ipv6vpn address families are not supported on interface (unnumbered) neighbors',
      'routeReflectorClient requires type Internal',
      'holdTimeSeconds and keepaliveTimeSeconds must be set together',
      'keepaliveTimeSeconds must be lower than or equal to holdTimeSeconds',
      'ipv4vpn and ipv6vpn address families require an IPv6 neighbor address',
    ]);
    expect((neighbor.properties as Obj).addressFamilies).toMatchObject({
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
    });
    // Upstream's form: properties are objects in a list-map keyed by type (issue 13 item 1).
    const afProps = ((((neighbor.properties as Obj).addressFamilies as Obj).items as Obj).properties as Obj).properties as Obj;
    expect(afProps).toMatchObject({
      type: 'array',
      maxItems: 8,
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['type'],
      items: { type: 'object', required: ['type'], properties: { type: { type: 'string', enum: ['routeReflectorClient'] } } },
    });
    const isisFeatures = (up.isis?.properties as Obj).features as Obj;
    expect(isisFeatures).toMatchObject({ 'x-kubernetes-list-type': 'set', maxItems: 32 });
    expect((up.isis?.properties as Obj).level as Obj).toEqual({ type: 'integer', enum: [1, 2] });

    const status = (schemaOf('RouterNodeConfigurationStatus').properties as Obj).status as Obj;
    expect(schemaOf('RouterNodeConfigurationStatus').properties).not.toHaveProperty('spec');
    const sp = status.properties as Record<string, Obj>;
    expect(Object.keys(sp).sort()).toEqual(['conditions', 'failedResources', 'observedGeneration']);
    expect((sp.failedResources?.items as Obj).required).toEqual(['kind', 'message', 'name', 'reason']);
    expect(((sp.failedResources?.items as Obj).properties as Record<string, Obj>).kind?.enum).toEqual([
      'Underlay',
      'L2VNI',
      'L3VNI',
      'FrrConfiguration',
      'L3Passthrough',
    ]);
    expect(sp.conditions).toMatchObject({ 'x-kubernetes-list-type': 'map', 'x-kubernetes-list-map-keys': ['type'] });
  });

  it('does not turn the Static* wrappers (which add `name`) into CR specs', () => {
    for (const kind of ['L3VNI', 'L2VNI', 'L3VPN']) {
      const spec = (schemaOf(kind).properties as Obj).spec as Obj;
      expect(spec.properties).not.toHaveProperty('name');
    }
  });

  it('throws on a JSON Schema keyword it cannot convert', () => {
    const root = { $defs: { X: { type: 'object', patternProperties: { '^a': { type: 'string' } } } } };
    expect(() => toStructural({ $ref: '#/$defs/X' }, { root, where: 'spec' })).toThrow(/patternProperties/);
  });

  describe('sample CRs validate against the generated openAPIV3Schema', () => {
    const ajv = new Ajv({ strict: false, allErrors: true, formats: { 'date-time': true, int64: true } });
    const meta = { name: 'x', namespace: 'default' };
    const samples: Record<string, Obj> = {
      L3VNI: {
        apiVersion: API_VERSION,
        kind: 'L3VNI',
        metadata: meta,
        spec: {
          vrf: 'red',
          vni: 100,
          hostSession: { asn: 64514, hostASN: 64515, localCIDR: { ipv4: '192.169.10.0/24' } },
          exportRTs: ['64514:100'],
        },
      },
      L2VNI: {
        apiVersion: API_VERSION,
        kind: 'L2VNI',
        metadata: meta,
        spec: {
          vni: 110,
          routingDomain: { type: 'L3VNI', l3vni: { name: 'red' } },
          gatewayIPs: ['192.170.1.1/24'],
          hostMaster: { type: 'LinuxBridge', linuxBridge: { lifecycle: 'Managed' } },
        },
      },
      L3VPN: {
        apiVersion: API_VERSION,
        kind: 'L3VPN',
        metadata: meta,
        spec: { vrf: 'blue', importRTs: ['64514:200'], rdAssignedNumber: 200 },
      },
      L3Passthrough: {
        apiVersion: API_VERSION,
        kind: 'L3Passthrough',
        metadata: meta,
        spec: { hostSession: { asn: 64514, hostType: 'External', localCIDR: { ipv4: '192.169.20.0/24', ipv6: 'fd00::/64' } } },
      },
      RawFRRConfig: {
        apiVersion: API_VERSION,
        kind: 'RawFRRConfig',
        metadata: meta,
        spec: { priority: 5, rawConfig: 'log syslog debugging' },
      },
      Underlay: {
        apiVersion: API_VERSION,
        kind: 'Underlay',
        metadata: meta,
        spec: {
          asn: 64514,
          nodeSelector: { matchLabels: { 'kubernetes.io/hostname': 'node-a' } },
          neighbors: [{ asn: 64512, address: '192.168.11.2', bfd: { receiveInterval: 300 } }],
          interfaces: [{ type: 'NetworkDevice', networkDevice: { interfaceName: 'eth1' } }],
          tunnelEndpoint: { cidrs: ['100.65.0.0/24'] },
        },
      },
      RouterNodeConfigurationStatus: {
        apiVersion: API_VERSION,
        kind: 'RouterNodeConfigurationStatus',
        metadata: meta,
        status: {
          observedGeneration: 3,
          failedResources: [{ kind: 'FrrConfiguration', name: 'blue', reason: 'ValidationFailed', message: 'bad' }],
          conditions: [
            { type: 'Ready', status: 'False', reason: 'ConfigurationFailed', message: 'x', lastTransitionTime: '2026-01-01T00:00:00Z' },
          ],
        },
      },
    };
    for (const [kind, sample] of Object.entries(samples)) {
      it(kind, () => {
        const validate = ajv.compile(schemaOf(kind));
        const ok = validate(sample);
        expect(validate.errors ?? []).toEqual([]);
        expect(ok).toBe(true);
      });
    }
    it('an L3VNI with vni 0 or a bad vrf does not', () => {
      const validate = ajv.compile(schemaOf('L3VNI'));
      expect(validate({ ...samples.L3VNI, spec: { vrf: 'red', vni: 0 } })).toBe(false);
      expect(validate.errors?.[0]).toMatchObject({ instancePath: '/spec/vni', keyword: 'minimum' });
      expect(validate({ ...samples.L3VNI, spec: { vrf: '1red', vni: 5 } })).toBe(false);
      expect(validate({ ...samples.L3VNI, spec: { vni: 5 } })).toBe(false);
    });
  });
});

describe('deploy/', () => {
  it('holds exactly what the generator writes (run npm run gen:crds after a schema change)', () => {
    const root = new URL('../../', import.meta.url);
    for (const m of renderManifests()) {
      const onDisk = readFileSync(new URL(m.path, root), 'utf8');
      expect(onDisk, m.path).toBe(m.content);
      expect(parseYaml(onDisk)).toBeTypeOf('object');
    }
  });

  it('grants the daemon least privilege: read cluster-wide, write only in its own namespace (a Role)', () => {
    const list = generateRbac() as Obj;
    const items = list.items as Array<{
      kind: string;
      metadata: { name: string; namespace?: string };
      rules: Array<{ resources: string[]; verbs: string[] }>;
    }>;
    expect(items.map((i) => `${i.kind}/${i.metadata.namespace ?? ''}/${i.metadata.name}`)).toEqual([
      'ClusterRole//perouterd',
      'Role/openperouter-system/perouterd',
      'ClusterRoleBinding//perouterd',
      'RoleBinding/openperouter-system/perouterd',
    ]);
    const [clusterRole, role] = items as [(typeof items)[0], (typeof items)[0]];
    // Cluster-wide: reads, and the Node patch for the node-index annotation; nothing else.
    const clusterVerbs = clusterRole.rules.map((r) => `${r.resources.join(',')}:${r.verbs.join(',')}`);
    expect(clusterVerbs).toEqual(['underlays,l3vnis,l2vnis,l3vpns,l3passthroughs:get,list,watch', 'nodes:get,list,watch,patch']);
    expect(JSON.stringify(role.rules)).not.toContain('nodes');
    expect(JSON.stringify(items)).not.toContain('secrets');
    expect(JSON.stringify(items)).not.toContain('finalizers');
    expect(JSON.stringify(items)).not.toContain('"*"');
  });

  it('reads the schema file the static loader reads', () => {
    expect((openpeSchemaRoot().$defs as Obj).L3VNI).toBeDefined();
  });
});
