// Underlay features: bgppassthrough (host speaker on the underlay instance, plain
// IPv4 to and from the ToR) and an underlay neighbour with a BFD profile, BGP
// timers and graceful restart against a ToR running bfdd. Real FRR, real perouterd.
// See test/lab/scenarios/underlay-features.ts.
import { labScenarioSuite } from './harness/suite.js';

labScenarioSuite('BGP passthrough, BFD and graceful restart (perouterd + FRR)', 'underlay-features', [
  'fabric: ToR (with bfdd), two nodes and a network behind the ToR wired',
  'perouterd applies: pt-host/pt-ns for the passthrough (no VTEP, no VXLAN), BFD profile and graceful restart in pe2’s FRR',
  'passthrough: host speaker session with the underlay instance and the ToR session Established',
  'passthrough: the ToR learns the host’s /32s (speaker 10.200.1.1/32, pt-host 192.169.10.3/32) in ipv4 unicast, unencapsulated',
  'passthrough: the host speaker learns the ToR-announced prefix 172.30.0.0/24 and installs it towards pt-ns',
  'passthrough: ping from the host (10.200.1.1) to 172.30.0.2 behind the ToR, routed by pe1 without encapsulation',
  'bfd: session up on both sides with the profile’s intervals (200/200 ms x4)',
  'bfd: BGP timers 5/15 configured and graceful restart (restart time 60 s) negotiated with the ToR',
]);
