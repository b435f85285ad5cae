// An in-memory kernel for unit tests: applies DataplaneOps to an ObservedState
// the way the real kernel would (indexes, masters, veth peers across namespaces).
import type { DataplaneOp, ObservedState } from '../../src/dataplane/diff.js';
import type { LinkInfo } from '../../src/dataplane/netlink/index.js';
import type { LinkLookup } from '../../src/dataplane/observe-scoped.js';

export function emptyObserved(): ObservedState {
  return {
    host: { links: [{ index: 1, name: 'lo', kind: undefined, up: true, mtu: 65536, group: 0 } as LinkInfo], addrs: [] },
    router: { links: [{ index: 1, name: 'lo', kind: undefined, up: false, mtu: 65536, group: 0 } as LinkInfo], addrs: [] },
    sysctls: {},
  };
}

export function applyToFake(state: ObservedState, ops: DataplaneOp[]): number {
  // New indexes above every one in use: a deleted link's index is not reused, as in the kernel.
  let next =
    1 +
    Math.max(99 + state.host.links.length + state.router.links.length, ...[...state.host.links, ...state.router.links].map((l) => l.index));
  let writes = 0;
  const find = (ns: 'host' | 'router', name: string): LinkInfo => {
    const l = state[ns].links.find((x) => x.name === name);
    if (!l) throw new Error(`fake: no ${ns}/${name}`);
    return l;
  };
  const del = (ns: 'host' | 'router', name: string): void => {
    const l = state[ns].links.find((x) => x.name === name);
    if (!l) return;
    state[ns].links = state[ns].links.filter((x) => x !== l);
    state[ns].addrs = state[ns].addrs.filter((a) => a.index !== l.index);
    if (l.kind === 'veth' && (l as LinkInfo & { peerRef?: { ns: 'host' | 'router'; name: string } }).peerRef) {
      const p = (l as LinkInfo & { peerRef: { ns: 'host' | 'router'; name: string } }).peerRef;
      del(p.ns, p.name);
    }
  };
  for (const op of ops) {
    writes++;
    switch (op.op) {
      case 'sysctl':
        state.sysctls[op.path] = op.value;
        break;
      case 'move-nic-in': {
        const l = find('host', op.name);
        del('host', op.name);
        state.router.links.push({ ...l, index: next++, group: op.group, up: true });
        const idx = state.router.links[state.router.links.length - 1]!.index;
        for (const a of op.addresses) {
          const [address = '', len = ''] = a.split('/');
          state.router.addrs.push({
            index: idx,
            family: address.includes(':') ? 6 : 4,
            address,
            prefixLen: Number(len),
            scope: 0,
            flags: 0,
          });
        }
        break;
      }
      case 'move-nic-out': {
        const l = find('router', op.name);
        del('router', op.name);
        state.host.links.push({ ...l, index: next++, group: 0 });
        break;
      }
      case 'delete-link':
        del(op.ns, op.name);
        break;
      case 'create-link': {
        const d = op.link;
        const base: LinkInfo = { index: next++, name: d.name, up: true, mtu: op.mtu ?? 1500, group: 0 };
        if (d.master) base.master = find(op.ns, d.master).index;
        if (d.mac) base.mac = d.mac;
        if (d.type.kind === 'vxlan')
          Object.assign(base, { kind: 'vxlan', vxlan: { vni: d.type.vni, port: d.type.port, local: d.type.local, learning: false } });
        else if (d.type.kind === 'vrf') Object.assign(base, { kind: 'vrf', vrf: { table: op.vrfTable ?? 1 } });
        else if (d.type.kind === 'bridge') base.kind = 'bridge';
        else if (d.type.kind === 'veth') {
          base.kind = 'veth';
          const peer: LinkInfo = { index: next++, name: d.type.peer, kind: 'veth', up: false, mtu: op.mtu ?? 1500, group: 0 };
          Object.assign(base, { peerRef: { ns: d.type.peerNs, name: d.type.peer } });
          Object.assign(peer, { peerRef: { ns: op.ns, name: d.name } });
          // As the kernel reports a pair: each end names the other's index, and the
          // peer's namespace (IFLA_LINK_NETNSID) when it is another one.
          base.linkIndex = peer.index;
          peer.linkIndex = base.index;
          if (d.type.peerNs !== op.ns) base.linkNetnsId = peer.linkNetnsId = 0;
          state[d.type.peerNs].links.push(peer);
        }
        state[op.ns].links.push(base);
        break;
      }
      case 'set-link': {
        const l = find(op.ns, op.name);
        if (op.change.master !== undefined) {
          if (op.change.master === null) delete l.master;
          else l.master = find(op.ns, op.change.master).index;
        }
        if (op.change.mtu !== undefined) l.mtu = op.change.mtu;
        if (op.change.up !== undefined) l.up = op.change.up;
        if (op.change.mac !== undefined) l.mac = op.change.mac;
        break;
      }
      case 'add-address': {
        const l = find(op.ns, op.link);
        const [address = '', len = ''] = op.cidr.split('/');
        if (!state[op.ns].addrs.some((a) => a.index === l.index && a.address === address && a.prefixLen === Number(len))) {
          state[op.ns].addrs.push({
            index: l.index,
            family: address.includes(':') ? 6 : 4,
            address,
            prefixLen: Number(len),
            scope: 0,
            flags: 0,
          });
        }
        break;
      }
      case 'delete-address': {
        const l = find(op.ns, op.link);
        state[op.ns].addrs = state[op.ns].addrs.filter((a) => !(a.index === l.index && `${a.address}/${a.prefixLen}` === op.cidr));
        break;
      }
      case 'no-ipv6-link-local':
        break;
      case 'neigh-suppress': {
        const l = find(op.ns, op.name);
        l.bridgePort = { neighSuppress: true };
        break;
      }
    }
  }
  return writes;
}

/** A LinkLookup answering from an observation, as the kernel would answer GETs by name or index. */
export function lookupIn(observed: ObservedState): LinkLookup {
  return {
    link: async (r, key) => observed[r].links.find((l) => (typeof key === 'number' ? l.index === key : l.name === key)),
    addresses: async (r, index) => observed[r].addrs.filter((a) => a.index === index),
  };
}
