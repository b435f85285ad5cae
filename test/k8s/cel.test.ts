// The CEL rules generated for the CRDs mean what the JSON Schema says: for each either/or
// definition, samples are judged by ajv on the original JSON Schema and by the stand-in's
// structural validation + CEL interpreter on the generated schema, and the verdicts must agree.
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { openpeSchemaRoot, toStructural } from '../../tools/crds/crds.js';
import { CelError, compileCel, evalCel } from './apiserver-standin/cel.js';
import type { FieldError } from './apiserver-standin/errors.js';
import { ABSENT, type Schema, hasBlockingError, validateCel, validateValue } from './apiserver-standin/structural.js';

type Obj = Record<string, unknown>;

const root = openpeSchemaRoot();
const ajv = new Ajv2020({ strict: false, allErrors: true });
ajv.addKeyword({ keyword: 'x-message', schemaType: 'string' });

const compiled = new Map<string, ReturnType<typeof ajv.compile>>();
function jsonSchemaValid(def: string, value: unknown): boolean {
  let validate = compiled.get(def);
  if (!validate) compiled.set(def, (validate = ajv.compile({ $defs: root.$defs, $ref: `#/$defs/${def}` })));
  return validate(structuredClone(value)) as boolean;
}

function generatedErrors(def: string, value: unknown): FieldError[] {
  const schema = toStructural({ $ref: `#/$defs/${def}` }, { root, where: def }) as Schema;
  const errs: FieldError[] = [];
  const report = { unevaluated: [] as string[] };
  validateValue(schema, value, 'spec', errs);
  if (!hasBlockingError(errs)) validateCel(schema, value, ABSENT, 'spec', errs, report);
  expect(report.unevaluated).toEqual([]);
  return errs;
}

const samples: Record<string, Obj[]> = {
  Neighbor: [
    { asn: 64512, address: '192.168.1.1' },
    { type: 'External', interface: 'eth1' },
    { asn: 64512, type: 'External', address: '192.168.1.1' },
    { address: '192.168.1.1' },
    { asn: 64512, address: '192.168.1.1', interface: 'eth1' },
    { asn: 64512 },
    { asn: 64512, listenRange: '10.0.0.0/24' },
    { asn: 64512, interface: '.' },
    { asn: 64512, interface: '..x' },
    { asn: 64512, interface: 'eth1', addressFamilies: [{ type: 'ipv4vpn' }] },
    { asn: 64512, interface: 'eth1', addressFamilies: [{ type: 'evpn' }] },
    { asn: 64512, address: 'fd00::1', addressFamilies: [{ type: 'ipv6vpn' }] },
    { asn: 64512, address: '10.0.0.1', addressFamilies: [{ type: 'evpn' }, { type: 'ipv4vpn' }] },
    { asn: 64512, address: '10.0.0.1', addressFamilies: [{ type: 'evpn' }, { type: 'ipv4unicast' }] },
    { asn: 64512, address: '10.0.0.1', addressFamilies: [{ type: 'ipv4unicast', properties: [{ type: 'routeReflectorClient' }] }] },
    { type: 'Internal', address: '10.0.0.1', addressFamilies: [{ type: 'ipv4unicast', properties: [{ type: 'routeReflectorClient' }] }] },
    { type: 'External', address: '10.0.0.1', addressFamilies: [{ type: 'ipv4unicast', properties: [{ type: 'routeReflectorClient' }] }] },
    { type: 'Internal', address: '10.0.0.1', addressFamilies: [{ type: 'ipv4unicast', properties: ['routeReflectorClient'] }] },
    { type: 'External', address: '10.0.0.1', addressFamilies: [{ type: 'ipv4unicast', properties: [] }] },
    { asn: 64512, address: '10.0.0.1', holdTimeSeconds: 2, keepaliveTimeSeconds: 1 },
    { asn: 64512, address: '10.0.0.1', holdTimeSeconds: 0, keepaliveTimeSeconds: 0 },
    { asn: 64512, address: '10.0.0.1', holdTimeSeconds: 90, keepaliveTimeSeconds: 30 },
    { asn: 64512, address: '10.0.0.1', holdTimeSeconds: 90 },
    { asn: 64512, address: '10.0.0.1', keepaliveTimeSeconds: 30 },
  ],
  HostSession: [
    { asn: 64514, hostASN: 64515, localCIDR: { ipv4: '192.169.10.0/24' } },
    { asn: 64514, hostType: 'Internal', localCIDR: { ipv6: 'fd00::/64' } },
    { asn: 64514, hostASN: 64515, hostType: 'Internal', localCIDR: { ipv4: '192.169.10.0/24' } },
    { asn: 64514, localCIDR: { ipv4: '192.169.10.0/24' } },
    { asn: 64514, hostASN: 64515, localCIDR: {} },
  ],
  UnderlayInterface: [
    { type: 'NetworkDevice', networkDevice: { interfaceName: 'eth1' } },
    { type: 'NetworkDevice' },
    { type: 'NetworkDevice', networkDevice: { interfaceName: 'eth1' }, cniDevice: { type: 'RawConfig', rawConfig: {} } },
    { type: 'CNIDevice', cniDevice: { type: 'RawConfig', rawConfig: { cniVersion: '1.0.0' } } },
    { type: 'CNIDevice', cniDevice: { type: 'RawConfig' } },
    { type: 'CNIDevice' },
  ],
  Underlay: [
    {
      asn: 64514,
      neighbors: [{ asn: 1, address: '10.0.0.1' }],
      interfaces: [{ type: 'NetworkDevice', networkDevice: { interfaceName: 'eth1' } }],
    },
    {
      asn: 64514,
      neighbors: [{ asn: 1, address: '10.0.0.1' }],
      interfaces: [
        { type: 'NetworkDevice', networkDevice: { interfaceName: 'eth1' } },
        { type: 'CNIDevice', cniDevice: { type: 'RawConfig', rawConfig: {} } },
      ],
    },
    {
      asn: 64514,
      neighbors: [{ asn: 1, address: '10.0.0.1' }],
      interfaces: [{ type: 'NetworkDevice', networkDevice: { interfaceName: 'eth1' } }],
      srv6: { locator: { basePrefix: 'fd00::/48', format: 'usid-f3216' } },
    },
    {
      asn: 64514,
      neighbors: [{ asn: 1, type: 'External', address: '10.0.0.1' }],
      interfaces: [{ type: 'NetworkDevice', networkDevice: { interfaceName: 'eth1' } }],
    },
  ],
  RoutingDomain: [
    { type: 'L3VNI', l3vni: { name: 'red' } },
    { type: 'L3VNI', l3vpn: { name: 'red' } },
    { type: 'L3VPN', l3vpn: { name: 'blue' } },
    { type: 'L3VPN' },
  ],
  HostBridge: [
    { lifecycle: 'Managed' },
    { lifecycle: 'Managed', name: 'br0' },
    { lifecycle: 'External' },
    { lifecycle: 'External', name: 'br0' },
  ],
  HostMaster: [
    { type: 'LinuxBridge', linuxBridge: { lifecycle: 'Managed' } },
    { type: 'OVSBridge', linuxBridge: { lifecycle: 'Managed' } },
    { type: 'OVSBridge', ovsBridge: { lifecycle: 'External', name: 'ovs0' } },
  ],
  L2VNI: [
    { vni: 110 },
    { vni: 110, gatewayIPs: ['192.170.1.1/24'] },
    { vni: 110, gatewayIPs: ['192.170.1.1/24'], routingDomain: { type: 'L3VNI', l3vni: { name: 'red' } } },
  ],
};

