// `perouterd status`: asks the running daemon over its socket (src/observe/status-server.ts);
// when the daemon is down, shows the status.json it last wrote, saying so on stderr.
// Loads neither the Kubernetes client nor netlink: it only reads a socket or a file.
// Its options are declared in program.ts (`--watch` is checked there: a bad value is a usage error).
import path from 'node:path';
import { readFileBounded } from '../sys/bounded-read.js';
import { formatStatus, type OutputFormat } from '../observe/status-format.js';
import { statusFromFile, type Health, type StatusDocument } from '../observe/status-model.js';
import { requestStatus } from '../observe/status-server.js';

/** Exit codes (README "perouterd status"); 2 is the usage error of every command. */
export const STATUS_EXIT: Record<Health, number> = { healthy: 0, degraded: 1, down: 3 };

export interface StatusOptions {
  output: OutputFormat;
  stateDir: string;
  /** Seconds between two prints; undefined: print once. */
  watch?: number;
}

type Fetched = { doc: StatusDocument; note?: string } | { error: string };

/** The daemon's answer; else status.json with a note; else why neither could be read. */
export async function fetchStatus(stateDir: string, now = new Date()): Promise<Fetched> {
  let why: string;
  try {
    const answer = await requestStatus(stateDir);
    if (answer && typeof answer === 'object' && 'error' in answer) return { error: `perouterd answered: ${String(answer.error)}` };
    return { doc: answer as StatusDocument };
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EACCES' || err.code === 'EPERM')
      return {
        error: `cannot connect to ${path.join(stateDir, 'status.sock')}: permission denied (root, or the --state-group of perouterd run)`,
      };
    why = err.code === 'ENOENT' || err.code === 'ECONNREFUSED' ? 'perouterd is not running' : `perouterd does not answer (${err.message})`;
  }
  const file = path.join(stateDir, 'status.json');
  try {
    const json: unknown = JSON.parse((await readFileBounded(file)).toString('utf8'));
    return { doc: statusFromFile(json, now), note: `${why}: showing ${file}, written by its last run` };
  } catch (e) {
    return { error: `${why}, and ${file} cannot be read (${(e as Error).message})` };
  }
}

async function printOnce(o: StatusOptions, watching: boolean): Promise<number> {
  const r = await fetchStatus(o.stateDir);
  if ('error' in r) {
    process.stderr.write(`error: ${r.error}\n`);
    return STATUS_EXIT.down;
  }
  if (r.note) process.stderr.write(`note: ${r.note}\n`);
  if (watching && o.output === 'table' && process.stdout.isTTY) process.stdout.write('\x1b[H\x1b[2J');
  if (watching && o.output === 'json') process.stdout.write(`${JSON.stringify(r.doc)}\n`);
  else process.stdout.write(`${watching && o.output === 'yaml' ? '---\n' : ''}${formatStatus(r.doc, o.output)}`);
  return STATUS_EXIT[r.doc.health] ?? STATUS_EXIT.degraded;
}

/** `perouterd status`: prints once, or every `watch` seconds until interrupted. */
export async function status(o: StatusOptions): Promise<void> {
  process.exitCode = await printOnce(o, o.watch !== undefined);
  while (o.watch !== undefined) {
    await new Promise((r) => setTimeout(r, (o.watch ?? 2) * 1000));
    process.exitCode = await printOnce(o, true);
  }
}
