// The kernel side of perouterd: observes both namespaces (host and router) and
// applies DataplaneOps through rtnetlink. No decisions are made here; they are in
// diff.ts (pure). Each op maps to one or two typed netlink calls.
import fs from 'node:fs';
import type { KernelPlan, NetnsRole } from '../plan/kernel-plan.js';
import { diffKernel, phasesOf, type DataplaneOp, type ObservedState } from './diff.js';
import {
  closeFd,
  createNamedNetns,
  netnsExists,
  NetlinkError,
  openNetnsFd,
  openRtNetlink,
  readSysctl,
  writeSysctl,
  netnsDir,
  type LinkInfo,
  type NewLink,
  type NewLinkSpec,
  type RtNetlink,
} from './netlink/index.js';

export interface ApplyReport {
  /** Number of kernel-changing requests made (0 on a no-op reconcile). */
  writes: number;
  ops: DataplaneOp[];
  errors: Array<{ op: DataplaneOp; error: string }>;
}

/** What the daemon needs from the kernel, small enough to fake in tests. */
export interface Dataplane {
  /** Creates the router namespace when missing; true when it was created now. */
  ensureRouterNamespace(): boolean;
  routerNamespaceExists(): boolean;
  observe(sysctlPaths: string[]): Promise<ObservedState>;
  /** `observed` is the state the ops were computed from (saves a re-dump). */
  apply(ops: DataplaneOp[], observed?: ObservedState): Promise<ApplyReport>;
  close(): void;
}

const describe = (op: DataplaneOp): string => {
  switch (op.op) {
    case 'create-link':
      return `create ${op.ns}/${op.link.name} (${op.link.type.kind})`;
    case 'delete-link':
    case 'set-link':
    case 'no-ipv6-link-local':
    case 'neigh-suppress':
      return `${op.op} ${op.ns}/${op.name}`;
    case 'add-address':
    case 'delete-address':
      return `${op.op} ${op.cidr} on ${op.ns}/${op.link}`;
    case 'sysctl':
      return `sysctl ${op.path}=${op.value}`;
    case 'move-nic-in':
    case 'move-nic-out':
      return `${op.op} ${op.name}`;
  }
};
export { describe as describeOp };

export class NetlinkDataplane implements Dataplane {
  private readonly sockets: Partial<Record<NetnsRole, RtNetlink>> = {};
  private knownVrfs = new Set<string>();

  constructor(
    private readonly routerNetns: string,
    /** hostNetns: run the "host" side in a named namespace instead of perouterd's own (benchmarks, labs). */
    private readonly opts: { window?: number; hostNetns?: string; vrfSettleMs?: number } = {},
  ) {}

  routerNamespaceExists(): boolean {
    return netnsExists(this.routerNetns);
  }

  ensureRouterNamespace(): boolean {
    if (netnsExists(this.routerNetns)) return false;
    createNamedNetns(this.routerNetns);
    // A new namespace invalidates any socket opened in a previous one.
    this.sockets.router?.close();
    delete this.sockets.router;
    return true;
  }

  /** An fd of the host namespace: the named one if configured, else perouterd's own. */
  private hostNetnsFd(): number {
    return this.opts.hostNetns ? openNetnsFd(this.opts.hostNetns) : fs.openSync('/proc/self/ns/net', 'r');
  }

  private nl(role: NetnsRole): RtNetlink {
    let s = this.sockets[role];
    if (!s) {
      const o: { netnsPath?: string; window?: number } = {};
      if (this.opts.window !== undefined) o.window = this.opts.window;
      if (role === 'router') o.netnsPath = `${netnsDir()}/${this.routerNetns}`;
      else if (this.opts.hostNetns) o.netnsPath = `${netnsDir()}/${this.opts.hostNetns}`;
      s = openRtNetlink(o);
      this.sockets[role] = s;
    }
    return s;
  }

  async observe(sysctlPaths: string[]): Promise<ObservedState> {
    const [hl, ha, rl, ra] = await Promise.all([
      this.nl('host').dumpLinks(),
      this.nl('host').dumpAddresses(),
      this.nl('router').dumpLinks(),
      this.nl('router').dumpAddresses(),
    ]);
    const sysctls: Record<string, string | undefined> = {};
    for (const p of sysctlPaths) sysctls[p] = readSysctl(this.routerNetns, p);
    return { host: { links: hl, addrs: ha }, router: { links: rl, addrs: ra }, sysctls };
  }

