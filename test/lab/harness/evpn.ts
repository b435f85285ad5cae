// Shared readers for the scenarios (runs INSIDE the lab): FRR's JSON (BGP
// sessions, EVPN routes, VRF routes), kernel readers, pings (one-shot,
// expected-to-fail, continuous) and failure diagnostics. The configurations the
// scenarios start from (ToR, host speakers, YAML) are in test/lab/fixtures/.
//
// Everything here reads state; nothing changes perouterd's configuration.
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ipJson, run, waitFor } from './fabric.js';
import { collectFrrLogs, logTail, vtysh, vtyshJson } from './frr.js';
import { log } from './results.js';
import { readStatus, type PerouterdNode, type PerouterdProcess } from './perouterd.js';

// ---------------------------------------------------------------------------
// BGP sessions

type Summary = Record<string, { peers?: Record<string, { state: string; pfxRcd?: number; pfxSnt?: number }> } | undefined>;

/** Peer → state for one address family (`ipv4Unicast`, `ipv6Unicast`, `l2VpnEvpn`) of an instance (default or a VRF). */
export async function peerStates(
  ns: string,
  af: 'ipv4Unicast' | 'ipv6Unicast' | 'l2VpnEvpn',
  vrf?: string,
): Promise<Record<string, string>> {
  const s = await vtyshJson<Summary>(ns, `show bgp ${vrf ? `vrf ${vrf} ` : ''}summary json`);
  return Object.fromEntries(Object.entries(s[af]?.peers ?? {}).map(([k, v]) => [k, v.state]));
}

export async function waitEstablished(
  ns: string,
  peer: string,
  af: 'ipv4Unicast' | 'ipv6Unicast' | 'l2VpnEvpn',
  timeoutMs: number,
  vrf?: string,
): Promise<string> {
  try {
    return await waitFor(
      async () =>
        (await peerStates(ns, af, vrf))[peer] === 'Established' ? `${ns}${vrf ? ` vrf ${vrf}` : ''} ${af} ${peer} Established` : undefined,
      timeoutMs,
      `${ns}${vrf ? ` vrf ${vrf}` : ''} ${af} session with ${peer} Established`,
    );
  } catch (e) {
    const now = await peerStates(ns, af, vrf).catch((x: Error) => x.message);
    const lost = await zebraMissingAddrs(ns).catch((x: Error) => [x.message]);
    throw new Error(
      `${e instanceof Error ? e.message : String(e)}; now ${JSON.stringify(now)}; zebra vs kernel in ${ns}: ${lost.length ? lost.join('; ') : 'all kernel addresses known to zebra'}`,
      { cause: e },
    );
  }
}

/**
 * Addresses the kernel has but zebra does not know (`show interface <dev> json`):
 * bgpd then cannot tie a session to an interface ("nexthop_set failed … intf (Unknown)").
 */
export async function zebraMissingAddrs(ns: string): Promise<string[]> {
  const kernel = await allAddrs(ns);
  const byDev = new Map<string, string[]>();
  for (const x of kernel) {
    const [dev, cidr] = x.split(' ') as [string, string];
    if (dev === 'lo') continue;
    byDev.set(dev, [...(byDev.get(dev) ?? []), cidr]);
  }
  const out: string[] = [];
  for (const [dev, cidrs] of byDev) {
    const j = await vtyshJson<Record<string, { ipAddresses?: Array<{ address: string }> }>>(ns, `show interface ${dev} json`).catch(
      () => ({}) as Record<string, { ipAddresses?: Array<{ address: string }> }>,
    );
    const z = new Set((j[dev]?.ipAddresses ?? []).map((a) => a.address.toLowerCase()));
    const missing = cidrs.filter((c) => !z.has(c.toLowerCase()));
    if (missing.length) out.push(`${dev}: kernel has ${missing.join(',')}, zebra has [${[...z].join(',')}]`);
  }
  return out;
}

// ---------------------------------------------------------------------------
// EVPN routes

export interface EvpnPath {
  nexthops: string[];
  /** Extended communities as FRR prints them ("RT:64514:100 ET:8 Rmac:..."). */
  ext: string;
  /** Labels / VNIs FRR attaches, when printed. */
  raw: Record<string, unknown>;
}

