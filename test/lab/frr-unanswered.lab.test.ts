// An FRR that stops answering configuration is restarted, not waited for: see
// test/lab/scenarios/frr-unanswered.ts. On FRR 10 (mgmtd, where CI met the leaked lock).
import { labScenarioSuite } from './harness/suite.js';

labScenarioSuite(
  'FRR stops answering configuration: perouterd restarts it and applies the change',
  'frr-unanswered',
  [
    'fabric and two nodes with L3VNI red; node1 pings node2 over red',
    "frr-unanswered: node1's mgmtd stopped and blue added; the push runs out of its time and status says FRR does not answer",
    'frr-unanswered: the second unanswered push restarts FRR; blue is applied and node1 is ready',
    'frr-unanswered: red carries traffic again; the packets the restart cost are measured',
  ],
  480_000,
  { frr: ['10'] },
);
