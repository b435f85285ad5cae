// perouterd's HTTP endpoint (metrics and health, issue 12) read with curl inside a lab node.
// See test/lab/scenarios/metrics.ts.
import { labScenarioSuite } from './harness/suite.js';

labScenarioSuite('Metrics and health endpoints (perouterd + FRR)', 'metrics', [
  'fabric: ToR and node1 wired; perouterd runs with L3VNI red, FRR not started yet',
  '/readyz answers 503 with the reason before the static configuration is applied; /healthz 503 without FRR',
  '/readyz and /healthz answer 200 "ok" once FRR runs and the configuration is applied',
  '/metrics shows the underlay BGP sessions Established (ipv4 unicast and l2vpn evpn)',
  '/metrics: a file change moves perouterd_reconciles_total{trigger="file-change"} and the netlink counters',
  'the endpoint listens on loopback only',
]);
