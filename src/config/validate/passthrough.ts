// Step: the passthrough. At most one per node; it needs the underlay's BGP instance. An API
// passthrough next to a static one loses alone; several from the same source are all
// rejected, as upstream does.

import { hostSessionError } from './vni-checks.js';
import { fail, isStatic, lose, type State } from './state.js';

/** Step: one passthrough per node. */
export function passthroughCountStep(st: State): void {
  const statics = st.pt.filter(isStatic);
  const winner = statics[0];
  if (winner) {
    const why = "can't have more than one l3passthrough per node";
    for (const p of st.pt.filter((x) => !isStatic(x))) lose(st, p, winner, why, why);
    st.pt = statics;
  }
  if (st.pt.length > 1) {
    for (const p of st.pt) fail(st, p, 'ValidationFailed', `can't have more than one l3passthrough per node (found ${st.pt.length})`);
    st.pt = [];
  }
}

/** Step: the passthrough's host session, and the underlay it lives in. */
export function passthroughStep(st: State): void {
  st.pt = st.pt.filter((p) => {
    const m = hostSessionError(p.spec.hostSession, st.opts);
    if (m) fail(st, p, 'ValidationFailed', m);
    else if (!st.underlay) {
      fail(st, p, 'DependencyFailed', 'no underlay configured on this node: the passthrough session lives in the underlay BGP instance');
    }
    return !m && st.underlay !== undefined;
  });
}
