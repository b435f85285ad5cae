// Live file edits while perouterd runs: a tenant file copied in and removed,
// half-written files (config-invalid, nothing changes), a good edit afterwards,
// and a continuous ping over the untouched tenant throughout.
// See test/lab/scenarios/file-edit.ts.
import { labScenarioSuite } from './harness/suite.js';

labScenarioSuite('Configuration file edits under traffic (perouterd + FRR)', 'file-edit', [
  'fabric: ToR and two nodes with red and blue service addresses',
  'perouterd runs with L3VNI red; red’s sessions come up and node1 pings node2 over red',
  'file-edit: copying in openpe_20_blue.yaml adds blue on both nodes: objects, FRR VRF, host session, type-5 routes and pings',
  'file-edit: removing openpe_20_blue.yaml removes blue’s objects (kernel and FRR) on both nodes; red untouched',
  'config-invalid: a half-written file (YAML cut inside a flow mapping) → status config-invalid with a file:line problem; kernel and FRR unchanged',
  'config-invalid: a half-written file (valid YAML, hostASN without value) → status config-invalid with a file:line problem; kernel and FRR unchanged',
  'config-invalid: a half-written edit of the running red file keeps red as it is; restoring the file is a no-op (no netlink write, no FRR reload)',
  'config-invalid then a good edit: the complete file applies (blue back on node1)',
  'the continuous ping over red lost no packet through all the edits',
]);
