// Two tenants (L3VNIs red and blue) on two nodes, red with a dual-stack host
// session: IPv6 sessions, type-5 routes and ping6, and isolation between the
// tenants on FRR state, kernel routes and pings. See test/lab/scenarios/l3vni-tenants.ts.
import { labScenarioSuite } from './harness/suite.js';

labScenarioSuite('IPv6 host session and tenant isolation (perouterd + FRR)', 'l3vni-tenants', [
  'fabric: ToR and two nodes with red (v4+v6) and blue service addresses',
  'perouterd builds VRFs red and blue; host-e-100 is dual-stack, host-e-200 IPv4',
  'tenant policy routing on the nodes: each service address leaves through its tenant’s veth',
  'host speakers start; underlay, red (IPv4 and IPv6) and blue host sessions Established',
  'ipv6-host-session: the IPv6 session is Established in VRF red on both nodes',
  'ipv6-host-session: ToR holds type-5 routes for each node’s IPv6 service /128 with the node’s VTEP',
  'ipv6-host-session: each node’s VRF red holds the other node’s IPv6 service in FRR and in the kernel',
  'ipv6-host-session: ping6 between the red IPv6 service addresses of node1 and node2',
  'tenant-isolation: red reaches red and blue reaches blue across the nodes',
  'tenant-isolation: VRF red holds no blue route and VRF blue no red route (FRR and kernel, both nodes); the ToR keeps them apart by route target',
  'tenant-isolation: a host on red cannot reach blue’s services and blue cannot reach red’s (pings enter the source tenant’s VRF and fail there)',
]);
