// ApiSource end to end against the API server stand-in, driven through a real kubeconfig file:
// discovery of a kubeconfig that appears late, informers (create/update/delete, node labels,
// 410 Gone), API loss and return, the persisted snapshot, mirroring of static objects, the node
// annotation, the status object and a credential rotation.
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadStaticFile } from '../../src/config/load.js';
import { emptyRouterConfig, type NodeSettings, type RouterConfig } from '../../src/config/model.js';
import { ApiSource, type ApiSourceOptions } from '../../src/k8s/api-source.js';
import { type ApiServerStandIn, startApiServerStandIn } from './apiserver-standin/index.js';

const group = 'network.openperouter.io';
const version = 'v1alpha1';
const apiVersion = `${group}/${version}`;
const NS = 'openperouter-system';
const NODE = 'node-a';
type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON objects of any shape

const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const strategic = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch);

async function waitFor(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function names(c: RouterConfig | undefined): string[] {
  if (!c) return [];
  return [...c.underlays, ...c.l3vnis, ...c.l2vnis, ...c.l3passthroughs, ...c.rawFrrConfigs]
    .map((r) => `${r.kind}/${r.namespace}/${r.name}`)
    .sort();
}

const underlaySpec = {
  asn: 64514,
  neighbors: [{ asn: 64512, address: '192.168.11.2' }],
  interfaces: [{ type: 'NetworkDevice', networkDevice: { interfaceName: 'eth1' } }],
  tunnelEndpoint: { cidrs: ['100.65.0.0/24'] },
};

describe('ApiSource against the API server stand-in', () => {
  let api: ApiServerStandIn;
  let co: k8s.CustomObjectsApi; // the test's own (admin) client
  let core: k8s.CoreV1Api;
  let dir: string;
  let kubeconfig: string;
  let stateDir: string;
  let src: ApiSource;
  let changes = 0;
  const log = pino({ level: process.env.K8S_TEST_LOG ?? 'silent' });
  const where = (plural: string, namespace = 'default'): { group: string; version: string; namespace: string; plural: string } => ({
    group,
    version,
    namespace,
    plural,
  });
  const l3vni = (name: string, spec: Obj, namespace = 'default'): Promise<unknown> =>
    co.createNamespacedCustomObject({ ...where('l3vnis', namespace), body: { apiVersion, kind: 'L3VNI', metadata: { name }, spec } });
  const options = (over: Partial<ApiSourceOptions> = {}): ApiSourceOptions => ({
    kubeconfigPath: kubeconfig,
    namespace: NS,
    nodeName: NODE,
    stateDir,
    log,
    probeBackoff: { initialMs: 100, maxMs: 400 },
    kubeconfigPollMs: 100,
    debounceMs: 50,
    healthCheckMs: 1000,
    requestTimeoutMs: 3000,
    ...over,
  });
  const peek = (plural: string, name: string, namespace = NS): Obj | undefined =>
    api.peek(apiVersion, plural, namespace, name) as Obj | undefined;
  const mainRequests = (): typeof api.requests => api.requests.filter((r) => r.user === 'perouterd');

  beforeAll(async () => {
    api = await startApiServerStandIn({
      objects: [
        { apiVersion: 'v1', kind: 'Node', metadata: { name: NODE, labels: { 'kubernetes.io/hostname': NODE, rack: 'r1' } } },
        { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-b', labels: { 'kubernetes.io/hostname': 'node-b', rack: 'r2' } } },
      ],
    });
    const admin = api.addUser('admin', 'all');
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(admin.kubeconfigPath);
    co = kc.makeApiClient(k8s.CustomObjectsApi);
    core = kc.makeApiClient(k8s.CoreV1Api);
    dir = mkdtempSync(join(tmpdir(), 'api-source-'));
    kubeconfig = join(dir, 'hostbridge', 'kubeconfig'); // the directory does not exist yet
    stateDir = join(dir, 'state');
  });

  afterAll(async () => {
    await src?.stop();
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('waits for the kubeconfig, then connects and serves the API configuration filtered for this node', async () => {
    await co.createNamespacedCustomObject({
      ...where('underlays'),
      body: { apiVersion, kind: 'Underlay', metadata: { name: 'fabric' }, spec: underlaySpec },
    });
    await l3vni('red', { vrf: 'red', vni: 100, nodeSelector: { matchLabels: { rack: 'r1' } } });
    await l3vni('blue', { vrf: 'blue', vni: 200, nodeSelector: { matchExpressions: [{ key: 'rack', operator: 'In', values: ['r2'] }] } });
    await co.createNamespacedCustomObject({
      ...where('rawfrrconfigs', NS),
      body: { apiVersion, kind: 'RawFRRConfig', metadata: { name: 'mine' }, spec: { rawConfig: '! a' } },
    });
    await co.createNamespacedCustomObject({
      ...where('rawfrrconfigs'),
      body: { apiVersion, kind: 'RawFRRConfig', metadata: { name: 'elsewhere' }, spec: { rawConfig: '! b' } },
    });
    // A mirrored object of another node: never read back as API configuration.
    await co.createNamespacedCustomObject({
      ...where('l3vnis', NS),
      body: {
        apiVersion,
        kind: 'L3VNI',
        metadata: { name: 'static-node-b-x', labels: { 'openperouter.github.io/source': 'static' } },
        spec: { vrf: 'x', vni: 900 },
      },
    });

    src = new ApiSource(options());
    src.onChange(() => changes++);
    src.start();
    await sleep(400);
    expect(src.connected).toBe(false);
    expect(src.synced).toBe(false);
    expect(src.snapshot()).toBeUndefined();
    expect(src.state()).toMatchObject({ kubeconfigState: 'missing', connected: false });

    // What upstream's hostbridge writes to /var/lib/hostbridge: paths inside its pod (/shared/…).
    const hb = join(dir, 'hostbridge');
    mkdirSync(hb);
    writeFileSync(join(hb, 'ca.crt'), api.caPem);
    writeFileSync(join(hb, 'token'), api.token);
    writeFileSync(join(hb, 'namespace'), NS);
    writeFileSync(
      kubeconfig,
      [
        'apiVersion: v1',
        'kind: Config',
        `clusters: [{name: default, cluster: {server: "${api.url}", certificate-authority: /shared/ca.crt}}]`,
        'users: [{name: default, user: {tokenFile: /shared/token}}]',
        `contexts: [{name: default, context: {cluster: default, user: default, namespace: ${NS}}}]`,
        'current-context: default',
      ].join('\n'),
    );
    await waitFor(() => src.synced && src.connected, 'connected and synced');
    expect(names(src.snapshot())).toEqual(['L3VNI/default/red', 'RawFRRConfig/openperouter-system/mine', 'Underlay/default/fabric']);
    const red = src.snapshot()?.l3vnis[0];
    expect(red?.origin).toMatchObject({ source: 'api', generation: 1 });
    expect(red?.spec).toMatchObject({ vrf: 'red', vni: 100, vxlanPort: 4789 });
    expect(src.state()).toMatchObject({ kubeconfigState: 'ok', server: api.url, connected: true, synced: true });
    await waitFor(() => changes > 0, 'onChange');
    await waitFor(() => existsSync(join(stateDir, 'api-snapshot.json')), 'persisted snapshot');
  });

  it('follows creates, updates and deletes, firing onChange', async () => {
    const before = changes;
    await l3vni('green', { vrf: 'green', vni: 300 });
    await waitFor(() => names(src.snapshot()).includes('L3VNI/default/green'), 'green added');
    await waitFor(() => changes > before, 'onChange after create');
    const gen = src.generation;
    await co.patchNamespacedCustomObject({ ...where('l3vnis'), name: 'green', body: { spec: { vni: 301 } } }, merge);
    await waitFor(() => src.snapshot()?.l3vnis.find((v) => v.name === 'green')?.spec.vni === 301, 'green updated');
    expect(src.generation).toBeGreaterThan(gen);
    // A metadata-only change does not change the snapshot.
    const g2 = src.generation;
    await co.patchNamespacedCustomObject({ ...where('l3vnis'), name: 'green', body: { metadata: { labels: { team: 'a' } } } }, merge);
    await sleep(200);
    expect(src.generation).toBe(g2);
    await co.deleteNamespacedCustomObject({ ...where('l3vnis'), name: 'green' });
    await waitFor(() => !names(src.snapshot()).includes('L3VNI/default/green'), 'green deleted');
    // Invalid objects selecting this node are reported, not applied.
    await l3vni('bad-rt', { vrf: 'badrt', vni: 400, exportRTs: ['not-a-route-target'] });
    await waitFor(() => src.rejected().some((r) => r.name === 'bad-rt'), 'bad-rt rejected');
    expect(names(src.snapshot())).not.toContain('L3VNI/default/bad-rt');
    await co.deleteNamespacedCustomObject({ ...where('l3vnis'), name: 'bad-rt' });
    await waitFor(() => src.rejected().length === 0, 'rejection cleared');
  });

  it('filters by nodeSelector as the Node labels change', async () => {
    const before = changes;
    await core.patchNode({ name: NODE, body: { metadata: { labels: { rack: 'r2' } } } }, strategic);
    await waitFor(
      () => names(src.snapshot()).includes('L3VNI/default/blue') && !names(src.snapshot()).includes('L3VNI/default/red'),
      'red → blue',
    );
    expect(src.nodeLabels()).toMatchObject({ rack: 'r2' });
    await waitFor(() => changes > before, 'onChange after relabel');
    await l3vni('no-gpu', { vrf: 'nogpu', vni: 500, nodeSelector: { matchExpressions: [{ key: 'gpu', operator: 'DoesNotExist' }] } });
    await waitFor(() => names(src.snapshot()).includes('L3VNI/default/no-gpu'), 'DoesNotExist matches');
    await core.patchNode({ name: NODE, body: { metadata: { labels: { rack: 'r1', gpu: 'yes' } } } }, strategic);
    await waitFor(
      () =>
        names(src.snapshot()).includes('L3VNI/default/red') &&
        !names(src.snapshot()).some((n) => n.endsWith('/blue') || n.endsWith('/no-gpu')),
      'back to r1 with a gpu',
    );
    await co.deleteNamespacedCustomObject({ ...where('l3vnis'), name: 'no-gpu' });
  });

  it('relists after 410 Gone (compaction while the watches were away, and expired watches)', async () => {
    api.partition(); // our client loses the API; the admin goes on writing
    await waitFor(() => !src.connected, 'disconnected by the partition');
    await co.deleteNamespacedCustomObject({ ...where('l3vnis'), name: 'red' });
    await l3vni('purple', { vrf: 'purple', vni: 600 });
    api.compact();
    const served = names(src.snapshot());
    expect(served).toContain('L3VNI/default/red'); // the last snapshot is still served
    api.clearRequests();
    api.heal();
    await waitFor(
      () => src.connected && names(src.snapshot()).includes('L3VNI/default/purple') && !names(src.snapshot()).includes('L3VNI/default/red'),
      'relisted',
    );
    expect(mainRequests().some((r) => r.watch && r.watchError === 410)).toBe(true);

    // Watches that end while behind the compaction point (other kinds saw no event) relist too.
    api.clearRequests();
    await l3vni('orange', { vrf: 'orange', vni: 700 });
    await waitFor(() => names(src.snapshot()).includes('L3VNI/default/orange'), 'orange');
    api.compact();
    api.expireWatches();
    await waitFor(() => mainRequests().some((r) => r.watch && r.watchError === 410), 'a 410 on resume');
    await waitFor(() => mainRequests().some((r) => !r.watch && r.path.endsWith('/underlays') && r.code === 200), 'relist of underlays');
    await co.patchNamespacedCustomObject({ ...where('underlays'), name: 'fabric', body: { spec: { asn: 64600 } } }, merge);
    await waitFor(() => src.snapshot()?.underlays[0]?.spec.asn === 64600, 'watch resumed after relist');
    expect(src.connected).toBe(true);
  });

  it('keeps serving the last snapshot while the API is down and reconverges when it is back', async () => {
    const before = names(src.snapshot());
    const changesBefore = changes;
    await api.stop();
    await waitFor(() => !src.connected, 'disconnected');
    await waitFor(() => changes > changesBefore, 'onChange on connectivity loss');
    expect(names(src.snapshot())).toEqual(before);
    expect(src.state().lastError).toBeTruthy();
    // The cluster changes meanwhile.
    const l3 = api.engine.find(group, version, 'l3vnis');
    if (!l3) throw new Error('no l3vnis resource');
    api.engine.create(
      l3,
      'default',
      { apiVersion, kind: 'L3VNI', metadata: { name: 'offline' }, spec: { vrf: 'offline', vni: 800 } },
      { dryRun: false, fieldValidation: 'Strict' },
    );
    await sleep(500);
    expect(names(src.snapshot())).toEqual(before);
    await api.start();
    await waitFor(() => src.connected && names(src.snapshot()).includes('L3VNI/default/offline'), 'reconverged');
  });

  it('persists the snapshot; a new instance with the API down serves it only when asked', async () => {
    await waitFor(
      () => src.loadPersistedSnapshot() !== undefined && names(src.loadPersistedSnapshot()).includes('L3VNI/default/offline'),
      'persisted',
    );
    const current = src.snapshot();
    await api.stop();
    const second = new ApiSource(options());
    second.start();
    try {
      await sleep(400);
      expect(second.connected).toBe(false);
      expect(second.snapshot()).toBeUndefined();
      expect(second.loadPersistedSnapshot()).toEqual(current);
      expect(second.generation).toBe(src.generation);
      // Another node's daemon does not take it.
      expect(new ApiSource(options({ nodeName: 'node-b' })).loadPersistedSnapshot()).toBeUndefined();
    } finally {
      await second.stop();
      await api.start();
    }
    await waitFor(() => src.connected, 'main instance reconnected');
  });

  it('mirrors the static objects, reverts edits, recreates deletions, deletes stale ones, annotates the Node', async () => {
    const file = join(dir, 'openpe_static.yaml');
    const write = (l3vniVni: number, withL2: boolean): RouterConfig => {
      writeFileSync(
        file,
        [
          'underlays:',
          '  - asn: 64514',
          '    neighbors: [{asn: 64512, address: 192.168.11.2}]',
          '    interfaces: [{type: NetworkDevice, networkDevice: {interfaceName: eth1}}]',
          '    tunnelEndpoint: {cidrs: [100.65.0.0/24]}',
          'l3vnis:',
          `  - {name: red, vrf: red, vni: ${l3vniVni}}`,
          ...(withL2 ? ['l2vnis:', '  - {name: pods, vni: 310, routingDomain: {type: L3VNI, l3vni: {name: red}}}'] : []),
        ].join('\n'),
      );
      const node: NodeSettings = { nodeName: NODE, nodeIndex: 5, logLevel: 'info' };
      const r = loadStaticFile(file, node, NS);
      expect(r.problems.filter((p) => p.severity === 'error')).toEqual([]);
      return r.config;
    };
    const labels = { 'openperouter.github.io/source': 'static', 'openperouter.github.io/static-node': NODE };

    await src.mirrorStatic(write(110, true), 5);
    await waitFor(
      () =>
        peek('l3vnis', 'static-node-a-red') !== undefined &&
        peek('l2vnis', 'static-node-a-pods') !== undefined &&
        peek('underlays', 'static-node-a-underlay-0') !== undefined,
      'mirrors created',
    );
    expect(peek('l3vnis', 'static-node-a-red')).toMatchObject({
      metadata: { labels },
      spec: { vrf: 'red', vni: 110, vxlanPort: 4789, nodeSelector: { matchLabels: { 'kubernetes.io/hostname': NODE } } },
    });
    expect(peek('l2vnis', 'static-node-a-pods')?.spec.routingDomain).toEqual({ type: 'L3VNI', l3vni: { name: 'static-node-a-red' } });
    await waitFor(
      () => (api.peek('v1', 'nodes', undefined, NODE) as Obj | undefined)?.metadata.annotations?.['openpe.io/nodeindex'] === '5',
      'node annotated',
    );
    // Mirrors are not read back as API configuration.
    await sleep(200);
    expect(names(src.snapshot()).filter((n) => n.includes('static-'))).toEqual([]);

    // A manual edit is reverted.
    await co.patchNamespacedCustomObject({ ...where('l3vnis', NS), name: 'static-node-a-red', body: { spec: { vni: 999 } } }, merge);
    await waitFor(() => peek('l3vnis', 'static-node-a-red')?.spec.vni === 110, 'edit reverted');
    // A manual delete is recreated.
    const uid = peek('l2vnis', 'static-node-a-pods')?.metadata.uid as string;
    await co.deleteNamespacedCustomObject({ ...where('l2vnis', NS), name: 'static-node-a-pods' });
    await waitFor(
      () => peek('l2vnis', 'static-node-a-pods') !== undefined && peek('l2vnis', 'static-node-a-pods')?.metadata.uid !== uid,
      'deletion recreated',
    );
    // Removing the labels takes the object out of the mirror's view: it is labelled again.
    await co.patchNamespacedCustomObject(
      { ...where('l3vnis', NS), name: 'static-node-a-red', body: { metadata: { labels: null } } },
      merge,
    );
    await waitFor(
      () => peek('l3vnis', 'static-node-a-red')?.metadata.labels?.['openperouter.github.io/source'] === 'static',
      'labels restored',
    );

    // The files change: the L3VNI is updated, the L2VNI goes, the annotation follows the index.
    await src.mirrorStatic(write(120, false), 6);
    await waitFor(
      () => peek('l3vnis', 'static-node-a-red')?.spec.vni === 120 && peek('l2vnis', 'static-node-a-pods') === undefined,
      'updated and stale deleted',
    );
    await waitFor(
      () => (api.peek('v1', 'nodes', undefined, NODE) as Obj | undefined)?.metadata.annotations?.['openpe.io/nodeindex'] === '6',
      'annotation updated',
    );

    // Steady state: no more writes.
    await sleep(300);
    api.clearRequests();
    await src.mirrorStatic(write(120, false), 6);
    await sleep(300);
    expect(mainRequests().filter((r) => r.method !== 'GET')).toEqual([]);

    // Static files unreadable: the mirrors stay as they were (and are still enforced); the annotation follows the index.
    await src.mirrorStatic(undefined, 7);
    await waitFor(
      () => (api.peek('v1', 'nodes', undefined, NODE) as Obj | undefined)?.metadata.annotations?.['openpe.io/nodeindex'] === '7',
      'annotation 7',
    );
    expect(peek('l3vnis', 'static-node-a-red')?.spec.vni).toBe(120);
    await co.patchNamespacedCustomObject({ ...where('l3vnis', NS), name: 'static-node-a-red', body: { spec: { vni: 998 } } }, merge);
    await waitFor(() => peek('l3vnis', 'static-node-a-red')?.spec.vni === 120, 'edit reverted again');
    // No static files at all: every mirror goes.
    await src.mirrorStatic(emptyRouterConfig(), 7);
    await waitFor(
      () => peek('l3vnis', 'static-node-a-red') === undefined && peek('underlays', 'static-node-a-underlay-0') === undefined,
      'all mirrors deleted',
    );
  });

  it('writes the status once, not again while unchanged, then on change; lastTransitionTime moves only on a flip', async () => {
    const statusPath = `/apis/${group}/${version}/namespaces/${NS}/routernodeconfigurationstatuses/${NODE}/status`;
    const patches = (): number => mainRequests().filter((r) => r.method === 'PATCH' && r.path === statusPath).length;
    api.clearRequests();
    await src.reportStatus({ ok: true, message: '', failed: [] });
    await waitFor(() => peek('routernodeconfigurationstatuses', NODE)?.status?.conditions !== undefined, 'status written');
    const s1 = peek('routernodeconfigurationstatuses', NODE) as Obj;
    expect(s1.metadata.ownerReferences).toEqual([
      { apiVersion: 'v1', kind: 'Node', name: NODE, uid: (api.peek('v1', 'nodes', undefined, NODE) as Obj).metadata.uid },
    ]);
    expect(s1.status).toMatchObject({
      observedGeneration: src.generation,
      failedResources: [],
      conditions: [
        { type: 'Ready', status: 'True', reason: 'ConfigurationSuccessful', message: 'All configuration applied successfully' },
        { type: 'Degraded', status: 'False', reason: 'ConfigurationSuccessful' },
      ],
    });
    expect(patches()).toBe(1);
    await src.reportStatus({ ok: true, message: '', failed: [] });
    await sleep(300);
    expect(patches()).toBe(1);

    await sleep(1100); // let the clock move to another second
    const failed = [{ kind: 'L3VNI' as const, name: 'blue', reason: 'ValidationFailed' as const, message: 'duplicate vni 200' }];
    await src.reportStatus({ ok: true, message: '', failed });
    await waitFor(() => patches() === 2, 'second write');
    const s2 = peek('routernodeconfigurationstatuses', NODE) as Obj;
    expect(s2.status.failedResources).toEqual(failed);
    expect(s2.status.conditions[0]).toMatchObject({
      status: 'False',
      reason: 'ConfigurationFailed',
      message: '1 resources failed (L3VNI/blue)',
    });
    expect(s2.status.conditions[0].lastTransitionTime).not.toBe(s1.status.conditions[0].lastTransitionTime);
    await src.reportStatus({
      ok: false,
      underlayFailed: true,
      message: 'underlay failed',
      failed: [{ kind: 'Underlay', name: 'fabric', reason: 'ValidationFailed', message: 'bad' }],
    });
    await waitFor(() => patches() === 3, 'third write');
    const s3 = peek('routernodeconfigurationstatuses', NODE) as Obj;
    expect(s3.status.conditions[0]).toMatchObject({ status: 'False', reason: 'UnderlayFailed' });
    expect(s3.status.conditions[0].lastTransitionTime).toBe(s2.status.conditions[0].lastTransitionTime); // still False

    // Someone else edits the status: it is put back.
    await co.patchNamespacedCustomObjectStatus(
      { ...where('routernodeconfigurationstatuses', NS), name: NODE, body: { status: { failedResources: [] } } },
      merge,
    );
    await waitFor(() => (peek('routernodeconfigurationstatuses', NODE) as Obj).status.failedResources.length === 1, 'status restored');

    // API objects the module rejected are reported with what the daemon passes.
    await l3vni('bad-rt2', { vrf: 'badrt2', vni: 401, exportRTs: ['nope'] });
    await waitFor(() => src.rejected().some((r) => r.name === 'bad-rt2'), 'bad-rt2 rejected');
    await src.reportStatus({ ok: true, message: '', failed: [] });
    await waitFor(
      () => (peek('routernodeconfigurationstatuses', NODE) as Obj).status.failedResources[0]?.name === 'bad-rt2',
      'rejected object in status',
    );
    expect((peek('routernodeconfigurationstatuses', NODE) as Obj).status.failedResources[0]).toMatchObject({
      kind: 'L3VNI',
      reason: 'ValidationFailed',
    });
    await co.deleteNamespacedCustomObject({ ...where('l3vnis'), name: 'bad-rt2' });
    await waitFor(() => src.rejected().length === 0, 'rejection cleared');
  });

  it('recovers from a credential rotation (the token file rewritten) without a restart', async () => {
    const rotated = api.addUser('perouterd-rotated', 'all');
    writeFileSync(join(dir, 'hostbridge', 'token'), `${rotated.token}\n`);
    api.partition(api.token); // the old token stops working
    await waitFor(() => api.requests.some((r) => r.user === 'perouterd-rotated' && r.watch), 'watching with the new token');
    await l3vni('after-rotation', { vrf: 'rot', vni: 1000 });
    await waitFor(() => src.connected && names(src.snapshot()).includes('L3VNI/default/after-rotation'), 'sees changes after the rotation');
    await src.reportStatus({ ok: true, message: '', failed: [] });
    await waitFor(
      () => (peek('routernodeconfigurationstatuses', NODE) as Obj).status.conditions[0].status === 'True',
      'status written with the new token',
    );
    expect(api.requests.filter((r) => r.method === 'PATCH' && r.path.endsWith('/status')).at(-1)?.user).toBe('perouterd-rotated');
    api.heal(api.token);
  });
});
