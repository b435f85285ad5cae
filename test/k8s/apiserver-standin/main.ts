// Command-line front end of the API server stand-in, for the kernel lab (a process in a lab
// namespace, controlled from the scenario process, which lives in another namespace).
//
//   node build/test/k8s/apiserver-standin/main.js --listen 10.100.2.1:6443 --control /tmp/x/ctl.sock \
//        [--node node1 --node node2] [--user node1=/tmp/x/node1.kubeconfig ...]
//
// * The stand-in itself listens on 127.0.0.1 (ephemeral port) of this process's namespace. A
//   TLS-terminating proxy listens on --listen with its own serving certificate (SAN = the listen
//   address), so a client sees an ordinary API server at https://<listen> and the kubeconfigs
//   written here are plain (server URL + CA data + bearer token), as hostbridge writes them.
//   Bytes are relayed unchanged between the proxy and the stand-in (one upstream TLS connection
//   per client connection), so watches, keep-alive and resets behave end to end.
// * `--user name=path`: a bearer token for `name` (all rights) and a kubeconfig for it at `path`.
// * `--node name`: a Node object `name` with the label kubernetes.io/hostname=name.
// * Control: HTTP over the unix socket --control (works across network namespaces):
//     GET  /state                       {listening, activeWatches, connections, proxyPeers (client source addresses), resourceVersion, users}
//     POST /stop | /start               API loss / return (the proxy stops/starts listening too)
//     POST /compact | /expire-watches   410 Gone for old resourceVersions / end every watch stream
//     GET  /peek?apiVersion=&plural=&namespace=&name=   stored object (200) or 404, also while stopped
//     GET  /requests?user=&since=       request log (entries from index `since`)
//     *    /k8s/<api path>              forwarded to the stand-in as an admin user (real HTTP API);
//                                       fails (502) while the API is stopped, as for any client
// Prints one line `READY {json}` on stdout when everything listens.

import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP, type Socket } from 'node:net';
import { dirname } from 'node:path';
import { connect as tlsConnect, createServer as createTlsServer, type TLSSocket } from 'node:tls';
import { stringify as stringifyYaml } from 'yaml';
import { startApiServerStandIn } from './index.js';
import { selfSignedCert } from './tls.js';
import { generateCrds } from '../../../tools/crds/crds.js';

interface Args {
  listen: string;
  control: string;
  nodes: string[];
  users: Array<{ name: string; path: string }>;
}

function parseArgs(argv: string[]): Args {
  const a: Args = { listen: '', control: '', nodes: [], users: [] };
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i];
    const v = argv[i + 1];
    if (v === undefined) throw new Error(`${k}: missing value`);
    i++;
    switch (k) {
      case '--listen':
        a.listen = v;
        break;
      case '--control':
        a.control = v;
        break;
      case '--node':
        a.nodes.push(v);
        break;
      case '--user': {
        const eq = v.indexOf('=');
        if (eq <= 0) throw new Error(`--user ${v}: expected name=kubeconfig-path`);
        a.users.push({ name: v.slice(0, eq), path: v.slice(eq + 1) });
        break;
      }
      default:
        throw new Error(`unknown option ${k}`);
    }
  }
  if (!a.listen || !a.control) throw new Error('usage: main.js --listen HOST:PORT --control SOCKET [--node N]... [--user NAME=PATH]...');
  return a;
}

