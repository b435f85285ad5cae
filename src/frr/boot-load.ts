// Whether a (re)started FRR is still loading frr.conf. Packaged FRR starts its daemons
// empty and then sends frr.conf with `vtysh [-N <pathspace>] -b` (frrcommon.sh's vtysh_b,
// after every daemon is up); until that process ends the running configuration is
// partial, and lines pushed into it then arrive twice (perouterd's and vtysh -b's).
// While it runs, the settled read after a restart waits instead of guessing from pauses
// (restart-settle.ts): on a loaded machine, or at 1000 VNIs, `vtysh -b` pauses longer
// than any quiet-read rule can tell from a finished load.
import { promises as fs } from 'node:fs';

/** Whether `argv` (a process's command line) is `vtysh -b` for FRR instance `pathspace`. */
export function isBootLoad(argv: readonly string[], pathspace: string): boolean {
  if (argv.length === 0 || !/(^|\/)vtysh$/.test(argv[0]!)) return false;
  let boot = false;
  let ns = '';
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-b' || a === '--boot') boot = true;
    else if (a === '-N' || a === '--pathspace') ns = argv[++i] ?? '';
    else if (a.startsWith('--pathspace=')) ns = a.slice('--pathspace='.length);
    else if (/^-N./.test(a)) ns = a.slice(2);
  }
  return boot && ns === pathspace;
}

/** Whether any process runs `vtysh -b` for `pathspace` now (/proc; processes that end while read are skipped). */
export async function bootLoadRunning(pathspace: string, procDir = '/proc'): Promise<boolean> {
  const pids = (await fs.readdir(procDir).catch(() => [] as string[])).filter((p) => /^\d+$/.test(p));
  for (const pid of pids) {
    const raw = await fs.readFile(`${procDir}/${pid}/cmdline`, 'latin1').catch(() => '');
    if (raw && isBootLoad(raw.replace(/\0$/, '').split('\0'), pathspace)) return true;
  }
  return false;
}
