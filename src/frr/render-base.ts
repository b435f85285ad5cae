// What every part of frr.conf's rendering shares (render.ts): FRR's defaults, which a
// rendered line must never carry (FRR does not print them back), the line builder, and
// the BFD block.
import type { BFDSettings } from '../config/model.js';
import type { UnderlayPlan } from '../plan/router-plan.js';
import type { FrrPiece, FrrTreeBuilder } from './frr-config.js';

/**
 * FRR 8.4 (datacenter profile) defaults: a line carrying one of these values is
 * not printed back by `show running-config`, so it is not rendered.
 */
export const FRR_DEFAULTS = {
  /** `log stdout` without a level means debugging; FRR prints no level then. */
  logStdoutLevel: 'debugging',
  /** `bgp listen limit`. */
  listenLimit: 100,
  /** `neighbor X port`. */
  bgpPort: 179,
  /** `neighbor X ebgp-multihop 1` is plain eBGP (not printed); no TTL means 255 (printed as `ebgp-multihop 255`). */
  ebgpTtl: 1,
  maxTtl: 255,
  /** `bgp graceful-restart restart-time` / `stalepath-time`. */
  grRestartTime: 120,
  grStalePathTime: 360,
  /** bfdd profile values. */
  bfdReceiveInterval: 300,
  bfdTransmitInterval: 300,
  bfdDetectMultiplier: 3,
  bfdMinimumTtl: 254,
  bfdEchoInterval: 50,
} as const;

/** frr.conf's lines as they are written, and (with `tree`) parsed as they are written. */
export class Lines {
  private readonly out: string[] = [];
  constructor(private readonly tree?: FrrTreeBuilder) {}
  add(indent: number, text: string): void {
    const line = ' '.repeat(indent) + text;
    this.out.push(line);
    if (!this.tree) return;
    if (line.includes('\n')) for (const l of line.split('\n')) this.tree.line(l);
    else this.tree.line(line);
  }
  sep(): void {
    this.out.push('!');
    this.tree?.line('!');
  }
  /** Lines rendered before (a kept VRF block), joined, as they are, with their parse. */
  addRendered(piece: FrrPiece): void {
    if (piece.text !== '') this.out.push(piece.text);
    this.tree?.piece(piece);
  }
  lines(): string[] {
    return this.out;
  }
  toString(): string {
    return this.out.join('\n') + '\n';
  }
}

/** The lines of one BFD profile that differ from bfdd's defaults. */
function bfdProfileLines(s: BFDSettings): string[] {
  const out: string[] = [];
  const d = FRR_DEFAULTS;
  if (s.receiveInterval !== undefined && s.receiveInterval !== d.bfdReceiveInterval) out.push(`receive-interval ${s.receiveInterval}`);
  if (s.transmitInterval !== undefined && s.transmitInterval !== d.bfdTransmitInterval) out.push(`transmit-interval ${s.transmitInterval}`);
  if (s.detectMultiplier !== undefined && s.detectMultiplier !== d.bfdDetectMultiplier) out.push(`detect-multiplier ${s.detectMultiplier}`);
  if (s.echoMode) out.push('echo-mode');
  if (s.echoInterval !== undefined && s.echoInterval !== d.bfdEchoInterval) out.push(`echo receive-interval ${s.echoInterval}`);
  if (s.passiveMode || s.sessionMode === 'Passive') out.push('passive-mode');
  const ttl = s.minimumTTL ?? s.minimumTtl;
  if (ttl !== undefined && ttl !== d.bfdMinimumTtl) out.push(`minimum-ttl ${ttl}`);
  return out;
}

/**
 * The `bfd` block holds only profiles: a neighbour with `bfd: {}` needs none, and
 * an empty `bfd` block is not printed back by FRR.
 */
export function renderBfd(l: Lines, u: UnderlayPlan): void {
  const withProfile = u.neighbors.filter((n) => n.bfd?.profile !== undefined);
  if (withProfile.length === 0) return;
  l.add(0, 'bfd');
  for (const n of withProfile) {
    const bfd = n.bfd!;
    l.add(1, `profile ${bfd.profile}`);
    for (const line of bfdProfileLines(bfd.settings)) l.add(2, line);
    l.add(1, 'exit');
    l.add(1, '!');
  }
  l.add(0, 'exit');
  l.sep();
}
