// The one HTTP listener of `perouterd run`: GET /metrics (Prometheus text), /healthz and
// /readyz (OpenPERouter's paths: 200 "ok", 503 with a short reason, 405 for another method).
// Loopback only by default; nothing is read from a request but its first line and headers,
// and every request and connection is bounded in time and number.
import http from 'node:http';
import type { Verdict } from './health.js';
import type { ListenAddress } from './listen.js';

export interface Endpoints {
  /** Prometheus text exposition; absent: /metrics answers 404. */
  metrics?: () => Promise<{ contentType: string; body: string }>;
  ready: () => Verdict;
  live: () => Promise<Verdict>;
}

/** Bounds: a probe or a scrape is one small GET; anything slower or bigger is cut. */
const LIMITS = { requestTimeoutMs: 10_000, headersTimeoutMs: 5_000, keepAliveTimeoutMs: 5_000, maxConnections: 16, maxHeaderSize: 8192 };

async function answer(endpoints: Endpoints, path: string): Promise<{ status: number; type: string; body: string }> {
  const text = 'text/plain; charset=utf-8';
  const verdict = (v: Verdict) => ({ status: v.ok ? 200 : 503, type: text, body: v.ok ? 'ok' : `${v.reason}\n` });
  switch (path) {
    case '/healthz':
      return verdict(await endpoints.live());
    case '/readyz':
      return verdict(endpoints.ready());
    case '/metrics':
      if (endpoints.metrics) {
        const m = await endpoints.metrics();
        return { status: 200, type: m.contentType, body: m.body };
      }
  }
  return { status: 404, type: text, body: 'not found\n' };
}

function handler(endpoints: Endpoints, onError: (msg: string) => void): http.RequestListener {
  return (req, res) => {
    // A request body, if any, is never read: that connection closes after the answer.
    const hasBody = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
    const reply = (status: number, type: string, body: string, extra: Record<string, string> = {}): void => {
      const headers = { 'Content-Type': type, 'Content-Length': String(Buffer.byteLength(body)), 'Cache-Control': 'no-store', ...extra };
      res.writeHead(status, hasBody ? { ...headers, Connection: 'close' } : headers);
      res.end(body);
    };
    if (req.method !== 'GET') return reply(405, 'text/plain; charset=utf-8', 'method not allowed\n', { Allow: 'GET' });
    const path = (req.url ?? '/').split('?', 1)[0];
    answer(endpoints, path ?? '/').then(
      (a) => reply(a.status, a.type, a.body),
      (e: unknown) => {
        onError(`HTTP ${path}: ${e instanceof Error ? e.message : String(e)}`);
        reply(500, 'text/plain; charset=utf-8', 'internal error\n');
      },
    );
  };
}

export interface HttpServer {
  /** Where it listens (the port chosen when 0 was asked). */
  address: ListenAddress;
  close(): Promise<void>;
}

/** Starts listening; rejects when the address cannot be bound (in use, not on this host). */
export function startHttpServer(at: ListenAddress, endpoints: Endpoints, onError: (msg: string) => void): Promise<HttpServer> {
  const server = http.createServer({ maxHeaderSize: LIMITS.maxHeaderSize }, handler(endpoints, onError));
  server.requestTimeout = LIMITS.requestTimeoutMs;
  server.headersTimeout = LIMITS.headersTimeoutMs;
  server.keepAliveTimeout = LIMITS.keepAliveTimeoutMs;
  server.maxConnections = LIMITS.maxConnections;
  server.maxRequestsPerSocket = 100;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: at.host, port: at.port, exclusive: true }, () => {
      server.off('error', reject);
      server.on('error', (e) => onError(`HTTP server: ${e.message}`));
      const a = server.address();
      const port = typeof a === 'object' && a !== null ? a.port : at.port;
      // Nothing here may keep the process alive on its own (SIGTERM exits through the daemon).
      server.unref();
      resolve({
        address: { host: at.host, port },
        close: () =>
          new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          }),
      });
    });
  });
}
