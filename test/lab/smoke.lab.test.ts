// Kernel lab smoke test: the lab itself, without perouterd. The scenario
// (test/lab/scenarios/smoke-evpn.ts) builds the PE side by hand and also
// measures FRR 8.4's behaviour for both orders (FRR first / kernel first).
import { labScenarioSuite } from './suite.js';

labScenarioSuite(
  'smoke EVPN (UML + FRR, no perouterd)',
  'smoke-evpn',
  [
    'setup: namespaces, underlay links, host addresses',
    'setup: FRR on tor, node1, node2 (host speakers)',
    'ToR: underlay sessions to both PEs Established (ipv4 unicast + l2vpn evpn)',
    'ToR: EVPN type-5 10.100.1.1/32 with next hop VTEP 100.65.0.1',
    'ToR: EVPN type-5 10.100.2.1/32 with next hop VTEP 100.65.0.2',
    'pe1: VRF red holds 10.100.2.1/32 (from pe2)',
    'pe2: VRF red holds 10.100.1.1/32 (from pe1)',
    'ping node1 (10.100.1.1) -> node2 (10.100.2.1) through the EVPN fabric',
  ],
  240_000,
);
