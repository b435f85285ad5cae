// The kubeconfig is written by a pod through a hostPath: read bounded (regular files only,
// size-capped, without blocking the event loop), and no secret or other file content ever
// reaches an error text (logs, status.json, the Kubernetes status).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { ApiSource } from '../../src/k8s/api-source.js';
import { loadKubeconfig } from '../../src/k8s/kubeconfig.js';

const tmp = mkdtempSync(join(tmpdir(), 'kubeconfig-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const SECRET = 'eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LXRva2VuLXZhbHVl.sig';

function dirWith(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmp, 'd-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

const good = (user: string): string =>
  [
    'apiVersion: v1',
    'kind: Config',
    'clusters: [{name: c, cluster: {server: "https://10.96.0.1:443", insecure-skip-tls-verify: true}}]',
    `users: [{name: u, user: ${user}}]`,
    'contexts: [{name: x, context: {cluster: c, user: u}}]',
    'current-context: x',
  ].join('\n');

describe('kubeconfig: secrets stay out of error texts', () => {
  // A truncated or broken write: the YAML error is on the token's own line.
  const broken = [
    'apiVersion: v1',
    'clusters: [{name: c, cluster: {server: "https://10.96.0.1:443"}}]',
    'users:',
    '- name: u',
    '  user:',
    `    token: ${SECRET}: x`, // a colon inside the value: the library quotes the line in its message
  ].join('\n');

  it('a YAML error on the token line names the line, never the token', async () => {
    const dir = dirWith({ kubeconfig: broken });
    const r = await loadKubeconfig(join(dir, 'kubeconfig'));
    expect(r.state).toBe('invalid');
    const error = (r as { error: string }).error;
    expect(error).not.toContain(SECRET);
    expect(error).not.toContain('c2VjcmV0');
    expect(error).toMatch(/line \d+/);
  });

  it('neither the log nor state() of ApiSource carry the token', async () => {
    const dir = dirWith({ kubeconfig: broken });
    const lines: string[] = [];
    const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(s) });
    const src = new ApiSource({
      kubeconfigPath: join(dir, 'kubeconfig'),
      namespace: 'ns',
      nodeName: 'n',
      stateDir: join(dir, 's'),
      log,
      kubeconfigPollMs: 50,
    });
    src.start();
    for (let i = 0; i < 100 && src.state().kubeconfigState !== 'invalid'; i++) await new Promise((r) => setTimeout(r, 20));
    await src.stop();
    expect(src.state().kubeconfigState).toBe('invalid');
    expect(JSON.stringify(src.state())).not.toContain('c2VjcmV0');
    expect(lines.join('')).toContain('kubeconfig unusable');
    expect(lines.join('')).not.toContain('c2VjcmV0');
  });

  it('error texts never quote file content, and control characters are escaped', async () => {
    const dir = dirWith({
      kubeconfig: good('{tokenFile: "/nowhere/\\e[2Jtok"}').replace('current-context: x', 'current-context: "s3cr3t\\e[31m"'),
    });
    const r = await loadKubeconfig(join(dir, 'kubeconfig'));
    const error = (r as { error: string }).error;
    expect(error).not.toContain('s3cr3t');
    expect(error).not.toContain('\u001b');
  });
});

describe('kubeconfig: bounded reads', () => {
  it('a FIFO is refused at once (the event loop never blocks on it)', async () => {
    const dir = dirWith({});
    execFileSync('mkfifo', [join(dir, 'kubeconfig')]);
    const r = await loadKubeconfig(join(dir, 'kubeconfig'));
    expect(r).toMatchObject({ state: 'invalid', error: expect.stringContaining('not a regular file') });
  });

  it('a file over the size cap is refused without being read whole', async () => {
    const dir = dirWith({ kubeconfig: `# ${'x'.repeat(2 * 1024 * 1024)}\n${good('{token: t}')}` });
    const r = await loadKubeconfig(join(dir, 'kubeconfig'));
    expect(r).toMatchObject({ state: 'invalid', error: expect.stringContaining('larger than') });
  });

  it('a named token file linked to /dev/zero is refused', async () => {
    const dir = dirWith({});
    symlinkSync('/dev/zero', join(dir, 'token'));
    writeFileSync(join(dir, 'kubeconfig'), good(`{tokenFile: ${join(dir, 'token')}}`));
    const r = await loadKubeconfig(join(dir, 'kubeconfig'));
    expect(r).toMatchObject({ state: 'invalid', error: expect.stringContaining('not a regular file') });
  });

  it('a named CA that is a directory is refused; a regular one is inlined', async () => {
    const dir = dirWith({ token: 't\n' });
    mkdirSync(join(dir, 'ca.crt'));
    const kc = good(`{tokenFile: token}`).replace('insecure-skip-tls-verify: true', 'certificate-authority: ca.crt');
    writeFileSync(join(dir, 'kubeconfig'), kc);
    expect(await loadKubeconfig(join(dir, 'kubeconfig'))).toMatchObject({
      state: 'invalid',
      error: expect.stringContaining('not a regular file'),
    });
    rmSync(join(dir, 'ca.crt'), { recursive: true });
    writeFileSync(join(dir, 'ca.crt'), 'CA');
    const ok = await loadKubeconfig(join(dir, 'kubeconfig'));
    expect(ok.state).toBe('ok');
  });
});
