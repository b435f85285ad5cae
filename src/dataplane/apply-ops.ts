// One DataplaneOp → one or two typed netlink calls. The names of links resolve to
// indexes from the observation the diff was made from, kept current from what
// each create or move returns, so no re-dump is needed between phases.
import fs from 'node:fs';
import type { NetnsRole } from '../plan/kernel-plan.js';
import type { DataplaneOp } from './diff.js';
import {
  closeFd,
  openNetnsFd,
  writeSysctl,
  type LinkChange,
  type LinkInfo,
  type NewLink,
  type NewLinkSpec,
  type RtNetlink,
} from './netlink/index.js';

type Op<K extends DataplaneOp['op']> = Extract<DataplaneOp, { op: K }>;

/** What the appliers need from the dataplane that runs them. */
export interface ApplyEnv {
  routerNetns: string;
  nl(role: NetnsRole): RtNetlink;
  /** An fd of the host namespace (the caller closes it). */
  hostNetnsFd(): number;
  /** Resolves once zebra has seen `names` in the router namespace (moved NICs before their addresses return). */
  zebraSees(names: string[]): Promise<void>;
}

/** Name → ifindex per namespace, for one apply. */
export class LinkIndex {
  private readonly maps: Record<NetnsRole, Map<string, number>>;

  constructor(
    links: Record<NetnsRole, LinkInfo[]>,
    private readonly nl: (role: NetnsRole) => RtNetlink,
  ) {
    this.maps = { host: new Map(links.host.map((l) => [l.name, l.index])), router: new Map(links.router.map((l) => [l.name, l.index])) };
  }

  known(role: NetnsRole, name: string): number | undefined {
    return this.maps[role].get(name);
  }

  set(role: NetnsRole, name: string, index: number): void {
    this.maps[role].set(name, index);
  }

  forget(role: NetnsRole, name: string): void {
    this.maps[role].delete(name);
  }

  /** The index of `name`, asking the kernel when this apply has not seen it yet. */
  async of(role: NetnsRole, name: string): Promise<number> {
    const i = this.maps[role].get(name);
    if (i !== undefined) return i;
    const l = await this.nl(role).getLink(name);
    if (!l) throw new Error(`link ${name} not found in ${role} namespace`);
    this.maps[role].set(name, l.index);
    return l.index;
  }
}

/** Runs ops against the kernel; `writes` counts the kernel-changing requests. */
export class OpApplier {
  writes = 0;

  constructor(
    private readonly env: ApplyEnv,
    private readonly index: LinkIndex,
  ) {}

  private write<T>(p: () => Promise<T>): Promise<T> {
    this.writes++;
    return p();
  }

  async apply(op: DataplaneOp): Promise<void> {
    switch (op.op) {
      case 'sysctl':
        return this.sysctl(op);
      case 'move-nic-in':
        return this.moveNicIn(op);
      case 'move-nic-out':
        return this.moveNicOut(op);
      case 'delete-link':
        return this.deleteLink(op);
      case 'create-link':
        return this.createLink(op);
      case 'set-link':
        return this.setLink(op);
      case 'add-address': {
        const i = await this.index.of(op.ns, op.link);
        return this.write(() => this.env.nl(op.ns).addAddress(i, op.cidr));
      }
      case 'delete-address': {
        const i = await this.index.of(op.ns, op.link);
        return this.write(() => this.env.nl(op.ns).deleteAddress(i, op.cidr));
      }
      case 'no-ipv6-link-local': {
        // addr_gen_mode only prevents a link-local if set before the link goes up.
        const i = await this.index.of(op.ns, op.name);
        await this.write(() => this.env.nl(op.ns).setLink(i, { ipv6AddrGenMode: 1 }));
        return this.write(() => this.env.nl(op.ns).setLink(i, { up: true }));
      }
      case 'neigh-suppress': {
        const i = await this.index.of(op.ns, op.name);
        return this.write(() => this.env.nl(op.ns).setBridgePortNeighSuppress(i, true));
      }
    }
  }

  private sysctl(op: Op<'sysctl'>): Promise<void> {
    try {
      if (writeSysctl(this.env.routerNetns, op.path, op.value)) this.writes++;
    } catch (e) {
      if (!op.optional) throw e;
    }
    return Promise.resolve();
  }

