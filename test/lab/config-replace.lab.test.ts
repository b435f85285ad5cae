// Config management replacing the configuration directory under a 10 ms ping: transient
// states (directory gone, recreated empty, half-written files) are never applied.
// See test/lab/scenarios/config-replace.ts.
import { labScenarioSuite } from './harness/suite.js';

labScenarioSuite('Configuration directory replaced under traffic (perouterd + FRR)', 'config-replace', [
  'fabric and two nodes with L3VNI red; node1 pings node2 over red',
  'config-replace: 3 rounds of rename-away, directory gone + SIGHUP, half-written file, rsync temp+rename, directory swap',
  'config-replace: node1 ends ready with red, red’s objects never recreated, no kernel write and no FRR reload',
  'config-replace: the 10 ms ping over red lost no packet',
]);
