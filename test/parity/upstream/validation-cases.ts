// Cases of OpenPERouter's validation tests (internal/conversion/validate_*_test.go and
// internal/webhooks/*_webhook_test.go at upstream commit 1d5dcdfd), restated as API objects with
// upstream's verdict: the facts of each table entry (names, numbers, addresses) carried over,
// written here. Run through the daemon's path by test/k8s/upstream-corpus.test.ts. Cases of
// upstream's helper functions (hasIPOverlap, route-target parsing, …) appear through the
// resources that reach them.

import { l2, l3, nic, rd, hs, U, UN, underlay, V, type Spec, type ValidationCase } from './validation-builders.js';
import { hostSessionCases, passthroughCases, unsupportedCases, webhookCases } from './validation-cases-sessions.js';

export type { Spec, ValidationCase } from './validation-builders.js';

function underlayCases(): ValidationCase[] {
  const one = (name: string, over: Spec, verdict: 'valid' | 'invalid', rule?: string, expect?: string): ValidationCase => ({
    upstream: `${U}/"${name}"`,
    objects: { underlays: [underlay(over)] },
    verdict,
    ...(rule !== undefined ? { rule } : {}),
    ...(expect !== undefined ? { expect } : {}),
  });
  const range = (r: string): Spec => ({ asn: 65002, listenRange: r });
  return [
    one('valid underlay', {}, 'valid'),
    one('invalid VTEP CIDR', { tunnelEndpoint: { cidrs: ['invalidCIDR'] } }, 'invalid', 'invalid tunnel endpoint CIDRs'),
    one('invalid NIC name', { interfaces: [nic('1$^&invalid')] }, 'invalid', 'invalid interface name'),
    one('more than one nic', { interfaces: [nic('eth0'), nic('eth1')] }, 'valid'),
    one('same local and remote ASN (iBGP)', { neighbors: [{ asn: 65001, address: '192.168.1.1' }] }, 'valid'),
    one('underlay NIC is a vlan sub-interface', { interfaces: [nic('eth0.100')] }, 'valid'),
    one('underlay NIC starts with dot', { interfaces: [nic('.eth0')] }, 'invalid', 'invalid interface name .eth0'),
    one('a vlan sub interface whose name is too long', { interfaces: [nic('verylongname.123')] }, 'invalid', 'invalid interface name'),
    one('underlay NIC with invalid characters after dot', { interfaces: [nic('eth0.100!')] }, 'invalid', 'invalid interface name'),
    one('valid IPv6-only tunnel endpoint', { tunnelEndpoint: { cidrs: ['fd00:100::/64'] } }, 'valid'),
    one('valid dual-stack tunnel endpoint', { tunnelEndpoint: { cidrs: ['192.168.1.0/24', 'fd00:100::/64'] } }, 'valid'),
    one(
      'multiple listen range neighbors with explicit neighbors',
      {
        neighbors: [
          range('192.168.10.0/24'),
          range('192.168.11.0/24'),
          range('fd00:10::/64'),
          { asn: 65002, address: '192.168.10.3' },
          { asn: 65002, address: '192.168.10.4' },
        ],
      },
      'valid',
    ),
    one(
      'multiple neighbors without address do not collide',
      {
        interfaces: [nic('eth0')],
        neighbors: [
          { asn: 65002, interface: 'eth0' },
          { asn: 65002, interface: 'eth1' },
        ],
      },
      'valid',
    ),
    one('duplicate interface name', { interfaces: [nic('eth0'), nic('eth0')] }, 'invalid', 'duplicate underlay interface name eth0'),
    one(
      'duplicate neighbor address',
      {
        neighbors: [
          { asn: 65002, address: '192.168.1.1' },
          { asn: 65003, address: '192.168.1.1' },
        ],
      },
      'invalid',
      'duplicate neighbor address: duplicate entry 192.168.1.1',
    ),
    one(
      'neighbors via different interfaces',
      {
        interfaces: [nic('eth0'), nic('eth1')],
        neighbors: [
          { asn: 65002, interface: 'eth0' },
          { asn: 65003, interface: 'eth1' },
        ],
      },
      'valid',
    ),
    one(
      'neighbors with the same interface name',
      {
        neighbors: [
          { asn: 65002, interface: 'eth0' },
          { asn: 65003, interface: 'eth0' },
        ],
      },
      'invalid',
      'only one peer is allowed per interface',
    ),
    one('duplicate listen range', { neighbors: [range('192.168.10.0/24'), range('192.168.10.0/24')] }, 'invalid', 'listenRange overlaps'),
    one(
      'overlapping listen ranges',
      { neighbors: [range('192.168.10.0/24'), range('192.168.10.128/25')] },
      'invalid',
      'listenRange overlaps',
    ),
    one(
      'listen ranges equal after masking host bits',
      { neighbors: [range('192.168.10.0/24'), range('192.168.10.1/24')] },
      'invalid',
      'listenRange overlaps',
    ),
    one('invalid listen range', { neighbors: [range('192.168.10.5')] }, 'invalid', 'invalid listenRange 192.168.10.5'),
    one(
      'invalid SRv6 Locator Format',
      { srv6: { locator: { basePrefix: 'fd00:0:32::/48', format: 'usid-finvalid' } } },
      'invalid',
      'invalid locator format',
    ),
    {
      upstream: `${U}/"multiple underlays"`,
      objects: { underlays: [underlay(), underlay({ asn: 65005 })] },
      verdict: 'invalid',
      rule: "can't have more than one underlay per node",
    },
    {
      upstream: `${UN}/"node with underlay having same local and remote ASN (iBGP)"`,
      objects: { underlays: [underlay({ neighbors: [{ asn: 65001, address: '192.168.1.1' }] })] },
      verdict: 'valid',
    },
    {
      upstream: `${UN}/"neighbor having ASN 0 with external"`,
      objects: { underlays: [underlay({ neighbors: [{ type: 'External', address: '192.168.1.1' }] })] },
      verdict: 'valid',
    },
  ];
}

