// What the demo shows a person (runs INSIDE the lab): a node's status and the
// path to a remote service, as text. Each view prefers perouterd's own command
// (`perouterd status`, `perouterd trace`) once the CLI has it, and until then
// builds the same picture from status.json and route lookups.
import { ipJson, run } from './fabric.js';
import { vtyshJson } from './frr.js';
import { PEROUTERD, readStatus, type PerouterdNode } from './perouterd.js';

let commands: string[] | undefined;

/** Subcommands perouterd's CLI offers (from its --help; read once). */
async function cliCommands(): Promise<string[]> {
  if (commands) return commands;
  const flags = (process.env.LAB_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const r = await run(process.execPath, [...flags, PEROUTERD, '--help'], { allowFail: true });
  const section = r.stdout.split(/^Commands:$/m)[1] ?? '';
  commands = [...section.matchAll(/^ {2}([a-z-]+)/gm)].map((m) => m[1]!);
  return commands;
}

/** Output of `perouterd <cmd> <args>` when the CLI has that command, else undefined. */
async function perouterdCommand(cmd: string, args: string[]): Promise<string | undefined> {
  if (!(await cliCommands()).includes(cmd)) return undefined;
  const flags = (process.env.LAB_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const r = await run(process.execPath, [...flags, PEROUTERD, cmd, ...args], { allowFail: true, timeoutMs: 60_000 });
  return (r.stdout + r.stderr).trimEnd();
}

const indent = (text: string, by = '  '): string =>
  text
    .split('\n')
    .map((l) => by + l)
    .join('\n');

/** `perouterd status` of a node, or the same facts read from its status.json. */
export async function statusView(n: PerouterdNode): Promise<string> {
  const real = await perouterdCommand('status', ['--state-dir', n.stateDir]);
  if (real !== undefined) return `$ perouterd status   (on ${n.name})\n${indent(real)}`;
  const s = readStatus(n);
  if (!s) throw new Error(`${n.name}: no status.json in ${n.stateDir}`);
  const a = (s as unknown as { applied?: { l3vnis: number[]; l2vnis: number[]; passthrough: boolean } }).applied;
  const list = (xs: number[] | undefined): string => (xs?.length ? xs.join(', ') : '-');
  const rows: Array<[string, string]> = [
    ['state', `${s.state}: ${s.message}`],
    ['applied', `L3VNIs ${list(a?.l3vnis)}   L2VNIs ${list(a?.l2vnis)}   passthrough ${a?.passthrough ? 'yes' : 'no'}`],
    [
      'work',
      `${s.reconciles} reconciles, ${s.frr.reloads} FRR reloads (last: ${s.frr.lastOutcome ?? '-'}), ${s.kernel.writesTotal} netlink writes`,
    ],
    ['problems', s.problems.length ? s.problems.join('; ') : 'none'],
  ];
  return [
    `Status of ${n.name} (${n.stateDir}/status.json; \`perouterd status\` will print this)`,
    ...rows.map(([k, v]) => `  ${k.padEnd(9)} ${v}`),
  ].join('\n');
}

interface RouteGet {
  dst: string;
  gateway?: string;
  dev?: string;
  prefsrc?: string;
  flags?: string[];
}

async function routeGet(ns: string, dst: string, o: { vrf?: string; from?: string } = {}): Promise<string> {
  const args = ['route', 'get', ...(o.vrf ? ['vrf', o.vrf] : []), dst, ...(o.from ? ['from', o.from] : [])];
  const [r] = await ipJson<RouteGet[]>(ns, args);
  if (!r) throw new Error(`ip -n ${ns} ${args.join(' ')}: no route`);
  return `${r.dst} ${r.gateway ? `via ${r.gateway} ` : ''}dev ${r.dev ?? '?'}${r.flags?.includes('onlink') ? ' onlink' : ''}`;
}

/** Where FRR learned a VRF route: "bgp, EVPN VNI 100" or "connected". */
async function frrOrigin(ns: string, vrf: string, dst: string): Promise<string> {
  type R = Record<string, Array<{ protocol?: string; nexthops?: Array<{ vrf?: string; ip?: string }> }>>;
  const j = await vtyshJson<R>(ns, `show ip route vrf ${vrf} ${dst} json`);
  const r = Object.values(j)[0]?.[0];
  return r ? `${r.protocol ?? '?'} in FRR` : 'not in FRR';
}

export interface TraceHop {
  ns: string;
  dst: string;
  vrf?: string;
  from?: string;
  why: string;
}

/**
 * `perouterd trace` of a destination, or the same path from route lookups in
 * each namespace a packet crosses (kernel: `ip route get`; FRR: where the route came from).
 */
export async function traceView(from: PerouterdNode, dst: string, hops: TraceHop[]): Promise<string> {
  const real = await perouterdCommand('trace', ['--state-dir', from.stateDir, dst]);
  if (real !== undefined) return `$ perouterd trace ${dst}   (on ${from.name})\n${indent(real)}`;
  const lines = [`Trace of ${dst} from ${from.name} (route lookups hop by hop; \`perouterd trace\` will print this)`];
  for (const h of hops) {
    const where = `${h.ns}${h.vrf ? ` vrf ${h.vrf}` : ''}`;
    const via = await routeGet(h.ns, h.dst, { vrf: h.vrf, from: h.from });
    const origin = h.vrf ? ` [${await frrOrigin(h.ns, h.vrf, h.dst)}]` : '';
    lines.push(`  ${where.padEnd(13)} ${via.padEnd(44)} ${h.why}${origin}`);
  }
  return lines.join('\n');
}
