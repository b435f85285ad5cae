import { describe, expect, it } from 'vitest';
import {
  checkStaticFile,
  cidrError,
  cidrListError,
  interfaceNameError,
  isValidObjectName,
  routeTargetError,
  unsupportedFeatureIssues,
} from '../../src/config/spec/index.js';

describe('route targets (upstream rules)', () => {
  it.each(['64512:100', '65535:4294967295', '65536:65535', '4294967295:1', '10.0.0.1:65535', '0:0'])('accepts %s', (rt) => {
    expect(routeTargetError(rt)).toBeUndefined();
  });
  it.each([
    ['64512', /must be ASN:MN or A.B.C.D:MN/],
    ['1:2:3', /must be ASN:MN or A.B.C.D:MN/],
    ['10.0.0.1:65536', /A.B.C.D:MN needs MN <= 65535/],
    ['10.0.0.1:x', /A.B.C.D:MN needs MN <= 65535/],
    ['999.0.0.1:1', /999.0.0.1 is not a valid IPv4 address/],
    ['4294967296:1', /ASN a number up to 4294967295/],
    ['abc:1', /must be ASN:MN/],
    ['100:-1', /MN must be a number/],
    ['100:4294967296', /2-byte ASN, MN must be <= 4294967295/],
    ['65536:65536', /4-byte ASN, MN must be <= 65535/],
  ])('rejects %s', (rt, msg) => {
    expect(routeTargetError(rt)).toMatch(msg);
  });
});

describe('value helpers', () => {
  it('interface names', () => {
    expect(interfaceNameError('eth0')).toBeUndefined();
    expect(interfaceNameError('red.10')).toBeUndefined();
    expect(interfaceNameError('')).toMatch(/empty/);
    expect(interfaceNameError('a234567890123456')).toMatch(/longer than 15/);
    expect(interfaceNameError('0eth')).toMatch(/invalid characters/);
  });
  it('CIDRs and CIDR lists', () => {
    expect(cidrError('10.0.0.0/8')).toBeUndefined();
    expect(cidrError('10.0.0.0/8', 6)).toMatch(/must be an IPv6 CIDR/);
    expect(cidrError('10.0.0.0')).toMatch(/not a valid CIDR/);
    expect(cidrListError(['10.0.0.0/8', 'fd00::/8'], 'x')).toBeUndefined();
    expect(cidrListError(['10.0.0.0/8', '11.0.0.0/8'], 'x')).toEqual({
      index: 1,
      message: 'x: at most one IPv4 and one IPv6 CIDR (10.0.0.0/8 and 11.0.0.0/8 are both IPv4)',
    });
  });
  it('object names', () => {
    expect(isValidObjectName('static-node1-red')).toBe(true);
    expect(isValidObjectName('static-node1-')).toBe(false);
    expect(isValidObjectName('Red')).toBe(false);
  });
});

describe('rules on parsed data', () => {
  it('unsupported features are found on raw data', () => {
    const issues = unsupportedFeatureIssues({
      underlays: [{ isis: {}, srv6: {}, interfaces: [{ type: 'CNIDevice' }, { cniDevice: {} }] }],
      l2vnis: [{ hostMaster: { type: 'OVSBridge' } }, { routingDomain: { type: 'L3VPN' } }],
      l3vpns: [{}],
    });
    expect(issues.map((i) => [i.path.join('/'), i.message])).toEqual([
      ['underlays/0/isis', 'isis: not supported yet by perouterd'],
      ['underlays/0/srv6', 'srv6: not supported yet by perouterd'],
      ['underlays/0/interfaces/0/type', 'CNIDevice: not supported yet by perouterd (use type NetworkDevice)'],
      ['underlays/0/interfaces/1/cniDevice', 'cniDevice: not supported yet by perouterd (use type NetworkDevice)'],
      ['l2vnis/0/hostMaster/type', 'OVSBridge: not supported yet by perouterd (use type LinuxBridge)'],
      ['l2vnis/1/routingDomain', 'routingDomain of type L3VPN: not supported yet by perouterd'],
      ['l3vpns', 'l3vpns: not supported yet by perouterd'],
    ]);
    expect(unsupportedFeatureIssues('garbage')).toEqual([]);
  });
  it('static file rules', () => {
    const issues = checkStaticFile({
      underlays: [
        {
          asn: 1,
          routerIDCIDR: '10.0.0.0/24',
          neighbors: [{ asn: 2, address: '10.1.1.1', holdTimeSeconds: 3, keepaliveTimeSeconds: 4 }],
          interfaces: [{ type: 'NetworkDevice', networkDevice: { interfaceName: 'eth1' } }],
          routeReflector: { clusterID: '10.0.0.1' },
        },
      ],
      bgppassthrough: { hostSession: { asn: 5, hostASN: 5, localCIDR: { ipv4: '10.9.0.0/24' } } },
    });
    expect(issues.map((i) => [i.path.join('/'), i.message])).toEqual([
      ['underlays/0/routeReflector/clusterID', 'clusterID must lie outside routerIDCIDR 10.0.0.0/24'],
      ['underlays/0/neighbors/0/keepaliveTimeSeconds', 'must be <= holdTimeSeconds (3)'],
    ]);
  });
});
