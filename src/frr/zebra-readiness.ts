// Whether zebra has seen links yet: the readiness check that replaces fixed
// settle delays. zebra 8.4 loses an address that arrives microseconds after its
// link appeared or changed VRF (README "Ordering"), so the dataplane asks, before
// addressing new links, that zebra lists each of them in its VRF. Bounded
// polling of `show interface vrf <V> brief json`, one vtysh call for all VRFs
// still awaited (a VRF zebra does not know yet answers `{}`).
import { run } from './frr-tools.js';

export interface ZebraReadinessOptions {
  vtysh?: string;
  pathspace: string;
  /** Give up (and let the caller go on) after this long. */
  timeoutMs?: number;
  pollMs?: number;
  log?: (msg: string, extra?: object) => void;
}

/** Commands per vtysh call (argv stays small at 1000 VRFs). */
const CHUNK = 200;

/** Splits concatenated JSON objects (vtysh prints one per `-c`) and parses each; other text is skipped. */
export function parseJsonObjects(text: string): unknown[] {
  const out: unknown[] = [];
  let depth = 0;
  let start = -1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === '\\') i++;
      else if (c === '"') inString = false;
    } else if (c === '"' && depth > 0) inString = true;
    else if (c === '{') {
      if (depth++ === 0) start = i;
    } else if (c === '}' && depth > 0 && --depth === 0) {
      try {
        out.push(JSON.parse(text.slice(start, i + 1)));
      } catch {
        /* not JSON after all: skip */
      }
    }
  }
  return out;
}

/** Interface name → the VRF zebra has it in, from `show interface vrf … brief json` outputs. */
export function zebraInterfaces(text: string): Map<string, string> {
  const seen = new Map<string, string>();
  for (const o of parseJsonObjects(text)) {
    if (!o || typeof o !== 'object') continue;
    for (const [name, v] of Object.entries(o as Record<string, unknown>)) {
      const vrf = (v as { vrfName?: unknown } | null)?.vrfName;
      if (typeof vrf === 'string') seen.set(name, vrf);
    }
  }
  return seen;
}

/** vtysh's output (stdout; empty when it failed or ran out of time: the poll sees nothing then). */
const vtysh = async (bin: string, args: string[], timeoutMs: number): Promise<string> =>
  (await run(bin, args, timeoutMs, 64 * 1024 * 1024)).stdout;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Time one poll gets even when the deadline has passed: a loaded machine's vtysh start. */
const MIN_POLL_MS = 2000;

export class ZebraReadinessCheck {
  constructor(private readonly opts: ZebraReadinessOptions) {}

  /** One poll; it too ends at the deadline (an FRR that does not answer would hold it 30 s per call otherwise). */
  private async interfacesIn(vrfs: string[], deadline: number): Promise<Map<string, string>> {
    const seen = new Map<string, string>();
    for (let i = 0; i < vrfs.length; i += CHUNK) {
      const cmds = vrfs.slice(i, i + CHUNK).flatMap((v) => ['-c', `show interface vrf ${v} brief json`]);
      const out = await vtysh(
        this.opts.vtysh ?? '/usr/bin/vtysh',
        ['-N', this.opts.pathspace, ...cmds],
        Math.max(MIN_POLL_MS, deadline - Date.now()),
      );
      for (const [k, v] of zebraInterfaces(out)) seen.set(k, v);
    }
    return seen;
  }

  /** Resolves true once zebra lists every link in its VRF (undefined = the default VRF); false on timeout. */
  async waitFor(links: Array<{ name: string; vrf?: string }>): Promise<boolean> {
    const t0 = Date.now();
    const deadline = t0 + (this.opts.timeoutMs ?? 10_000);
    let pending = links.map((l) => ({ name: l.name, vrf: l.vrf ?? 'default' }));
    let polls = 0;
    while (pending.length > 0) {
      polls++;
      const seen = await this.interfacesIn([...new Set(pending.map((l) => l.vrf))], deadline);
      pending = pending.filter((l) => seen.get(l.name) !== l.vrf);
      if (pending.length === 0) break;
      if (Date.now() >= deadline) {
        this.opts.log?.('zebra has not seen these links in time; going on', { links: pending.slice(0, 10), waitedMs: Date.now() - t0 });
        return false;
      }
      await sleep(this.opts.pollMs ?? 20);
    }
    this.opts.log?.('zebra sees the links', { links: links.length, polls, ms: Date.now() - t0 });
    return true;
  }
}
