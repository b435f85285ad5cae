// The status socket (root-only, one bounded request per connection), the collector behind it
// (one collection shared by concurrent requests; no kernel read while a reconcile runs) and
// `perouterd status`'s fallback to status.json when the daemon is down.
import { mkdtempSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { fetchStatus } from '../../src/cli/status-command.js';
import type { FrrState } from '../../src/observe/frr-state.js';
import { StatusCollector } from '../../src/observe/status-collector.js';
import { requestStatus, StatusServer } from '../../src/observe/status-server.js';

const servers: StatusServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function serve(handler: ConstructorParameters<typeof StatusServer>[0]['handler']): Promise<{ dir: string; server: StatusServer }> {
  const dir = join(mkdtempSync(join(tmpdir(), 'perouterd-status-')), 'state');
  const server = new StatusServer({ stateDir: dir, handler, log: () => undefined });
  await server.start();
  servers.push(server);
  return { dir, server };
}

/** Raw bytes to the socket; what came back. */
function raw(path: string, payload: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = net.createConnection(path, () => c.write(payload));
    let buf = '';
    c.on('data', (d) => (buf += String(d)));
    c.on('error', reject);
    c.on('close', () => resolve(buf));
  });
}

describe('status socket', () => {
  it('answers one JSON request per connection; the socket is 0600 in a 0700 directory', async () => {
    const { dir, server } = await serve(async (req) => ({ echo: req.request }));
    expect(statSync(server.socketPath).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    expect(await requestStatus(dir)).toEqual({ echo: 'status' });
    expect(await requestStatus(dir, { request: 'other' })).toEqual({ echo: 'other' });
  });

  it('with --state-group: socket 0660 and directory 0750, owned by that group', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'perouterd-status-')), 'state');
    const gid = process.getgid?.() ?? 0;
    const server = new StatusServer({ stateDir: dir, gid, handler: async () => ({ ok: true }), log: () => undefined });
    await server.start();
    servers.push(server);
    expect(statSync(server.socketPath)).toMatchObject({ gid });
    expect(statSync(server.socketPath).mode & 0o777).toBe(0o660);
    expect(statSync(dir).mode & 0o777).toBe(0o750);
  });

  it('refuses oversized and malformed requests; a failing handler answers an error', async () => {
    const { dir, server } = await serve(async (req) => {
      if (req.request === 'boom') throw new Error('collector failed');
      return { ok: true };
    });
    expect(JSON.parse(await raw(server.socketPath, 'x'.repeat(5000)))).toEqual({ error: 'request larger than 4096 bytes' });
    expect(JSON.parse(await raw(server.socketPath, 'not json\n'))).toEqual({ error: 'request is not JSON' });
    expect(await requestStatus(dir, { request: 'boom' })).toEqual({ error: 'collector failed' });
  });

  it('a client that sends nothing is cut off; a slow answer is still delivered', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'perouterd-status-')), 'state');
    const slow = new StatusServer({
      stateDir: dir,
      requestTimeoutMs: 50,
      handler: () => new Promise((r) => setTimeout(() => r({ slow: true }), 200)),
      log: () => undefined,
    });
    await slow.start();
    servers.push(slow);
    expect(await raw(slow.socketPath, '')).toBe('');
    expect(await requestStatus(dir)).toEqual({ slow: true });
  });

  it('replaces a stale socket left by an earlier daemon, refuses to replace anything else', async () => {
    const { dir, server } = await serve(async () => ({ n: 1 }));
    await server.close();
    const again = new StatusServer({ stateDir: dir, handler: async () => ({ n: 2 }), log: () => undefined });
    await again.start();
    servers.push(again);
    expect(await requestStatus(dir)).toEqual({ n: 2 });
    const other = join(mkdtempSync(join(tmpdir(), 'perouterd-status-')), 'state');
    mkdirSync(other, { mode: 0o700 });
    writeFileSync(join(other, 'status.sock'), 'a file');
    await expect(new StatusServer({ stateDir: other, handler: async () => ({}), log: () => undefined }).start()).rejects.toThrow(
      /not a socket/,
    );
  });
});