export interface EvpnRoute {
  rd: string;
  /** FRR's bracketed key, e.g. `[2]:[0]:[48]:[aa:bb:..]:[32]:[10.0.0.1]`. */
  key: string;
  paths: EvpnPath[];
}

function pathsOf(v: unknown): EvpnPath[] {
  const out: EvpnPath[] = [];
  const walk = (o: unknown): void => {
    if (!o || typeof o !== 'object') return;
    if (Array.isArray(o)) return o.forEach(walk);
    const r = o as Record<string, unknown>;
    if (Array.isArray(r.nexthops) || r.extendedCommunity !== undefined) {
      const nhs = Array.isArray(r.nexthops) ? (r.nexthops as Array<{ ip?: string }>).flatMap((n) => (n.ip ? [n.ip] : [])) : [];
      const ec = r.extendedCommunity as { string?: string } | undefined;
      out.push({ nexthops: nhs, ext: ec?.string ?? '', raw: r });
      return;
    }
    for (const x of Object.values(r)) walk(x);
  };
  walk(v);
  return out;
}

/** All EVPN routes of one type at `ns` (`show bgp l2vpn evpn route type <t> json`), flattened over RDs. */
export async function evpnRoutes(ns: string, type: 'macip' | 'multicast' | 'prefix'): Promise<EvpnRoute[]> {
  const j = await vtyshJson<Record<string, unknown>>(ns, `show bgp l2vpn evpn route type ${type} json`);
  const out: EvpnRoute[] = [];
  for (const [rd, byKey] of Object.entries(j)) {
    if (!byKey || typeof byKey !== 'object') continue;
    for (const [key, v] of Object.entries(byKey as Record<string, unknown>)) {
      if (!key.startsWith('[')) continue;
      out.push({ rd, key, paths: pathsOf(v) });
    }
  }
  return out;
}

/** Compact one-line-per-route text, for check details and failure messages. */
export function fmtRoutes(rs: EvpnRoute[]): string {
  return rs
    .map(
      (r) =>
        `${r.key} via ${[...new Set(r.paths.flatMap((p) => p.nexthops))].join('|')} {${[...new Set(r.paths.map((p) => p.ext))].join(' / ')}}`,
    )
    .join('; ');
}

/** Type-5 routes for prefix addr/len (any RD). */
export function type5(rs: EvpnRoute[], addr: string, len: number): EvpnRoute[] {
  return rs.filter((r) => r.key.endsWith(`:[${len}]:[${addr}]`));
}

export const nexthopsOf = (rs: EvpnRoute[]): string[] => [...new Set(rs.flatMap((r) => r.paths.flatMap((p) => p.nexthops)))];
export const extOf = (rs: EvpnRoute[]): string => [...new Set(rs.flatMap((r) => r.paths.map((p) => p.ext)))].join(' / ');

// ---------------------------------------------------------------------------
// Routes in VRFs (FRR and kernel)

/** Prefixes FRR has in a VRF's RIB (`show ip[v6] route vrf X json`). */
export async function frrVrfPrefixes(ns: string, vrf: string, family: 4 | 6 = 4): Promise<string[]> {
  const j = await vtyshJson<Record<string, unknown>>(ns, `show ${family === 4 ? 'ip' : 'ipv6'} route vrf ${vrf} json`);
  return Object.keys(j);
}

interface RouteJ {
  dst: string;
  gateway?: string;
  dev?: string;
  protocol?: string;
  flags?: string[];
}

/** Kernel routes of a VRF (`ip [-6] route show vrf X`), as "dst via gw dev d proto p". */
export async function kernelVrfRoutes(ns: string, vrf: string, family: 4 | 6 = 4): Promise<string[]> {
  const rs = await ipJson<RouteJ[]>(ns, [family === 6 ? '-6' : '-4', 'route', 'show', 'vrf', vrf]);
  return rs.map(
    (r) => `${r.dst}${r.gateway ? ` via ${r.gateway}` : ''}${r.dev ? ` dev ${r.dev}` : ''}${r.protocol ? ` proto ${r.protocol}` : ''}`,
  );
}

// ---------------------------------------------------------------------------
// Kernel objects

