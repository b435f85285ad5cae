// The kernel side of perouterd: observes both namespaces (host and router) and
// applies DataplaneOps through rtnetlink. No decisions are made here; they are in
// diff.ts (pure). Each op maps to one or two typed netlink calls.
import fs from 'node:fs';
import path from 'node:path';
import type { KernelPlan, NetnsRole } from '../plan/kernel-plan.js';
import { diffKernelSteps, type DataplaneOp, type ObservedState } from './diff.js';
import { phasesOf } from './phases.js';
import type { ByRole } from './kernel-scope.js';
import { observeScoped } from './observe-scoped.js';
import { runAsync } from '../util/steps.js';
import { hostVethsWithUnseenPeerSteps, missingUnderlayNics } from './unfixable.js';
import { LinkIndex, OpApplier, type ApplyEnv } from './apply-ops.js';
import type { EvpnObservation } from './evpn-health.js';
import type { NeighbourObservation } from './bridge-refresh.js';
import { NetlinkRouterNeighbours, type RouterNeighbours } from './router-neighbours.js';
import {
  attachNamedNetns,
  closeFd,
  createNamedNetns,
  errorText,
  netnsExists,
  openNetnsFd,
  openRtNetlink,
  readSysctl,
  netnsDir,
  netnsInode,
  subscribeRtNetlink,
  type LinkInfo,
  type NeighEntry,
  type RtEventGroup,
  type RtNetlink,
  type RtSubscription,
  type RtSubscriptionHandlers,
} from './netlink/index.js';

export interface ApplyReport {
  /** Number of kernel-changing requests made (0 on a no-op reconcile). */
  writes: number;
  ops: DataplaneOp[];
  errors: Array<{ op: DataplaneOp; error: string }>;
  /** Configured underlay NICs in neither namespace (see missingUnderlayNics). */
  missingNics?: string[];
}

export type RouterNamespaceOutcome = 'existed' | 'reattached' | 'created';

/** What the daemon needs from the kernel, small enough to fake in tests (the neighbour side: router-neighbours.ts). */
export interface Dataplane extends RouterNeighbours {
  /** Creates the router namespace when missing; true when it was created now. */
  /**
   * Makes /run/netns/<router> exist: `existed`, `reattached` (the file had been
   * deleted but the namespace still lived: put back, nothing rebuilt) or
   * `created` (a new, empty namespace).
   */
  ensureRouterNamespace(): RouterNamespaceOutcome;
  routerNamespaceExists(): boolean;
  observe(sysctlPaths: string[]): Promise<ObservedState>;
  /** Only the links named (by name), what they point at (by index) and their addresses: observe-scoped.ts. */
  observeLinks(names: ByRole<ReadonlySet<string>>): Promise<ObservedState>;
  /** Kernel events of the router namespace (a socket of their own, opened there now). */
  subscribeRouter(groups: RtEventGroup[], on: RtSubscriptionHandlers): RtSubscription;
  /** Identity (inode) of the namespace behind the router namespace's name now; undefined when absent. */
  routerNamespaceId(): number | undefined;
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

/**
 * What zebra (FRR) must have seen before addresses go on new links, asked of
 * FRR by the wiring; without one (tests, benchmarks) nothing waits.
 */
export interface ZebraReadiness {
  /**
   * Resolves once zebra lists every link in `links` in the VRF given (a VRF
   * device is listed in its own VRF; `vrf` undefined = only that zebra knows
   * the link). Bounded: resolves false when its time is up.
   */
  waitFor(links: Array<{ name: string; vrf?: string }>): Promise<boolean>;
}

export interface NetlinkDataplaneOptions {
  window?: number;
  /** Run the "host" side in a named namespace instead of perouterd's own (benchmarks, labs). */
  hostNetns?: string;
  zebra?: ZebraReadiness;
  /** PID files of the FRR instance in the router namespace (default /var/run/frr/<netns>). */
  frrPidDir?: string;
}

export class NetlinkDataplane implements Dataplane {
  private readonly sockets: Partial<Record<NetnsRole, RtNetlink>> = {};
  /** Held for the process's life: identifies the router namespace and lets it be re-attached. */
  private routerNsFd: number | undefined;
  private readonly neighbours = new NetlinkRouterNeighbours(() => this.nl('router'));

  constructor(
    private readonly routerNetns: string,
    private readonly opts: NetlinkDataplaneOptions = {},
  ) {}

  routerNamespaceExists(): boolean {
    return netnsExists(this.routerNetns);
  }

