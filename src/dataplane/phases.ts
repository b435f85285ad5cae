// The order of an apply: diff ops grouped into phases whose members can run concurrently.
import type { DataplaneOp } from './diff.js';
import { kindRank } from './diff.js';

/** Groups ops into phases whose members can run concurrently; phases run in order. */
export function phasesOf(ops: DataplaneOp[]): DataplaneOp[][] {
  const phaseKey = (o: DataplaneOp): string => {
    switch (o.op) {
      case 'create-link':
        return `create:${kindRank[o.link.type.kind]}`;
      case 'delete-link':
        return `delete:${o.ns}`;
      case 'set-link':
        // lo and NIC fixes precede everything; master changes must follow creates.
        return 'set';
      default:
        return o.op;
    }
  };
  const phases: DataplaneOp[][] = [];
  let lastKey = '';
  for (const o of ops) {
    const k = phaseKey(o);
    if (k !== lastKey || o.op === 'move-nic-in' || o.op === 'move-nic-out') phases.push([]);
    phases[phases.length - 1]!.push(o);
    lastKey = k;
  }
  return phases;
}
