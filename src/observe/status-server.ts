// The daemon's status socket: `<state-dir>/status.sock`, a unix stream socket only root (or
// --state-group) may connect to. One request per connection: the client writes one JSON line
// (`{"request":"status"}`), the server answers one JSON document and closes. Requests are
// bounded (4 KiB, 5 s), so a stuck or hostile client cannot hold the daemon; the answer is
// produced asynchronously by the collector, never blocking the reconcile loop.
import { promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { ensurePrivateDir } from '../sys/safe-file.js';

export const STATUS_SOCKET = 'status.sock';
const MAX_REQUEST = 4096;
const REQUEST_TIMEOUT_MS = 5000;

/** Answers one request; `request` is the parsed line. */
export type StatusHandler = (request: { request?: unknown }) => Promise<unknown>;

export interface StatusServerOptions {
  stateDir: string;
  /** Group allowed to connect (socket 0660); root only (0600) when undefined. */
  gid?: number;
  handler: StatusHandler;
  log: (msg: string, extra?: object) => void;
  /** A client must send its request within this long (default 5 s). */
  requestTimeoutMs?: number;
}

export class StatusServer {
  private server: net.Server | undefined;

  constructor(private readonly o: StatusServerOptions) {}

  get socketPath(): string {
    return path.join(this.o.stateDir, STATUS_SOCKET);
  }

  async start(): Promise<void> {
    await ensurePrivateDir(this.o.stateDir, this.o.gid === undefined ? 0o700 : 0o750, this.o.gid);
    await removeStaleSocket(this.socketPath);
    const server = net.createServer((c) => this.serve(c));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.socketPath, () => resolve());
    });
    server.on('error', (e) => this.o.log('status socket error', { err: e.message }));
    // The directory is private, so nobody can connect before the mode is set.
    await fs.chmod(this.socketPath, this.o.gid === undefined ? 0o600 : 0o660);
    if (this.o.gid !== undefined) await fs.chown(this.socketPath, process.getuid?.() ?? 0, this.o.gid);
    this.server = server;
  }

  async close(): Promise<void> {
    const s = this.server;
    this.server = undefined;
    if (s) await new Promise<void>((r) => s.close(() => r()));
  }

  private serve(c: net.Socket): void {
    let buf = '';
    let answered = false;
    c.setEncoding('utf8');
    c.setTimeout(this.o.requestTimeoutMs ?? REQUEST_TIMEOUT_MS, () => c.destroy());
    c.on('error', () => undefined);
    const reply = (v: unknown): void => {
      answered = true;
      c.end(`${JSON.stringify(v)}\n`);
    };
    c.on('data', (chunk: string) => {
      if (answered) return;
      buf += chunk;
      if (buf.length > MAX_REQUEST) return reply({ error: `request larger than ${MAX_REQUEST} bytes` });
      const nl = buf.indexOf('\n');
      if (nl < 0) return;
      answered = true;
      // The request is in: from here the collector's own time bounds apply, not the idle timeout.
      c.setTimeout(0);
      let req: { request?: unknown };
      try {
        req = JSON.parse(buf.slice(0, nl)) as { request?: unknown };
      } catch {
        return reply({ error: 'request is not JSON' });
      }
      this.o
        .handler(req)
        .then(reply, (e: unknown) => reply({ error: e instanceof Error ? e.message : String(e) }))
        .catch(() => undefined);
    });
  }
}

/** A socket left by an earlier daemon is removed; anything else at that path is refused. */
async function removeStaleSocket(p: string): Promise<void> {
  const st = await fs.lstat(p).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
  if (!st) return;
  if (!st.isSocket()) throw new Error(`${p} exists and is not a socket; refusing to replace it`);
  await fs.unlink(p);
}

/** Sends one request to the daemon's socket; the parsed answer, or the connection error. */
export function requestStatus(
  stateDir: string,
  request: object = { request: 'status' },
  timeoutMs = 30_000,
  maxBytes = 64 << 20,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const c = net.createConnection(path.join(stateDir, STATUS_SOCKET));
    let buf = '';
    c.setEncoding('utf8');
    c.setTimeout(timeoutMs, () => c.destroy(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'ETIMEDOUT' })));
    c.on('connect', () => c.write(`${JSON.stringify(request)}\n`));
    c.on('data', (d: string) => {
      buf += d;
      if (buf.length > maxBytes) c.destroy(new Error(`answer larger than ${maxBytes} bytes`));
    });
    c.on('error', reject);
    c.on('end', () => {
      if (buf === '') return reject(new Error('perouterd closed the connection without answering'));
      try {
        resolve(JSON.parse(buf));
      } catch {
        reject(new Error('the daemon answered something that is not JSON'));
      }
    });
  });
}
