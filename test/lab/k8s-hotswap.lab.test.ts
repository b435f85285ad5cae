// Issue "Kubernetes hot swap": the API server is reachable only through the overlay the static
// files build; perouterd boots static-only, reaches the API through its own overlay and swaps to
// merged mode without losing a packet. See test/lab/scenarios/k8s-hotswap.ts.
import { labScenarioSuite } from './harness/suite.js';

labScenarioSuite('Kubernetes hot swap through the own overlay (perouterd + FRR + API stand-in)', 'k8s-hotswap', [
  'API stand-in listens in node2 on 10.100.2.1:6443; node1 has no route to it',
  'hot-swap 1a: node1 boots static-only (red applied) while the API is unreachable through the not-yet-up overlay',
  'API stopped (gate), host speakers start: red carries node1 → node2 traffic, node1 still static-only',
  'hot-swap 1b: node1 reaches the API through its own overlay and swaps to merged mode (connected, synced, ready)',
  'hot-swap 1c: RouterNodeConfigurationStatus node1 Ready=True; mirrors static-node1-red/-underlay-0 with upstream labels; annotation openpe.io/nodeindex=1',
  'hot-swap 2: the 10 ms ping node1 → node2 (red), running from before the API came up until after the swap, lost no packet',
  'hot-swap 3: L3VNI blue (VNI 200) as a CR for node1 and node2 → VRF blue on both, host sessions, ping 10.200.1.1 → 10.200.2.1 over blue',
  'hot-swap 4a: API stopped → status.json disconnected on node1, nothing torn down (red and blue links unchanged, both pings work)',
  'hot-swap 4b: API started again → node1 reconverges (connected, synced, ready, blue applied)',
  'hot-swap 5: compaction + expired watches → node1 stays converged; a CR created afterwards (green, VNI 300, node1 only) is applied',
  'hot-swap 6: CR green deleted → its objects removed on node1; static red and API blue untouched',
  'hot-swap 7: a conflicting CR (L3VNI clash, VNI 100 = static red) is reported in status.failedResources; static red untouched',
  'hot-swap 7b: conflicting CR deleted → failedResources empty, Ready=True again',
  'hot-swap 8: mirrored CR static-node1-red edited by hand (vni 150, label removed) → reverted by perouterd; kernel untouched',
  'hot-swap 9: perouterd restarted while the API is down keeps blue (persisted snapshot): kernel unchanged, no netlink write, blue pings',
  'hot-swap 9b: API back after the restart → node1 connected, synced, blue still applied',
]);
