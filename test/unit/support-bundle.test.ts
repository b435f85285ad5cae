// Support bundle: the list of files, redaction (no token of a kubeconfig, no password of a
// node config or frr.conf ever reaches the bundle) and the tar.gz itself (read back by tar).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { collectBundle, FRR_SHOW_JSON, type BundleSources } from '../../src/observe/support-bundle.js';
import { tar, tarGz } from '../../src/observe/tar.js';
import { redactFrrConfig } from '../../src/util/redact.js';

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LXRva2Vu.c2lnbmF0dXJl';
const PLAIN_TOKEN = 'k8s-plain-token-0123456789';
const PASSWORD = 'bgp-s3cret-pw';
const FILES: Record<string, string> = {
  '/etc/node-config.yaml': `nodeIndex: 1\nkubeconfig: {token: ${PLAIN_TOKEN}}\n`,
  '/etc/configs/openpe_00.yaml': `underlays:\n  - asn: 64514\n    neighbors:\n      - address: 192.168.11.2\n        password: ${PASSWORD}\n`,
  '/etc/frr/perouter/frr.conf': `router bgp 64514\n neighbor 192.168.11.2 password ${PASSWORD}\nexit\n`,
  '/kubeconfig': `users:\n- name: pe\n  user:\n    token: ${PLAIN_TOKEN}\n    id-token: ${TOKEN}\n`,
};

function fake(over: Partial<BundleSources> = {}): BundleSources {
  return {
    readFile: async (p) => FILES[p],
    configFiles: async () => ['/etc/configs/openpe_00.yaml'],
    renderedFrrConfig: async () => ({ config: `router bgp 64514\n neighbor 192.168.11.2 password ${PASSWORD}\n` }),
    kernelState: async (ns) => ({ links: [{ name: ns === 'host' ? 'eth0' : 'toswitch' }] }),
    vtysh: async (c) => (c === 'show running-config' ? `neighbor 192.168.11.2 password ${PASSWORD}\n` : '{}'),
    status: async () => ({ text: `{"state":"ready","error":"Authorization: Bearer ${TOKEN}"}`, from: 'status.json' }),
    journal: async () => ({ text: `{"MESSAGE":"api token: ${PLAIN_TOKEN}"}\n` }),
    versions: async () => ({ perouterd: '0.1.0', frr: 'FRRouting 8.4.4', kernel: 'Linux 6.1' }),
    ...over,
  };
}
const OPTS = {
  nodeConfig: '/etc/node-config.yaml',
  configDir: '/etc/configs',
  kubeconfig: '/kubeconfig',
  frrConfPath: '/etc/frr/perouter/frr.conf',
};

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('support bundle', () => {
  it('holds the configs, frr.conf (rendered, on disk, running), FRR JSON, kernel state of both namespaces, status, journal, versions', async () => {
    const entries = await collectBundle(fake(), OPTS);
    expect(entries[0]?.data.toString()).toMatch(/not collected:\n {2}\(nothing missing\)/);
    const names = entries.map((e) => e.name);
    expect(names).toEqual([
      'MANIFEST.txt',
      'config/configs/openpe_00.yaml',
      'config/kubeconfig.txt',
      'config/node-config.yaml',
      ...Object.keys(FRR_SHOW_JSON)
        .map((n) => `frr/${n}.json`)
        .concat(['frr/frr.conf', 'frr/frr.conf.rendered', 'frr/running-config'])
        .sort(),
      'journal.json',
      'kernel/host.json',
      'kernel/router.json',
      'status.json',
      'versions.json',
    ]);
  });

  it('never carries a secret: kubeconfig tokens, node config and BGP passwords, bearer tokens in status, tokens in the journal', async () => {
    const all = (await collectBundle(fake(), OPTS)).map((e) => e.data.toString()).join('\n');
    for (const secret of [TOKEN, PLAIN_TOKEN, PASSWORD]) expect(all).not.toContain(secret);
    expect(all).toContain('neighbor 192.168.11.2 password <redacted>');
    expect(all).toMatch(/\/kubeconfig: present \(\d+ bytes\); never included/);
    const gz = tarGz(await collectBundle(fake(), OPTS));
    const raw = gunzipSync(gz).toString('latin1');
    for (const secret of [TOKEN, PLAIN_TOKEN, PASSWORD]) expect(raw).not.toContain(secret);
  });

  it('lists what it could not collect, with the reason, in MANIFEST.txt', async () => {
    const entries = await collectBundle(
      fake({
        vtysh: async () => undefined,
        kernelState: async (ns) => {
          if (ns === 'router') throw new Error('ENOENT: /run/netns/perouter');
          return {};
        },
        journal: async () => ({ note: 'journalctl is not installed' }),
      }),
      OPTS,
    );
    const manifest = entries[0]?.data.toString() ?? '';
    expect(manifest).toMatch(/not collected:\n(.|\n)*frr\/running-config: FRR does not answer/);
    expect(manifest).toContain('kernel/router.json: ENOENT: /run/netns/perouter');
    expect(manifest).toContain('journal.json: journalctl is not installed');
    expect(entries.map((e) => e.name)).not.toContain('kernel/router.json');
  });

  it('redacts FRR’s own secret spellings', () => {
    expect(redactFrrConfig(' neighbor 10.0.0.1 password abc\n key-string xyz\n')).toBe(
      ' neighbor 10.0.0.1 password <redacted>\n key-string <redacted>\n',
    );
  });

  it('writes a tar that GNU tar reads back: names (long ones too), contents, mode 0600', () => {
    const d = mkdtempSync(join(tmpdir(), 'perouterd-tar-'));
    dirs.push(d);
    const long = `b/${'x'.repeat(90)}/${'y'.repeat(90)}.json`;
    writeFileSync(
      join(d, 't.tar.gz'),
      tarGz([
        { name: 'b/a.txt', data: 'hello\n' },
        { name: long, data: Buffer.alloc(1000, 65) },
      ]),
    );
    const list = spawnSync('tar', ['-tvzf', join(d, 't.tar.gz')], { encoding: 'utf8' });
    expect(list.status).toBe(0);
    expect(list.stdout).toMatch(/^-rw------- root\/root +6 .* b\/a\.txt$/m);
    expect(list.stdout).toContain(long);
    expect(spawnSync('tar', ['-xzf', join(d, 't.tar.gz'), '-C', d]).status).toBe(0);
    expect(readFileSync(join(d, 'b/a.txt'), 'utf8')).toBe('hello\n');
    expect(readFileSync(join(d, long)).length).toBe(1000);
    expect(tar([]).length).toBe(1024);
  });
});
