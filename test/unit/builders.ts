// Hand-built resources for unit tests (what the loader would produce).
import type { L3VNIResource, UnderlayResource } from '../../src/config/model.js';

const loc = { source: 'static' as const, location: { file: 'openpe_a.yaml', line: 1, column: 1, field: 'underlays[0]' } };

export function underlay(): UnderlayResource {
  return {
    kind: 'Underlay',
    name: 'static-node1-underlay-0',
    namespace: 'openperouter-system',
    origin: loc,
    spec: {
      asn: 64514,
      routerIDCIDR: '10.0.0.0/24',
      neighbors: [{ asn: 64512, address: '192.168.11.2' }],
      interfaces: [{ type: 'NetworkDevice', networkDevice: { interfaceName: 'eth1' } }],
      tunnelEndpoint: { cidrs: ['100.65.0.0/24'] },
    },
  };
}

export function l3vni(name: string, vni: number, cidr = '192.169.10.0/24'): L3VNIResource {
  return {
    kind: 'L3VNI',
    name: `static-node1-${name}`,
    namespace: 'openperouter-system',
    origin: loc,
    spec: { vrf: name, vni, vxlanPort: 4789, hostSession: { asn: 64514, hostASN: 64515, localCIDR: { ipv4: cidr } } },
  };
}
