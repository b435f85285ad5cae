// `perouterd trace` and `perouterd support-bundle` on two nodes with two tenants, against real
// FRR and the real kernel. See test/lab/scenarios/observe-trace.ts.
import { labScenarioSuite } from './harness/suite.js';

labScenarioSuite('trace and support bundle (perouterd + FRR)', 'observe-trace', [
  'fabric, perouterd on both nodes with red and blue, host speakers Established, node2’s red service routed in pe1',
  'trace: node2’s red service from node1’s red service names VRF red, VNI 100, remote VTEP, router MAC and underlay next hop (as ip and vtysh show them)',
  'trace: node2’s blue service from node1’s red service stops in VRF red (isolation, names blue)',
  'support-bundle: a 0600 tar.gz with configs, frr.conf (rendered and running), FRR JSON, kernel state of both namespaces, status, versions',
]);
