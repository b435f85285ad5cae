import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  loadNodeConfig,
  loadStaticConfig,
  loadStaticFile,
  type NodeConfigDeps,
  nodeIndexFromAddresses,
  staticName,
} from '../../src/config/load.js';
import { formatProblem, hasErrors } from '../../src/config/model.js';
import { readConfigDirSync } from '../../src/config/read.js';
import { fieldPath, parseYamlSource, pointerToPath } from '../../src/config/yaml-source.js';
import { FIXTURES, loadText, NODE, tempDir, underlayYaml } from '../fixtures/config/harness.js';

const node = (name: string): string => `${FIXTURES}node/${name}`;

function deps(addrs: Record<string, Array<{ address: string; prefixLen: number }>> = {}, host = 'myhost'): NodeConfigDeps {
  return {
    hostname: () => host,
    interfaceAddresses: (name) => {
      const a = addrs[name];
      if (!a) throw new Error(`Link not found: ${name}`);
      return a;
    },
  };
}

// ---------------------------------------------------------------- yaml source

describe('yaml source', () => {
  const text = 'l3vnis:\n  - name: red\n    hostSession:\n      asn: 70000000000\n      localCIDR: {ipv4: 1.2.3.0/24}\n';
  const src = parseYamlSource(text, 'f.yaml');

  it('maps data paths to line:column', () => {
    expect(src.ok).toBe(true);
    expect(src.locate(['l3vnis', 0, 'hostSession', 'asn'])).toEqual({
      file: 'f.yaml',
      line: 4,
      column: 12,
      field: 'l3vnis[0].hostSession.asn',
    });
    expect(src.locate(['l3vnis', 0, 'hostSession', 'asn'], { key: true })).toMatchObject({ line: 4, column: 7 });
    expect(src.locate(['l3vnis', 0, 'hostSession', 'localCIDR', 'ipv4'])).toMatchObject({ line: 5, column: 25 });
    expect(src.locate(['l3vnis', 0])).toMatchObject({ line: 2, column: 5, field: 'l3vnis[0]' });
    // a collection reached through a key is located at the key
    expect(src.locate(['l3vnis', 0, 'hostSession'])).toMatchObject({ line: 3, column: 5 });
    // missing tail: nearest existing parent
    expect(src.locate(['l3vnis', 0, 'hostSession', 'hostASN'])).toMatchObject({ line: 3, field: 'l3vnis[0].hostSession.hostASN' });
  });

  it('converts paths', () => {
    expect(fieldPath(['l3vnis', 0, 'hostSession', 'asn'])).toBe('l3vnis[0].hostSession.asn');
    expect(pointerToPath('/l3vnis/0/hostSession/asn')).toEqual(['l3vnis', 0, 'hostSession', 'asn']);
    expect(pointerToPath('/a~1b/c~0d')).toEqual(['a/b', 'c~d']);
    expect(pointerToPath('')).toEqual([]);
  });

  it('locates YAML syntax errors (half-written file)', () => {
    const r = loadStaticFile(`${FIXTURES}invalid/openpe_half.yaml`, NODE);
    expect(hasErrors(r.problems)).toBe(true);
    const e = r.problems[0];
    expect(e?.message).toMatch(/^YAML syntax error: /);
    expect(e?.location?.file).toBe(`${FIXTURES}invalid/openpe_half.yaml`);
    expect(e?.location?.line).toBeGreaterThanOrEqual(5);
    expect(r.config.underlays).toEqual([]);
  });

  it('locates a syntax error in the middle of a file', () => {
    const r = loadText('underlays:\n  - asn: 1\n   bad: indentation\n');
    expect(r.errors[0]?.message).toMatch(/YAML syntax error/);
    expect(r.errors[0]?.location?.line).toBe(3);
  });

  it('refuses an empty file and a comments-only file', () => {
    for (const text of ['', '\n\n', '# nothing here\n']) {
      const r = loadText(text);
      expect(r.errors).toHaveLength(1);
      expect(r.errors[0]?.message).toMatch(/file is empty/);
      expect(r.errors[0]?.location).toMatchObject({ file: r.file, line: 1, column: 1 });
    }
  });

  it('refuses several YAML documents in one file', () => {
    const r = loadText('rawfrrconfigs: [{rawConfig: a}]\n---\nrawfrrconfigs: [{rawConfig: b}]\n');
    expect(r.errors[0]?.message).toMatch(/more than one YAML document/);
    expect(r.errors[0]?.location?.line).toBe(2);
  });

  it('refuses duplicate keys', () => {
    const r = loadText('rawfrrconfigs: []\nrawfrrconfigs: []\n');
    expect(r.errors[0]?.message).toMatch(/YAML syntax error: .*unique/i);
    expect(r.errors[0]?.location?.line).toBe(2);
  });

  it('reports a missing file', () => {
    const r = loadStaticFile('/nonexistent/openpe_x.yaml', NODE);
    expect(r.problems).toEqual([
      { severity: 'error', message: 'file not found', location: { file: '/nonexistent/openpe_x.yaml', line: 1, column: 1, field: '' } },
    ]);
  });

  it('formats problems like a compiler', () => {
    const r = loadText(underlayYaml().replace('asn: 64514', 'asn: 0'));
    expect(formatProblem(r.errors[0]!)).toBe(`${r.file}:2:10: underlays[0].asn: error: must be >= 1`);
  });
});

