// `perouterd trace` for people: one block per VRF traced, the verdict last.
import type { FrrRoute, KernelRoute, TraceResult } from './trace.js';

const hop = (h: { gateway?: string; dev?: string; onlink?: boolean }): string =>
  [h.gateway ? `via ${h.gateway}` : 'directly', h.dev ? `dev ${h.dev}` : '', h.onlink ? 'onlink' : ''].filter(Boolean).join(' ');

function kernelLine(k: KernelRoute | undefined): string {
  if (!k) return '  kernel: no route';
  const hops = k.nexthops.map(hop).join('; ');
  return `  kernel: ${k.type === 'unicast' ? '' : `${k.type} `}${k.dst} table ${k.table}${hops ? ` ${hops}` : ''}`;
}

function frrLine(f: FrrRoute | undefined): string {
  if (!f) return '  FRR:    no route';
  const hops = f.nexthops
    .map((h) =>
      [h.ip ? `via ${h.ip}` : 'directly', h.interface ? `dev ${h.interface}` : '', h.active ? '' : '(inactive)'].filter(Boolean).join(' '),
    )
    .join('; ');
  const flags = [f.selected ? 'selected' : 'not selected', f.installed ? 'installed' : 'NOT installed'].join(', ');
  return `  FRR:    ${f.protocol} ${f.prefix}${hops ? ` ${hops}` : ''} (${flags})`;
}

function verdictLines(r: TraceResult): string[] {
  switch (r.verdict) {
    case 'vxlan':
      return (r.vxlan ?? []).flatMap((p) => [
        `  leaves through VXLAN: VNI ${p.vni} (${p.vxlanDevice}, bridge ${p.bridge}) to remote VTEP ${p.remoteVtep}, router MAC ${p.routerMac ?? 'unknown'}`,
        `    underlay toward ${p.remoteVtep}${p.underlayRoute ? ` (route ${p.underlayRoute})` : ''}${p.underlay.length > 1 ? `, ECMP over ${p.underlay.length} next hops` : ''}:`,
        ...p.underlay.map((h) => `      ${hop(h)}`),
      ]);
    case 'underlay':
      return [`  leaves through the underlay, not encapsulated:`, ...(r.underlay ?? []).map((h) => `    ${hop(h)}`)];
    case 'local':
      return [`  stays on this node (local): ${r.local?.what ?? ''}`];
    case 'dropped':
      return [`  dropped in ${r.drop?.at ?? '?'}: ${r.drop?.detail ?? ''}`];
  }
}

export function formatTrace(results: TraceResult[]): string {
  const blocks = results.map((r) => {
    const head = r.ingress
      ? [
          `trace ${r.destination} in VRF ${r.ingress.vrf}${r.ingress.vni !== undefined ? ` (L3VNI ${r.ingress.vni})` : ''}`,
          `  why:    ${r.ingress.why}`,
        ]
      : [`trace ${r.destination}`];
    const routes = r.ingress ? [kernelLine(r.kernelRoute), frrLine(r.frrRoute)] : [];
    return [...head, ...routes, ...verdictLines(r), ...r.notes.map((n) => `  note:   ${n}`)].join('\n');
  });
  return blocks.join('\n\n') + '\n';
}