export interface LinkJ {
  ifname: string;
  ifindex: number;
  master?: string;
  address?: string;
  mtu?: number;
  operstate?: string;
  flags?: string[];
  linkinfo?: {
    info_kind?: string;
    info_slave_kind?: string;
    info_data?: Record<string, unknown>;
    info_slave_data?: Record<string, unknown>;
  };
}

export async function links(ns: string): Promise<LinkJ[]> {
  return ipJson<LinkJ[]>(ns, ['-d', 'link', 'show']);
}

export async function linkMap(ns: string): Promise<Map<string, LinkJ>> {
  return new Map((await links(ns)).map((l) => [l.ifname, l]));
}

/** "name:ifindex" of every link, sorted: equal before/after means nothing was recreated. */
export async function linkIndexes(ns: string): Promise<string[]> {
  return (await links(ns)).map((l) => `${l.ifname}:${l.ifindex}`).sort();
}

/** Global addresses of one device, as CIDRs. */
export async function addrsOf(ns: string, dev: string): Promise<string[]> {
  const j = await ipJson<Array<{ addr_info: Array<{ local: string; prefixlen: number; scope?: string }> }>>(ns, [
    'addr',
    'show',
    'dev',
    dev,
  ]);
  return (j[0]?.addr_info ?? []).filter((a) => a.scope !== 'link' && a.scope !== 'host').map((a) => `${a.local}/${a.prefixlen}`);
}

/** Every global address in a namespace, "dev cidr", sorted. */
export async function allAddrs(ns: string): Promise<string[]> {
  const j = await ipJson<Array<{ ifname: string; addr_info: Array<{ local: string; prefixlen: number; scope?: string }> }>>(ns, [
    'addr',
    'show',
  ]);
  return j
    .flatMap((l) => l.addr_info.filter((a) => a.scope !== 'link' && a.scope !== 'host').map((a) => `${l.ifname} ${a.local}/${a.prefixlen}`))
    .sort();
}

export function expectLinks(have: Map<string, LinkJ>, names: string[], where: string): void {
  const missing = names.filter((n) => !have.has(n));
  if (missing.length) throw new Error(`${where}: missing ${missing.join(', ')} (have ${[...have.keys()].join(',')})`);
}

export function expectNoLinks(have: Map<string, LinkJ>, names: string[], where: string): void {
  const left = names.filter((n) => have.has(n));
  if (left.length) throw new Error(`${where}: still present: ${left.join(', ')}`);
}

// ---------------------------------------------------------------------------
// Pings

/** A ping that must NOT get any reply: resolves with its output when 0 replies came back, throws otherwise. */
export async function pingFails(ns: string, dst: string, o: { source?: string; count?: number; family?: 4 | 6 } = {}): Promise<string> {
  const args = ['-n', '-c', String(o.count ?? 3), '-W', '1', ...(o.family === 6 ? ['-6'] : []), ...(o.source ? ['-I', o.source] : []), dst];
  const r = await run('ip', ['netns', 'exec', ns, 'ping', ...args], { allowFail: true, timeoutMs: 30_000 });
  const m = /(\d+) packets transmitted, (\d+) (?:packets )?received/.exec(r.stdout);
  const text = (r.stdout + r.stderr)
    .trim()
    .split('\n')
    .filter((x) => x.trim())
    .slice(-4)
    .join(' | ');
  if (m && m[2] !== '0') throw new Error(`ping ${args.join(' ')} in ${ns} got ${m[2]} replies, expected none: ${text}`);
  return text;
}

export interface ContinuousPingResult {
  transmitted: number;
  received: number;
  /** Sequence numbers without a reply (excluding the last `inFlight` ones sent before the stop). */
  lost: number[];
  /** Losses as time windows relative to the ping's start (ms), merged when consecutive. */
  lossWindows: Array<{ fromMs: number; toMs: number; packets: number }>;
  durationMs: number;
  output: string;
}

/** `ping -i <interval>` running in the background until stop(). */
export class ContinuousPing {
  private readonly child: ChildProcess;
  private out = '';
  readonly startedAt = Date.now();
  private readonly done: Promise<void>;

