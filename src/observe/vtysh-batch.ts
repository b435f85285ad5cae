// vtysh commands issued together run from one shell: the commands asked for in the same turn
// of the event loop are collected, and one `sh` starts a `vtysh -N <pathspace> -c <command>`
// for each, in parallel, then prints their outputs in order, each followed by its exit status.
// Inside the kernel lab a process started by node cost ~0.35 s of node's own time (the fork of
// its whole address space), 14 of them 4.8 s of a support bundle's 17 s; a fork of sh is cheap.
// Each command still has its own vtysh, so one that fails or hangs spoils no other.
import { spawn } from 'node:child_process';

/** Between two outputs: ASCII record separators around the exit status (FRR prints neither). */
const END = /\x1e(\d+)\x1e\n/g;

// $1 the path space, then the commands. Each output and status goes to a file of a private
// temporary directory; the outputs are printed once every vtysh has returned.
const SCRIPT = `ps=$1; shift
d=$(mktemp -d) || exit 1
trap 'rm -rf "$d"' EXIT
i=0
for c; do i=$((i+1)); (vtysh -N "$ps" -c "$c" >"$d/$i" 2>/dev/null; echo $? >"$d/$i.rc") & done
wait
i=0
for c; do i=$((i+1)); cat "$d/$i"; read rc <"$d/$i.rc" || rc=255; printf '\\036%s\\036\\n' "$rc"; done
`;

/** The outputs of `count` commands in `stdout`; undefined for a command that failed or is missing. */
export function splitBatchOutput(stdout: string, count: number): Array<string | undefined> {
  const out: Array<string | undefined> = [];
  let from = 0;
  for (const m of stdout.matchAll(END)) {
    out.push(m[1] === '0' ? stdout.slice(from, m.index) : undefined);
    from = m.index + m[0].length;
  }
  return Array.from({ length: count }, (_, i) => out[i]);
}

/** Runs the commands, each in its own vtysh, from one shell; resolves with each output or undefined. */
export function vtyshBatch(pathspace: string, commands: readonly string[], timeoutMs: number): Promise<Array<string | undefined>> {
  return new Promise((resolve) => {
    // Its own process group, so a timeout ends the shell and every vtysh it started.
    const sh = spawn('/bin/sh', ['-c', SCRIPT, 'vtysh-batch', pathspace, ...commands], {
      stdio: ['ignore', 'pipe', 'ignore'],
      detached: true,
    });
    const chunks: Buffer[] = [];
    let done = false;
    const finish = (ok: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(ok ? splitBatchOutput(Buffer.concat(chunks).toString('utf8'), commands.length) : commands.map(() => undefined));
    };
    const timer = setTimeout(() => {
      if (sh.pid !== undefined) process.kill(-sh.pid, 'SIGKILL');
      finish(false);
    }, timeoutMs);
    sh.stdout.on('data', (b: Buffer) => chunks.push(b));
    sh.on('error', () => finish(false));
    sh.on('close', () => finish(true));
  });
}

/**
 * `vtysh -c <command>` for `pathspace`, resolving with its output or undefined when it failed:
 * the calls made in one turn of the event loop go to one vtyshBatch.
 */
export function coalescedVtysh(pathspace: string, timeoutMs = 20_000): (command: string) => Promise<string | undefined> {
  let pending: Array<{ command: string; resolve: (out: string | undefined) => void }> = [];
  const flush = (): void => {
    const batch = pending;
    pending = [];
    void vtyshBatch(
      pathspace,
      batch.map((p) => p.command),
      timeoutMs,
    ).then((outs) => batch.forEach((p, i) => p.resolve(outs[i])));
  };
  return (command) =>
    new Promise((resolve) => {
      if (pending.length === 0) setImmediate(flush);
      pending.push({ command, resolve });
    });
}
