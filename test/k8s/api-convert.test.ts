// Pure parts of the Kubernetes module: node selectors, CR conversion, mirrors, status content,
// kubeconfig loading (hostbridge layout) and the snapshot file.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadStaticFile } from '../../src/config/load.js';
import { emptyRouterConfig, type NodeSettings } from '../../src/config/model.js';
import { convertApiObjects } from '../../src/k8s/convert.js';
import { type KubeObject } from '../../src/k8s/kube-object.js';
import { withSpecDefaults } from '../../src/k8s/spec-check.js';
import { loadKubeconfig, resolveKubeconfigPath } from '../../src/k8s/kubeconfig.js';
import { desiredMirrors, mirrorMatches, planMirror } from '../../src/k8s/mirror.js';
import { matchesSelector, selectorError } from '../../src/k8s/selector.js';
import { readSnapshot, writeSnapshot } from '../../src/k8s/snapshot-store.js';
import { buildStatus, statusEqual } from '../../src/k8s/status.js';

const tmp = mkdtempSync(join(tmpdir(), 'k8s-convert-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const apiVersion = 'network.openperouter.io/v1alpha1';
function cr(kind: string, name: string, spec: unknown, extra: { namespace?: string; labels?: Record<string, string> } = {}): KubeObject {
  return {
    apiVersion,
    kind,
    metadata: {
      name,
      namespace: extra.namespace ?? 'default',
      uid: `uid-${name}`,
      generation: 2,
      ...(extra.labels ? { labels: extra.labels } : {}),
    },
    spec,
  };
}

describe('node selectors', () => {
  const labels = { 'kubernetes.io/hostname': 'node-a', rack: 'r1', zone: 'z1' };
  it.each([
    ['no selector', undefined, true],
    ['empty selector', {}, true],
    ['matchLabels hit', { matchLabels: { rack: 'r1' } }, true],
    ['matchLabels miss', { matchLabels: { rack: 'r2' } }, false],
    ['matchLabels absent key', { matchLabels: { gpu: 'yes' } }, false],
    ['In hit', { matchExpressions: [{ key: 'rack', operator: 'In', values: ['r0', 'r1'] }] }, true],
    ['In miss', { matchExpressions: [{ key: 'rack', operator: 'In', values: ['r2'] }] }, false],
    ['In absent key', { matchExpressions: [{ key: 'gpu', operator: 'In', values: ['yes'] }] }, false],
    ['NotIn hit', { matchExpressions: [{ key: 'rack', operator: 'NotIn', values: ['r2'] }] }, true],
    ['NotIn absent key matches', { matchExpressions: [{ key: 'gpu', operator: 'NotIn', values: ['yes'] }] }, true],
    ['NotIn miss', { matchExpressions: [{ key: 'rack', operator: 'NotIn', values: ['r1'] }] }, false],
    ['Exists', { matchExpressions: [{ key: 'zone', operator: 'Exists' }] }, true],
    ['Exists miss', { matchExpressions: [{ key: 'gpu', operator: 'Exists' }] }, false],
    ['DoesNotExist', { matchExpressions: [{ key: 'gpu', operator: 'DoesNotExist' }] }, true],
    ['DoesNotExist miss', { matchExpressions: [{ key: 'zone', operator: 'DoesNotExist' }] }, false],
    ['all terms must hold', { matchLabels: { rack: 'r1' }, matchExpressions: [{ key: 'zone', operator: 'In', values: ['z2'] }] }, false],
  ] as const)('%s', (_name, sel, want) => {
    expect(matchesSelector(sel as never, labels)).toBe(want);
  });

  it('refuses malformed expressions (they match nothing)', () => {
    const inEmpty = { matchExpressions: [{ key: 'rack', operator: 'NotIn' as const, values: [] }] };
    expect(selectorError(inEmpty)).toContain("values set can't be empty");
    expect(matchesSelector(inEmpty, labels)).toBe(false);
    const existsValues = { matchExpressions: [{ key: 'rack', operator: 'Exists' as const, values: ['x'] }] };
    expect(selectorError(existsValues)).toContain('must be empty');
    expect(selectorError({ matchExpressions: [{ key: 'a', operator: 'Gt' as never }] })).toContain('not a valid');
  });
});

describe('convertApiObjects', () => {
  const labels = { 'kubernetes.io/hostname': 'node-a', rack: 'r1' };
  const underlaySpec = {
    asn: 64514,
    neighbors: [{ asn: 64512, address: '192.168.11.2' }],
    interfaces: [{ type: 'NetworkDevice', networkDevice: { interfaceName: 'eth1' } }],
    tunnelEndpoint: { cidrs: ['100.65.0.0/24'] },
  };

  it('converts, applies schema defaults, filters by node labels, skips mirrors, sorts by namespace/name', () => {
    const { config, rejected } = convertApiObjects(
      {
        Underlay: [cr('Underlay', 'u', underlaySpec)],
        L3VNI: [
          cr('L3VNI', 'zeta', { vrf: 'zeta', vni: 3 }),
          cr('L3VNI', 'alpha', { vrf: 'alpha', vni: 1, nodeSelector: { matchLabels: { rack: 'r1' } } }),
          cr('L3VNI', 'other-rack', { vrf: 'o', vni: 2, nodeSelector: { matchLabels: { rack: 'r2' } } }),
          cr(
            'L3VNI',
            'static-node-a-red',
            { vrf: 'red', vni: 4 },
            { namespace: 'openperouter-system', labels: { 'openperouter.github.io/source': 'static' } },
          ),
          cr('L3VNI', 'beta', { vrf: 'beta', vni: 5 }, { namespace: 'aaa' }),
        ],
        RawFRRConfig: [
          cr('RawFRRConfig', 'mine', { rawConfig: '! hi' }, { namespace: 'openperouter-system' }),
          cr('RawFRRConfig', 'elsewhere', { rawConfig: '! no' }, { namespace: 'default' }),
        ],
      },
      labels,
      { namespace: 'openperouter-system' },
    );
    expect(rejected).toEqual([]);
    expect(config.underlays).toEqual([
      {
        kind: 'Underlay',
        name: 'u',
        namespace: 'default',
        origin: { source: 'api', uid: 'uid-u', generation: 2 },
        spec: { ...underlaySpec, routerIDCIDR: '10.0.0.0/24' },
      },
    ]);
    expect(config.l3vnis.map((v) => `${v.namespace}/${v.name}`)).toEqual(['aaa/beta', 'default/alpha', 'default/zeta']);
    expect(config.l3vnis[2]?.spec).toEqual({ vrf: 'zeta', vni: 3, vxlanPort: 4789 });
    expect(config.rawFrrConfigs.map((r) => r.name)).toEqual(['mine']);
    expect(config.rawFrrConfigs[0]?.spec).toEqual({ rawConfig: '! hi', priority: 0 });
  });

  it('looks like what the static loader produces for the same spec', () => {
    const dir = join(tmp, 'static');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'openpe_x.yaml');
    writeFileSync(
      file,
      'l3vnis:\n  - name: red\n    vrf: red\n    vni: 100\n    hostSession: {asn: 64514, hostASN: 64515, localCIDR: {ipv4: 192.169.10.0/24}}\n',
    );
    const node: NodeSettings = { nodeName: 'node-a', nodeIndex: 0, logLevel: 'info' };
    const st = loadStaticFile(file, node);
    const api = convertApiObjects(
      {
        L3VNI: [
          cr('L3VNI', 'red', { vrf: 'red', vni: 100, hostSession: { asn: 64514, hostASN: 64515, localCIDR: { ipv4: '192.169.10.0/24' } } }),
        ],
      },
      labels,
      { namespace: 'openperouter-system' },
    );
    const { nodeSelector: _ignored, ...staticSpec } = st.config.l3vnis[0]?.spec ?? ({} as never);
    expect(api.config.l3vnis[0]?.spec).toEqual(staticSpec);
  });

  it('rejects objects with schema or value errors, or a malformed nodeSelector', () => {
    const { config, rejected } = convertApiObjects(
      {
        L3VNI: [
          cr('L3VNI', 'bad-rt', { vrf: 'x', vni: 1, exportRTs: ['nope'] }),
          cr('L3VNI', 'same-asn', { vrf: 'y', vni: 2, hostSession: { asn: 1, hostASN: 1, localCIDR: { ipv4: '10.1.0.0/24' } } }),
          cr('L3VNI', 'bad-sel', { vrf: 'z', vni: 3, nodeSelector: { matchExpressions: [{ key: 'rack', operator: 'In', values: [] }] } }),
          cr('L3VNI', 'not-mine', { vrf: 'w', vni: 4, exportRTs: ['nope'], nodeSelector: { matchLabels: { rack: 'r9' } } }),
        ],
        L2VNI: [cr('L2VNI', 'no-vni', { vxlanPort: 4789 })],
      },
      labels,
      { namespace: 'openperouter-system' },
    );
    expect(config).toEqual(emptyRouterConfig());
    expect(rejected.map((r) => `${r.kind}/${r.name} ${r.reason}`)).toEqual([
      'L2VNI/no-vni ValidationFailed',
      'L3VNI/bad-rt ValidationFailed',
      'L3VNI/bad-sel ValidationFailed',
      'L3VNI/same-asn ValidationFailed',
    ]);
    const msg = (n: string): string => rejected.find((r) => r.name === n)?.message ?? '';
    expect(msg('bad-rt')).toMatch(/^default\/bad-rt: spec\.exportRTs\[0\]: /);
    expect(msg('same-asn')).toContain('spec.hostSession.hostASN: hostASN must differ from asn');
    expect(msg('bad-sel')).toContain('invalid nodeSelector');
    expect(msg('no-vni')).toContain("must have required property 'vni'");
  });

  it('carries creationTimestamp into the origin (it ranks API objects in a conflict)', () => {
    const o = cr('L3VNI', 'red', { vrf: 'red', vni: 1 });
    o.metadata = { ...o.metadata, creationTimestamp: '2026-11-30T08:00:00Z' };
    const r = convertApiObjects({ L3VNI: [o] }, {}, { namespace: 'x' });
    expect(r.config.l3vnis[0]?.origin).toEqual({ source: 'api', uid: 'uid-red', generation: 2, creationTimestamp: '2026-11-30T08:00:00Z' });
  });

  it('fills defaults into a copy', () => {
    const spec = { vrf: 'a', vni: 1 };
    expect(withSpecDefaults('L3VNI', spec)).toEqual({ spec: { vrf: 'a', vni: 1, vxlanPort: 4789 } });
    expect(spec).toEqual({ vrf: 'a', vni: 1 });
  });
});

describe('mirrors', () => {
  const dir = join(tmp, 'mirror');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'openpe_m.yaml');
  writeFileSync(
    file,
    [
      'underlays:',
      '  - asn: 64514',
      '    neighbors: [{asn: 64512, address: 192.168.11.2}]',
      '    interfaces: [{type: NetworkDevice, networkDevice: {interfaceName: eth1}}]',
      '    tunnelEndpoint: {cidrs: [100.65.0.0/24]}',
      'l3vnis:',
      '  - {name: red, vrf: red, vni: 100}',
      '  - {vrf: anon, vni: 101}',
      'l2vnis:',
      '  - {name: pods, vni: 300, routingDomain: {type: L3VNI, l3vni: {name: red}}}',
      'bgppassthrough: {hostSession: {asn: 64514, hostASN: 64600, localCIDR: {ipv4: 192.168.60.0/24}}}',
      'rawfrrconfigs:',
      '  - {rawConfig: "! raw"}',
    ].join('\n'),
  );
  const node: NodeSettings = { nodeName: 'node-a', nodeIndex: 2, logLevel: 'info' };
  const st = loadStaticFile(file, node).config;

  it('names, labels and selects like upstream; skips objects without a valid name', () => {
    const { objects, skipped } = desiredMirrors(st, 'node-a', 'openperouter-system');
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'Underlay/static-node-a-underlay-0',
      'L3VNI/static-node-a-red',
      'L2VNI/static-node-a-pods',
      'L3Passthrough/static-node-a-l3passthrough',
      'RawFRRConfig/static-node-a-rawfrrconfig-0',
    ]);
    expect(skipped).toEqual(['L3VNI "static-node-a-" is not a valid object name: not mirrored']);
    for (const o of objects) {
      expect(o.apiVersion).toBe(apiVersion);
      expect(o.metadata.namespace).toBe('openperouter-system');
      expect(o.metadata.labels).toEqual({ 'openperouter.github.io/source': 'static', 'openperouter.github.io/static-node': 'node-a' });
      expect((o.spec as { nodeSelector: unknown }).nodeSelector).toEqual({ matchLabels: { 'kubernetes.io/hostname': 'node-a' } });
    }
    expect(objects[2]?.spec).toMatchObject({ routingDomain: { type: 'L3VNI', l3vni: { name: 'static-node-a-red' } } });
  });

  it('plans create / update / delete; equal up to schema defaults', () => {
    const { objects } = desiredMirrors(st, 'node-a', 'openperouter-system');
    const red = objects.find((o) => o.metadata.name === 'static-node-a-red');
    if (!red) throw new Error('no red');
    const sameButNoDefaults = {
      metadata: { name: red.metadata.name, labels: red.metadata.labels },
      spec: { ...(red.spec as object), vxlanPort: undefined },
    };
    expect(mirrorMatches(sameButNoDefaults, red)).toBe(true);
    const edited = { metadata: { name: red.metadata.name, labels: red.metadata.labels }, spec: { ...(red.spec as object), vni: 999 } };
    const relabelled = { metadata: { name: red.metadata.name, labels: { ...red.metadata.labels, extra: 'x' } }, spec: red.spec };
    expect(mirrorMatches(edited, red)).toBe(false);
    expect(mirrorMatches(relabelled, red)).toBe(false);
    const plan = planMirror(objects, [
      { kind: 'L3VNI', obj: edited },
      { kind: 'L3VNI', obj: { metadata: { name: 'static-node-a-gone' }, spec: {} } },
      { kind: 'Underlay', obj: { metadata: { name: 'static-node-a-underlay-0', labels: red.metadata.labels }, spec: objects[0]?.spec } },
    ]);
    expect(plan.create.map((o) => o.metadata.name)).toEqual([
      'static-node-a-pods',
      'static-node-a-l3passthrough',
      'static-node-a-rawfrrconfig-0',
    ]);
    expect(plan.update.map((u) => u.want.metadata.name)).toEqual(['static-node-a-red']);
    expect(plan.delete.map((d) => d.obj.metadata?.name)).toEqual(['static-node-a-gone']);
    expect(planMirror([], [{ kind: 'L3VNI', obj: edited }]).delete).toHaveLength(1);
  });
});