describe('generated CEL rules agree with the JSON Schema', () => {
  for (const [def, list] of Object.entries(samples)) {
    describe(def, () => {
      list.forEach((sample, i) => {
        const expected = jsonSchemaValid(def, sample);
        it(`#${i} ${JSON.stringify(sample)} is ${expected ? 'valid' : 'invalid'}`, () => {
          const errs = generatedErrors(def, sample);
          expect(errs.length === 0, JSON.stringify(errs)).toBe(expected);
        });
      });
      it('has valid and invalid samples', () => {
        const verdicts = new Set(list.map((s) => jsonSchemaValid(def, s)));
        expect(verdicts).toEqual(new Set([true, false]));
      });
    });
  }

  it('report the x-message of the failed rule', () => {
    const errs = generatedErrors('Neighbor', { asn: 64512, type: 'External', address: '10.0.0.1' });
    expect(errs).toEqual([{ type: 'FieldValueInvalid', field: 'spec', value: 'object', detail: 'ASN and Type cannot be set together' }]);
  });
});

describe('the stand-in CEL interpreter', () => {
  const run = (src: string, self: unknown, oldSelf?: unknown): unknown => evalCel(compileCel(src), { self, oldSelf });

  it('absorbs errors in && and || when the other side decides, as CEL does', () => {
    expect(run('self.missing == 1 || true', {})).toBe(true);
    expect(run('false && self.missing == 1', {})).toBe(false);
    expect(run('self.missing == 1 && false', {})).toBe(false);
    expect(() => run('self.missing == 1 || false', {})).toThrow(CelError);
  });

  it('evaluates macros, has(), in, ternaries, escaped names and transition rules', () => {
    expect(run("self.all(x, x.type == 'a') || self.exists(x, x.type == 'b')", [{ type: 'a' }, { type: 'b' }])).toBe(true);
    expect(run('self.exists_one(x, x > 1)', [1, 2, 3])).toBe(false);
    expect(run('self.filter(x, x > 1).size() == 2', [1, 2, 3])).toBe(true);
    expect(run("has(self.a) ? self.a in ['x', 'y'] : false", { a: 'y' })).toBe(true);
    expect(run('self.__namespace__ == 1 && self.a__dash__b == 2', { namespace: 1, 'a-b': 2 })).toBe(true);
    expect(run('self == oldSelf', { ipv4: '10.0.0.0/24' }, { ipv4: '10.0.0.0/24' })).toBe(true);
    expect(run('self == oldSelf', { ipv4: '10.0.0.0/24' }, { ipv4: '10.1.0.0/24' })).toBe(false);
    expect(run("'abc'.startsWith('a') && size('abc') == 3", null)).toBe(true);
  });

  it('refuses functions of Kubernetes libraries it does not carry instead of guessing (IP/CIDR: cel-net.test.ts)', () => {
    expect(() => compileCel("url(self).getHost() == 'x'")).toThrow(/unsupported function (url|getHost)/);
    expect(() => compileCel('quantity(self).isInteger()')).toThrow(/unsupported function (quantity|isInteger)/);
    expect(() => compileCel('self.isSorted()')).toThrow(/unsupported function isSorted/);
    expect(() => compileCel('isCIDR(self)')).not.toThrow();
    expect(evalCel(compileCel('1.5 > 1'), {})).toBe(true); // real CEL has doubles
  });
});