  constructor(
    readonly ns: string,
    readonly dst: string,
    readonly o: { source?: string; intervalSec?: number; family?: 4 | 6; timestamps?: boolean } = {},
  ) {
    const args = [
      'netns',
      'exec',
      ns,
      'ping',
      '-n',
      ...(o.timestamps ? ['-D'] : []),
      '-i',
      String(o.intervalSec ?? 0.05),
      ...(o.family === 6 ? ['-6'] : []),
      ...(o.source ? ['-I', o.source] : []),
      dst,
    ];
    this.child = spawn('ip', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout?.on('data', (b: Buffer) => (this.out += b.toString()));
    this.child.stderr?.on('data', (b: Buffer) => (this.out += b.toString()));
    this.done = new Promise((res) => this.child.once('close', () => res()));
    log(`continuous ping ${ns} → ${dst} started (pid ${this.child.pid})`);
  }

  /** With `timestamps` (ping -D): each reply's sequence number and when it arrived (epoch ms). */
  replies(): Array<{ seq: number; atMs: number }> {
    return [...this.out.matchAll(/^\[(\d+\.\d+)\] .*icmp_seq=(\d+) ttl=/gm)].map((x) => ({ seq: Number(x[2]), atMs: Number(x[1]) * 1000 }));
  }

  /** Replies so far (for "is it running" checks). */
  repliesSoFar(): number {
    return (this.out.match(/icmp_seq=\d+ ttl=/g) ?? []).length;
  }

  async stop(): Promise<ContinuousPingResult> {
    const durationMs = Date.now() - this.startedAt;
    this.child.kill('SIGINT');
    await Promise.race([this.done, new Promise((r) => setTimeout(r, 5000))]);
    const m = /(\d+) packets transmitted, (\d+) (?:packets )?received/.exec(this.out);
    const transmitted = Number(m?.[1] ?? 0);
    const received = Number(m?.[2] ?? 0);
    const replied = new Set([...this.out.matchAll(/icmp_seq=(\d+) ttl=/g)].map((x) => Number(x[1])));
    const intervalMs = (this.o.intervalSec ?? 0.05) * 1000;
    // Replies to the last ~0.5 s of requests may still be in flight when SIGINT lands.
    const inFlight = Math.ceil(500 / intervalMs);
    const lost: number[] = [];
    for (let s = 1; s <= transmitted - inFlight; s++) if (!replied.has(s)) lost.push(s);
    const lossWindows: ContinuousPingResult['lossWindows'] = [];
    for (const s of lost) {
      const t = Math.round((s - 1) * intervalMs);
      const w = lossWindows.at(-1);
      if (w && t - w.toMs <= intervalMs * 1.5) {
        w.toMs = t;
        w.packets++;
      } else lossWindows.push({ fromMs: t, toMs: t, packets: 1 });
    }
    return { transmitted, received, lost, lossWindows, durationMs, output: this.out.split('\n').slice(-3).join(' | ') };
  }
}

// ---------------------------------------------------------------------------
// Diagnostics

export interface DiagTarget {
  pes: string[];
  nodes: string[];
  vrfs?: string[];
  extra?: Array<[string, () => Promise<string>]>;
}

export async function diagnostics(t: DiagTarget): Promise<string> {
  const out: string[] = [];
  const grab = async (what: string, fn: () => Promise<string>): Promise<void> => {
    try {
      out.push(`--- ${what}\n${(await fn()).trim()}`);
    } catch (e) {
      out.push(`--- ${what}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  for (const pe of t.pes) {
    await grab(`${pe} bgp vrf all summary`, () => vtysh(pe, 'show bgp vrf all summary'));
    await grab(`${pe} running-config`, () => vtysh(pe, 'show running-config'));
    await grab(`${pe} evpn vni / vrf / zebra interfaces`, () =>
      vtysh(pe, ['show evpn vni', 'show vrf', 'show interface brief', ...(t.vrfs ?? []).map((v) => `show interface vrf ${v}`)]),
    );
    for (const vrf of t.vrfs ?? [])
      await grab(`${pe} vrf ${vrf} routes`, () => vtysh(pe, [`show ip route vrf ${vrf}`, `show ipv6 route vrf ${vrf}`]));
    await grab(`${pe} links`, async () =>
      (await links(pe))
        .map((l) => `${l.ifname}#${l.ifindex} ${l.linkinfo?.info_kind ?? ''} master=${l.master ?? ''} ${l.operstate ?? ''}`)
        .join('\n'),
    );
    await grab(`${pe} addrs`, async () => (await allAddrs(pe)).join('\n'));
    await grab(`${pe} bgpd log`, async () => logTail(pe, 30, 'bgpd'));
    await grab(`${pe} zebra log`, async () => logTail(pe, 30, 'zebra'));
  }
  for (const node of t.nodes) {
    await grab(`${node} bgp`, () => vtysh(node, ['show bgp summary', 'show ip route', 'show ipv6 route']).catch(() => '(no FRR)'));
    await grab(`${node} links`, async () =>
      (await links(node))
        .map((l) => `${l.ifname}#${l.ifindex} ${l.linkinfo?.info_kind ?? ''} master=${l.master ?? ''} ${l.operstate ?? ''}`)
        .join('\n'),
    );
    await grab(`${node} addrs`, async () => (await allAddrs(node)).join('\n'));
  }
  await grab('tor bgp', () => vtysh('tor', ['show bgp summary', 'show bgp ipv4 unicast', 'show bgp l2vpn evpn']));
  for (const [what, fn] of t.extra ?? []) await grab(what, fn);
  return out.join('\n');
}

/** Prints diagnostics once per scenario (one log line per text line). */
export function diagnoser(t: DiagTarget): () => Promise<void> {
  let done = false;
  return async () => {
    if (done) return;
    done = true;
    for (const line of (await diagnostics(t)).split('\n')) log(`DIAG ${line}`);
  };
}

/** Wraps a check body: on failure, print diagnostics once, then rethrow. */
export function withDiag<T>(diag: () => Promise<void>, fn: () => Promise<T>): () => Promise<T> {
  return async () => {
    try {
      return await fn();
    } catch (e) {
      await diag().catch(() => undefined);
      throw e;
    }
  };
}

/**
 * onFinish helper: print perouterd log tails, stop the daemons (unless `keep`: the lab stays
 * up for a person to look at), keep logs in $LAB_HOST_DIR.
 */
export async function finishNodes(
  procs: PerouterdProcess[],
  nodes: PerouterdNode[],
  frrNs: string[],
  o: { keep?: boolean } = {},
): Promise<void> {
  for (const p of procs) {
    log(`--- perouterd ${p.node.name} log tail`);
    for (const line of p.logTail(40).split('\n')) log(`  ${line.slice(0, 600)}`);
    if (!o.keep) await p.stop().catch(() => undefined);
  }
  for (const ns of frrNs) for (const line of logTail(ns, 8).split('\n')) log(`  ${line}`);
  const dir = process.env.LAB_HOST_DIR;
  if (dir) {
    collectFrrLogs(join(dir, 'frr-logs'));
    mkdirSync(join(dir, 'perouterd-logs'), { recursive: true });
    for (const n of nodes) {
      try {
        if (existsSync(n.logFile)) copyFileSync(n.logFile, join(dir, 'perouterd-logs', `${n.name}.log`));
        if (existsSync(join(n.stateDir, 'status.json')))
          copyFileSync(join(n.stateDir, 'status.json'), join(dir, 'perouterd-logs', `${n.name}-status.json`));
      } catch {
        /* best effort */
      }
    }
  }
}

/** VNIs the last successful reconcile applied (status.json `applied`), [] when none. */
export function appliedL3vnis(n: PerouterdNode): number[] {
  const s = readStatus(n) as unknown as { applied?: { l3vnis?: number[] } } | undefined;
  return s?.applied?.l3vnis ?? [];
}

/**
 * Wait budgets that shrink once a prerequisite check failed, so a scenario whose
 * setup is broken fails fast (every dependent check still runs and is recorded)
 * instead of timing out check after check.
 */
export class Budget {
  private ok = true;
  /** Records the outcome of a prerequisite check. */
  track(passed: boolean): boolean {
    if (!passed) this.ok = false;
    return passed;
  }
  ms(n: number): number {
    return this.ok ? n : Math.min(n, 5000);
  }
}
