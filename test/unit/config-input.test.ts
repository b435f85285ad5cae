// Issue 8, config side: transient, hostile and ambiguous input is reported (located, never
// echoing file content) and never read as an empty or different configuration.
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadNodeConfig, loadStaticConfig } from '../../src/config/load.js';
import { formatProblem, hasErrors, type RouterConfig } from '../../src/config/model.js';
import { MAX_CONFIG_BYTES } from '../../src/config/read.js';
import { buildDesiredState, buildDesiredStateAsync } from '../../src/daemon/desired-state.js';
import { validateRouterConfig, validateSteps } from '../../src/config/validate/index.js';
import { CHUNK, runAsync } from '../../src/util/steps.js';
import { loadText, NODE, tempDir, underlayYaml } from '../fixtures/config/harness.js';
import * as b from '../support/builders.js';

const NODE_CONFIG = 'nodeName: node1\nnodeIndex: {index: 3}\n';
const api = (name: string): b.Meta => ({ name, origin: b.apiOrigin });
const deps = { hostname: () => 'host', interfaceAddresses: () => [] };

function configDir(files: Record<string, string>): { dir: string; nodeConfig: string } {
  const root = tempDir({ 'node-config.yaml': NODE_CONFIG });
  const dir = join(root, 'configs');
  mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return { dir, nodeConfig: join(root, 'node-config.yaml') };
}

const lines = (problems: ReadonlyArray<Parameters<typeof formatProblem>[0]>): string => problems.map(formatProblem).join('\n');

describe('a missing configuration directory is an error, not an empty configuration', () => {
  it('loadStaticConfig refuses, naming the directory', () => {
    const r = loadStaticConfig('/nonexistent/configz', NODE);
    expect(hasErrors(r.problems)).toBe(true);
    expect(r.problems[0]?.message).toMatch(/configuration directory \/nonexistent\/configz does not exist/);
  });
});

describe('bounded input', () => {
  it('FIFOs, devices and directories named openpe_*.yaml are reported; nothing blocks', () => {
    const { dir } = configDir({ 'openpe_u.yaml': underlayYaml() });
    expect(spawnSync('mkfifo', [join(dir, 'openpe_fifo.yaml')]).status).toBe(0);
    symlinkSync('/dev/zero', join(dir, 'openpe_zero.yaml'));
    mkdirSync(join(dir, 'openpe_dir.yaml'));
    const r = loadStaticConfig(dir, NODE);
    expect(r.problems.filter((p) => p.severity === 'error').map((p) => `${p.location?.file.slice(dir.length + 1)}: ${p.message}`)).toEqual([
      'openpe_dir.yaml: is a directory, not a regular file',
      'openpe_fifo.yaml: is a FIFO, not a regular file',
      'openpe_zero.yaml: is a character device, not a regular file',
    ]);
  });

  it('a node config that is a FIFO or a link to /dev/zero is a located error at once, in validate and run alike (a blocking open would hang here)', async () => {
    for (const plant of [(p: string) => spawnSync('mkfifo', [p]).status, (p: string) => symlinkSync('/dev/zero', p)]) {
      const { dir, nodeConfig } = configDir({ 'openpe_u.yaml': underlayYaml() });
      rmSync(nodeConfig);
      plant(nodeConfig);
      const src = { configDir: dir, nodeConfigPath: nodeConfig };
      const daemons = await buildDesiredStateAsync(src);
      const validates = buildDesiredState(src);
      expect(daemons).toEqual(validates);
      if (validates.ok) throw new Error('applied a configuration read from a FIFO or a device');
      expect(validates.problems.map((p) => [p.location?.file, p.message])).toEqual([
        [nodeConfig, expect.stringMatching(/^is a (FIFO|character device), not a regular file$/)],
      ]);
    }
  });

  it('a file over the cap is a located error', () => {
    const { dir } = configDir({ 'openpe_big.yaml': `# ${'x'.repeat(MAX_CONFIG_BYTES)}\n` });
    const r = loadStaticConfig(dir, NODE);
    expect(r.problems[0]).toMatchObject({ severity: 'error', location: { file: join(dir, 'openpe_big.yaml'), line: 1 } });
    expect(r.problems[0]?.message).toMatch(/larger than 4194304 bytes/);
  });

  it('a file that is no perouterd configuration is reported without echoing it', () => {
    const secret = join(tempDir({ shadow: 'root:$6$s3cr3t:19000:0:99999:7:::\nkey: s3cr3t\n' }), 'shadow');
    const kube = join(tempDir({ kc: 'apiVersion: v1\nusers:\n  - name: u\n    user: {token: s3cr3t}\n' }), 'kc');
    const { dir } = configDir({});
    symlinkSync(secret, join(dir, 'openpe_a.yaml'));
    symlinkSync(kube, join(dir, 'openpe_b.yaml'));
    const r = loadStaticConfig(dir, NODE);
    expect(r.problems.map((p) => p.message)).toEqual([
      'not a perouterd configuration file (none of its top-level keys is a known one); its content is not shown',
      'not a perouterd configuration file (none of its top-level keys is a known one); its content is not shown',
    ]);
    const scalar = loadText('just: [a, list]\n---\n');
    expect(scalar.errors[0]?.message).toMatch(/^not a perouterd configuration file/);
    expect(loadText('- a\n- b\n').errors[0]?.message).toBe(
      'not a perouterd configuration file (the top level is not a mapping of keys); its content is not shown',
    );
    expect(lines(r.problems)).not.toMatch(/s3cr3t|root/);
  });

  it('YAML errors never quote the file', () => {
    const r = loadText(`${underlayYaml()}        password: hunter2: [oops\n`);
    expect(hasErrors(r.problems)).toBe(true);
    expect(lines(r.problems)).not.toContain('hunter2');
  });

  it('keys are escaped and truncated when echoed', () => {
    const r = loadText(`${underlayYaml()}"\\e]0;pwned\\a${'k'.repeat(300)}": 1\n`);
    const text = lines(r.problems);
    expect(text).toContain('\\x1b]0;pwned\\x07');
    expect(text).not.toMatch(/[\u0000-\u001f]/);
    for (const line of text.split('\n')) expect(line.length).toBeLessThan(250);
  });

  it('a configuration file or directory writable by another user is an error (nothing applied)', () => {
    const { dir } = configDir({ 'openpe_u.yaml': underlayYaml() });
    chmodSync(join(dir, 'openpe_u.yaml'), 0o666);
    chmodSync(dir, 0o777);
    const r = loadStaticConfig(dir, NODE);
    expect(r.problems.map((p) => `${p.severity}: ${p.message}`)).toEqual([
      expect.stringMatching(/^error: the configuration directory is writable by every user/),
      expect.stringMatching(/^error: this configuration file is writable by every user/),
    ]);
    expect(r.problems[1]?.location?.file).toBe(join(dir, 'openpe_u.yaml'));
  });
});