// ---------------------------------------------------------------- node config

describe('node config', () => {
  it('reads the issue sample', () => {
    expect(loadNodeConfig(`${FIXTURES}basic/node-config.yaml`, deps())).toEqual({
      settings: { nodeName: 'node1', nodeIndex: 1, logLevel: 'info' },
      problems: [],
    });
  });

  it('defaults: index 0, nodeName = host name, logLevel info', () => {
    expect(loadNodeConfig(node('minimal.yaml'), deps({}, 'worker-7'))).toEqual({
      settings: { nodeName: 'worker-7', nodeIndex: 0, logLevel: 'info' },
      problems: [],
    });
  });

  it.each([
    ['192.168.11.3', 24, 3],
    ['10.5.3.7', 16, 775],
    ['192.168.1.67', 28, 3],
    ['192.168.1.67', 32, 0],
    ['2001:db8::42', 64, 0x42],
  ])('index from the host part of %s/%i = %i', (address, prefixLen, index) => {
    expect(nodeIndexFromAddresses([{ address, prefixLen }])).toEqual({ index, address: `${address}/${prefixLen}` });
    const r = loadNodeConfig(node('iface.yaml'), deps({ eth1: [{ address, prefixLen }] }));
    expect(r.problems).toEqual([]);
    expect(r.settings?.nodeIndex).toBe(index);
  });

  it('prefers the first IPv4 address, else the first global-unicast IPv6', () => {
    expect(
      nodeIndexFromAddresses([
        { address: 'fe80::5', prefixLen: 64 },
        { address: '2001:db8::9', prefixLen: 64 },
        { address: '192.168.0.4', prefixLen: 24 },
        { address: '192.168.0.5', prefixLen: 24 },
      ]),
    ).toMatchObject({ index: 4 });
    expect(
      nodeIndexFromAddresses([
        { address: 'fe80::5', prefixLen: 64 },
        { address: '2001:db8::9', prefixLen: 64 },
      ]),
    ).toMatchObject({ index: 9 });
    expect(nodeIndexFromAddresses([{ address: 'fe80::5', prefixLen: 64 }])).toEqual({ error: 'no IPv4 or global-unicast IPv6 address' });
  });

  it('uses the first address inside cidr when given', () => {
    const r = loadNodeConfig(
      node('iface-cidr.yaml'),
      deps({
        eth1: [
          { address: '192.168.11.3', prefixLen: 24 },
          { address: '10.5.3.7', prefixLen: 16 },
        ],
      }),
    );
    expect(r).toEqual({ settings: { nodeName: 'myhost', nodeIndex: 775, logLevel: 'debug' }, problems: [] });
    expect(nodeIndexFromAddresses([{ address: '192.168.11.3', prefixLen: 24 }], '10.0.0.0/8')).toEqual({
      error: 'no address inside 10.0.0.0/8',
    });
  });

  it('index and interfaceName are mutually exclusive', () => {
    const r = loadNodeConfig(node('conflict.yaml'), deps({ eth1: [{ address: '10.0.0.1', prefixLen: 24 }] }));
    expect(r.settings).toBeUndefined();
    expect(r.problems).toEqual([
      {
        severity: 'error',
        message: 'index and interfaceName are mutually exclusive',
        location: { file: node('conflict.yaml'), line: 1, column: 1, field: 'nodeIndex' },
      },
    ]);
  });

  it('index 0 does not conflict with interfaceName (upstream only refuses a non-zero index)', () => {
    const r = loadNodeConfig(node('zero-and-iface.yaml'), deps({ eth1: [{ address: '192.168.11.3', prefixLen: 24 }] }));
    expect(r).toEqual({ settings: { nodeName: 'myhost', nodeIndex: 3, logLevel: 'info' }, problems: [] });
  });

  it('cidr needs interfaceName', () => {
    const r = loadNodeConfig(node('cidr-only.yaml'), deps());
    expect(r.settings).toBeUndefined();
    expect(r.problems[0]).toMatchObject({
      severity: 'error',
      message: 'cidr requires interfaceName to be set as well',
      location: { line: 2, field: 'nodeIndex.cidr' },
    });
  });

  it('an unparsable cidr is an error', () => {
    const r = loadNodeConfig(node('bad-cidr.yaml'), deps({ eth1: [{ address: '10.0.0.1', prefixLen: 24 }] }));
    expect(r.settings).toBeUndefined();
    expect(r.problems[0]?.message).toMatch(/invalid cidr "10.5.0.0\/40"/);
    expect(r.problems[0]?.location).toMatchObject({ line: 3, field: 'nodeIndex.cidr' });
  });

  it('a missing interface or no usable address is an error', () => {
    const missing = loadNodeConfig(node('iface.yaml'), deps());
    expect(missing.settings).toBeUndefined();
    expect(missing.problems[0]?.message).toMatch(/cannot read the addresses of eth1: Link not found/);
    expect(missing.problems[0]?.location).toMatchObject({ line: 2, field: 'nodeIndex.interfaceName' });
    const none = loadNodeConfig(node('iface.yaml'), deps({ eth1: [] }));
    expect(none.problems[0]?.message).toMatch(/cannot derive the node index from interface eth1/);
  });

  it('a missing or empty node config is an error', () => {
    expect(loadNodeConfig('/nonexistent/node-config.yaml', deps()).problems[0]).toMatchObject({
      severity: 'error',
      message: 'file not found',
    });
    const empty = loadNodeConfig(node('empty.yaml'), deps());
    expect(empty.settings).toBeUndefined();
    expect(empty.problems[0]?.message).toMatch(/file is empty/);
  });

  it('the old integer nodeIndex gets a clear message', () => {
    const r = loadNodeConfig(node('legacy.yaml'), deps());
    expect(r.settings).toBeUndefined();
    expect(r.problems[0]?.message).toMatch(/nodeIndex must be a mapping/);
  });

  it('log level enum', () => {
    const r = loadNodeConfig(node('bad-level.yaml'), deps());
    expect(r.problems[0]).toMatchObject({ message: 'must be one of: debug, info, warn, error', location: { line: 1, field: 'logLevel' } });
  });

  it('case-insensitive and unknown keys are warnings', () => {
    const r = loadNodeConfig(node('keys.yaml'), deps());
    expect(r.settings).toEqual({ nodeName: 'node7', nodeIndex: 7, logLevel: 'warn' });
    expect(r.problems.map((p) => p.message)).toEqual([
      'NodeName: matched to nodeName ignoring case; write nodeName',
      'Index: matched to index ignoring case; write index',
      'loglevel: matched to logLevel ignoring case; write logLevel',
      'colour: unknown field, ignored',
    ]);
    expect(r.problems.every((p) => p.severity === 'warning')).toBe(true);
  });
});

