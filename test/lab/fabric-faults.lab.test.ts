// Issue 10: spine-leaf fabric with a dual-homed node; every fault is survived under a
// 10 ms ping (bounded loss, recovery), perouterd's EVPN data-plane repair included.
// On FRR 8.4 and FRR 10.3 (about 5 minutes per line; LAB_FRR=8 or 10 narrows a run to
// one line). Loss per fault is printed with the measurements.
// See test/lab/scenarios/fabric-faults.ts.
import { labScenarioSuite } from './harness/suite.js';

labScenarioSuite(
  'spine-leaf faults under a 10 ms ping (perouterd + FRR)',
  'fabric-faults',
  [
    'fabric: spine, three leaves, node1 dual-homed on one segment, node2 behind leaf3',
    'perouterd brings up both nodes: node1 with two underlay neighbours, red and blue on both',
    'underlay, BFD and EVPN up; red and blue carry node1 → node2',
    'best-path leaf lost: red recovers',
    'best-path leaf back: red keeps working',
    'other-path leaf lost: red recovers',
    'other-path leaf back: red keeps working',
    'perouterd SIGKILL + restart: no packet lost, no reload',
    'FRR daemons SIGKILL + restart 2 s later: red recovers, no reload',
    'underlay NIC down 3 s and up: red recovers',
    'router namespace deleted behind perouterd: red keeps working, status never ready without the NIC',
  ],
  600_000,
  { frr: ['8', '10'] },
);