describe('a directory above the configuration that another user can write or owns (sshd StrictModes)', () => {
  const asRoot = process.getuid?.() === 0;
  const ERR = /lies under (.*), which is writable by (.*), who can thereby replace it/;

  it.skipIf(!asRoot)('group-writable or owned by another user: one located error per directory, in validate and run alike', async () => {
    const { dir, nodeConfig } = configDir({ 'openpe_u.yaml': underlayYaml(), 'openpe_v.yaml': 'l2vnis:\n  - {name: x, vni: 300}\n' });
    const root = dirname(dir);
    chownSync(root, 0, 4242);
    chmodSync(root, 0o770);
    const r = loadStaticConfig(dir, NODE);
    expect(r.problems.map((p) => [p.severity, p.location?.file, p.message.match(ERR)?.slice(1)])).toEqual([
      ['error', dir, [root, 'group 4242']],
    ]);
    chmodSync(root, 0o755);
    chownSync(root, 1000, 0);
    const src = { configDir: dir, nodeConfigPath: nodeConfig };
    const sync = buildDesiredState(src);
    if (sync.ok) throw new Error('applied a configuration another user can replace');
    expect(sync.problems.map((p) => [p.location?.file, p.message.match(ERR)?.slice(1)])).toEqual([
      [nodeConfig, [root, 'user 1000 (its owner)']],
    ]);
    expect(await buildDesiredStateAsync(src)).toEqual(sync);
  });

  it.skipIf(!asRoot)('a linked file is judged where it really lies', () => {
    const { dir } = configDir({ 'openpe_u.yaml': underlayYaml() });
    const elsewhere = tempDir({ 'real.yaml': 'l2vnis:\n  - {name: x, vni: 300}\n' });
    chmodSync(elsewhere, 0o777);
    symlinkSync(join(elsewhere, 'real.yaml'), join(dir, 'openpe_x.yaml'));
    const r = loadStaticConfig(dir, NODE);
    expect(r.problems.map((p) => [p.location?.file, p.message.match(ERR)?.slice(1)])).toEqual([
      [join(dir, 'openpe_x.yaml'), [elsewhere, 'every user']],
    ]);
  });

  it('a sticky world-writable directory with a trusted owner (/tmp) is safe above; a sticky configuration directory is not', () => {
    const { dir } = configDir({ 'openpe_u.yaml': underlayYaml() });
    chmodSync(dirname(dir), 0o1777);
    expect(loadStaticConfig(dir, NODE).problems).toEqual([]);
    chmodSync(dir, 0o1777);
    expect(loadStaticConfig(dir, NODE).problems.map((p) => p.message)).toEqual([
      expect.stringMatching(/^the configuration directory is writable by every user/),
    ]);
  });
});