  async apply(ops: DataplaneOp[], observed?: ObservedState): Promise<ApplyReport> {
    const report: ApplyReport = { writes: 0, ops, errors: [] };
    // Names resolve to indexes per namespace: from the observation the diff was
    // made from, then kept current from what each create/move returns, so no
    // re-dump is needed between phases.
    const index: Record<NetnsRole, Map<string, number>> = { host: new Map(), router: new Map() };
    const state = observed ?? (await this.observe([]));
    this.knownVrfs = new Set(state.router.links.filter((l) => l.kind === 'vrf').map((l) => l.name));
    for (const role of ['host', 'router'] as const) index[role] = new Map(state[role].links.map((l) => [l.name, l.index]));
    const idx = async (role: NetnsRole, name: string): Promise<number> => {
      let i = index[role].get(name);
      if (i === undefined) {
        const l = await this.nl(role).getLink(name);
        if (!l) throw new Error(`link ${name} not found in ${role} namespace`);
        i = l.index;
        index[role].set(name, i);
      }
      return i;
    };
    const count = (): void => {
      report.writes++;
    };

    const phases = phasesOf(ops);
    const phasesUpTo = (i: number): DataplaneOp[] => phases.slice(0, i + 1).flat();
    for (let i = 0; i < phases.length; i++) {
      const phase = phases[i]!;
      await Promise.all(
        phase.map(async (op) => {
          try {
            await this.applyOne(op, idx, count, index);
          } catch (e) {
            report.errors.push({ op, error: errorText(e) });
          }
        }),
      );
      // FRR 8.4's zebra misses an address added microseconds after its link
      // appeared, moved namespace, or was put into a VRF: the address never
      // becomes a connected route, and bgpd then refuses the session on that
      // link ("nexthop_set failed … intf (Unknown)") until FRR restarts. Seen in
      // the lab for VRF members, a moved underlay NIC and pt-ns; never with
      // `ip`, whose process start-up spaces the steps. So a new VRF gets a
      // moment before anything is put into it, and new or moved links get one
      // before they are addressed.
      if (phase.some((o) => o.op === 'create-link' && o.link.type.kind === 'vrf')) await this.settle();
      const next = phases[i + 1];
      if (next?.some((o) => o.op === 'add-address') && phasesUpTo(i).some((o) => this.newToZebra(o, ops))) await this.settle();
    }
    return report;
  }

  private settle(): Promise<void> {
    return new Promise((r) => setTimeout(r, this.opts.vrfSettleMs ?? 1000));
  }

  /** Whether `op` makes a router-namespace link appear or change VRF (zebra needs a moment before addresses). */
  private newToZebra(op: DataplaneOp, ops: DataplaneOp[]): boolean {
    const isVrf = (name: string | null | undefined): boolean =>
      !!name && (ops.some((o) => o.op === 'create-link' && o.link.name === name && o.link.type.kind === 'vrf') || this.knownVrfs.has(name));
    if (op.op === 'create-link') return op.ns === 'router' || (op.link.type.kind === 'veth' && op.link.type.peerNs === 'router');
    if (op.op === 'set-link') return op.ns === 'router' && op.change.master !== undefined && isVrf(op.change.master);
    return false;
  }