function kubeconfig(server: string, caPem: string, token: string, user: string): string {
  return stringifyYaml({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'lab', cluster: { server, 'certificate-authority-data': Buffer.from(caPem).toString('base64') } }],
    users: [{ name: user, user: { token } }],
    contexts: [{ name: 'lab', context: { cluster: 'lab', user, namespace: 'openperouter-system' } }],
    'current-context': 'lab',
  });
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const colon = args.listen.lastIndexOf(':');
  const host = args.listen.slice(0, colon).replace(/^\[|\]$/g, '');
  const port = Number(args.listen.slice(colon + 1));
  if (!host || !Number.isInteger(port)) throw new Error(`--listen ${args.listen}: expected HOST:PORT`);

  const api = await startApiServerStandIn({
    crds: generateCrds() as never,
    objects: args.nodes.map((n) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name: n, labels: { 'kubernetes.io/hostname': n } } })),
  });
  const upstreamPort = Number(new URL(api.url).port);
  const admin = api.addUser('lab-admin', 'all');
  const adminToken = admin.token;
  const cert = selfSignedCert('apiserver-standin-lab', [isIP(host) ? `IP:${host}` : `DNS:${host}`]);
  const server = `https://${isIP(host) === 6 ? `[${host}]` : host}:${port}`;
  const clients = new Map<string, string>();
  for (const u of args.users) {
    const { token } = api.addUser(u.name, 'all');
    clients.set(u.name, token);
    mkdirSync(dirname(u.path), { recursive: true });
    writeFileSync(`${u.path}.tmp`, kubeconfig(server, cert.certPem, token, u.name));
    // rename: the daemon watches the file and must never read half of it
    renameSync(`${u.path}.tmp`, u.path);
  }

  // ---------------------------------------------------------------- TLS proxy on the public address
  const proxied = new Set<Socket>();
  let proxyConnections = 0;
  /** Client source addresses seen by the proxy (shows which path a client came by). */
  const proxyPeers: Record<string, number> = {};
  const proxy = createTlsServer({ key: cert.keyPem, cert: cert.certPem }, (client: TLSSocket) => {
    proxyConnections++;
    const peer = client.remoteAddress ?? '?';
    proxyPeers[peer] = (proxyPeers[peer] ?? 0) + 1;
    const up = tlsConnect({ host: '127.0.0.1', port: upstreamPort, ca: api.caPem, servername: 'localhost' });
    proxied.add(client);
    proxied.add(up);
    const close = (): void => {
      client.destroy();
      up.destroy();
      proxied.delete(client);
      proxied.delete(up);
    };
    client.on('error', close).on('close', close);
    up.on('error', close).on('close', close);
    client.pipe(up);
    up.pipe(client);
  });
  proxy.on('tlsClientError', () => undefined);
  const listenProxy = (): Promise<void> =>
    new Promise((resolve, reject) => {
      proxy.once('error', reject);
      proxy.listen(port, host, () => {
        proxy.off('error', reject);
        resolve();
      });
    });
  const closeProxy = async (): Promise<void> => {
    if (!proxy.listening) return;
    const closed = new Promise<void>((r) => proxy.close(() => r()));
    for (const s of proxied) s.destroy();
    await closed;
  };
  await listenProxy();

  // ---------------------------------------------------------------- control socket
  const json = (res: ServerResponse, code: number, body: unknown): void => {
    const text = JSON.stringify(body);
    res.writeHead(code, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
  };
  const readBody = (req: IncomingMessage): Promise<Buffer> =>
    new Promise((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', reject);
    });
  let listening = true;
  const state = (): unknown => ({
    listening,
    activeWatches: api.activeWatches(),
    connections: api.connections(),
    proxyConnections,
    proxyPeers,
    resourceVersion: api.resourceVersion(),
    server,
    users: [...clients.keys()],
  });

  const forward = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    const body = await readBody(req);
    const headers: Record<string, string> = { Authorization: `Bearer ${adminToken}`, Accept: 'application/json' };
    const ct = req.headers['content-type'];
    if (ct) headers['Content-Type'] = ct;
    if (body.length > 0) headers['Content-Length'] = String(body.length);
    await new Promise<void>((resolve) => {
      const up = httpsRequest(
        {
          host: '127.0.0.1',
          port: upstreamPort,
          path,
          method: req.method ?? 'GET',
          headers,
          ca: api.caPem,
          servername: 'localhost',
          agent: false,
          timeout: 10_000,
        },
        (r) => {
          const chunks: Buffer[] = [];
          r.on('data', (c: Buffer) => chunks.push(c));
          r.on('end', () => {
            const text = Buffer.concat(chunks);
            res.writeHead(r.statusCode ?? 502, {
              'Content-Type': r.headers['content-type'] ?? 'application/json',
              'Content-Length': text.length,
            });
            res.end(text);
            resolve();
          });
          r.on('error', (e) => {
            json(res, 502, { error: e.message });
            resolve();
          });
        },
      );
      up.on('timeout', () => up.destroy(new Error('timeout')));
      up.on('error', (e) => {
        if (!res.headersSent) json(res, 502, { error: `API unreachable: ${e.message}` });
        resolve();
      });
      up.end(body);
    });
  };

  const control = createHttpServer((req, res) => {
    void (async () => {
      const u = new URL(req.url ?? '/', 'http://control');
      const p = u.pathname;
      try {
        if (p.startsWith('/k8s/')) return await forward(req, res, p.slice(4) + u.search);
        if (req.method === 'GET' && p === '/state') return json(res, 200, state());
        if (req.method === 'POST' && p === '/stop') {
          await closeProxy();
          await api.stop();
          listening = false;
          return json(res, 200, state());
        }
        if (req.method === 'POST' && p === '/start') {
          await api.start();
          if (!proxy.listening) await listenProxy();
          listening = true;
          return json(res, 200, state());
        }
        if (req.method === 'POST' && p === '/compact') {
          api.compact();
          return json(res, 200, state());
        }
        if (req.method === 'POST' && p === '/expire-watches') {
          api.expireWatches();
          return json(res, 200, state());
        }
        if (req.method === 'GET' && p === '/peek') {
          const q = u.searchParams;
          const obj = api.peek(q.get('apiVersion') ?? '', q.get('plural') ?? '', q.get('namespace') || undefined, q.get('name') ?? '');
          return obj ? json(res, 200, obj) : json(res, 404, { error: 'not found' });
        }
        if (req.method === 'GET' && p === '/requests') {
          const since = Number(u.searchParams.get('since') ?? 0);
          const user = u.searchParams.get('user');
          const list = api.requests.slice(since).filter((r) => !user || r.user === user);
          return json(res, 200, { total: api.requests.length, requests: list });
        }
        json(res, 404, { error: `no control ${req.method} ${p}` });
      } catch (e) {
        if (!res.headersSent) json(res, 500, { error: e instanceof Error ? e.message : String(e) });
      }
    })();
  });
  rmSync(args.control, { force: true });
  mkdirSync(dirname(args.control), { recursive: true });
  await new Promise<void>((resolve, reject) => {
    control.once('error', reject);
    control.listen(args.control, () => resolve());
  });

  const shutdown = (): void => {
    void (async () => {
      control.close();
      await closeProxy().catch(() => undefined);
      await api.close().catch(() => undefined);
      rmSync(args.control, { force: true });
      process.exit(0);
    })();
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
  process.stdout.write(`READY ${JSON.stringify(state())}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`apiserver-standin: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
