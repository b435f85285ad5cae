// perouterd's --frr-restart-command in the lab: SIGKILL the FRR instance of a
// namespace and start it again from its frr.conf, as a service manager would.
//   node build/test/lab/harness/frr-restart.js <ns> zebra,bfdd,bgpd
import { daemonsFor } from '../../support/frr.js';
import { killFrr, startFrr, type FrrDaemon } from './frr.js';
import { outsideLabReason } from './inside-lab.js';

const [ns, list] = process.argv.slice(2);
const outside = outsideLabReason();
if (outside) {
  console.error(outside);
  process.exit(2);
}
if (!ns || !list) {
  console.error('usage: frr-restart.js <ns> <daemon,daemon,...>');
  process.exit(2);
}
const daemons = list.split(',') as FrrDaemon[];
await killFrr(ns, [...daemonsFor(daemons)].reverse());
await startFrr(ns, { daemons, packaged: true });