  private async applyOne(
    op: DataplaneOp,
    idx: (role: NetnsRole, name: string) => Promise<number>,
    count: () => void,
    index: Record<NetnsRole, Map<string, number>>,
  ): Promise<void> {
    switch (op.op) {
      case 'sysctl': {
        try {
          if (writeSysctl(this.routerNetns, op.path, op.value)) count();
        } catch (e) {
          if (!op.optional) throw e;
        }
        return;
      }
      case 'move-nic-in': {
        const hostIdx = await idx('host', op.name);
        const fd = openNetnsFd(this.routerNetns);
        try {
          count();
          await this.nl('host').setLink(hostIdx, { netnsFd: fd });
        } finally {
          closeFd(fd);
        }
        const moved = await this.nl('router').getLink(op.name);
        if (!moved) throw new Error(`${op.name} did not appear in the router namespace`);
        index.router.set(op.name, moved.index);
        count();
        await this.nl('router').setLink(moved.index, { group: op.group, up: true });
        // See apply(): zebra must see the moved link before its addresses come back.
        if (op.addresses.length > 0) await this.settle();
        // The kernel drops addresses on a namespace move; put them back.
        for (const a of op.addresses) {
          count();
          await this.nl('router').addAddress(moved.index, a);
        }
        return;
      }
      case 'move-nic-out': {
        const rIdx = await idx('router', op.name);
        // The host namespace is the one perouterd itself runs in.
        const fd = this.hostNetnsFd();
        try {
          count();
          await this.nl('router').setLink(rIdx, { netnsFd: fd, group: 0 });
        } finally {
          fs.closeSync(fd);
        }
        const back = await this.nl('host').getLink(op.name);
        if (!back) throw new Error(`${op.name} did not come back to the host namespace`);
        index.host.set(op.name, back.index);
        count();
        await this.nl('host').setLink(back.index, { up: true });
        for (const a of op.addresses) {
          count();
          await this.nl('host').addAddress(back.index, a);
        }
        return;
      }
      case 'delete-link': {
        const i = index[op.ns].get(op.name);
        if (i === undefined) return;
        count();
        await this.nl(op.ns).deleteLink(i);
        index[op.ns].delete(op.name);
        return;
      }
      case 'create-link': {
        const d = op.link;
        let spec: NewLinkSpec;
        switch (d.type.kind) {
          case 'vrf':
            spec = { kind: 'vrf', table: op.vrfTable ?? 1 };
            break;
          case 'bridge':
            spec = { kind: 'bridge' };
            break;
          case 'vxlan':
            spec = { kind: 'vxlan', vni: d.type.vni, local: d.type.local, port: d.type.port, learning: false };
            break;
          case 'veth': {
            const peerFd =
              d.type.peerNs === op.ns ? undefined : d.type.peerNs === 'router' ? openNetnsFd(this.routerNetns) : this.hostNetnsFd();
            try {
              const v: NewLinkSpec = { kind: 'veth', peerName: d.type.peer };
              if (peerFd !== undefined) v.peerNetnsFd = peerFd;
              if (op.mtu !== undefined) v.peerMtu = op.mtu;
              const link: NewLink = { name: d.name, spec: v, up: true };
              if (op.mtu !== undefined) link.mtu = op.mtu;
              if (d.master) link.master = await idx(op.ns, d.master);
              count();
              const created = await this.nl(op.ns).createLink(link);
              index[op.ns].set(d.name, created.index);
              // IFLA_LINK of a veth is its peer's index in the peer's namespace.
              if (created.linkIndex) index[d.type.peerNs].set(d.type.peer, created.linkIndex);
              else index[d.type.peerNs].delete(d.type.peer);
            } finally {
              if (peerFd !== undefined) fs.closeSync(peerFd);
            }
            return;
          }
          case 'veth-peer':
            return;
        }
        // addr_gen_mode only prevents a link-local if set before the link goes up:
        // such links are created down and brought up by the no-ipv6-link-local op.
        const link: NewLink = { name: d.name, spec, up: !d.noIpv6LinkLocal };
        if (op.mtu !== undefined) link.mtu = op.mtu;
        if (d.mac) link.mac = d.mac;
        if (d.master) link.master = await idx(op.ns, d.master);
        count();
        const created = await this.nl(op.ns).createLink(link);
        index[op.ns].set(d.name, created.index);
        return;
      }
      case 'set-link': {
        const i = await idx(op.ns, op.name);
        const c = op.change;
        const change: Parameters<RtNetlink['setLink']>[1] = {};
        if (c.master !== undefined) change.master = c.master === null ? 0 : await idx(op.ns, c.master);
        if (c.mtu !== undefined) change.mtu = c.mtu;
        if (c.up !== undefined) change.up = c.up;
        if (c.mac !== undefined) change.mac = c.mac;
        count();
        await this.nl(op.ns).setLink(i, change);
        return;
      }
      case 'add-address': {
        count();
        await this.nl(op.ns).addAddress(await idx(op.ns, op.link), op.cidr);
        return;
      }
      case 'delete-address': {
        count();
        await this.nl(op.ns).deleteAddress(await idx(op.ns, op.link), op.cidr);
        return;
      }
      case 'no-ipv6-link-local': {
        const i = await idx(op.ns, op.name);
        count();
        await this.nl(op.ns).setLink(i, { ipv6AddrGenMode: 1 });
        count();
        await this.nl(op.ns).setLink(i, { up: true });
        return;
      }
      case 'neigh-suppress': {
        count();
        await this.nl(op.ns).setBridgePortNeighSuppress(await idx(op.ns, op.name), true);
        return;
      }
    }
  }

  close(): void {
    for (const s of Object.values(this.sockets)) s?.close();
  }
}

function errorText(e: unknown): string {
  if (e instanceof NetlinkError) return `${e.op}: ${e.code}${e.extack ? ` (${e.extack})` : ''}`;
  return e instanceof Error ? e.message : String(e);
}

/**
 * Removals are what takes something away that is no longer configured: stale
 * links and addresses, NICs handed back. They run after FRR dropped its
 * configuration for them. Everything else (creates, settings, and deletes that
 * make room for a recreate) is an addition and runs before FRR is reloaded.
 */
export function isRemoval(op: DataplaneOp): boolean {
  return (op.op === 'delete-link' && op.reason === 'not configured') || op.op === 'delete-address' || op.op === 'move-nic-out';
}

/** Observe, diff, apply: one kernel reconcile (or just its additions / removals). */
export async function reconcileKernel(
  dp: Dataplane,
  plan: KernelPlan,
  only: 'all' | 'additions' | 'removals' = 'all',
): Promise<ApplyReport> {
  const observed = await dp.observe(plan.sysctls.map((s) => s.path));
  const all = diffKernel(plan, observed);
  const ops = only === 'all' ? all : all.filter((o) => isRemoval(o) === (only === 'removals'));
  if (ops.length === 0) return { writes: 0, ops, errors: [] };
  return dp.apply(ops, observed);
}

export type { LinkInfo };
