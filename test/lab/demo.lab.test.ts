// Issue "walking skeleton": perouterd from static YAML to packets across VXLAN,
// on a real kernel (UML) with real FRR. See test/lab/scenarios/l3vni-two-nodes.ts.
import { labScenarioSuite } from './harness/suite.js';

labScenarioSuite(
  'L3VNI across two nodes (perouterd + FRR)',
  'l3vni-two-nodes',
  [
    'perouterd creates the router namespaces and waits for FRR',
    'FRR started in each router namespace; perouterd applies config and kernel objects',
    'both underlay sessions Established at the ToR',
    'ToR holds each node’s EVPN type-5 route for its service /32 with the node’s VTEP as next hop',
    'each node’s VRF holds the other node’s service /32',
    'ping node1 service → node2 service crosses the VXLAN',
    'a second apply (SIGHUP) makes no netlink write and no FRR reload',
    'FRR killed and restarted: perouterd pushes its configuration again, routes come back',
    'removing the L3VNI file removes exactly its objects',
    'perouterd exits cleanly on SIGTERM and leaves the dataplane in place',
  ],
  undefined,
  { frr: ['8', '10'] },
);