describe('numbers mean one thing, and the smaller items', () => {
  it('integers with a leading zero are rejected with a hint', () => {
    const r = loadText(`${underlayYaml().replace('asn: 64514', 'asn: 064514')}l3vnis:\n  - {name: red, vrf: red, vni: 0100}\n`);
    expect(r.errors.map((e) => [e.location?.line, e.message])).toEqual([
      [2, expect.stringMatching(/^064514: an integer with a leading zero is ambiguous \(upstream reads it as octal, 26956\)/)],
      [13, expect.stringMatching(/^0100: .*octal, 64\)/)],
    ]);
    expect(loadText("rawfrrconfigs:\n  - {rawConfig: '0100'}\n").errors).toEqual([]);
  });

  it('bgppassthrough.hostSession: 0.5 is rejected, not dropped', () => {
    const r = loadText('bgppassthrough:\n  hostSession: 0.5\n');
    expect([...new Set(r.errors.map((e) => e.location?.field))]).toEqual(['bgppassthrough.hostSession']);
  });

  it('a half-written file whose prefix parses is an error, not an empty configuration', () => {
    const r = loadText('bgppassthrough:\n');
    expect(r.errors.map((e) => e.message)).toEqual([expect.stringMatching(/^every top-level key is empty/)]);
  });

  it('nodeName rejects "/", newlines and NUL', () => {
    for (const name of ['a/b', 'a\\nb', 'a\\0b']) {
      const { nodeConfig } = configDir({});
      writeFileSync(nodeConfig, `nodeName: "${name}"\nnodeIndex: {index: 1}\n`);
      const r = loadNodeConfig(nodeConfig, deps);
      expect(r.settings, name).toBeUndefined();
      expect(r.problems[0]?.location?.field, name).toBe('nodeName');
    }
  });

  it('a second underlay file is named in the error', () => {
    const { dir } = configDir({ 'openpe_a.yaml': underlayYaml(), 'openpe_b.yaml': underlayYaml() });
    const v = validateRouterConfig(loadStaticConfig(dir, NODE).config);
    expect(v.fatal?.message).toContain(`${join(dir, 'openpe_a.yaml')}:2`);
    expect(v.fatal?.message).toContain(`${join(dir, 'openpe_b.yaml')}:2`);
  });

  it('CR-only line breaks, a trailing --- and UTF-16 with a BOM are valid YAML', () => {
    const text = `${underlayYaml()}l3vnis:\n  - {name: red, vrf: red, vni: 100}\n`;
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const { dir } = configDir({ 'openpe_a.yaml': text.replace(/\n/g, '\r'), 'openpe_b.yaml': 'l2vnis:\n  - {name: x, vni: 300}\n---\n' });
    const other = configDir({});
    writeFileSync(join(other.dir, 'openpe_a.yaml'), utf16);
    const r = loadStaticConfig(dir, NODE);
    expect(r.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(r.config.l3vnis.map((v) => v.spec.vni)).toEqual([100]);
    expect(r.config.l2vnis.map((v) => v.spec.vni)).toEqual([300]);
    const u = loadStaticConfig(other.dir, NODE);
    expect(u.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(u.config.l3vnis.map((v) => v.spec.vni)).toEqual([100]);
  });
});

describe('failures stay local, at scale', () => {
  const tenThousand = (): RouterConfig => {
    const l3vnis = Array.from({ length: 10_000 }, (_, i) =>
      b.l3vni(`v${i}`, 1000 + i, { hostSession: b.hostSession({ ipv4: `10.${i >> 8}.${i & 255}.0/24` }) }, api(`v${i}`)),
    );
    l3vnis.push(b.l3vni('zdup', 1000, {}, api('zdup')));
    l3vnis.push(b.l3vni('wide', 99_999, { hostSession: b.hostSession({ ipv4: '10.0.0.0/16' }) }, api('wide')));
    return b.routerConfig({ underlays: [b.underlay()], l3vnis });
  };

  it('10,000 API L3VNIs, two overlapping and one duplicate: those fail alone, validation stays fast', () => {
    const v = validateRouterConfig(tenThousand(), { nodeIndex: 3 });
    expect(v.fatal).toBeUndefined();
    expect(v.valid.l3vnis).toHaveLength(10_000);
    expect(v.failed.map((f) => f.name).sort()).toEqual(['wide', 'zdup']);
  });

  it('validation pauses between chunks of objects (the daemon lets its event loop run there); same result as one pass', async () => {
    const cfg = tenThousand();
    const steps = validateSteps(cfg, { nodeIndex: 3 });
    let pauses = 0;
    let s = steps.next();
    for (; !s.done; s = steps.next()) pauses++;
    // Every step over all L3VNIs pauses every CHUNK objects: at least five such steps.
    expect(pauses).toBeGreaterThan((5 * 10_000) / CHUNK);
    expect(s.value).toEqual(validateRouterConfig(cfg, { nodeIndex: 3 }));
    expect(await runAsync(validateSteps(cfg, { nodeIndex: 3 }))).toEqual(s.value);
  });
});
