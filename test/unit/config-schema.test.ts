// Every schema rule (and the code rules of rules.ts) accepted and rejected, with the
// location of the rejection: file, line (the line marked `#<`) and field path.
import { describe, expect, it } from 'vitest';
import { loadText, underlayYaml } from '../fixtures/config/harness.js';

interface Rejected {
  name: string;
  yaml: string;
  field: string;
  message: RegExp;
}

/** An underlay whose first neighbor is replaced by `neighbor` (lines at 6-space indent, first line marked). */
function withNeighbor(neighbor: string): string {
  return `underlays:
  - asn: 64514
    neighbors:
${neighbor}
    interfaces:
      - type: NetworkDevice
        networkDevice: {interfaceName: eth1}
`;
}

/** A file with the valid underlay plus `rest` at top level. */
function withUnderlay(rest: string): string {
  return underlayYaml() + rest;
}

const rejected: Rejected[] = [
  // ------------------------------------------------------------ top level
  {
    name: 'top level must be a mapping',
    yaml: '- a #<\n- b\n',
    field: '',
    message: /^not a perouterd configuration file \(the top level is not a mapping/,
  },
  { name: 'underlays must be a list', yaml: 'underlays: 5 #<\n', field: 'underlays', message: /must be a list/ },
  {
    name: 'l3vpns not supported',
    yaml: 'l3vpns: #<\n  - {vrf: a, importRTs: ["1:1"], rdAssignedNumber: 1}\n',
    field: 'l3vpns',
    message: /^l3vpns: not supported yet by perouterd$/,
  },
  {
    name: 'l3vpn schema still checked',
    yaml: 'l3vpns:\n  - {vrf: a, rdAssignedNumber: 1} #<\n',
    field: 'l3vpns[0].importRTs',
    message: /is required/,
  },
  // ------------------------------------------------------------ underlay
  {
    name: 'underlay asn required',
    yaml: 'underlays:\n  - routerIDCIDR: 10.0.0.0/24 #<\n    neighbors: [{asn: 1, address: 1.1.1.1}]\n    interfaces: [{type: NetworkDevice, networkDevice: {interfaceName: eth1}}]\n',
    field: 'underlays[0].asn',
    message: /is required/,
  },
  {
    name: 'underlay asn >= 1',
    yaml: underlayYaml().replace('asn: 64514', 'asn: 0 #<'),
    field: 'underlays[0].asn',
    message: /must be >= 1/,
  },
  {
    name: 'underlay asn <= 2^32-1',
    yaml: underlayYaml().replace('asn: 64514', 'asn: 4294967296 #<'),
    field: 'underlays[0].asn',
    message: /must be <= 4294967295/,
  },
  {
    name: 'underlay asn integer',
    yaml: underlayYaml().replace('asn: 64514', 'asn: "64514" #<'),
    field: 'underlays[0].asn',
    message: /must be an integer/,
  },
  {
    name: 'neighbors at least one',
    yaml: 'underlays:\n  - asn: 1\n    neighbors: [] #<\n    interfaces: [{type: NetworkDevice, networkDevice: {interfaceName: eth1}}]\n',
    field: 'underlays[0].neighbors',
    message: /must NOT have fewer than 1 items/,
  },
  {
    name: 'neighbors at most 128',
    yaml: `underlays:\n  - asn: 1\n    neighbors: [${Array.from({ length: 129 }, (_, i) => `{asn: 1, address: 10.0.${Math.floor(i / 200)}.${i % 200}}`).join(', ')}] #<\n    interfaces: [{type: NetworkDevice, networkDevice: {interfaceName: eth1}}]\n`,
    field: 'underlays[0].neighbors',
    message: /must NOT have more than 128 items/,
  },
  {
    name: 'interfaces required',
    yaml: 'underlays:\n  - asn: 1 #<\n    neighbors: [{asn: 1, address: 1.1.1.1}]\n',
    field: 'underlays[0].interfaces',
    message: /is required/,
  },
  {
    name: 'interfaces at least one',
    yaml: 'underlays:\n  - asn: 1\n    neighbors: [{asn: 1, address: 1.1.1.1}]\n    interfaces: [] #<\n',
    field: 'underlays[0].interfaces',
    message: /must NOT have fewer than 1 items/,
  },
  {
    name: 'interfaceName pattern',
    yaml: underlayYaml().replace('interfaceName: eth1', 'interfaceName: 1eth #<'),
    field: 'underlays[0].interfaces[0].networkDevice.interfaceName',
    message: /must match pattern/,
  },
  {
    name: 'interfaceName length',
    yaml: underlayYaml().replace('interfaceName: eth1', 'interfaceName: abcdefghijklmnop #<'),
    field: 'underlays[0].interfaces[0].networkDevice.interfaceName',
    message: /more than 15 characters/,
  },
  {
    name: 'NetworkDevice needs networkDevice',
    yaml: 'underlays:\n  - asn: 1\n    neighbors: [{asn: 1, address: 1.1.1.1}]\n    interfaces:\n      - type: NetworkDevice #<\n',
    field: 'underlays[0].interfaces[0]',
    message: /networkDevice must be set when type is NetworkDevice/,
  },
  {
    name: 'interface type enum',
    yaml: 'underlays:\n  - asn: 1\n    neighbors: [{asn: 1, address: 1.1.1.1}]\n    interfaces:\n      - type: Bond #<\n',
    field: 'underlays[0].interfaces[0].type',
    message: /must be one of: NetworkDevice, CNIDevice/,
  },
  {
    name: 'interfaces of mixed types',
    yaml: 'underlays:\n  - asn: 1\n    neighbors: [{asn: 1, address: 1.1.1.1}]\n    interfaces: #<\n      - {type: NetworkDevice, networkDevice: {interfaceName: eth1}}\n      - {type: CNIDevice, cniDevice: {type: RawConfig, rawConfig: {}}}\n',
    field: 'underlays[0].interfaces',
    message: /mixing NetworkDevice and CNIDevice/,
  },
  {
    name: 'CNIDevice not supported',
    yaml: 'underlays:\n  - asn: 1\n    neighbors: [{asn: 1, address: 1.1.1.1}]\n    interfaces:\n      - type: CNIDevice\n        cniDevice: #<\n          type: RawConfig\n          rawConfig: {cniVersion: "1.0.0"}\n',
    field: 'underlays[0].interfaces[0].cniDevice',
    message: /^cniDevice: not supported yet by perouterd/,
  },
  {
    name: 'tunnelEndpoint cidrs 1..2 (empty)',
    yaml: underlayYaml().replace('cidrs: [100.65.0.0/24]', 'cidrs: [] #<'),
    field: 'underlays[0].tunnelEndpoint.cidrs',
    message: /fewer than 1 items/,
  },
  {
    name: 'tunnelEndpoint cidrs 1..2 (three)',
    yaml: underlayYaml().replace('cidrs: [100.65.0.0/24]', 'cidrs: [100.65.0.0/24, "fd00::/64", 100.66.0.0/24] #<'),
    field: 'underlays[0].tunnelEndpoint.cidrs',
    message: /more than 2 items/,
  },
  {
    name: 'tunnelEndpoint cidrs required',
    yaml: underlayYaml().replace('cidrs: [100.65.0.0/24]', 'foo: 1').replace('tunnelEndpoint:', 'tunnelEndpoint: #<'),
    field: 'underlays[0].tunnelEndpoint.cidrs',
    message: /is required/,
  },
  {
    name: 'tunnelEndpoint cidr must parse',
    yaml: underlayYaml().replace('cidrs: [100.65.0.0/24]', 'cidrs:\n        - 100.65.0.0/33 #<'),
    field: 'underlays[0].tunnelEndpoint.cidrs[0]',
    message: /not a valid CIDR/,
  },
  {
    name: 'tunnelEndpoint at most one per family',
    yaml: underlayYaml().replace('cidrs: [100.65.0.0/24]', 'cidrs:\n        - 100.65.0.0/24\n        - 100.66.0.0/24 #<'),
    field: 'underlays[0].tunnelEndpoint.cidrs[1]',
    message: /at most one IPv4 and one IPv6/,
  },
  {
    name: 'routerIDCIDR must parse',
    yaml: underlayYaml('    routerIDCIDR: 10.0.0/24 #<\n'),
    field: 'underlays[0].routerIDCIDR',
    message: /not a valid CIDR/,
  },
  {
    name: 'routerIDCIDR must be IPv4',
    yaml: underlayYaml('    routerIDCIDR: "fd00::/64" #<\n'),
    field: 'underlays[0].routerIDCIDR',
    message: /IPv4/,
  },
  {
    name: 'gracefulRestart restartTimeSeconds >= 1',
    yaml: underlayYaml('    gracefulRestart:\n      restartTimeSeconds: 0 #<\n'),
    field: 'underlays[0].gracefulRestart.restartTimeSeconds',
    message: /must be >= 1/,
  },
  {
    name: 'gracefulRestart stalePathTimeSeconds <= 4095',
    yaml: underlayYaml('    gracefulRestart:\n      stalePathTimeSeconds: 4096 #<\n'),
    field: 'underlays[0].gracefulRestart.stalePathTimeSeconds',
    message: /must be <= 4095/,
  },
  {
    name: 'clusterID length',
    yaml: underlayYaml('    routeReflector:\n      clusterID: 1.2.3 #<\n'),
    field: 'underlays[0].routeReflector.clusterID',
    message: /fewer than 7 characters/,
  },
  {
    name: 'clusterID IPv4',
    yaml: underlayYaml('    routeReflector:\n      clusterID: 1.2.3.400 #<\n'),
    field: 'underlays[0].routeReflector.clusterID',
    message: /not a valid IPv4 address/,
  },
  {
    name: 'clusterID outside routerIDCIDR',
    yaml: underlayYaml('    routerIDCIDR: 10.0.0.0/24\n    routeReflector:\n      clusterID: 10.0.0.9 #<\n'),
    field: 'underlays[0].routeReflector.clusterID',
    message: /outside routerIDCIDR/,
  },
  {
    name: 'isis not supported',
    yaml: underlayYaml('    isis: #<\n      baseNet: 49.0001.0000.0000.0001.00\n'),
    field: 'underlays[0].isis',
    message: /^isis: not supported yet by perouterd$/,
  },
  {
    name: 'isis baseNet pattern',
    yaml: underlayYaml('    isis:\n      baseNet: 49.0001.0000.0000.0001.0X #<\n'),
    field: 'underlays[0].isis.baseNet',
    message: /must match pattern/,
  },
  {
    name: 'srv6 requires isis',
    yaml: underlayYaml('    srv6:\n      locator: {basePrefix: "fd00:0:32::/48", format: usid-f3216}\n').replace(
      '- asn: 64514',
      '- asn: 64514 #<',
    ),
    field: 'underlays[0]',
    message: /SRv6 can only be configured if isis is set/,
  },
  {
    name: 'srv6 not supported',
    yaml: underlayYaml('    srv6: #<\n      locator: {basePrefix: "fd00:0:32::/48", format: usid-f3216}\n'),
    field: 'underlays[0].srv6',
    message: /^srv6: not supported yet by perouterd$/,
  },
  {
    name: 'srv6 locator format enum',
    yaml: underlayYaml('    srv6:\n      locator: {basePrefix: "fd00:0:32::/48", format: f3216} #<\n'),
    field: 'underlays[0].srv6.locator.format',
    message: /must be one of: usid-f3216/,
  },
  {
    name: 'label selector operator enum',
    yaml: underlayYaml('    nodeSelector:\n      matchExpressions:\n        - {key: a, operator: Has} #<\n'),
    field: 'underlays[0].nodeSelector.matchExpressions[0].operator',
    message: /must be one of: In, NotIn, Exists, DoesNotExist/,
  },
  // ------------------------------------------------------------ neighbor
  {
    name: 'neighbor asn and type together',
    yaml: withNeighbor('      - asn: 1 #<\n        type: External\n        address: 1.1.1.1'),
    field: 'underlays[0].neighbors[0]',
    message: /^ASN and Type cannot be set together$/,
  },
  {
    name: 'neighbor without asn or type',
    yaml: withNeighbor('      - address: 1.1.1.1 #<'),
    field: 'underlays[0].neighbors[0]',
    message: /^either ASN or Type must be set$/,
  },
  {
    name: 'neighbor type enum',
    yaml: withNeighbor('      - type: external #<\n        address: 1.1.1.1'),
    field: 'underlays[0].neighbors[0].type',
    message: /must be one of: External, Internal/,
  },
  {
    name: 'neighbor asn range',
    yaml: withNeighbor('      - asn: 0 #<\n        address: 1.1.1.1'),
    field: 'underlays[0].neighbors[0].asn',
    message: /must be >= 1/,
  },
  {
    name: 'neighbor address and interface together',
    yaml: withNeighbor('      - asn: 1 #<\n        address: 1.1.1.1\n        interface: eth2'),
    field: 'underlays[0].neighbors[0]',
    message: /^Address and Interface cannot be set together for Neighbor$/,
  },
  {
    name: 'neighbor without address',
    yaml: withNeighbor('      - asn: 1 #<'),
    field: 'underlays[0].neighbors[0]',
    message: /^Either a valid Address, Interface name or ListenRange must be provided for Neighbor$/,
  },
  {
    name: 'neighbor address must be an IP',
    yaml: withNeighbor('      - asn: 1\n        address: 192.168.11.300 #<'),
    field: 'underlays[0].neighbors[0].address',
    message: /not a valid IPv4 or IPv6 address/,
  },
  {
    name: 'neighbor address max length',
    yaml: withNeighbor(`      - asn: 1\n        address: "${'1'.repeat(40)}" #<`),
    field: 'underlays[0].neighbors[0].address',
    message: /more than 39 characters/,
  },
  {
    name: 'listenRange must be a CIDR',
    yaml: withNeighbor('      - asn: 1\n        listenRange: 10.0.0.0 #<'),
    field: 'underlays[0].neighbors[0].listenRange',
    message: /not a valid CIDR/,
  },
  {
    name: 'listenRange not IPv6 link-local',
    yaml: withNeighbor('      - asn: 1\n        listenRange: "fe80::/64" #<'),
    field: 'underlays[0].neighbors[0].listenRange',
    message: /link-local/,
  },
  {
    name: 'interface neighbor pattern',
    yaml: withNeighbor('      - asn: 1\n        interface: eth/0 #<'),
    field: 'underlays[0].neighbors[0].interface',
    message: /must match pattern/,
  },
  {
    name: 'interface neighbor not ..',
    yaml: withNeighbor('      - asn: 1\n        interface: ".." #<'),
    field: 'underlays[0].neighbors[0].interface',
    message: /must not be "." or ".."/,
  },
  {
    name: 'port range',
    yaml: withNeighbor('      - asn: 1\n        address: 1.1.1.1\n        port: 16385 #<'),
    field: 'underlays[0].neighbors[0].port',
    message: /must be <= 16384/,
  },
  {
    name: 'password without spaces',
    yaml: withNeighbor('      - asn: 1\n        address: 1.1.1.1\n        password: "a b" #<'),
    field: 'underlays[0].neighbors[0].password',
    message: /must match pattern/,
  },
  {
    name: 'password max length',
    yaml: withNeighbor(`      - asn: 1\n        address: 1.1.1.1\n        password: ${'x'.repeat(129)} #<`),
    field: 'underlays[0].neighbors[0].password',
    message: /more than 128 characters/,
  },
  {
    name: 'hold time without keepalive',
    yaml: withNeighbor('      - asn: 1\n        address: 1.1.1.1\n        holdTimeSeconds: 90 #<'),
    field: 'underlays[0].neighbors[0].holdTimeSeconds',
    message: /holdTimeSeconds requires keepaliveTimeSeconds/,
  },
  {
    name: 'keepalive without hold time',
    yaml: withNeighbor('      - asn: 1\n        address: 1.1.1.1\n        keepaliveTimeSeconds: 30 #<'),
    field: 'underlays[0].neighbors[0].keepaliveTimeSeconds',
    message: /keepaliveTimeSeconds requires holdTimeSeconds/,
  },
  {
    name: 'hold time 0 or >= 3',
    yaml: withNeighbor('      - asn: 1\n        address: 1.1.1.1\n        holdTimeSeconds: 2 #<\n        keepaliveTimeSeconds: 1'),
    field: 'underlays[0].neighbors[0].holdTimeSeconds',
    message: /^must be 0 or >= 3$/,
  },
  {
    name: 'keepalive <= hold',
    yaml: withNeighbor('      - asn: 1\n        address: 1.1.1.1\n        holdTimeSeconds: 9\n        keepaliveTimeSeconds: 10 #<'),
    field: 'underlays[0].neighbors[0].keepaliveTimeSeconds',
    message: /must be <= holdTimeSeconds \(9\)/,
  },
  {
    name: 'connectTimeSeconds >= 1',
    yaml: withNeighbor('      - asn: 1\n        address: 1.1.1.1\n        connectTimeSeconds: 0 #<'),
    field: 'underlays[0].neighbors[0].connectTimeSeconds',
    message: /must be >= 1/,
  },
  {
    name: 'properties at most one',
    yaml: withNeighbor('      - asn: 1\n        address: 1.1.1.1\n        properties: [{type: ebgpMultiHop}, {type: ebgpMultiHop}] #<'),
    field: 'underlays[0].neighbors[0].properties',
    message: /more than 1 items/,
  },
  {
    name: 'ebgpMultiHop ttl range',
    yaml: withNeighbor(
      '      - asn: 1\n        address: 1.1.1.1\n        properties:\n          - type: ebgpMultiHop\n            ebgpMultiHop: {ttl: 256} #<',
    ),
    field: 'underlays[0].neighbors[0].properties[0].ebgpMultiHop.ttl',
    message: /must be <= 255/,
  },
  {
    name: 'bfd receiveInterval >= 10',
    yaml: withNeighbor('      - asn: 1\n        address: 1.1.1.1\n        bfd:\n          receiveInterval: 5 #<'),
    field: 'underlays[0].neighbors[0].bfd.receiveInterval',
    message: /must be >= 10/,
  },
  {
    name: 'bfd transmitInterval <= 60000',
    yaml: withNeighbor('      - asn: 1\n        address: 1.1.1.1\n        bfd:\n          transmitInterval: 60001 #<'),
    field: 'underlays[0].neighbors[0].bfd.transmitInterval',
    message: /must be <= 60000/,
  },
  {
    name: 'bfd detectMultiplier >= 2',
    yaml: withNeighbor('      - asn: 1\n        address: 1.1.1.1\n        bfd:\n          detectMultiplier: 1 #<'),
    field: 'underlays[0].neighbors[0].bfd.detectMultiplier',
    message: /must be >= 2/,
  },
  {
    name: 'bfd minimumTTL <= 254',
    yaml: withNeighbor('      - asn: 1\n        address: 1.1.1.1\n        bfd:\n          minimumTTL: 255 #<'),
    field: 'underlays[0].neighbors[0].bfd.minimumTTL',
    message: /must be <= 254/,
  },
  {
    name: 'bfd sessionMode enum',
    yaml: withNeighbor('      - asn: 1\n        address: 1.1.1.1\n        bfd:\n          sessionMode: passive #<'),
    field: 'underlays[0].neighbors[0].bfd.sessionMode',
    message: /must be one of: Active, Passive/,
  },
  {
    name: 'address family type enum',
    yaml: withNeighbor('      - asn: 1\n        address: 1.1.1.1\n        addressFamilies:\n          - type: l2vpn #<'),
    field: 'underlays[0].neighbors[0].addressFamilies[0].type',
    message: /must be one of: ipv4unicast, ipv6unicast, evpn, ipv4vpn, ipv6vpn/,
  },
  {
    name: 'address families at most 4',
    yaml: withNeighbor(
      '      - asn: 1\n        address: "2001:db8::1"\n        addressFamilies: [{type: ipv4unicast}, {type: ipv6unicast}, {type: ipv4vpn}, {type: ipv6vpn}, {type: ipv4unicast}] #<',
    ),
    field: 'underlays[0].neighbors[0].addressFamilies',
    message: /more than 4 items/,
  },
  {
    name: 'address families unique by type',
    yaml: withNeighbor(
      '      - asn: 1\n        address: 1.1.1.1\n        addressFamilies:\n          - type: evpn\n          - type: evpn #<',
    ),
    field: 'underlays[0].neighbors[0].addressFamilies[1].type',
    message: /duplicate address family evpn/,
  },
  {
    name: 'evpn not with vpn families',
    yaml: withNeighbor(
      '      - asn: 1\n        address: "2001:db8::1"\n        addressFamilies: #<\n          - type: evpn\n          - type: ipv6vpn',
    ),
    field: 'underlays[0].neighbors[0].addressFamilies',
    message: /evpn cannot be combined with ipv4vpn or ipv6vpn/,
  },
  {
    name: 'vpn families not on interface neighbors',
    yaml: withNeighbor('      - asn: 1 #<\n        interface: eth2\n        addressFamilies: [{type: ipv4vpn}]'),
    field: 'underlays[0].neighbors[0]',
    message: /not supported on interface \(unnumbered\) neighbors/,
  },
  {
    name: 'vpn families need an IPv6 address',
    yaml: withNeighbor('      - asn: 1\n        address: 1.1.1.1\n        addressFamilies: [{type: ipv4vpn}] #<'),
    field: 'underlays[0].neighbors[0].addressFamilies',
    message: /need an IPv6 neighbor address/,
  },
  {
    name: 'routeReflectorClient requires type Internal',
    yaml: withNeighbor(
      '      - asn: 1 #<\n        address: 1.1.1.1\n        addressFamilies: [{type: evpn, properties: [{type: routeReflectorClient}]}]',
    ),
    field: 'underlays[0].neighbors[0]',
    message: /routeReflectorClient requires type Internal/,
  },
  {
    name: 'routeReflectorClient requires type Internal (bare string of perouterd 0.1)',
    yaml: withNeighbor(
      '      - asn: 1 #<\n        address: 1.1.1.1\n        addressFamilies: [{type: evpn, properties: [routeReflectorClient]}]',
    ),
    field: 'underlays[0].neighbors[0]',
    message: /routeReflectorClient requires type Internal/,
  },
  {
    name: 'address family properties enum',
    yaml: withNeighbor(
      '      - type: Internal\n        address: 1.1.1.1\n        addressFamilies:\n          - type: evpn\n            properties: [{type: rrClient}] #<',
    ),
    field: 'underlays[0].neighbors[0].addressFamilies[0].properties[0].type',
    message: /must be one of: routeReflectorClient/,
  },
  {
    name: 'address family properties enum (bare string)',
    yaml: withNeighbor(
      '      - type: Internal\n        address: 1.1.1.1\n        addressFamilies:\n          - type: evpn\n            properties: [rrClient] #<',
    ),
    field: 'underlays[0].neighbors[0].addressFamilies[0].properties[0].type',
    message: /must be one of: routeReflectorClient/,
  },
  {
    name: 'address family property without type',
    yaml: withNeighbor(
      '      - type: Internal\n        address: 1.1.1.1\n        addressFamilies:\n          - type: evpn\n            properties: [{}] #<',
    ),
    field: 'underlays[0].neighbors[0].addressFamilies[0].properties[0].type',
    message: /is required/,
  },
  {
    name: 'address family property twice',
    yaml: withNeighbor(
      '      - type: Internal\n        address: 1.1.1.1\n        addressFamilies:\n          - type: evpn\n            properties: [{type: routeReflectorClient}, routeReflectorClient] #<',
    ),
    field: 'underlays[0].neighbors[0].addressFamilies[0].properties[1].type',
    message: /duplicate property routeReflectorClient/,
  },
  // ------------------------------------------------------------ host session / L3VNI
  {
    name: 'hostSession needs hostASN or hostType',
    yaml: withUnderlay('l3vnis:\n  - {name: red, vrf: red, vni: 100, hostSession: {asn: 1, localCIDR: {ipv4: 192.169.10.0/24}}} #<\n'),
    field: 'l3vnis[0].hostSession',
    message: /^either HostASN or HostType must be set$/,
  },
  {
    name: 'hostSession not both hostASN and hostType',
    yaml: withUnderlay(
      'l3vnis:\n  - name: red\n    vrf: red\n    vni: 100\n    hostSession: #<\n      asn: 1\n      hostASN: 2\n      hostType: External\n      localCIDR: {ipv4: 192.169.10.0/24}\n',
    ),
    field: 'l3vnis[0].hostSession',
    message: /^HostASN and HostType cannot be set together$/,
  },
  {
    name: 'hostSession localCIDR needs a family',
    yaml: withUnderlay(
      'l3vnis:\n  - name: red\n    vrf: red\n    vni: 100\n    hostSession:\n      asn: 1\n      hostASN: 2\n      localCIDR: {} #<\n',
    ),
    field: 'l3vnis[0].hostSession.localCIDR',
    message: /^must have at least one of ipv4, ipv6$/,
  },
  {
    name: 'hostSession localCIDR required',
    yaml: withUnderlay('l3vnis:\n  - name: red\n    vrf: red\n    vni: 100\n    hostSession: #<\n      asn: 1\n      hostASN: 2\n'),
    field: 'l3vnis[0].hostSession.localCIDR',
    message: /is required/,
  },
  {
    name: 'hostSession hostType enum',
    yaml: withUnderlay(
      'l3vnis:\n  - name: red\n    vrf: red\n    vni: 100\n    hostSession:\n      asn: 1\n      hostType: ebgp #<\n      localCIDR: {ipv4: 192.169.10.0/24}\n',
    ),
    field: 'l3vnis[0].hostSession.hostType',
    message: /must be one of: External, Internal/,
  },
  {
    name: 'L3VNI hostASN differs from asn',
    yaml: withUnderlay(
      'l3vnis:\n  - name: red\n    vrf: red\n    vni: 100\n    hostSession:\n      asn: 64514\n      hostASN: 64514 #<\n      localCIDR: {ipv4: 192.169.10.0/24}\n',
    ),
    field: 'l3vnis[0].hostSession.hostASN',
    message: /hostASN must differ from asn/,
  },
  {
    name: 'localCIDR.ipv4 must be IPv4',
    yaml: withUnderlay(
      'l3vnis:\n  - name: red\n    vrf: red\n    vni: 100\n    hostSession:\n      asn: 1\n      hostASN: 2\n      localCIDR:\n        ipv4: 2001:db8::/64 #<\n',
    ),
    field: 'l3vnis[0].hostSession.localCIDR.ipv4',
    message: /must be an IPv4 CIDR/,
  },
  {
    name: 'localCIDR.ipv6 must parse',
    yaml: withUnderlay(
      'l3vnis:\n  - name: red\n    vrf: red\n    vni: 100\n    hostSession:\n      asn: 1\n      hostASN: 2\n      localCIDR:\n        ipv6: 2001:db8::/129 #<\n',
    ),
    field: 'l3vnis[0].hostSession.localCIDR.ipv6',
    message: /not a valid CIDR/,
  },
  {
    name: 'L3VNI vni required',
    yaml: withUnderlay('l3vnis:\n  - name: red #<\n    vrf: red\n'),
    field: 'l3vnis[0].vni',
    message: /is required/,
  },
  {
    name: 'L3VNI vrf required',
    yaml: withUnderlay('l3vnis:\n  - name: red #<\n    vni: 1\n'),
    field: 'l3vnis[0].vrf',
    message: /is required/,
  },
  {
    name: 'L3VNI vni >= 1',
    yaml: withUnderlay('l3vnis:\n  - name: red\n    vrf: red\n    vni: 0 #<\n'),
    field: 'l3vnis[0].vni',
    message: /must be >= 1/,
  },
  {
    name: 'L3VNI vni <= 16777215',
    yaml: withUnderlay('l3vnis:\n  - name: red\n    vrf: red\n    vni: 16777216 #<\n'),
    field: 'l3vnis[0].vni',
    message: /must be <= 16777215/,
  },
  {
    name: 'L3VNI vrf pattern',
    yaml: withUnderlay('l3vnis:\n  - name: red\n    vrf: 1red #<\n    vni: 1\n'),
    field: 'l3vnis[0].vrf',
    message: /must match pattern/,
  },
  {
    name: 'L3VNI vrf length',
    yaml: withUnderlay('l3vnis:\n  - name: red\n    vrf: abcdefghijklmnop #<\n    vni: 1\n'),
    field: 'l3vnis[0].vrf',
    message: /more than 15 characters/,
  },
  {
    name: 'L3VNI vxlanPort range',
    yaml: withUnderlay('l3vnis:\n  - name: red\n    vrf: red\n    vni: 1\n    vxlanPort: 70000 #<\n'),
    field: 'l3vnis[0].vxlanPort',
    message: /must be <= 65535/,
  },
  {
    name: 'L3VNI underlayAddressFamily enum',
    yaml: withUnderlay('l3vnis:\n  - name: red\n    vrf: red\n    vni: 1\n    underlayAddressFamily: ipv4 #<\n'),
    field: 'l3vnis[0].underlayAddressFamily',
    message: /must be one of: IPv4, IPv6/,
  },
  {
    name: 'L3VNI at most 100 export RTs',
    yaml: withUnderlay(
      `l3vnis:\n  - name: red\n    vrf: red\n    vni: 1\n    exportRTs: [${Array.from({ length: 101 }, (_, i) => `"1:${i}"`).join(', ')}] #<\n`,
    ),
    field: 'l3vnis[0].exportRTs',
    message: /more than 100 items/,
  },
  {
    name: 'route target length',
    yaml: withUnderlay(
      `l3vnis:\n  - name: red\n    vrf: red\n    vni: 1\n    importRTs:\n      - "${'1'.repeat(10)}:${'1'.repeat(11)}" #<\n`,
    ),
    field: 'l3vnis[0].importRTs[0]',
    message: /more than 21 characters/,
  },
  {
    name: 'route target format',
    yaml: withUnderlay('l3vnis:\n  - name: red\n    vrf: red\n    vni: 1\n    importRTs:\n      - "1:2:3" #<\n'),
    field: 'l3vnis[0].importRTs[0]',
    message: /must be ASN:MN or A.B.C.D:MN/,
  },
  {
    name: 'route target 4-byte ASN',
    yaml: withUnderlay('l3vnis:\n  - name: red\n    vrf: red\n    vni: 1\n    exportRTs:\n      - "70000:65536" #<\n'),
    field: 'l3vnis[0].exportRTs[0]',
    message: /4-byte ASN, MN must be <= 65535/,
  },
  // ------------------------------------------------------------ L2VNI
  { name: 'L2VNI vni required', yaml: withUnderlay('l2vnis:\n  - name: l2 #<\n'), field: 'l2vnis[0].vni', message: /is required/ },
  {
    name: 'gatewayIPs requires routingDomain',
    yaml: withUnderlay('l2vnis:\n  - name: l2 #<\n    vni: 110\n    gatewayIPs: [192.170.1.1/24]\n'),
    field: 'l2vnis[0]',
    message: /gatewayIPs cannot be set without routingDomain/,
  },
  {
    name: 'gatewayIPs at most 2',
    yaml: withUnderlay(
      'l2vnis:\n  - name: l2\n    vni: 110\n    routingDomain: {type: L3VNI, l3vni: {name: red}}\n    gatewayIPs: [192.170.1.1/24, "fd00::1/64", 10.0.0.1/24] #<\n',
    ),
    field: 'l2vnis[0].gatewayIPs',
    message: /more than 2 items/,
  },
  {
    name: 'gatewayIPs of different families',
    yaml: withUnderlay(
      'l2vnis:\n  - name: l2\n    vni: 110\n    routingDomain: {type: L3VNI, l3vni: {name: red}}\n    gatewayIPs:\n      - 192.170.1.1/24\n      - 192.171.1.1/24 #<\n',
    ),
    field: 'l2vnis[0].gatewayIPs[1]',
    message: /at most one IPv4 and one IPv6/,
  },
  {
    name: 'gatewayIPs must be CIDRs',
    yaml: withUnderlay(
      'l2vnis:\n  - name: l2\n    vni: 110\n    routingDomain: {type: L3VNI, l3vni: {name: red}}\n    gatewayIPs:\n      - 192.170.1.1 #<\n',
    ),
    field: 'l2vnis[0].gatewayIPs[0]',
    message: /not a valid CIDR/,
  },
  {
    name: 'routingDomain L3VNI needs l3vni',
    yaml: withUnderlay('l2vnis:\n  - name: l2\n    vni: 110\n    routingDomain: #<\n      type: L3VNI\n'),
    field: 'l2vnis[0].routingDomain',
    message: /l3vni must be set when type is L3VNI/,
  },
  {
    name: 'routingDomain l3vni.name not empty',
    yaml: withUnderlay('l2vnis:\n  - name: l2\n    vni: 110\n    routingDomain:\n      type: L3VNI\n      l3vni: {name: ""} #<\n'),
    field: 'l2vnis[0].routingDomain.l3vni.name',
    message: /fewer than 1 characters/,
  },
  {
    name: 'routingDomain L3VPN not supported',
    yaml: withUnderlay('l2vnis:\n  - name: l2\n    vni: 110\n    routingDomain: #<\n      type: L3VPN\n      l3vpn: {name: vpn}\n'),
    field: 'l2vnis[0].routingDomain',
    message: /not supported yet by perouterd/,
  },
  {
    name: 'hostMaster LinuxBridge needs linuxBridge',
    yaml: withUnderlay('l2vnis:\n  - name: l2\n    vni: 110\n    hostMaster: #<\n      type: LinuxBridge\n'),
    field: 'l2vnis[0].hostMaster',
    message: /linuxBridge must be set when type is LinuxBridge/,
  },
  {
    name: 'hostMaster External needs a name',
    yaml: withUnderlay(
      'l2vnis:\n  - name: l2\n    vni: 110\n    hostMaster:\n      type: LinuxBridge\n      linuxBridge: #<\n        lifecycle: External\n',
    ),
    field: 'l2vnis[0].hostMaster.linuxBridge',
    message: /^name must be set when lifecycle is External, and must not be set when it is Managed\.$/,
  },
  {
    name: 'hostMaster Managed has no name',
    yaml: withUnderlay(
      'l2vnis:\n  - name: l2\n    vni: 110\n    hostMaster:\n      type: LinuxBridge\n      linuxBridge: #<\n        lifecycle: Managed\n        name: br0\n',
    ),
    field: 'l2vnis[0].hostMaster.linuxBridge',
    message: /^name must be set when lifecycle is External, and must not be set when it is Managed\.$/,
  },
  {
    name: 'hostMaster lifecycle required',
    yaml: withUnderlay(
      'l2vnis:\n  - name: l2\n    vni: 110\n    hostMaster:\n      type: LinuxBridge\n      linuxBridge: #<\n        name: br0\n',
    ),
    field: 'l2vnis[0].hostMaster.linuxBridge.lifecycle',
    message: /is required/,
  },
  {
    name: 'hostMaster bridge name pattern',
    yaml: withUnderlay(
      'l2vnis:\n  - name: l2\n    vni: 110\n    hostMaster:\n      type: LinuxBridge\n      linuxBridge:\n        lifecycle: External\n        name: br.0 #<\n',
    ),
    field: 'l2vnis[0].hostMaster.linuxBridge.name',
    message: /must match pattern/,
  },
  {
    name: 'OVSBridge not supported',
    yaml: withUnderlay(
      'l2vnis:\n  - name: l2\n    vni: 110\n    hostMaster:\n      type: OVSBridge\n      ovsBridge: #<\n        lifecycle: Managed\n',
    ),
    field: 'l2vnis[0].hostMaster.ovsBridge',
    message: /^ovsBridge: not supported yet by perouterd/,
  },
  // ------------------------------------------------------------ passthrough / raw
  {
    name: 'bgppassthrough hostSession checked',
    yaml: withUnderlay('bgppassthrough:\n  hostSession: #<\n    asn: 64514\n    localCIDR: {ipv4: 192.169.100.0/24}\n'),
    field: 'bgppassthrough.hostSession',
    message: /^either HostASN or HostType must be set$/,
  },
  { name: 'rawConfig required', yaml: 'rawfrrconfigs:\n  - priority: 1 #<\n', field: 'rawfrrconfigs[0].rawConfig', message: /is required/ },
  {
    name: 'rawConfig not empty',
    yaml: 'rawfrrconfigs:\n  - rawConfig: "" #<\n',
    field: 'rawfrrconfigs[0].rawConfig',
    message: /fewer than 1 characters/,
  },
  {
    name: 'priority >= 0',
    yaml: 'rawfrrconfigs:\n  - rawConfig: "!"\n    priority: -1 #<\n',
    field: 'rawfrrconfigs[0].priority',
    message: /must be >= 0/,
  },
];

describe('static file schema: rejected, with location', () => {
  it.each(rejected)('$name', ({ yaml, field, message }) => {
    const r = loadText(yaml);
    expect(r.marker, 'test case needs a #< marker').toBeGreaterThan(0);
    const hit = r.errors.find((p) => p.location?.field === field && message.test(p.message));
    expect(
      hit,
      `no error ${message} at ${field}; got:\n${r.errors.map((p) => `${p.location?.line} ${p.location?.field}: ${p.message}`).join('\n')}`,
    ).toBeDefined();
    expect(hit?.location?.file).toBe(r.file);
    expect(hit?.location?.line).toBe(r.marker);
    expect(hit?.location?.column).toBeGreaterThan(0);
    // A file with an error contributes nothing.
    expect(r.config.underlays.length + r.config.l3vnis.length + r.config.l2vnis.length + r.config.rawFrrConfigs.length).toBe(0);
  });
});

describe('static file schema: accepted', () => {
  const accepted: Array<{ name: string; yaml: string }> = [
    {
      name: 'issue sample',
      yaml: withUnderlay(
        'l3vnis:\n  - name: red\n    vrf: red\n    vni: 100\n    vxlanPort: 4789\n    hostSession:\n      asn: 64514\n      hostASN: 64515\n      localCIDR:\n        ipv4: 192.169.10.0/24\n',
      ),
    },
    {
      name: 'neighbor by type Internal with listenRange',
      yaml: withNeighbor('      - type: Internal\n        listenRange: 192.168.0.0/16'),
    },
    { name: 'interface neighbor', yaml: withNeighbor('      - type: External\n        interface: eth2') },
    {
      name: 'IPv6 neighbor with vpn families',
      yaml: withNeighbor('      - asn: 1\n        address: "2001:db8::1"\n        addressFamilies: [{type: ipv6unicast}, {type: ipv4vpn}]'),
    },
    {
      name: 'hold time 0 with keepalive 0',
      yaml: withNeighbor('      - asn: 1\n        address: 1.1.1.1\n        holdTimeSeconds: 0\n        keepaliveTimeSeconds: 0'),
    },
    {
      name: 'hold time 3 with keepalive 3',
      yaml: withNeighbor('      - asn: 1\n        address: 1.1.1.1\n        holdTimeSeconds: 3\n        keepaliveTimeSeconds: 3'),
    },
    {
      name: 'routeReflectorClient on Internal',
      yaml: withNeighbor(
        '      - type: Internal\n        address: 1.1.1.1\n        addressFamilies: [{type: evpn, properties: [{type: routeReflectorClient}]}]',
      ),
    },
    {
      name: 'dual-stack tunnel endpoint',
      yaml: underlayYaml().replace('cidrs: [100.65.0.0/24]', 'cidrs: [100.65.0.0/24, "fd00:100::/64"]'),
    },
    {
      name: 'hostType instead of hostASN',
      yaml: withUnderlay(
        'l3vnis:\n  - {name: red, vrf: red, vni: 1, hostSession: {asn: 1, hostType: Internal, localCIDR: {ipv6: "2001:db8::/64"}}}\n',
      ),
    },
    {
      name: 'RT formats',
      yaml: withUnderlay('l3vnis:\n  - {name: red, vrf: red, vni: 1, exportRTs: ["65000:4294967295", "70000:65535", "10.0.0.1:65535"]}\n'),
    },
    {
      name: 'passthrough may reuse the ASN',
      yaml: withUnderlay('bgppassthrough:\n  hostSession: {asn: 64514, hostASN: 64514, localCIDR: {ipv4: 192.169.100.0/24}}\n'),
    },
    {
      name: 'External bridge with name',
      yaml: withUnderlay(
        'l2vnis:\n  - {name: l2, vni: 110, hostMaster: {type: LinuxBridge, linuxBridge: {lifecycle: External, name: br-host}}}\n',
      ),
    },
    { name: 'disconnected L2VNI', yaml: withUnderlay('l2vnis:\n  - {name: l2, vni: 300}\n') },
    { name: 'only raw config', yaml: 'rawfrrconfigs:\n  - rawConfig: "!"\n' },
    { name: 'clusterID outside the routerIDCIDR', yaml: underlayYaml('    routeReflector: {clusterID: 10.1.0.1}\n') },
  ];
  it.each(accepted)('$name', ({ yaml }) => {
    const r = loadText(yaml);
    expect(r.errors).toEqual([]);
  });

  it("reads perouterd 0.1's bare-string property in upstream's object form, with a warning", () => {
    const r = loadText(
      withNeighbor(
        '      - type: Internal\n        address: 1.1.1.1\n        addressFamilies:\n          - type: evpn\n            properties: [routeReflectorClient] #<',
      ),
    );
    expect(r.errors).toEqual([]);
    const w = r.problems.filter((p) => p.severity === 'warning');
    expect(w).toHaveLength(1);
    expect(w[0]?.message).toMatch(/perouterd 0.1's spelling; write "- type: routeReflectorClient"/);
    expect(w[0]?.location?.line).toBe(r.marker);
    expect(w[0]?.location?.field).toBe('underlays[0].neighbors[0].addressFamilies[0].properties[0]');
    expect(r.config.underlays[0]?.spec.neighbors[0]?.addressFamilies).toEqual([
      { type: 'evpn', properties: [{ type: 'routeReflectorClient' }] },
    ]);
  });

  it('a bare string that is not a known property is not echoed', () => {
    const r = loadText(
      withNeighbor('      - type: Internal\n        address: 1.1.1.1\n        addressFamilies: [{type: evpn, properties: [s3cr3t]}]'),
    );
    expect(r.problems.map((p) => p.message).join('\n')).not.toContain('s3cr3t');
  });

  it('applies upstream defaults', () => {
    const r = loadText(
      underlayYaml('    gracefulRestart: {}\n    routeReflector: {}\n') +
        'l3vnis:\n  - {name: red, vrf: red, vni: 1}\nl2vnis:\n  - {name: l2, vni: 2}\nrawfrrconfigs:\n  - rawConfig: "!"\n',
    );
    expect(r.errors).toEqual([]);
    const u = r.config.underlays[0]?.spec;
    expect(u?.routerIDCIDR).toBe('10.0.0.0/24');
    expect(u?.gracefulRestart).toEqual({ restartTimeSeconds: 120, stalePathTimeSeconds: 360 });
    expect(u?.routeReflector).toEqual({ clusterID: '192.0.2.1' });
    expect(r.config.l3vnis[0]?.spec.vxlanPort).toBe(4789);
    expect(r.config.l2vnis[0]?.spec.vxlanPort).toBe(4789);
    expect(r.config.rawFrrConfigs[0]?.spec.priority).toBe(0);
  });

  it('the full fixture (every supported field) is valid', async () => {
    const { loadStaticFile } = await import('../../src/config/load.js');
    const { FIXTURES, NODE } = await import('../fixtures/config/harness.js');
    const r = loadStaticFile(`${FIXTURES}full/openpe_full.yaml`, NODE);
    expect(r.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(r.config.underlays).toHaveLength(1);
    expect(r.config.l3vnis.map((v) => v.name)).toEqual(['static-node1-red', 'static-node1-blue']);
    expect(r.config.l3vnis[1]?.spec.vxlanPort).toBe(4790);
    expect(r.config.l2vnis).toHaveLength(2);
    expect(r.config.l3passthroughs).toHaveLength(1);
    expect(r.config.rawFrrConfigs[0]?.spec.priority).toBe(10);
  });
});