  ensureRouterNamespace(): RouterNamespaceOutcome {
    const file = `${netnsDir()}/${this.routerNetns}`;
    if (netnsExists(this.routerNetns)) {
      this.holdRouterNs(file);
      return 'existed';
    }
    // Deleted behind our back while something still lives in it (our own fd,
    // FRR): put it back rather than build an empty one beside it.
    const holder = this.routerNsHolder();
    if (holder) {
      attachNamedNetns(this.routerNetns, holder);
      this.holdRouterNs(file);
      return 'reattached';
    }
    createNamedNetns(this.routerNetns);
    // A new namespace invalidates any socket opened in a previous one.
    this.sockets.router?.close();
    delete this.sockets.router;
    this.holdRouterNs(file);
    return 'created';
  }

  /** Keeps an fd of the router namespace open (re-opened when the namespace behind the name changed). */
  private holdRouterNs(file: string): void {
    const held = this.routerNsFd === undefined ? undefined : netnsInode(`/proc/self/fd/${this.routerNsFd}`);
    if (held !== undefined && held === netnsInode(file)) return;
    if (this.routerNsFd !== undefined) closeFd(this.routerNsFd);
    this.routerNsFd = fs.openSync(file, 'r');
  }

  /**
   * A path to the router namespace when its file is gone but it still lives:
   * the fd this process holds, else a process of the FRR instance (its PID
   * files) whose namespace is not the host's.
   */
  private routerNsHolder(): string | undefined {
    if (this.routerNsFd !== undefined) return `/proc/self/fd/${this.routerNsFd}`;
    const host = netnsInode('/proc/self/ns/net');
    const dir = this.opts.frrPidDir ?? `/var/run/frr/${this.routerNetns}`;
    let files: string[];
    try {
      files = fs.readdirSync(dir).filter((f) => f.endsWith('.pid'));
    } catch {
      return undefined;
    }
    for (const f of files) {
      let pid: number;
      try {
        pid = Number(fs.readFileSync(path.join(dir, f), 'utf8').trim());
      } catch {
        continue; // a daemon that just exited
      }
      const ns = `/proc/${pid}/ns/net`;
      const ino = pid > 0 ? netnsInode(ns) : undefined;
      if (ino !== undefined && ino !== host) return ns;
    }
    return undefined;
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

  observeLinks(names: ByRole<ReadonlySet<string>>): Promise<ObservedState> {
    return observeScoped({ link: (r, key) => this.nl(r).getLink(key), addresses: (r, index) => this.nl(r).addressesOf(index) }, names);
  }

  observeEvpn(): Promise<EvpnObservation> {
    return this.neighbours.observeEvpn();
  }

  observeNeighbours(): Promise<NeighbourObservation> {
    return this.neighbours.observeNeighbours();
  }

  useNeighbour(ifindex: number, ip: string): Promise<boolean> {
    return this.neighbours.useNeighbour(ifindex, ip);
  }

  replaceNeighbour(e: NeighEntry): Promise<void> {
    return this.neighbours.replaceNeighbour(e);
  }

  deleteNeighbour(e: NeighEntry): Promise<void> {
    return this.neighbours.deleteNeighbour(e);
  }

  subscribeRouter(groups: RtEventGroup[], on: RtSubscriptionHandlers): RtSubscription {
    return subscribeRtNetlink({ netnsPath: `${netnsDir()}/${this.routerNetns}`, groups }, on);
  }

  routerNamespaceId(): number | undefined {
    return netnsInode(`${netnsDir()}/${this.routerNetns}`);
  }

  async apply(ops: DataplaneOp[], observed?: ObservedState): Promise<ApplyReport> {
    const report: ApplyReport = { writes: 0, ops, errors: [] };
    const state = observed ?? (await this.observe([]));
    const index = new LinkIndex({ host: state.host.links, router: state.router.links }, (r) => this.nl(r));
    const env: ApplyEnv = {
      routerNetns: this.routerNetns,
      nl: (r) => this.nl(r),
      hostNetnsFd: () => this.hostNetnsFd(),
      zebraSees: (names) => this.zebraSees(names.map((name) => ({ name }))),
    };
    const applier = new OpApplier(env, index);
    const zebra = new ZebraFacts(ops, state);
    const phases = phasesOf(ops);
    for (let i = 0; i < phases.length; i++) {
      const phase = phases[i]!;
      // FRR 8.4's zebra misses an address added microseconds after its link
      // appeared, moved namespace, or was put into a VRF: the address never
      // becomes a connected route, and bgpd then refuses the session on that
      // link ("nexthop_set failed … intf (Unknown)") until FRR restarts. Seen in
      // the lab for VRF members, a moved underlay NIC and pt-ns; never with
      // `ip`, whose process start-up spaces the steps. So before addresses go
      // on such links, zebra must list them (in their VRF).
      if (phase[0]?.op === 'add-address') await this.zebraSees(zebra.awaitedBefore(phase));
      await eachConcurrently(phase, PHASE_CONCURRENCY, async (op) => {
        try {
          await applier.apply(op);
        } catch (e) {
          report.errors.push({ op, error: errorText(e) });
        }
      });
      // A new VRF must be known to zebra before anything is put into it.
      const vrfs = phase.flatMap((o) => (o.op === 'create-link' && o.link.type.kind === 'vrf' ? [o.link.name] : []));
      if (vrfs.length > 0) await this.zebraSees(vrfs.map((name) => ({ name, vrf: name })));
    }
    report.writes = applier.writes;
    return report;
  }

  private async zebraSees(links: Array<{ name: string; vrf?: string }>): Promise<void> {
    if (links.length > 0 && this.opts.zebra) await this.opts.zebra.waitFor(links);
  }

  close(): void {
    for (const s of Object.values(this.sockets)) s?.close();
  }
}

/**
 * Ops of a phase started at once. More than a socket's window (32) keeps its send
 * batches full; starting all of a 4000-op phase in one go blocked the event loop
 * for ~80 ms (encoding and queueing every request before the first reply).
 */
const PHASE_CONCURRENCY = 64;

/** Runs `fn` over `items` with at most `limit` calls pending. */
async function eachConcurrently<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Which links of an apply are new to zebra (created, or put into a VRF), and their VRFs. */
class ZebraFacts {
  /** Router-namespace link → the VRF it ends up in ('' = none), for links new to zebra. */
  private readonly fresh = new Map<string, string>();

