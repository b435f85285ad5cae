// The Kubernetes API server stand-in as a lab process (runs INSIDE the lab).
//
// test/k8s/apiserver-standin/main.ts runs in a lab namespace (e.g. a node's host namespace,
// bound to the node's service address); the scenario drives it over a unix socket, which works
// across network namespaces: stop/start/compact/expire-watches, peek, and the real HTTP API
// (as an admin user) for creating, editing and deleting custom resources.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { log } from './results.js';
import { waitFor } from './fabric.js';
import { REPO } from './perouterd.js';

export const STANDIN_MAIN = join(REPO, 'build/test/k8s/apiserver-standin/main.js');

export interface StandInOptions {
  /** Network namespace the stand-in runs in. */
  ns: string;
  /** Public address, e.g. "10.100.2.1:6443". */
  listen: string;
  /** Node objects to create. */
  nodes: string[];
  /** Users: name → kubeconfig path written by the stand-in (server = https://<listen>). */
  users: Record<string, string>;
  dir: string;
}

export interface ControlResponse<T = unknown> {
  code: number;
  body: T;
}

export type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON objects of any shape

export class StandInProcess {
  private exited: number | null | undefined;
  readonly control: string;
  readonly logFile: string;
  constructor(
    readonly opts: StandInOptions,
    private readonly child: ChildProcess,
  ) {
    this.control = join(opts.dir, 'control.sock');
    this.logFile = join(opts.dir, 'standin.log');
    child.on('exit', (code) => {
      this.exited = code;
      log(`apiserver stand-in exited with ${code}`);
    });
  }

  get alive(): boolean {
    return this.exited === undefined;
  }

  logTail(n = 30): string {
    try {
      return readFileSync(this.logFile, 'utf8').trimEnd().split('\n').slice(-n).join('\n');
    } catch {
      return '(no log)';
    }
  }

  /** One HTTP request over the control socket. */
  call<T = Obj>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<ControlResponse<T>> {
    const data = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    return new Promise((resolve, reject) => {
      const req = request(
        {
          socketPath: this.control,
          method,
          path,
          headers: data ? { 'Content-Type': contentType, 'Content-Length': data.length } : {},
          timeout: 20_000,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            let parsed: unknown = text;
            try {
              parsed = JSON.parse(text);
            } catch {
              /* keep text */
            }
            resolve({ code: res.statusCode ?? 0, body: parsed as T });
          });
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`control ${method} ${path}: timeout`)));
      req.on('error', reject);
      req.end(data);
    });
  }

  private async ok<T = Obj>(method: string, path: string, body?: unknown, contentType?: string): Promise<T> {
    const r = await this.call<T>(method, path, body, contentType);
    if (r.code < 200 || r.code >= 300) throw new Error(`${method} ${path}: ${r.code} ${JSON.stringify(r.body).slice(0, 800)}`);
    return r.body;
  }

  state(): Promise<Obj> {
    return this.ok('GET', '/state');
  }
  stop(): Promise<Obj> {
    return this.ok('POST', '/stop');
  }
  start(): Promise<Obj> {
    return this.ok('POST', '/start');
  }
  compact(): Promise<Obj> {
    return this.ok('POST', '/compact');
  }
  expireWatches(): Promise<Obj> {
    return this.ok('POST', '/expire-watches');
  }
  async requests(user?: string, since = 0): Promise<{ total: number; requests: Obj[] }> {
    return this.ok('GET', `/requests?since=${since}${user ? `&user=${encodeURIComponent(user)}` : ''}`);
  }

  /** Stored object (also while the API is stopped), or undefined. */
  async peek(apiVersion: string, plural: string, namespace: string | undefined, name: string): Promise<Obj | undefined> {
    const q = new URLSearchParams({ apiVersion, plural, namespace: namespace ?? '', name });
    const r = await this.call<Obj>('GET', `/peek?${q}`);
    if (r.code === 404) return undefined;
    if (r.code !== 200) throw new Error(`peek ${plural}/${name}: ${r.code}`);
    return r.body;
  }

  // ---- the real API, as an admin user (fails while the API is stopped)
  get<T = Obj>(path: string): Promise<T> {
    return this.ok('GET', `/k8s${path}`);
  }
  create<T = Obj>(path: string, obj: unknown): Promise<T> {
    return this.ok('POST', `/k8s${path}`, obj);
  }
  mergePatch<T = Obj>(path: string, patch: unknown): Promise<T> {
    return this.ok('PATCH', `/k8s${path}`, patch, 'application/merge-patch+json');
  }
  delete<T = Obj>(path: string): Promise<T> {
    return this.ok('DELETE', `/k8s${path}`);
  }

  async terminate(): Promise<void> {
    if (!this.alive) return;
    this.child.kill('SIGTERM');
    await waitFor(() => !this.alive, 10_000, 'apiserver stand-in to exit', 100).catch(() => this.child.kill('SIGKILL'));
  }
}

/** Starts the stand-in in `opts.ns` (nsenter --net) and waits for its READY line. */
export async function startStandIn(opts: StandInOptions): Promise<StandInProcess> {
  mkdirSync(opts.dir, { recursive: true });
  const logFile = join(opts.dir, 'standin.log');
  const out = openSync(logFile, 'a');
  const nodeFlags = (process.env.LAB_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const args = [
    `--net=/run/netns/${opts.ns}`,
    '--',
    process.execPath,
    ...nodeFlags,
    STANDIN_MAIN,
    '--listen',
    opts.listen,
    '--control',
    join(opts.dir, 'control.sock'),
    ...opts.nodes.flatMap((n) => ['--node', n]),
    ...Object.entries(opts.users).flatMap(([u, p]) => ['--user', `${u}=${p}`]),
  ];
  const child = spawn('nsenter', args, { stdio: ['ignore', out, out] });
  log(`started apiserver stand-in in ${opts.ns} on ${opts.listen} (pid ${child.pid})`);
  const p = new StandInProcess(opts, child);
  await waitFor(
    () => {
      if (!p.alive) throw new Error(`stand-in exited: ${p.logTail(20)}`);
      return readFileSync(logFile, 'utf8').includes('READY ');
    },
    60_000,
    'apiserver stand-in READY',
    200,
  ).catch((e) => {
    if (!p.alive) throw new Error(`stand-in exited: ${p.logTail(20)}`);
    throw e;
  });
  return p;
}
