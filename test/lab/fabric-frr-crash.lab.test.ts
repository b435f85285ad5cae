// Issue 10 item 4, the node's side of an FRR crash: node1's FRR daemons SIGKILLed and
// started again as packaged, under the 10 ms ping, with leaves and spine running FRR 10.7
// (Debian forky's root, scripts/lab-root.sh): graceful-restart helpers that keep the node's
// EVPN routes stale through the restart, which FRR before 10.6 does not. Only the FRR-crash
// phase of fabric-faults (LAB_FAULTS=frr), on the host's FRR 8.4 (about 1.5 minutes); the
// phase checks that leaf1 held node1's type-5 routes stale and bounds the loss.
import { labScenarioSuite } from './harness/suite.js';

labScenarioSuite(
  'FRR crash with GR-helper leaves (FRR 10.7 fabric): the node loses at most ~1 s',
  'fabric-faults',
  [
    'fabric: spine, three leaves, node1 dual-homed on one segment, node2 behind leaf3',
    'perouterd brings up both nodes: node1 with two underlay neighbours, red and blue on both',
    'underlay, BFD and EVPN up; red and blue carry node1 → node2',
    'FRR daemons SIGKILL + restart 2 s later: red recovers, no reload',
  ],
  420_000,
  { frr: ['8'], leafFrr: '10.7', env: { LAB_FAULTS: 'frr' } },
);