describe('status content', () => {
  const t0 = new Date('2026-01-01T00:00:00.123Z');
  const t1 = new Date('2026-01-01T00:05:00Z');

  it('success, per-resource failures, underlay failure, other errors (upstream reasons and messages)', () => {
    const ok = buildStatus({ ok: true, message: '', failed: [] }, undefined, t0, 3);
    expect(ok).toEqual({
      observedGeneration: 3,
      failedResources: [],
      conditions: [
        {
          type: 'Ready',
          status: 'True',
          reason: 'ConfigurationSuccessful',
          message: 'All configuration applied successfully',
          lastTransitionTime: '2026-01-01T00:00:00Z',
        },
        {
          type: 'Degraded',
          status: 'False',
          reason: 'ConfigurationSuccessful',
          message: 'All configuration applied successfully',
          lastTransitionTime: '2026-01-01T00:00:00Z',
        },
      ],
    });
    const some = buildStatus(
      {
        ok: true,
        message: '',
        failed: [
          { kind: 'L3VNI', name: 'b', reason: 'ValidationFailed', message: 'x'.repeat(600) },
          { kind: 'L2VNI', name: 'a', reason: 'DependencyFailed', message: '' },
        ],
      },
      ok,
      t1,
    );
    expect(some.conditions[0]).toMatchObject({
      status: 'False',
      reason: 'ConfigurationFailed',
      message: '2 resources failed (L2VNI/a, L3VNI/b)',
      lastTransitionTime: '2026-01-01T00:05:00Z',
    });
    expect(some.conditions[1]).toMatchObject({
      status: 'True',
      reason: 'ConfigurationFailed',
      message: 'Some resources failed to configure',
    });
    expect(some.failedResources[0]?.message).toHaveLength(500);
    expect(some.failedResources[1]).toEqual({ kind: 'L2VNI', name: 'a', reason: 'DependencyFailed', message: 'DependencyFailed' });
    const under = buildStatus(
      { ok: false, message: 'underlay failed', failed: [{ kind: 'Underlay', name: 'u', reason: 'ValidationFailed', message: 'bad' }] },
      some,
      t1,
    );
    expect(under.conditions.map((c) => `${c.type}=${c.status} ${c.reason}`)).toEqual([
      'Ready=False UnderlayFailed',
      'Degraded=True UnderlayFailed',
    ]);
    expect(under.conditions[0]?.message).toBe('Underlay failed validation, existing FRR configuration left as-is');
    const other = buildStatus({ ok: false, message: 'overlapping host-session cidrs', failed: [] }, undefined, t1);
    expect(other.conditions[0]).toMatchObject({ reason: 'ConfigurationFailed', message: 'overlapping host-session cidrs' });
    expect(other.observedGeneration).toBeUndefined();
    expect(buildStatus({ ok: true, message: '', failed: [], observedGeneration: 9 }, undefined, t0, 3).observedGeneration).toBe(9);
  });

  it('keeps lastTransitionTime while a condition keeps its status; compares ignoring absent lists', () => {
    const a = buildStatus({ ok: true, message: '', failed: [] }, undefined, t0, 1);
    const b = buildStatus({ ok: true, message: '', failed: [] }, a, t1, 1);
    expect(b).toEqual(a);
    expect(statusEqual(a, b)).toBe(true);
    const c = buildStatus({ ok: false, message: 'boom', failed: [] }, b, t1, 1);
    expect(c.conditions[0]?.lastTransitionTime).toBe('2026-01-01T00:05:00Z');
    expect(statusEqual(b, c)).toBe(false);
    const d = buildStatus({ ok: false, message: 'boom again', failed: [] }, c, new Date('2026-02-01T00:00:00Z'), 1);
    expect(d.conditions[0]?.lastTransitionTime).toBe('2026-01-01T00:05:00Z'); // same status: time kept
    expect(d.conditions[0]?.message).toBe('boom again');
    const { failedResources: _f, ...noList } = a;
    expect(statusEqual(noList, a)).toBe(true);
    expect(statusEqual(undefined, a)).toBe(false);
  });
});

