// FRR's command-line tools as perouterd runs them (vtysh, frr-reload.py) and what their
// output says: the reloader's and the zebra readiness check's one way to run a command.
import { execFile } from 'node:child_process';

export interface FrrDiff {
  toDelete: string[];
  toAdd: string[];
}

export interface ExecResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Killed at the end of its time. */
  timedOut?: boolean;
}

export type Exec = (cmd: string, args: string[], timeoutMs: number) => Promise<ExecResult>;

/** Runs a command to completion (the default Exec); output beyond `maxBuffer` bytes ends it. */
export function run(cmd: string, args: string[], timeoutMs: number, maxBuffer = 16 * 1024 * 1024): Promise<ExecResult> {
  return new Promise((resolve) => {
    execFile(cmd, args, { timeout: timeoutMs, maxBuffer }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as NodeJS.ErrnoException).code === 'number' ? Number((err as NodeJS.ErrnoException).code) : 1) : 0;
      const timedOut = err !== null && err.killed === true;
      resolve({
        code,
        stdout: String(stdout),
        stderr: String(stderr) + (err && code === 1 && !stderr ? String(err.message) : ''),
        timedOut,
      });
    });
  });
}

/** Lines frr-reload.py reports that no reload can settle (identity, not routing). */
const IGNORED_DIFF_LINE = /^(no )?(hostname|frr version|frr defaults)\b/;

/** Parses `frr-reload.py --test` output into the lines it would delete and add. */
export function parseReloadTestOutput(out: string): FrrDiff {
  const diff: FrrDiff = { toDelete: [], toAdd: [] };
  let section: keyof FrrDiff | undefined;
  for (const raw of out.split('\n')) {
    const line = raw.replace(/\s+$/, '');
    if (/^Lines To Delete$/.test(line)) section = 'toDelete';
    else if (/^Lines To Add$/.test(line)) section = 'toAdd';
    else if (/^=+$/.test(line) || line === '') continue;
    else if (section && !IGNORED_DIFF_LINE.test(line.trim())) diff[section].push(line);
  }
  return diff;
}

/**
 * What `vtysh -f` printed on stderr that is not FRR 10's progress notes
 * (`[<pid>|<daemon>] done`, `[<pid>|<daemon>] Configuration file[…] processing …`,
 * printed on success too): the lines a daemon refused.
 */
export function complaints(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.trim() !== '' && !/^\[\d+\|[\w-]+\] /.test(l));
}
