// Logs that journald understands. When stdout is the journal's stream
// ($JOURNAL_STREAM names its device and inode), each line is
// "<priority>message key=value…": journald takes the sd-daemon prefix as the
// line's priority (so `journalctl -p err -u perouterd` shows the errors) and
// adds its own timestamp, PID and host, which are therefore left out. Keys
// appear once (a child logger's binding and the call's own field of the same
// name used to both be printed; the call's wins). Anywhere else the output stays
// pino's JSON lines.
import { fstatSync } from 'node:fs';
import { pino, type Logger, type LoggerOptions } from 'pino';
import { redactRecord, redactSecrets } from '../util/redact.js';

/** pino level -> syslog priority (sd-daemon(3) prefixes). */
export function syslogPriority(level: number): number {
  if (level >= 60) return 2; // fatal -> crit
  if (level >= 50) return 3; // error -> err
  if (level >= 40) return 4; // warn -> warning
  if (level >= 30) return 6; // info
  return 7; // debug, trace
}

const DROPPED = new Set(['level', 'time', 'pid', 'hostname', 'msg']);

function formatValue(v: unknown): string {
  if (typeof v === 'string') return /^[^\s"=]+$/.test(v) ? v : JSON.stringify(v);
  return JSON.stringify(v) ?? String(v);
}

/** One pino JSON line -> one journal line with its priority prefix. */
export function journalLine(json: string): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(json) as Record<string, unknown>; // duplicate keys: the last one (the call's) wins
  } catch {
    return `<6>${json.trimEnd()}\n`;
  }
  const prio = syslogPriority(Number(rec['level']));
  const msg = typeof rec['msg'] === 'string' ? rec['msg'] : '';
  const rest = Object.entries(rec)
    .filter(([k]) => !DROPPED.has(k))
    .map(([k, v]) => `${k}=${formatValue(v)}`);
  return `<${prio}>${[msg, ...rest].filter((s) => s !== '').join(' ')}`.replace(/\n/g, ' ') + '\n';
}

/** True when fd 1 is the stream systemd connected to the journal (sd_journal_stream_fd semantics). */
export function stdoutIsJournal(env: NodeJS.ProcessEnv, stat: () => { dev: number; ino: number } = () => fstatSync(1)): boolean {
  const js = env['JOURNAL_STREAM'];
  const m = js ? /^(\d+):(\d+)$/.exec(js) : null;
  if (!m) return false;
  try {
    const s = stat();
    return s.dev === Number(m[1]) && s.ino === Number(m[2]);
  } catch {
    return false;
  }
}

export function createLogger(level: string, base: Record<string, unknown>, env: NodeJS.ProcessEnv = process.env): Logger {
  // No secret reaches the journal, whatever an error message quotes (a kubeconfig token).
  const opts: LoggerOptions = {
    level,
    base,
    formatters: { log: (rec) => redactRecord(rec) },
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((a) => (typeof a === 'string' ? redactSecrets(a) : a)) as Parameters<typeof method>);
      },
    },
  };
  if (!stdoutIsJournal(env)) return pino(opts);
  const out = pino.destination({ dest: 1, sync: true });
  return pino(opts, { write: (line: string) => out.write(journalLine(line)) });
}

/** For one-shot commands (`validate`): a line with a priority prefix when it goes to the journal. */
export function journalPrefix(priority: number, env: NodeJS.ProcessEnv = process.env): string {
  return stdoutIsJournal(env) ? `<${priority}>` : '';
}