describe('kubeconfig', () => {
  it('resolves --kubeconfig, then $KUBECONFIG (first entry), then the hostbridge path', () => {
    expect(resolveKubeconfigPath('/x', { KUBECONFIG: '/y' })).toBe('/x');
    expect(resolveKubeconfigPath(undefined, { KUBECONFIG: ':/y:/z' })).toBe('/y');
    expect(resolveKubeconfigPath(undefined, {})).toBe('/var/lib/hostbridge/kubeconfig');
  });

  it("reads hostbridge's layout (/shared paths resolved next to the kubeconfig, tokenFile inlined) and fingerprints the content", async () => {
    const dir = join(tmp, 'hostbridge');
    mkdirSync(dir, { recursive: true });
    const file = join(dir, 'kubeconfig');
    expect(await loadKubeconfig(file)).toEqual({ state: 'missing' });
    writeFileSync(join(dir, 'ca.crt'), '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    writeFileSync(join(dir, 'token'), 'token-one\n');
    writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters: [{name: default, cluster: {server: "https://10.96.0.1:443", certificate-authority: /shared/ca.crt}}]',
        'users: [{name: default, user: {tokenFile: /shared/token}}]',
        'contexts: [{name: default, context: {cluster: default, user: default, namespace: openperouter-system}}]',
        'current-context: default',
      ].join('\n'),
    );
    const one = await loadKubeconfig(file);
    if (one.state !== 'ok') throw new Error(JSON.stringify(one));
    expect(one.server).toBe('https://10.96.0.1:443');
    expect(one.kc.getCurrentUser()?.token).toBe('token-one');
    expect(one.kc.getCurrentCluster()?.caData).toBe(
      Buffer.from('-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n').toString('base64'),
    );
    expect(await loadKubeconfig(file)).toMatchObject({ fingerprint: one.fingerprint });
    writeFileSync(join(dir, 'token'), 'token-two\n');
    const two = await loadKubeconfig(file);
    if (two.state !== 'ok') throw new Error(JSON.stringify(two));
    expect(two.fingerprint).not.toBe(one.fingerprint);
    expect(two.kc.getCurrentUser()?.token).toBe('token-two');
    writeFileSync(join(dir, 'token'), '');
    expect(await loadKubeconfig(file)).toMatchObject({ state: 'invalid', error: expect.stringContaining('empty') });
    writeFileSync(file, 'clusters: [');
    expect((await loadKubeconfig(file)).state).toBe('invalid');
  });
});

describe('snapshot file', () => {
  it('round-trips and refuses garbage', async () => {
    const dir = join(tmp, 'state');
    expect(readSnapshot(dir)).toMatchObject({ missing: true });
    const config = emptyRouterConfig();
    await writeSnapshot(dir, {
      nodeName: 'n',
      namespace: 'ns',
      savedAt: 'now',
      generation: 4,
      nodeLabels: { a: 'b' },
      resourceVersions: {},
      config,
    });
    const r = readSnapshot(dir);
    expect('snapshot' in r && r.snapshot).toMatchObject({ version: 1, nodeName: 'n', generation: 4, config });
    writeFileSync(join(dir, 'api-snapshot.json'), '{"version":1}');
    expect(readSnapshot(dir)).toMatchObject({ error: expect.stringContaining('no configuration') });
  });
});
