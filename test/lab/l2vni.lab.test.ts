// L2VNIs: a stretched L2 segment without routing domain (VNI 300) and an L2VNI
// routed into L3VNI red through the distributed anycast gateway (VNI 110), two
// nodes, real FRR and the real perouterd; then a silent VM kept reachable by the
// bridge refresher, and lost without it. See test/lab/scenarios/l2vni.ts.
import { labScenarioSuite } from './harness/suite.js';

labScenarioSuite('L2VNI stretched and L2VNI with gateway (perouterd + FRR)', 'l2vni', [
  'fabric: ToR, two nodes and four workload namespaces wired',
  'perouterd builds the L2VNI objects: VNI 110 bridged into VRF red with the gateway, VNI 300 without VRF, Managed host bridges',
  'workload ports plugged into the Managed host bridges',
  'host speakers start; underlay and VRF red host sessions Established',
  'l2vni-stretched: ToR holds type-3 (IMET) routes of both VTEPs for VNI 300, and each PE floods to the other VTEP',
  'l2vni-stretched: workloads on VNI 300 on node1 and node2 ping each other across the VXLAN',
  'l2vni-stretched: EVPN type-2 routes for both workloads’ MACs on VNI 300 at the ToR (right VTEP) and in the PEs’ VXLAN FDB',
  'l2vni-gateway: workloads on both nodes reach the anycast gateway 192.170.1.1 and resolve it to 00:f3:00:00:00:6f',
  'l2vni-gateway: workloads on VNI 110 on node1 and node2 reach each other across the VXLAN',
  'l2vni-gateway: ToR holds type-2 MAC/IP routes of both workloads with the L2VNI and L3VNI route targets and a router MAC',
  'l2vni-gateway: ToR holds the gateway subnet 192.170.1.0/24 as type-5 from both nodes',
  'l2vni-gateway: a workload on node1 reaches node2’s L3VNI service 10.100.2.1 through VRF red',
  'perouterd leaves operator additions on the Managed host bridges alone across a reconcile (an address on br-hs-300, workload ports)',
  'bridge refresher: a VM silent for 30 s (over twice the shortened neighbour ageing) keeps its type-2 MAC+IP route at node2’s PE and answers node2',
  'bridge refresher off (perouterd restarted with --bridge-refresh-ms 0): the silent VM’s entry is dropped and its type-2 route withdrawn',
]);