function vniCases(): ValidationCase[] {
  const gw = (name: string, vni: number, gatewayIPs: string[], l3vni = 'red'): Spec => l2(name, vni, { ...rd(l3vni), gatewayIPs });
  const red = l3('red', 'red', 100);
  const c = (test: string, objects: ValidationCase['objects'], verdict: 'valid' | 'invalid', rule?: string): ValidationCase => ({
    upstream: `${V}: ${test}`,
    objects: { underlays: [underlay()], ...objects },
    verdict,
    ...(rule !== undefined ? { rule } : {}),
  });
  return [
    c('TestFilterValidL3VNIs/"valid VNIs IPv4 only"', { l3vnis: [l3('red', 'red', 100, hs({ ipv4: '192.169.10.0/24' }))] }, 'valid'),
    c('TestFilterValidL3VNIs/"valid VNIs IPv6 only"', { l3vnis: [l3('red', 'red', 100, hs({ ipv6: '2001:db8:1::/64' }))] }, 'valid'),
    c(
      'TestFilterValidL3VNIs/"valid VNIs dual stack"',
      { l3vnis: [l3('red', 'red', 100, hs({ ipv4: '192.169.10.0/24', ipv6: '2001:db8:1::/64' }))] },
      'valid',
    ),
    c('TestFilterValidL2VNIs/"valid L2VNIs"', { l3vnis: [red], l2vnis: [l2('l2', 200, rd('red'))] }, 'valid'),
    c(
      'TestFilterValidL2VNIs/"duplicate routingDomain reference"',
      { l3vnis: [red], l2vnis: [l2('a', 200, rd('red')), l2('b', 201, rd('red'))] },
      'valid',
    ),
    c(
      'TestFilterValidL2VNIs/"valid hostmaster name"',
      { l2vnis: [l2('l2', 200, { hostMaster: { type: 'LinuxBridge', linuxBridge: { lifecycle: 'External', name: 'br-valid' } } })] },
      'valid',
    ),
    c(
      'TestFilterValidL2VNIs/"nil hostmaster name with Managed lifecycle"',
      { l2vnis: [l2('l2', 200, { hostMaster: { type: 'LinuxBridge', linuxBridge: { lifecycle: 'Managed' } } })] },
      'valid',
    ),
    c(
      'TestFilterValidL2VNIs/"invalid hostmaster name"',
      {
        l2vnis: [
          l2('l2', 200, { hostMaster: { type: 'LinuxBridge', linuxBridge: { lifecycle: 'External', name: 'br-invalid-name-too-long' } } }),
        ],
      },
      'invalid',
      'invalid hostmaster name',
    ),
    c('TestFilterValidL2VNIs/"valid GatewayIPs IPv4 CIDR"', { l3vnis: [red], l2vnis: [gw('l2', 200, ['192.168.1.1/24'])] }, 'valid'),
    c('TestFilterValidL2VNIs/"valid GatewayIPs IPv6 CIDR"', { l3vnis: [red], l2vnis: [gw('l2', 200, ['2001:db8::1/64'])] }, 'valid'),
    c(
      'TestFilterValidL2VNIs/"valid GatewayIPs dual-stack"',
      { l3vnis: [red], l2vnis: [gw('l2', 200, ['192.168.1.1/24', '2001:db8::1/64'])] },
      'valid',
    ),
    c(
      'TestFilterValidL2VNIs/"disconnected L2VNI with long name passes validation"',
      { l2vnis: [l2('a-very-long-l2vni-name-for-a-disconnected-vni', 200)] },
      'valid',
    ),
    c(
      'TestFilterValidL2VNIs/"invalid GatewayIPs dual-stack both ipv4"',
      { l3vnis: [red], l2vnis: [gw('l2', 200, ['192.168.1.1/24', '192.168.2.1/24'])] },
      'invalid',
      'gatewayIPs: one address per family',
    ),
    c(
      'TestFilterValidL2VNIs/"invalid GatewayIPs dual-stack both ipv6"',
      { l3vnis: [red], l2vnis: [gw('l2', 200, ['2001:db8::1/64', '2001:db9::1/64'])] },
      'invalid',
      'gatewayIPs: one address per family',
    ),
    c(
      'TestFilterValidL2VNIs/"invalid GatewayIPs CIDR"',
      { l3vnis: [red], l2vnis: [gw('l2', 200, ['192.168.1.1'])] },
      'invalid',
      'invalid gatewayIPs CIDR',
    ),
    c(
      'TestFilterValidVRFSubnets/"overlapping GatewayIPs CIDR in different VRFs"',
      {
        l3vnis: [red, l3('blue', 'blue', 101)],
        l2vnis: [gw('vni1', 200, ['192.168.1.1/24']), gw('vni2', 201, ['192.168.1.129/25'], 'blue')],
      },
      'valid',
    ),
    c(
      'TestFilterValidVRFSubnets/"overlapping GatewayIPs CIDR in same VRF"',
      { l3vnis: [red], l2vnis: [gw('vni1', 200, ['192.168.1.1/24']), gw('vni2', 201, ['192.168.1.129/25'])] },
      'invalid',
      'subnet overlap in VRF',
    ),
    c(
      'TestFilterValidVRFSubnets/"overlapping GatewayIPs CIDR V6 in same VRF"',
      { l3vnis: [red], l2vnis: [gw('vni1', 200, ['2000::1/64']), gw('vni2', 201, ['2000::1:0:0:1/80'])] },
      'invalid',
      'subnet overlap in VRF',
    ),
    c(
      'TestFilterValidVRFSubnets/"l3VNI and GatewayIPs CIDR overlap in same VRF"',
      { l3vnis: [l3('vni1', 'vni1', 100, hs({ ipv4: '192.168.1.0/24' }))], l2vnis: [gw('vni2', 201, ['192.168.1.129/25'], 'vni1')] },
      'invalid',
      'subnet overlap in VRF',
    ),
    {
      ...c(
        'TestFilterValidVRFSubnets/"l3VNI and GatewayIPs CIDR overlap in different VRFs"',
        { l3vnis: [l3('vni1', 'vni1', 100, hs({ ipv4: '192.168.1.0/24' })), red], l2vnis: [gw('vni2', 201, ['192.168.1.129/25'])] },
        'valid',
      ),
      difference: {
        verdict: 'invalid',
        why: 'VRF "vni1" would collide with perouterd\'s own interfaces (README: stricter where upstream fails late)',
      },
      expect: 'reserved',
    },
    c(
      'TestFilterValidVRFSubnets/"disconnected L2VNI is skipped in subnet overlap checks"',
      { l2vnis: [l2('vni1', 200), l2('vni2', 201)] },
      'valid',
    ),
    c(
      'TestFilterUniqueVRFs_DuplicateVRF',
      { l3vnis: [l3('vni1', 'vni1', 100), l3('vni2', 'vni1', 101)] },
      'invalid',
      'more than one L3VNI detected in VRF',
    ),
    c('TestValidateOverlayResourcesForNodes/"valid mixed L3VNI, L2VNI"', { l3vnis: [red], l2vnis: [l2('l2', 200, rd('red'))] }, 'valid'),
    c(
      'TestValidateOverlayResourcesForNodes/"invalid L3VNI VRF name too long"',
      { l3vnis: [l3('red', 'a-very-long-vrf-name', 100)] },
      'invalid',
      'VRF name too long',
    ),
    c(
      'TestValidateOverlayResourcesForNodes/"duplicate VNI number across L3VNIs"',
      { l3vnis: [red, l3('blue', 'blue', 100)] },
      'invalid',
      'duplicate L3VNIs',
    ),
    c(
      'TestValidateOverlayResourcesForNodes/"duplicate VNI number between L3VNI and L2VNI"',
      { l3vnis: [red], l2vnis: [l2('l2vni1', 100)] },
      'invalid',
      'duplicate VNIs found in L2VNIs',
    ),
    c(
      'TestValidateOverlayResourcesForNodes/"duplicate VRF across L3VNIs"',
      { l3vnis: [red, l3('red2', 'red', 101)] },
      'invalid',
      'duplicate L3VNI VRFs',
    ),
    c(
      'TestValidateOverlayResourcesForNodes/"invalid L3VNI route target"',
      { l3vnis: [l3('red', 'red', 100, { exportRTs: ['65000'] })] },
      'invalid',
      "RT must have one of the following formats: 'ASN:MN' or 'IPv4Address:MN'",
    ),
    c(
      'TestValidateOverlayResourcesForNodes/"dual-stack subnets no overlap in same VRF"',
      {
        l3vnis: [l3('red', 'red', 100, hs({ ipv4: '192.168.1.0/24', ipv6: '2001:db8:1::/64' }))],
        l2vnis: [gw('l2', 200, ['192.168.2.1/24', '2001:db8:2::1/64'])],
      },
      'valid',
    ),
    c(
      'TestValidateOverlayResourcesForNodes/"IPv6 subnet overlap in same VRF"',
      { l3vnis: [l3('red', 'red', 100, hs({ ipv6: '2001:db8::/32' }))], l2vnis: [gw('l2', 200, ['2001:db8:1::1/64'])] },
      'invalid',
      'subnet overlaps found in VRFs',
    ),
    c('TestValidateRouteTarget/"4-byte ASN route target"', { l3vnis: [l3('red', 'red', 100, { importRTs: ['4200000000:100'] })] }, 'valid'),
    c('TestValidateRouteTarget/"single IP route target"', { l3vnis: [l3('red', 'red', 100, { importRTs: ['10.0.0.1:100'] })] }, 'valid'),
    c(
      'TestValidateRouteTarget/"invalid route target non-numeric ASN"',
      { l3vnis: [l3('red', 'red', 100, { importRTs: ['abc:100'] })] },
      'invalid',
      'RT format must have ASN:MN',
    ),
  ];
}

export const VALIDATION_CASES: ValidationCase[] = [
  ...webhookCases(),
  ...underlayCases(),
  ...vniCases(),
  ...hostSessionCases(),
  ...passthroughCases(),
  ...unsupportedCases(),
];