  private async moveNicIn(op: Op<'move-nic-in'>): Promise<void> {
    const hostIdx = await this.index.of('host', op.name);
    const fd = openNetnsFd(this.env.routerNetns);
    try {
      await this.write(() => this.env.nl('host').setLink(hostIdx, { netnsFd: fd }));
    } finally {
      closeFd(fd);
    }
    const moved = await this.env.nl('router').getLink(op.name);
    if (!moved) throw new Error(`${op.name} did not appear in the router namespace`);
    this.index.set('router', op.name, moved.index);
    await this.write(() => this.env.nl('router').setLink(moved.index, { group: op.group, up: true }));
    // zebra must see the moved link before its addresses come back (see NetlinkDataplane.apply).
    if (op.addresses.length > 0) await this.env.zebraSees([op.name]);
    // The kernel drops addresses on a namespace move; put them back.
    for (const a of op.addresses) await this.write(() => this.env.nl('router').addAddress(moved.index, a));
  }

  private async moveNicOut(op: Op<'move-nic-out'>): Promise<void> {
    const rIdx = await this.index.of('router', op.name);
    const fd = this.env.hostNetnsFd();
    try {
      await this.write(() => this.env.nl('router').setLink(rIdx, { netnsFd: fd, group: 0 }));
    } finally {
      fs.closeSync(fd);
    }
    const back = await this.env.nl('host').getLink(op.name);
    if (!back) throw new Error(`${op.name} did not come back to the host namespace`);
    this.index.set('host', op.name, back.index);
    await this.write(() => this.env.nl('host').setLink(back.index, { up: true }));
    for (const a of op.addresses) await this.write(() => this.env.nl('host').addAddress(back.index, a));
  }

  private async deleteLink(op: Op<'delete-link'>): Promise<void> {
    const i = this.index.known(op.ns, op.name);
    if (i === undefined) return;
    await this.write(() => this.env.nl(op.ns).deleteLink(i));
    this.index.forget(op.ns, op.name);
  }

  private async createLink(op: Op<'create-link'>): Promise<void> {
    const d = op.link;
    switch (d.type.kind) {
      case 'veth-peer':
        return; // created with its peer
      case 'veth':
        return this.createVeth(op, d.type);
      default: {
        const spec: NewLinkSpec =
          d.type.kind === 'vrf'
            ? { kind: 'vrf', table: op.vrfTable ?? 1 }
            : d.type.kind === 'bridge'
              ? { kind: 'bridge' }
              : { kind: 'vxlan', vni: d.type.vni, local: d.type.local, port: d.type.port, learning: false };
        // addr_gen_mode only prevents a link-local if set before the link goes up:
        // such links are created down and brought up by the no-ipv6-link-local op.
        const link: NewLink = { name: d.name, spec, up: !d.noIpv6LinkLocal };
        if (op.mtu !== undefined) link.mtu = op.mtu;
        if (d.mac) link.mac = d.mac;
        if (d.master) link.master = await this.index.of(op.ns, d.master);
        const created = await this.write(() => this.env.nl(op.ns).createLink(link));
        this.index.set(op.ns, d.name, created.index);
      }
    }
  }

  private async createVeth(op: Op<'create-link'>, t: { peer: string; peerNs: NetnsRole }): Promise<void> {
    const d = op.link;
    const peerFd = t.peerNs === op.ns ? undefined : t.peerNs === 'router' ? openNetnsFd(this.env.routerNetns) : this.env.hostNetnsFd();
    try {
      const v: NewLinkSpec = { kind: 'veth', peerName: t.peer };
      if (peerFd !== undefined) v.peerNetnsFd = peerFd;
      if (op.mtu !== undefined) v.peerMtu = op.mtu;
      const link: NewLink = { name: d.name, spec: v, up: true };
      if (op.mtu !== undefined) link.mtu = op.mtu;
      if (d.master) link.master = await this.index.of(op.ns, d.master);
      const created = await this.write(() => this.env.nl(op.ns).createLink(link));
      this.index.set(op.ns, d.name, created.index);
      // IFLA_LINK of a veth is its peer's index in the peer's namespace.
      if (created.linkIndex) this.index.set(t.peerNs, t.peer, created.linkIndex);
      else this.index.forget(t.peerNs, t.peer);
    } finally {
      if (peerFd !== undefined) fs.closeSync(peerFd);
    }
  }

  private async setLink(op: Op<'set-link'>): Promise<void> {
    const i = await this.index.of(op.ns, op.name);
    const c = op.change;
    const change: LinkChange = {};
    if (c.master !== undefined) change.master = c.master === null ? 0 : await this.index.of(op.ns, c.master);
    if (c.mtu !== undefined) change.mtu = c.mtu;
    if (c.up !== undefined) change.up = c.up;
    if (c.mac !== undefined) change.mac = c.mac;
    await this.write(() => this.env.nl(op.ns).setLink(i, change));
  }
}
