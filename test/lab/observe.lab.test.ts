// Looking into a running node (issue 12): `perouterd status` against real FRR on two nodes
// with L3VNIs red/blue, L2VNI 110 and BFD. See test/lab/scenarios/observe.ts. The trace,
// metrics, health and support-bundle checks join this one boot.
import { labScenarioSuite } from './harness/suite.js';

labScenarioSuite('observe: status, trace, metrics, health (perouterd + FRR)', 'observe', [
  'fabric: ToR (with bfdd) and two nodes wired',
  'perouterd applies L3VNIs red and blue and L2VNI 110 on both nodes',
  'host speakers start; underlay, red and blue sessions Established; remote VTEPs known',
  'status: perouterd status -o json lists the Established neighbours, VNIs and remote VTEPs FRR shows',
]);
