// Host side of `npm run demo`: boots the kernel lab with the two-node scenario,
// shows only its story (harness/story.ts) with progress on what takes seconds,
// and puts everything else (kernel boot, FRR, perouterd's JSON logs, check
// details) in one raw log file named at the end.
import { appendFileSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseStoryLine } from './story.js';
import { bootLab, frrLineFromEnv, LAB_MARK, labRootFor, type FrrLine, type LabRun } from './uml.js';

/** The checkout (holding package.json), whether this runs from test/ (vitest) or from build/ (npm run demo). */
function repoRoot(): string {
  for (let d = dirname(fileURLToPath(import.meta.url)); ; d = dirname(d)) {
    if (existsSync(join(d, 'package.json'))) return d;
    if (d === dirname(d)) throw new Error('package.json not found above test/lab/harness');
  }
}
const REPO = repoRoot();
/** The CLI the lab's nodes run (the same path inside the lab: its root shares this tree). */
const PEROUTERD = join(REPO, 'dist/cli/main.js');
export const DEMO_SCENARIO = join(REPO, 'build/test/lab/scenarios/l3vni-two-nodes.js');

export interface DemoOptions {
  /** Leave the lab running at the end with a shell in it. */
  keep?: boolean;
  /** Where the story goes (default: stdout). */
  write?: (text: string) => void;
  /** Animate progress in place (default: stdout is a terminal and not keep). */
  live?: boolean;
  timeoutMs?: number;
  /** FRR line: 8 boots the host's root, 10 the Debian 13 root (default: LAB_FRR, else 8). */
  frr?: FrrLine;
}

export interface DemoRun {
  run: LabRun;
  /** Everything the demo printed. */
  output: string;
  /** The raw log: console, then perouterd's and FRR's logs. */
  rawLog: string;
}

const SHELL_BANNER = `
The lab is still running. Each node's router namespace has FRR; try:
  vtysh -N pe1 -c 'show bgp l2vpn evpn route type prefix'   FRR in node1's router namespace
  vtysh -N tor -c 'show bgp summary'                         the ToR
  ip -n pe1 -br link; ip -n pe1 route show vrf red           kernel objects perouterd made
  ip netns exec node1 ping -c2 -I 10.100.1.1 10.100.2.1      across the overlay
  ip netns exec node1 ${process.execPath} ${PEROUTERD} status --state-dir /tmp/lab-perouterd/node1/state
                                                             perouterd's status (add -o yaml for all of it)
  ls /tmp/lab-perouterd/node1/configs                        drop a file here; perouterd applies it
Type exit to stop the lab.`;

const NEXT = (rawLog: string) => `
Raw logs (kernel boot, FRR, perouterd's JSON logs, every check): ${rawLog}
Where to look next:
  README.md "How it works" and "Where a YAML field ends up": which file does what
  node dist/cli/main.js render --config-dir examples/l3vni-metallb/configs \\
      --node-config examples/l3vni-metallb/node-config.yaml: frr.conf and kernel objects, touching nothing
  examples/: configurations to start from; docs/kernel-lab.md: how this lab works
  npm run demo -- --keep: stay in the lab afterwards, with a shell in it`;

/** One file with the console and the daemons' own logs, in that order. */
function writeRawLog(run: LabRun): string {
  const file = join(run.workDir, 'demo.log');
  writeFileSync(file, `==== lab console (kernel, scenario, checks)\n${run.log}`);
  for (const sub of ['perouterd-logs', 'frr-logs']) {
    const dir = join(run.workDir, sub);
    for (const f of existsSync(dir) ? readdirSync(dir).sort() : [])
      appendFileSync(file, `\n==== ${sub}/${f}\n${readFileSync(join(dir, f), 'utf8')}`);
  }
  return file;
}

export async function runDemo(o: DemoOptions = {}): Promise<DemoRun> {
  const chunks: string[] = [];
  const sink = o.write ?? ((t: string) => void process.stdout.write(t));
  const out = (t: string): void => {
    chunks.push(t);
    sink(t);
  };
  const live = o.live ?? (process.stdout.isTTY === true && !o.keep);
  const t0 = Date.now();
  let current: { text: string; since: number } | undefined;
  const clear = (): void => {
    if (live && current) sink('\r\x1b[2K');
  };
  const startProgress = (text: string): void => {
    clear();
    current = { text, since: Date.now() };
    if (!live) out(`  ... ${text}\n`);
  };
  const ticker = live
    ? setInterval(() => {
        if (current) sink(`\r\x1b[2K  ... ${current.text} (${Math.round((Date.now() - current.since) / 1000)} s)`);
      }, 500)
    : undefined;
  const line = (text: string): void => {
    clear();
    current = undefined;
    out(`${text}\n`);
  };

  const frr = o.frr ?? frrLineFromEnv();
  line(
    `perouterd demo: two nodes and a ToR in a kernel lab (User-Mode Linux), real FRR${frr === '10' ? ' 10 (Debian 13 root)' : ''}, about 3 minutes`,
  );
  startProgress('booting the lab kernel');
  let lastId = '';
  const run = await bootLab({
    scenario: DEMO_SCENARIO,
    timeoutMs: o.timeoutMs ?? 600_000,
    keepWorkDir: true,
    root: labRootFor(frr),
    env: o.keep ? { LAB_KEEP: '1' } : {},
    shell: o.keep ? { banner: SHELL_BANNER } : undefined,
    onLine: (l) => {
      const e = parseStoryLine(l);
      if (e?.kind === 'progress') return startProgress(e.text);
      if (e?.kind === 'story') {
        if (e.id !== lastId) line('');
        lastId = e.id;
        return line(e.text);
      }
      const fail = /^\[lab [\d. ]+s\] (FAIL .*|FATAL .*)$/.exec(l);
      if (fail) line(`  ${fail[1]!.slice(0, 400)}`);
      else if (l.startsWith(`${LAB_MARK} scenario-start`)) startProgress('the lab is up; building the fabric');
    },
  });
  if (ticker) clearInterval(ticker);
  clear();
  const rawLog = writeRawLog(run);
  const res = run.results as { checks?: Array<{ ok: boolean }>; fatal?: string } | undefined;
  const checks = res?.checks ?? [];
  const failed = checks.filter((c) => !c.ok).length;
  const ok = run.exitCode === 0 && !run.timedOut && failed === 0 && !res?.fatal;
  line(
    `\n${ok ? 'Done' : 'FAILED'}: ${checks.length - failed}/${checks.length} checks passed in ${Math.round((Date.now() - t0) / 1000)} s` +
      `${run.timedOut ? ' (timed out)' : ''}${res?.fatal ? `; stopped: ${res.fatal.slice(0, 300)}` : ''}`,
  );
  line(NEXT(rawLog));
  return { run, output: chunks.join(''), rawLog };
}