// ---------------------------------------------------------------- discovery, naming, merging

describe('static files', () => {
  it('discovers openpe_*.yaml in byte-wise lexicographic order; .yml and directories are reported', () => {
    const dir = tempDir({
      'openpe_b.yaml': '',
      'openpe_a.yaml': '',
      'openpe_B.yaml': '',
      'openpe_10.yaml': '',
      'openpe_2.yaml': '',
      'openpe_.yaml': '',
      'openpe_c.yml': '',
      'openpe_d.yaml.bak': '',
      'xopenpe_e.yaml': '',
      'other.yaml': '',
    });
    mkdirSync(join(dir, 'openpe_dir.yaml'));
    symlinkSync(join(dir, 'openpe_a.yaml'), join(dir, 'openpe_link.yaml'));
    const r = readConfigDirSync(dir);
    expect(r.files.map((f) => f.path.slice(dir.length + 1))).toEqual([
      'openpe_.yaml',
      'openpe_10.yaml',
      'openpe_2.yaml',
      'openpe_B.yaml',
      'openpe_a.yaml',
      'openpe_b.yaml',
      'openpe_link.yaml',
    ]);
    expect(r.problems.map((p) => [p.severity, p.location?.file.slice(dir.length + 1), p.message])).toEqual([
      ['warning', 'openpe_c.yml', 'ignored: only files named openpe_*.yaml (lower case .yaml) are read; rename it to read it'],
      ['error', 'openpe_dir.yaml', 'is a directory, not a regular file'],
    ]);
  });

  it('a missing directory is an error; one without matches means no static configuration', () => {
    const r = loadStaticConfig('/nonexistent/configs', NODE);
    expect(r.files).toEqual([]);
    expect(hasErrors(r.problems)).toBe(true);
    expect(r.problems[0]?.message).toMatch(/^configuration directory \/nonexistent\/configs does not exist: nothing is changed/);
    const empty = loadStaticConfig(tempDir({ 'x.yaml': 'a: 1' }), NODE);
    expect(empty.files).toEqual([]);
    expect(empty.problems).toEqual([]);
  });

  it('a configuration path that is not a directory is an error', () => {
    const r = loadStaticConfig(`${FIXTURES}basic/node-config.yaml`, NODE);
    expect(r.problems[0]?.message).toMatch(/is not a directory/);
    expect(hasErrors(r.problems)).toBe(true);
  });

  it('names static objects like upstream and concatenates files in order', () => {
    const r = loadStaticConfig(`${FIXTURES}multi`, NODE, 'ns1');
    expect(r.files.map((f: string) => f.slice(`${FIXTURES}multi/`.length))).toEqual([
      'openpe_10-underlay.yaml',
      'openpe_20-overlays.yaml',
      'openpe_30-raw.yaml',
    ]);
    expect(hasErrors(r.problems)).toBe(false);
    const c = r.config;
    expect(c.underlays.map((x) => x.name)).toEqual(['static-node1-underlay-0']);
    expect(c.l3vnis.map((x) => x.name)).toEqual(['static-node1-red']);
    expect(c.l2vnis.map((x) => x.name)).toEqual(['static-node1-red-l2']);
    expect(c.l3passthroughs.map((x) => x.name)).toEqual(['static-node1-l3passthrough']);
    // index within the file: two files both produce rawfrrconfig-0
    expect(c.rawFrrConfigs.map((x) => x.name)).toEqual([
      'static-node1-rawfrrconfig-0',
      'static-node1-rawfrrconfig-1',
      'static-node1-rawfrrconfig-0',
    ]);
    expect(r.problems.map((p) => p.message)).toEqual([
      'ignored: only files named openpe_*.yaml (lower case .yaml) are read; rename it to read it',
      expect.stringMatching(/^RawFRRConfig name static-node1-rawfrrconfig-0 is also used at .*openpe_20-overlays.yaml:30/),
    ]);
    for (const x of [...c.underlays, ...c.l3vnis, ...c.l2vnis, ...c.l3passthroughs, ...c.rawFrrConfigs]) {
      expect(x.namespace).toBe('ns1');
      expect(x.spec.nodeSelector).toEqual({ matchLabels: { 'kubernetes.io/hostname': 'node1' } });
    }
    // routing domain references point at the static object names
    expect(c.l2vnis[0]?.spec.routingDomain).toEqual({ type: 'L3VNI', l3vni: { name: 'static-node1-red' } });
    // spec carries no `name`
    expect(c.l3vnis[0]?.spec).not.toHaveProperty('name');
    // origin points at the list item
    expect(c.l2vnis[0]?.origin).toEqual({
      source: 'static',
      location: { file: `${FIXTURES}multi/openpe_20-overlays.yaml`, line: 12, column: 5, field: 'l2vnis[0]' },
    });
    expect(c.l3passthroughs[0]?.origin).toMatchObject({ location: { line: 23, field: 'bgppassthrough' } });
    expect(c.rawFrrConfigs[2]?.origin).toMatchObject({ location: { file: `${FIXTURES}multi/openpe_30-raw.yaml`, line: 2 } });
  });

  it('uses the default namespace', () => {
    const r = loadStaticConfig(`${FIXTURES}basic`, { nodeName: 'n2', nodeIndex: 0, logLevel: 'info' });
    expect(r.config.underlays[0]).toMatchObject({ name: 'static-n2-underlay-0', namespace: 'openperouter-system' });
    expect(r.config.l3vnis[0]?.name).toBe('static-n2-red');
    expect(staticName('n2', 'underlay-1')).toBe('static-n2-underlay-1');
  });

  it('underlays of two files keep index 0 each (and later fail validation as two underlays)', () => {
    const dir = tempDir({ 'openpe_a.yaml': underlayYaml(), 'openpe_b.yaml': underlayYaml() });
    const r = loadStaticConfig(dir, NODE);
    expect(r.config.underlays.map((u) => u.name)).toEqual(['static-node1-underlay-0', 'static-node1-underlay-0']);
  });

  it('bgppassthrough only counts when hostSession.asn > 0', () => {
    const none = loadText('bgppassthrough:\n  hostSession:\n    asn: 0\n    hostType: External\n');
    expect(none.errors).toEqual([]);
    expect(none.config.l3passthroughs).toEqual([]);
    expect(none.warnings[0]?.message).toMatch(/bgppassthrough: ignored because hostSession.asn is not set/);
    expect(loadText('bgppassthrough: {}\n').config.l3passthroughs).toEqual([]);
    const one = loadText('bgppassthrough:\n  hostSession: {asn: 64514, hostASN: 64515, localCIDR: {ipv4: 192.169.100.0/24}}\n');
    expect(one.problems).toEqual([]);
    expect(one.config.l3passthroughs[0]?.spec.hostSession.asn).toBe(64514);
  });

  it('an item without name is named static-<node>- (as upstream) with a warning', () => {
    const r = loadText('l3vnis:\n  - vrf: red\n    vni: 100\n');
    expect(r.errors).toEqual([]);
    expect(r.config.l3vnis[0]?.name).toBe('static-node1-');
    expect(r.warnings[0]?.message).toMatch(/has no name/);
    const bad = loadText('l3vnis:\n  - name: Red_1\n    vrf: red\n    vni: 100\n');
    expect(bad.warnings[0]?.message).toMatch(/not a valid Kubernetes object name/);
    expect(bad.warnings[0]?.location).toMatchObject({ line: 2, field: 'l3vnis[0].name' });
  });

  it('any error in any file: that file contributes nothing and the caller must not apply', () => {
    const dir = tempDir({
      'openpe_a.yaml': underlayYaml(),
      'openpe_b.yaml': 'l3vnis:\n  - {name: red, vrf: red, vni: 0}\n',
      'openpe_c.yaml': 'l3vnis:\n  - {name: blue, vrf: blue, vni: 200}\n',
    });
    const r = loadStaticConfig(dir, NODE);
    expect(hasErrors(r.problems)).toBe(true);
    expect(r.problems.filter((p) => p.severity === 'error').map((p) => p.location?.file)).toEqual([join(dir, 'openpe_b.yaml')]);
    expect(r.config.underlays).toHaveLength(1);
    expect(r.config.l3vnis.map((v) => v.name)).toEqual(['static-node1-blue']);
  });

  it('unsupported features are rejected even when the schema finds other errors', () => {
    const r = loadText(`${underlayYaml('    isis: {baseNet: bad}\n')}l3vpns: []\n`);
    const messages = r.errors.map((e) => e.message);
    expect(messages).toHaveLength(3);
    expect(messages).toEqual(
      expect.arrayContaining([
        'isis: not supported yet by perouterd',
        'must NOT have fewer than 25 characters',
        expect.stringMatching(/^must match pattern/),
      ]),
    );
    expect(r.warnings.map((w) => w.message)).toEqual(['l3vpns: empty list ignored (L3VPN is not supported yet by perouterd)']);
  });

  it('passwordSecret is accepted but reported as unused', () => {
    const r = loadText(underlayYaml().replace('address: 192.168.11.2', 'address: 192.168.11.2\n        passwordSecret: bgp-secret'));
    expect(r.errors).toEqual([]);
    expect(r.warnings[0]?.message).toMatch(/passwordSecret: not used/);
  });
});