const FRR: FrrState = { bgp: [], vnis: [], bfd: [] };

describe('status collector', () => {
  it('concurrent requests share one collection; a second one within a second reuses it', async () => {
    let reads = 0;
    let now = 1000;
    const c = new StatusCollector(
      { status: { state: 'ready', message: 'ok', reconciles: 1 }, busyForMs: () => 0, whenIdle: async () => undefined },
      { read: async () => (reads++, FRR) },
      { drift: async () => [] },
      () => now,
    );
    const [a, b] = await Promise.all([c.document(), c.document()]);
    expect(a).toBe(b);
    await c.document();
    expect(reads).toBe(1);
    now += 1500;
    await c.document();
    expect(reads).toBe(2);
  });

  const record = {
    startedAt: '',
    triggers: ['start'],
    outcome: 'applied' as const,
    state: 'ready' as const,
    message: '',
    durationMs: 1,
    netlinkWrites: 0,
    kernelOps: [],
    kernelErrors: [],
    frr: { result: 'not-needed' as const, linesAdded: 0, linesRemoved: 0, durationMs: 0 },
    failed: [],
  };
  const desired = {
    kernel: { links: [] },
    node: { nodeName: 'n', nodeIndex: 1 },
    config: { underlays: [], l3vnis: [], l2vnis: [], l3passthroughs: [], rawFrrConfigs: [] },
  } as never;

  it('a request during a reconcile reads the kernel once it ends (a routine resync is not degraded)', async () => {
    let drifts = 0;
    let busy = 20;
    let end: () => void = () => undefined;
    const idle = new Promise<void>((r) => (end = r));
    const c = new StatusCollector(
      { status: { state: 'ready', message: 'ok', reconciles: 1 }, busyForMs: () => busy, whenIdle: () => idle },
      { read: async () => FRR },
      { drift: async () => (drifts++, []) },
    );
    c.reconciled(record, desired);
    const doc = c.document();
    await new Promise((r) => setTimeout(r, 20));
    expect(drifts).toBe(0);
    busy = 0;
    end();
    const d = await doc;
    expect(drifts).toBe(1);
    expect(d.kernel).toEqual({ changes: [] });
    expect(d.health).toBe('healthy');
  });

  it('a reconcile running past the wait: kernel unknown, degraded; an FRR failure is reported, not thrown', async () => {
    let drifts = 0;
    const c = new StatusCollector(
      { status: { state: 'ready', message: 'ok', reconciles: 1 }, busyForMs: () => 20_000, whenIdle: () => new Promise(() => undefined) },
      { read: async () => Promise.reject(new Error('vtysh: connection refused')) },
      { drift: async () => (drifts++, []) },
      Date.now,
      30,
    );
    c.reconciled(record, desired);
    const d = await c.document();
    expect(drifts).toBe(0);
    expect(d.kernel).toEqual({ unknown: 'a reconcile has been running for 20 s' });
    expect(d.frrError).toBe('vtysh: connection refused');
    expect(d.health).toBe('degraded');
  });
});

describe('perouterd status without a daemon', () => {
  it('falls back to status.json with a note; neither: an error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'perouterd-status-'));
    const none = await fetchStatus(dir);
    expect(none).toMatchObject({ error: expect.stringMatching(/^perouterd is not running, and .*status\.json cannot be read/) });
    writeFileSync(join(dir, 'status.json'), JSON.stringify({ state: 'ready', message: 'all configuration applied', reconciles: 3 }));
    const r = await fetchStatus(dir);
    expect(r).toMatchObject({
      note: `perouterd is not running: showing ${dir}/status.json, written by its last run`,
      doc: { health: 'down' },
    });
  });

  it('asks the daemon when it runs', async () => {
    const { dir } = await serve(async () => ({ kind: 'PerouterdStatus', health: 'healthy' }));
    expect(await fetchStatus(dir)).toEqual({ doc: { kind: 'PerouterdStatus', health: 'healthy' } });
  });
});
