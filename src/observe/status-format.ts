// `perouterd status` output: `-o json` and `-o yaml` print the document as it is; the table is
// for people, in the style of `kubectl get` and `ip -br`: one line per thing, aligned columns,
// one block per kind of thing, `-` for an unknown value.
import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import type { StatusDocument } from './status-model.js';

/** yaml only for `-o yaml`: loading it cost `perouterd status` ~0.3 s of its 3 s inside the kernel lab. */
const yamlStringify = (d: unknown): string => (createRequire(import.meta.url)('yaml') as typeof Yaml).stringify(d, { lineWidth: 0 });

export type OutputFormat = 'table' | 'json' | 'yaml';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'json', 'yaml'];

/** Rows as aligned columns (two spaces apart, last column not padded). */
export function columns(rows: string[][]): string[] {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, c.length)));
  return rows.map((r) =>
    r
      .map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

const dash = (v: string | number | undefined): string => (v === undefined || v === '' ? '-' : String(v));

function sourceLine(d: StatusDocument): string {
  const s = d.source;
  if (!s) return 'unknown';
  if (s.kind === 'static-only') return 'static files only';
  return s.kind === 'merged'
    ? `static files merged with the API since ${s.since}`
    : `API lost since ${s.since}; its last objects stay applied`;
}

function reconcileLine(d: StatusDocument): string {
  const r = d.lastReconcile;
  if (!r) return 'none yet';
  const f = r.frr;
  const frr =
    f.result === 'applied'
      ? `FRR reloaded +${f.linesAdded} -${f.linesRemoved} lines in ${f.durationMs} ms`
      : f.result === 'failed'
        ? `FRR reload failed${f.error ? `: ${f.error}` : ''}`
        : f.result === 'unchanged'
          ? 'FRR unchanged'
          : 'FRR not reloaded';
  return `${r.startedAt} (${r.triggers.join(', ')}): ${r.outcome} in ${r.durationMs} ms, ${r.netlinkWrites} netlink write(s), ${frr}`;
}

function kernelLine(d: StatusDocument): string {
  if ('unknown' in d.kernel) return `unknown (${d.kernel.unknown})`;
  return d.kernel.changes.length === 0 ? 'as desired' : `${d.kernel.changes.length} difference(s): ${d.kernel.changes.join('; ')}`;
}

function summary(d: StatusDocument): string[] {
  return columns([
    ['HEALTH', `${d.health}${d.from === 'status-file' ? ' (from status.json: perouterd is not running)' : ''}`],
    ['NODE', d.node ? `${d.node.name} (index ${d.node.index})` : '-'],
    ['STATE', `${d.daemon.state}: ${d.daemon.message}`],
    ['SOURCE', sourceLine(d)],
    ['RECONCILE', reconcileLine(d)],
    ['KERNEL', kernelLine(d)],
    ...(d.frrError ? [['FRR', `unavailable: ${d.frrError}`]] : []),
  ]);
}

function blocks(d: StatusDocument): string[][] {
  const out: string[][] = [];
  if (d.resources.length > 0)
    out.push(
      columns([
        ['KIND', 'NAME', 'ORIGIN', 'STATE', 'REASON'],
        ...d.resources.map((r) => [r.kind, r.name, r.origin, r.state, r.reason ? `${r.reason}${r.message ? `: ${r.message}` : ''}` : '-']),
      ]),
    );
  if (d.bgp.neighbors.length > 0)
    out.push(
      columns([
        ['VRF', 'NEIGHBOR', 'AF', 'STATE', 'UP', 'PFX-RCVD', 'PFX-SENT'],
        ...d.bgp.neighbors.map((n) => [
          n.vrf,
          n.peer,
          `${n.afi} ${n.safi}`,
          n.state,
          dash(n.uptime),
          dash(n.prefixesReceived),
          dash(n.prefixesSent),
        ]),
      ]),
    );
  if (d.evpn.vnis.length > 0)
    out.push(
      columns([
        ['VNI', 'TYPE', 'VRF', 'VXLAN', 'REMOTE-VTEPS'],
        ...d.evpn.vnis.map((v) => [String(v.vni), v.type, dash(v.vrf), dash(v.vxlanInterface), dash(v.remoteVteps.join(','))]),
      ]),
    );
  if (d.bfd.peers.length > 0)
    out.push(
      columns([
        ['BFD-PEER', 'VRF', 'INTERFACE', 'STATUS', 'UP(S)'],
        ...d.bfd.peers.map((p) => [p.peer, p.vrf, dash(p.interface), p.status, dash(p.uptimeSeconds)]),
      ]),
    );
  if (d.reasons.length > 0) out.push(['NOT HEALTHY BECAUSE', ...d.reasons.map((r) => `  ${r}`)]);
  if (d.notices.length > 0) out.push(['NOTICES', ...d.notices.map((n) => `  ${n}`)]);
  return out;
}

export function formatTable(d: StatusDocument): string {
  return [summary(d), ...blocks(d)].map((b) => b.join('\n')).join('\n\n') + '\n';
}

export function formatStatus(d: StatusDocument, format: OutputFormat): string {
  if (format === 'json') return `${JSON.stringify(d, null, 2)}\n`;
  if (format === 'yaml') return yamlStringify(d);
  return formatTable(d);
}
