// /healthz, /readyz and /metrics: the semantics (ready only once the configuration is applied),
// the HTTP answers (200 "ok", 503 with a reason, 405, 404) and the loopback-only default.
import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../src/cli/settings.js';
import { Health, readiness } from '../../src/observe/health.js';
import { startHttpServer, type HttpServer } from '../../src/observe/http-server.js';
import { isLoopback, parseListen } from '../../src/observe/listen.js';
import { PerouterdMetrics } from '../../src/observe/metrics.js';
import type { ServiceView } from '../../src/service/readiness.js';

const view = (state: ServiceView['state'], o: Partial<ServiceView> = {}): ServiceView => ({
  state,
  message: state === 'starting' ? 'starting' : `${state} message`,
  kernel: { lastErrors: [] },
  frr: {},
  ...o,
});
const applied = { l3vnis: [100], l2vnis: [], passthrough: false };

describe('readiness', () => {
  it('is ready only once the configuration has been applied', () => {
    expect(readiness(view('starting'), false)).toEqual({ ok: false, reason: 'not applied yet: starting: starting' });
    expect(readiness(view('waiting-for-frr'), false).ok).toBe(false);
    expect(readiness(view('config-invalid'), false).ok).toBe(false);
    expect(readiness(view('ready', { applied }), false)).toEqual({ ok: true, reason: 'ok' });
    // Skipped resources do not hold readiness back (as READY=1).
    expect(readiness(view('degraded', { applied }), false).ok).toBe(true);
  });

  it('stays ready when a later input is rejected (nothing that runs changed), not when FRR or the kernel fail', () => {
    expect(readiness(view('config-invalid', { applied }), true).ok).toBe(true);
    expect(readiness(view('waiting-for-frr', { applied }), true)).toEqual({
      ok: false,
      reason: 'waiting-for-frr: waiting-for-frr message',
    });
    expect(readiness(view('degraded', { applied, kernel: { lastErrors: ['RTM_NEWLINK vni100: EEXIST'] } }), true).ok).toBe(false);
    expect(readiness(view('degraded', { applied, frr: { lastError: 'reload failed' } }), true).ok).toBe(false);
  });

  it('remembers the first apply from the status updates, whether or not anyone asked', async () => {
    let s = view('starting');
    const listeners: (() => void)[] = [];
    let running = true;
    let busy = 0;
    const h = new Health(
      { status: () => s, onStatus: (l) => listeners.push(l), busyForMs: () => busy, frrRunning: async () => running },
      0,
    );
    expect(h.ready().ok).toBe(false);
    s = view('ready', { applied });
    for (const l of listeners) l();
    s = view('config-invalid', { applied });
    expect(h.ready().ok).toBe(true);
    expect(await h.live()).toEqual({ ok: true, reason: 'ok' });
    busy = 6 * 60_000;
    expect((await h.live()).reason).toMatch(/reconcile stuck for 360 s/);
    busy = 0;
    running = false;
    expect(await h.live()).toEqual({ ok: false, reason: 'FRR daemons are not running in the router namespace' });
  });
});

describe('--http-listen', () => {
  it('defaults to loopback; takes IPv4, [IPv6] and off; refuses names and bad ports', () => {
    const d = parseListen(DEFAULTS.httpListen);
    expect(d).toEqual({ host: '127.0.0.1', port: 9080 });
    expect(isLoopback(d!.host)).toBe(true);
    expect(parseListen('[::1]:9100')).toEqual({ host: '::1', port: 9100 });
    expect(parseListen('off')).toBeUndefined();
    for (const bad of ['localhost:9080', '127.0.0.1', '127.0.0.1:70000', ':9080', '::1:9080'])
      expect(() => parseListen(bad), bad).toThrow(/--http-listen must be/);
    expect(isLoopback('0.0.0.0')).toBe(false);
  });
});

function get(
  port: number,
  path: string,
  method = 'GET',
  body?: string,
): Promise<{ status: number; type: string; body: string; allow?: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), body: text, allow: res.headers['allow'] }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('HTTP endpoint', () => {
  let server: HttpServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('answers /readyz 503 before the apply and 200 "ok" after; /healthz; /metrics; 405 and 404', async () => {
    let s = view('starting');
    const h = new Health({ status: () => s, onStatus: () => undefined, busyForMs: () => 0, frrRunning: async () => true });
    const m = new PerouterdMetrics({}, { processMetrics: false });
    m.netlinkRequest('RTM_NEWLINK');
    server = await startHttpServer(
      parseListen('127.0.0.1:0')!,
      { metrics: () => m.scrape(), ready: () => h.ready(), live: () => h.live() },
      () => undefined,
    );
    const port = server.address.port;
    expect(server.address.host).toBe('127.0.0.1');
    expect(await get(port, '/readyz')).toMatchObject({ status: 503, body: 'not applied yet: starting: starting\n' });
    s = view('ready', { applied });
    expect(await get(port, '/readyz')).toMatchObject({ status: 200, body: 'ok' });
    expect(await get(port, '/readyz?verbose')).toMatchObject({ status: 200, body: 'ok' });
    expect(await get(port, '/healthz')).toMatchObject({ status: 200, body: 'ok' });
    const metrics = await get(port, '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.type).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(metrics.body).toContain('perouterd_netlink_requests_total{kind="RTM_NEWLINK"} 1');
    expect(await get(port, '/readyz', 'POST', 'x'.repeat(100_000))).toMatchObject({ status: 405, allow: 'GET' });
    expect(await get(port, '/healthz', 'HEAD')).toMatchObject({ status: 405 });
    expect(await get(port, '/')).toMatchObject({ status: 404 });
  });

  it('refuses an address in use (the daemon goes on without the endpoint)', async () => {
    const endpoints = { ready: () => ({ ok: true, reason: 'ok' }), live: async () => ({ ok: true, reason: 'ok' }) };
    server = await startHttpServer(parseListen('127.0.0.1:0')!, endpoints, () => undefined);
    await expect(startHttpServer({ host: '127.0.0.1', port: server.address.port }, endpoints, () => undefined)).rejects.toThrow(
      /EADDRINUSE/,
    );
  });
});