  constructor(ops: DataplaneOp[], state: ObservedState) {
    const vrfs = new Set(state.router.links.filter((l) => l.kind === 'vrf').map((l) => l.name));
    for (const o of ops) if (o.op === 'create-link' && o.link.type.kind === 'vrf') vrfs.add(o.link.name);
    const vrfOf = (master: string | null | undefined): string => (master && vrfs.has(master) ? master : '');
    for (const o of ops) {
      if (o.op === 'create-link' && o.ns === 'router') this.fresh.set(o.link.name, vrfOf(o.link.master));
      else if (o.op === 'set-link' && o.ns === 'router' && o.change.master !== undefined && vrfOf(o.change.master))
        this.fresh.set(o.name, vrfOf(o.change.master));
      else if (o.op === 'move-nic-in') this.fresh.set(o.name, '');
    }
  }

  /** The links an address phase must wait for zebra to see. */
  awaitedBefore(phase: DataplaneOp[]): Array<{ name: string; vrf?: string }> {
    const out = new Map<string, { name: string; vrf?: string }>();
    for (const o of phase) {
      if (o.op !== 'add-address' || o.ns !== 'router') continue;
      const vrf = this.fresh.get(o.link);
      if (vrf === undefined) continue;
      out.set(o.link, vrf ? { name: o.link, vrf } : { name: o.link });
    }
    return [...out.values()];
  }
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

/** One observation of the kernel and one diff: what to add before FRR, what to remove after. */
export interface KernelChanges {
  observed: ObservedState;
  additions: DataplaneOp[];
  removals: DataplaneOp[];
  /** Configured underlay NICs in neither namespace (see missingUnderlayNics). */
  missingNics: string[];
  /** Host veths kept because their peer is in a namespace perouterd cannot see (see hostVethsWithUnseenPeer). */
  heldVeths: string[];
}

export async function kernelChanges(dp: Dataplane, plan: KernelPlan): Promise<KernelChanges> {
  const observed = await dp.observe(plan.sysctls.map((s) => s.path));
  const additions: DataplaneOp[] = [];
  const removals: DataplaneOp[] = [];
  // Drained with a turn of the event loop every CHUNK objects: at 4000 VNIs the diff is tens of ms.
  for (const o of await runAsync(diffKernelSteps(plan, observed))) (isRemoval(o) ? removals : additions).push(o);
  const heldVeths = await runAsync(hostVethsWithUnseenPeerSteps(observed));
  return { observed, additions, removals, missingNics: missingUnderlayNics(plan, observed), heldVeths };
}

/**
 * Applies ops computed from `observed`. Removals may use the observation made
 * before the additions ran: they only touch objects that were there already.
 */
export async function applyKernel(dp: Dataplane, ops: DataplaneOp[], observed: ObservedState): Promise<ApplyReport> {
  if (ops.length === 0) return { writes: 0, ops, errors: [] };
  return dp.apply(ops, observed);
}

/** Observe, diff, apply everything: one whole kernel reconcile (tests, benchmarks). */
export async function reconcileKernel(dp: Dataplane, plan: KernelPlan): Promise<ApplyReport> {
  const c = await kernelChanges(dp, plan);
  return { ...(await applyKernel(dp, [...c.additions, ...c.removals], c.observed)), missingNics: c.missingNics };
}

export type { LinkInfo };
