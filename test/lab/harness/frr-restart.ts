// perouterd's --frr-restart-command in the lab: SIGKILL a node's FRR instance and start it
// again as packaged FRR does (startNodeFrr), as a service manager would.
//   node build/test/lab/harness/frr-restart.js <ns>
import { killFrr, NODE_FRR_DAEMONS, startNodeFrr } from './frr.js';
import { daemonsFor } from '../../support/frr.js';
import { outsideLabReason } from './inside-lab.js';

const [ns] = process.argv.slice(2);
const outside = outsideLabReason();
if (outside) {
  console.error(outside);
  process.exit(2);
}
if (!ns) {
  console.error('usage: frr-restart.js <ns>');
  process.exit(2);
}
await killFrr(ns, [...daemonsFor(NODE_FRR_DAEMONS)].reverse());
await startNodeFrr(ns);
