// The API server stand-in, driven only through @kubernetes/client-node 2.x (as the daemon will
// be): CRUD, optimistic concurrency, patches, the status subresource, selectors, watches,
// informers surviving 410 Gone and API loss, authentication, authorization and validation.
import * as k8s from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateRbac } from '../../tools/crds/crds.js';
import { type ApiServerStandIn, authorizationFromRbac, startApiServerStandIn } from './apiserver-standin/index.js';

const group = 'network.openperouter.io';
const version = 'v1alpha1';
const apiVersion = `${group}/${version}`;

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- JSON objects of any shape

function kubeConfig(path: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(path);
  return kc;
}

function l3vni(name: string, spec: Obj, labels?: Record<string, string>): Obj {
  const metadata: Obj = { name };
  if (labels) metadata.labels = labels;
  return { apiVersion, kind: 'L3VNI', metadata, spec };
}

/** The HTTP code and parsed Status of a rejected client-node call. */
async function failure(p: Promise<unknown>): Promise<{ code: number; status: Obj }> {
  try {
    await p;
  } catch (e) {
    if (e instanceof k8s.ApiException) {
      const body = e.body as unknown;
      return { code: e.code, status: typeof body === 'string' && body !== '' ? (JSON.parse(body) as Obj) : {} };
    }
    throw e;
  }
  throw new Error('expected the call to fail');
}

async function waitFor(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const merge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const strategic = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch);

describe('API server stand-in through @kubernetes/client-node', () => {
  let api: ApiServerStandIn;
  let kc: k8s.KubeConfig;
  let co: k8s.CustomObjectsApi;
  let core: k8s.CoreV1Api;
  const ns = 'default';
  const l3vnis = { group, version, namespace: ns, plural: 'l3vnis' };

  beforeAll(async () => {
    api = await startApiServerStandIn({
      objects: [
        { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-a', labels: { 'kubernetes.io/hostname': 'node-a', rack: 'r1' } } },
        { apiVersion: 'v1', kind: 'Node', metadata: { name: 'node-b', labels: { 'kubernetes.io/hostname': 'node-b', rack: 'r2' } } },
      ],
    });
    kc = kubeConfig(api.kubeconfigPath);
    co = kc.makeApiClient(k8s.CustomObjectsApi);
    core = kc.makeApiClient(k8s.CoreV1Api);
  });

  afterAll(async () => {
    await api?.close();
  });

  it('evaluates every generated CEL rule (none outside the interpreter subset)', () => {
    expect(api.unevaluatedRules()).toEqual([]);
  });

  it('serves /version and discovery for core v1 and network.openperouter.io/v1alpha1', async () => {
    const v = await kc.makeApiClient(k8s.VersionApi).getCode();
    expect(v.gitVersion).toContain('apiserver-standin');
    const coreResources = await core.getAPIResources();
    expect(coreResources.resources.map((r) => r.name)).toEqual(expect.arrayContaining(['nodes', 'nodes/status', 'namespaces']));
    const groups = await kc.makeApiClient(k8s.ApisApi).getAPIVersions();
    expect(groups.groups.map((g) => g.name)).toContain(group);
    const res = await co.getAPIResources({ group, version });
    const names = res.resources.map((r) => r.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'underlays',
        'l3vnis',
        'l2vnis',
        'l3vpns',
        'l3passthroughs',
        'rawfrrconfigs',
        'routernodeconfigurationstatuses',
        'l3vnis/status',
      ]),
    );
    const l3 = res.resources.find((r) => r.name === 'l3vnis');
    expect(l3).toMatchObject({ kind: 'L3VNI', namespaced: true, singularName: 'l3vni' });
    expect(l3?.verbs).toEqual(expect.arrayContaining(['create', 'get', 'list', 'watch', 'update', 'patch', 'delete']));
    const crds = await kc.makeApiClient(k8s.ApiextensionsV1Api).listCustomResourceDefinition();
    expect(crds.items.map((c) => c.metadata?.name)).toContain('l3vnis.network.openperouter.io');
  });

  it('creates (defaults applied, unknown fields pruned with a warning), gets and lists', async () => {
    const info = await co.createNamespacedCustomObjectWithHttpInfo({
      ...l3vnis,
      body: l3vni('red', { vrf: 'red', vni: 100, bogus: true }),
    });
    expect(info.httpStatusCode).toBe(201);
    expect(info.headers.warning).toContain('unknown field \\"spec.bogus\\"');
    const created = info.data as Obj;
    expect(created.spec).toEqual({ vrf: 'red', vni: 100, vxlanPort: 4789 });
    expect(created.metadata).toMatchObject({ name: 'red', namespace: ns, generation: 1 });
    expect(created.metadata.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Number(created.metadata.resourceVersion)).toBeGreaterThan(0);

    const got = (await co.getNamespacedCustomObject({ ...l3vnis, name: 'red' })) as Obj;
    expect(got).toEqual(created);

    const gen = (await co.createNamespacedCustomObject({
      ...l3vnis,
      body: { apiVersion, kind: 'L3VNI', metadata: { generateName: 'blue-' }, spec: { vrf: 'blue', vni: 200 } },
    })) as Obj;
    expect(gen.metadata.name).toMatch(/^blue-[a-z0-9]{5}$/);
    expect(Number(gen.metadata.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion));

    const list = (await co.listNamespacedCustomObject(l3vnis)) as Obj;
    expect(list).toMatchObject({ apiVersion, kind: 'L3VNIList' });
    expect(list.metadata.resourceVersion).toBe(gen.metadata.resourceVersion);
    expect(list.items.map((i: Obj) => i.metadata.name)).toEqual(['blue-' + gen.metadata.name.slice(5), 'red']);
    expect(list.items[1]).toMatchObject({ apiVersion, kind: 'L3VNI' });

    const dup = await failure(co.createNamespacedCustomObject({ ...l3vnis, body: l3vni('red', { vrf: 'red', vni: 100 }) }));
    expect(dup.code).toBe(409);
    expect(dup.status).toMatchObject({ reason: 'AlreadyExists', message: 'l3vnis.network.openperouter.io "red" already exists' });

    const strict = await failure(
      co.createNamespacedCustomObject({ ...l3vnis, body: l3vni('strict', { vrf: 'red', vni: 1, bogus: 1 }), fieldValidation: 'Strict' }),
    );
    expect(strict.code).toBe(400);
    expect(strict.status.message).toBe('strict decoding error: unknown field "spec.bogus"');

    const missing = await failure(co.getNamespacedCustomObject({ ...l3vnis, name: 'nope' }));
    expect(missing.code).toBe(404);
    expect(missing.status).toMatchObject({ reason: 'NotFound', details: { name: 'nope', group, kind: 'l3vnis' } });

    const noNs = await failure(
      co.createNamespacedCustomObject({ ...l3vnis, namespace: 'nowhere', body: l3vni('x', { vrf: 'x', vni: 1 }) }),
    );
    expect(noNs.code).toBe(404);
    expect(noNs.status.message).toBe('namespaces "nowhere" not found');
  });

  it('updates with optimistic concurrency: 409 on a stale resourceVersion; generation moves only with the spec', async () => {
    const cur = (await co.getNamespacedCustomObject({ ...l3vnis, name: 'red' })) as Obj;
    const relabelled = (await co.replaceNamespacedCustomObject({
      ...l3vnis,
      name: 'red',
      body: { ...cur, metadata: { ...cur.metadata, labels: { team: 'a' } } },
    })) as Obj;
    expect(relabelled.metadata.generation).toBe(1);
    expect(Number(relabelled.metadata.resourceVersion)).toBeGreaterThan(Number(cur.metadata.resourceVersion));

    const stale = await failure(
      co.replaceNamespacedCustomObject({ ...l3vnis, name: 'red', body: { ...cur, spec: { ...cur.spec, vni: 101 } } }),
    );
    expect(stale.code).toBe(409);
    expect(stale.status).toMatchObject({
      reason: 'Conflict',
      message:
        'Operation cannot be fulfilled on l3vnis.network.openperouter.io "red": the object has been modified; please apply your changes to the latest version and try again',
    });

    const respec = (await co.replaceNamespacedCustomObject({
      ...l3vnis,
      name: 'red',
      body: { ...relabelled, spec: { ...relabelled.spec, vni: 101 } },
    })) as Obj;
    expect(respec.metadata.generation).toBe(2);
    expect(respec.spec.vni).toBe(101);

    // An update that changes nothing is a no-op: same resourceVersion, no event.
    const same = (await co.replaceNamespacedCustomObject({ ...l3vnis, name: 'red', body: respec })) as Obj;
    expect(same.metadata.resourceVersion).toBe(respec.metadata.resourceVersion);

    const { metadata, ...rest } = respec;
    const unconditional = await failure(
      co.replaceNamespacedCustomObject({ ...l3vnis, name: 'red', body: { ...rest, metadata: { name: metadata.name } } }),
    );
    expect(unconditional.code).toBe(422);
    expect(unconditional.status.message).toContain('metadata.resourceVersion: Invalid value: "0x0": must be specified for an update');
  });

  it('patches: merge patch, JSON patch (with test), strategic merge refused for CRs, accepted for Nodes', async () => {
    const merged = (await co.patchNamespacedCustomObject(
      { ...l3vnis, name: 'red', body: { metadata: { labels: { team: null, color: 'red' } }, spec: { exportRTs: ['64514:101'] } } },
      merge,
    )) as Obj;
    expect(merged.metadata.labels).toEqual({ color: 'red' });
    expect(merged.spec.exportRTs).toEqual(['64514:101']);
    expect(merged.metadata.generation).toBe(3);

    // client-node's default patch content type for custom objects is application/json-patch+json.
    const jp = (await co.patchNamespacedCustomObject({
      ...l3vnis,
      name: 'red',
      body: [
        { op: 'test', path: '/spec/vni', value: 101 },
        { op: 'replace', path: '/spec/vni', value: 102 },
      ],
    })) as Obj;
    expect(jp.spec.vni).toBe(102);
    const failedTest = await failure(
      co.patchNamespacedCustomObject({ ...l3vnis, name: 'red', body: [{ op: 'test', path: '/spec/vni', value: 1 }] }),
    );
    expect(failedTest.code).toBe(422);

    const stalePatch = await failure(
      co.patchNamespacedCustomObject({ ...l3vnis, name: 'red', body: { metadata: { resourceVersion: '1' }, spec: { vni: 5 } } }, merge),
    );
    expect(stalePatch.code).toBe(409);

    const smp = await failure(co.patchNamespacedCustomObject({ ...l3vnis, name: 'red', body: { spec: { vni: 5 } } }, strategic));
    expect(smp.code).toBe(415);

    const node = await core.patchNode({ name: 'node-a', body: { metadata: { annotations: { 'openpe.io/nodeindex': '3' } } } }, strategic);
    expect(node.metadata?.annotations).toEqual({ 'openpe.io/nodeindex': '3' });
    expect(node.metadata?.labels).toMatchObject({ rack: 'r1' });
    expect((await core.readNode({ name: 'node-a' })).metadata?.annotations?.['openpe.io/nodeindex']).toBe('3');
  });

  it('serves the status subresource: status-only writes, no generation bump; the main resource ignores status', async () => {
    const statuses = { group, version, namespace: 'openperouter-system', plural: 'routernodeconfigurationstatuses' };
    const created = (await co.createNamespacedCustomObject({
      ...statuses,
      body: { apiVersion, kind: 'RouterNodeConfigurationStatus', metadata: { name: 'node-a' }, status: { observedGeneration: 9 } },
    })) as Obj;
    expect(created.status).toBeUndefined(); // status is dropped on create
    expect(created.metadata.generation).toBe(1);

    const status = {
      failedResources: [{ kind: 'L3VNI', name: 'red', reason: 'ValidationFailed', message: 'vni clash' }],
      conditions: [
        {
          type: 'Ready',
          status: 'False',
          reason: 'ConfigurationFailed',
          message: 'see failedResources',
          lastTransitionTime: '2026-01-01T00:00:00Z',
        },
      ],
    };
    const patched = (await co.patchNamespacedCustomObjectStatus(
      { ...statuses, name: 'node-a', body: { metadata: { labels: { ignored: 'yes' } }, status } },
      merge,
    )) as Obj;
    expect(patched.status).toEqual(status);
    expect(patched.metadata.labels).toBeUndefined(); // only status counts on /status
    expect(patched.metadata.generation).toBe(1);

    const replaced = (await co.replaceNamespacedCustomObjectStatus({
      ...statuses,
      name: 'node-a',
      body: { ...patched, status: { ...status, observedGeneration: 1 } },
    })) as Obj;
    expect(replaced.status.observedGeneration).toBe(1);
    expect(replaced.metadata.generation).toBe(1);

    const viaMain = (await co.replaceNamespacedCustomObject({
      ...statuses,
      name: 'node-a',
      body: { ...replaced, status: { observedGeneration: 77 } },
    })) as Obj;
    expect(viaMain.status.observedGeneration).toBe(1);

    const bad = await failure(
      co.patchNamespacedCustomObjectStatus(
        {
          ...statuses,
          name: 'node-a',
          body: { status: { failedResources: [{ kind: 'Bogus', name: 'x', reason: 'ValidationFailed', message: 'm' }] } },
        },
        merge,
      ),
    );
    expect(bad.code).toBe(422);
    expect(bad.status.details.causes[0]).toMatchObject({ reason: 'FieldValueNotSupported', field: 'status.failedResources[0].kind' });

    const got = (await co.getNamespacedCustomObjectStatus({ ...statuses, name: 'node-a' })) as Obj;
    expect(got.status.observedGeneration).toBe(1);
  });

  it('filters lists by label selector (=, !=, in, notin, exists, !exists) and field selector metadata.name', async () => {
    const sel = { ...l3vnis, namespace: 'kube-system' };
    for (const [name, labels] of [
      ['s1', { app: 'web', tier: 'front' }],
      ['s2', { app: 'db', tier: 'back' }],
      ['s3', { app: 'web' }],
      ['s4', {}],
    ] as const) {
      await co.createNamespacedCustomObject({ ...sel, body: l3vni(name, { vrf: name, vni: 10 }, labels) });
    }
    const names = async (q: { labelSelector?: string; fieldSelector?: string }): Promise<string[]> =>
      (((await co.listNamespacedCustomObject({ ...sel, ...q })) as Obj).items as Obj[]).map((i) => i.metadata.name);
    expect(await names({ labelSelector: 'app=web' })).toEqual(['s1', 's3']);
    expect(await names({ labelSelector: 'app==web,tier=front' })).toEqual(['s1']);
    expect(await names({ labelSelector: 'app!=web' })).toEqual(['s2', 's4']);
    expect(await names({ labelSelector: 'tier in (front, back)' })).toEqual(['s1', 's2']);
    expect(await names({ labelSelector: 'app notin (web)' })).toEqual(['s2', 's4']);
    expect(await names({ labelSelector: 'tier' })).toEqual(['s1', 's2']);
    expect(await names({ labelSelector: '!tier' })).toEqual(['s3', 's4']);
    expect(await names({ fieldSelector: 'metadata.name=s3' })).toEqual(['s3']);
    expect(await names({ fieldSelector: 'metadata.name!=s3', labelSelector: 'app=web' })).toEqual(['s1']);
    expect((await failure(names({ labelSelector: 'app in (' }))).code).toBe(400);
    expect((await failure(names({ fieldSelector: 'spec.vni=10' }))).status.message).toBe('field label not supported: spec.vni');

    const nodes = await core.listNode({ labelSelector: 'rack=r2' });
    expect(nodes.items.map((n) => n.metadata?.name)).toEqual(['node-b']);
    const byName = await core.listNode({ fieldSelector: 'metadata.name=node-a' });
    expect(byName.items.map((n) => n.metadata?.name)).toEqual(['node-a']);

    // Cluster-wide list of a namespaced kind.
    const all = (await co.listClusterCustomObject({ group, version, plural: 'l3vnis', labelSelector: 'app=web' })) as Obj;
    expect(all.items.map((i: Obj) => `${i.metadata.namespace}/${i.metadata.name}`)).toEqual(['kube-system/s1', 'kube-system/s3']);

    // Pagination with limit/continue.
    const page1 = (await co.listNamespacedCustomObject({ ...sel, limit: 3 })) as Obj;
    expect(page1.items).toHaveLength(3);
    expect(page1.metadata.remainingItemCount).toBe(1);
    const page2 = (await co.listNamespacedCustomObject({ ...sel, limit: 3, _continue: page1.metadata.continue })) as Obj;
    expect(page2.items.map((i: Obj) => i.metadata.name)).toEqual(['s4']);
    expect(page2.metadata.continue).toBeUndefined();
  });

  it('streams a Watch: ADDED, MODIFIED, DELETED from a resourceVersion, and label-selection transitions', async () => {
    await core.createNamespace({ body: { metadata: { name: 'watched' } } });
    const path = `/apis/${group}/${version}/namespaces/watched/l3vnis`;
    const start = ((await co.listNamespacedCustomObject({ ...l3vnis, namespace: 'watched' })) as Obj).metadata.resourceVersion as string;
    const events: string[] = [];
    const selected: string[] = [];
    const w = new k8s.Watch(kc);
    const ctrl = await w.watch(
      path,
      { resourceVersion: start },
      (type, obj: Obj) => events.push(`${type} ${obj.metadata.name} ${obj.spec?.vni ?? ''}`.trim()),
      () => {},
    );
    const ctrl2 = await w.watch(
      path,
      { resourceVersion: start, labelSelector: 'pick=yes' },
      (type, obj: Obj) => selected.push(`${type} ${obj.metadata.name}`),
      () => {},
    );

    const wns = { ...l3vnis, namespace: 'watched' };
    await co.createNamespacedCustomObject({ ...wns, body: l3vni('w1', { vrf: 'w1', vni: 1 }, { pick: 'yes' }) });
    await co.patchNamespacedCustomObject({ ...wns, name: 'w1', body: { spec: { vni: 2 } } }, merge);
    await co.patchNamespacedCustomObject({ ...wns, name: 'w1', body: { metadata: { labels: { pick: 'no' } } } }, merge);
    await co.deleteNamespacedCustomObject({ ...wns, name: 'w1' });
    await waitFor(() => events.length >= 4 && selected.length >= 3, 'watch events');
    expect(events).toEqual(['ADDED w1 1', 'MODIFIED w1 2', 'MODIFIED w1 2', 'DELETED w1 2']);
    // Leaving the selection is a DELETED for a selective watch.
    expect(selected).toEqual(['ADDED w1', 'MODIFIED w1', 'DELETED w1']);
    ctrl.abort();
    ctrl2.abort();

    // A watch without resourceVersion starts with synthetic ADDED events for what exists.
    await co.createNamespacedCustomObject({ ...wns, body: l3vni('w2', { vrf: 'w2', vni: 3 }) });
    const initial: string[] = [];
    const ctrl3 = await w.watch(
      path,
      {},
      (type, obj: Obj) => initial.push(`${type} ${obj.metadata.name}`),
      () => {},
    );
    await waitFor(() => initial.length >= 1, 'initial ADDED');
    expect(initial).toEqual(['ADDED w2']);
    ctrl3.abort();

    // timeoutSeconds ends the stream (done called without error).
    let doneErr: unknown = 'not called';
    await w.watch(
      path,
      { resourceVersion: start, timeoutSeconds: 1 },
      () => {},
      (err) => (doneErr = err),
    );
    await waitFor(() => doneErr !== 'not called', 'server-side watch timeout', 5000);
    expect(doneErr).toBeNull();
  });

  it('keeps an informer right across 410 Gone: a label-filtered informer falls behind, compact + expireWatches, it relists', async () => {
    const wns = { ...l3vnis, namespace: 'kube-system' };
    const path = `/apis/${group}/${version}/namespaces/kube-system/l3vnis`;
    const informer = k8s.makeInformer<k8s.KubernetesObject>(
      kc,
      path,
      () => co.listNamespacedCustomObject({ ...wns, labelSelector: 'app=web' }) as Promise<k8s.KubernetesListObject<k8s.KubernetesObject>>,
      'app=web',
    );
    const errors: unknown[] = [];
    informer.on('error', (e) => errors.push(e));
    await informer.start();
    await waitFor(() => informer.list().length === 2, 'initial sync');
    const lists = (): number => api.requests.filter((r) => r.path === path && !r.watch && r.query.includes('labelSelector')).length;
    const listsBefore = lists();

    // Writes outside the selection do not reach the informer, so its resourceVersion stays behind
    // (client-node informers do not ask for bookmarks).
    await co.createNamespacedCustomObject({ ...wns, body: l3vni('s5', { vrf: 's5', vni: 10 }) });
    await co.patchNamespacedCustomObject({ ...wns, name: 's4', body: { spec: { vni: 11 } } }, merge);
    api.compact();
    api.expireWatches();

    await waitFor(() => lists() > listsBefore, 'relist after 410');
    expect(api.requests.some((r) => r.path === path && r.watch && r.watchError === 410)).toBe(true);
    await waitFor(() => api.activeWatches() > 0, 'watch re-established');
    await co.patchNamespacedCustomObject({ ...wns, name: 's5', body: { metadata: { labels: { app: 'web' } } } }, merge);
    await waitFor(() => informer.list().length === 3, 'informer sees the newly selected object');
    expect(
      informer
        .list()
        .map((o) => o.metadata?.name)
        .sort(),
    ).toEqual(['s1', 's3', 's5']);
    expect(errors).toEqual([]);
    await informer.stop();
  });

  it('keeps an informer right across API loss: partitioned while others write and the history is compacted', async () => {
    await core.createNamespace({ body: { metadata: { name: 'partition' } } });
    const admin = api.addUser('admin', 'all');
    const adminCo = kubeConfig(admin.kubeconfigPath).makeApiClient(k8s.CustomObjectsApi);
    const pns = { ...l3vnis, namespace: 'partition' };
    await adminCo.createNamespacedCustomObject({ ...pns, body: l3vni('a', { vrf: 'a', vni: 1 }) });
    await adminCo.createNamespacedCustomObject({ ...pns, body: l3vni('b', { vrf: 'b', vni: 2 }) });

    const path = `/apis/${group}/${version}/namespaces/partition/l3vnis`;
    const informer = k8s.makeInformer<k8s.KubernetesObject & { spec?: Obj }>(
      kc,
      path,
      () => co.listNamespacedCustomObject(pns) as Promise<k8s.KubernetesListObject<k8s.KubernetesObject>>,
    );
    const deleted: string[] = [];
    let errors = 0;
    let stopped = false;
    informer.on('delete', (o) => deleted.push(o.metadata?.name ?? ''));
    // client-node informers stop on a connection error: restart them (the daemon's job).
    informer.on('error', () => {
      errors++;
      setTimeout(() => {
        if (!stopped) void informer.start();
      }, 100);
    });
    await informer.start();
    await waitFor(() => informer.list().length === 2, 'initial sync');

    api.partition(); // this client (the main token) loses the API; admin does not
    await waitFor(() => errors > 0, 'informer notices the loss');
    await adminCo.deleteNamespacedCustomObject({ ...pns, name: 'a' });
    await adminCo.patchNamespacedCustomObject({ ...pns, name: 'b', body: { spec: { vni: 20 } } }, merge);
    await adminCo.createNamespacedCustomObject({ ...pns, body: l3vni('c', { vrf: 'c', vni: 3 }) });
    api.compact();
    expect((await failure(co.listNamespacedCustomObject(pns)).catch((e: unknown) => ({ code: -1, status: { e } }))).code).toBe(-1);
    api.heal();

    await waitFor(
      () =>
        informer
          .list()
          .map((o) => o.metadata?.name)
          .sort()
          .join() === 'b,c' && informer.get('b', 'partition')?.spec?.vni === 20,
      'informer relisted after heal',
    );
    expect(deleted).toEqual(['a']);
    expect(api.requests.some((r) => r.path === path && r.watch && r.watchError === 410)).toBe(true);
    stopped = true;
    await informer.stop();
  });

  it('survives stop()/start() with its state (API down, then back on the same URL)', async () => {
    const before = (await co.getNamespacedCustomObject({ ...l3vnis, name: 'red' })) as Obj;
    await api.stop();
    await expect(co.getNamespacedCustomObject({ ...l3vnis, name: 'red' })).rejects.toThrow();
    await api.start();
    expect(await co.getNamespacedCustomObject({ ...l3vnis, name: 'red' })).toEqual(before);
  });

  it('answers 401 to a wrong token', async () => {
    const bad = new k8s.KubeConfig();
    bad.loadFromOptions({
      clusters: [{ name: 'c', server: api.url, caData: Buffer.from(api.caPem).toString('base64') }],
      users: [{ name: 'u', token: 'wrong-token' }],
      contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
      currentContext: 'x',
    });
    const r = await failure(bad.makeApiClient(k8s.CustomObjectsApi).listNamespacedCustomObject(l3vnis));
    expect(r.code).toBe(401);
    expect((await failure(bad.makeApiClient(k8s.CoreV1Api).listNode())).code).toBe(401);
  });

  it('rejects an invalid L3VNI with 422 Invalid and field causes (schema and CEL rules)', async () => {
    const zero = await failure(co.createNamespacedCustomObject({ ...l3vnis, body: l3vni('zero', { vrf: 'red', vni: 0 }) }));
    expect(zero.code).toBe(422);
    expect(zero.status).toMatchObject({
      kind: 'Status',
      status: 'Failure',
      reason: 'Invalid',
      message:
        'L3VNI.network.openperouter.io "zero" is invalid: spec.vni: Invalid value: 0: spec.vni in body should be greater than or equal to 1',
      details: {
        name: 'zero',
        group,
        kind: 'L3VNI',
        causes: [
          {
            reason: 'FieldValueInvalid',
            message: 'Invalid value: 0: spec.vni in body should be greater than or equal to 1',
            field: 'spec.vni',
          },
        ],
      },
    });

    const many = await failure(
      co.createNamespacedCustomObject({
        ...l3vnis,
        body: l3vni('many', { vrf: 'this-name-is-too-long', vni: 'x', underlayAddressFamily: 'IPv5' }),
      }),
    );
    expect(many.code).toBe(422);
    expect(many.status.details.causes.map((c: Obj) => `${c.field ?? '-'} ${c.reason}`)).toEqual([
      'spec.vrf FieldValueTooLong',
      'spec.vni FieldValueTypeInvalid',
      'spec.underlayAddressFamily FieldValueNotSupported',
      '- FieldValueInvalid', // CEL is not evaluated past a type error, as kube-apiserver does
    ]);

    const both = await failure(
      co.createNamespacedCustomObject({
        ...l3vnis,
        body: l3vni('both', {
          vrf: 'red',
          vni: 5,
          hostSession: { asn: 1, hostASN: 2, hostType: 'External', localCIDR: { ipv4: '10.0.0.0/24' } },
        }),
      }),
    );
    expect(both.code).toBe(422);
    expect(both.status.message).toBe(
      'L3VNI.network.openperouter.io "both" is invalid: spec.hostSession: Invalid value: "object": HostASN and HostType cannot be set together',
    );

    // Transition rule: localCIDR cannot change.
    const hs = { asn: 1, hostASN: 2, localCIDR: { ipv4: '10.0.0.0/24' } };
    await co.createNamespacedCustomObject({ ...l3vnis, body: l3vni('green', { vrf: 'green', vni: 7, hostSession: hs }) });
    const moved = await failure(
      co.patchNamespacedCustomObject(
        { ...l3vnis, name: 'green', body: { spec: { hostSession: { localCIDR: { ipv4: '10.9.0.0/24' } } } } },
        merge,
      ),
    );
    expect(moved.code).toBe(422);
    expect(moved.status.message).toContain('spec.hostSession.localCIDR: Invalid value: "object": LocalCIDR can\'t be changed');
  });

  it('deletes: CRs return the object, finalizers defer the deletion (202) until removed', async () => {
    await co.createNamespacedCustomObject({
      ...l3vnis,
      body: { ...l3vni('fin', { vrf: 'fin', vni: 9 }), metadata: { name: 'fin', finalizers: ['example.com/hold'] } },
    });
    const pending = await co.deleteNamespacedCustomObjectWithHttpInfo({ ...l3vnis, name: 'fin' });
    expect(pending.httpStatusCode).toBe(202);
    expect((pending.data as Obj).metadata.deletionTimestamp).toBeTypeOf('string');
    const released = (await co.patchNamespacedCustomObject(
      { ...l3vnis, name: 'fin', body: { metadata: { finalizers: null } } },
      merge,
    )) as Obj;
    expect(released.metadata.finalizers).toBeUndefined();
    expect((await failure(co.getNamespacedCustomObject({ ...l3vnis, name: 'fin' }))).code).toBe(404);

    const gone = await co.deleteNamespacedCustomObjectWithHttpInfo({ ...l3vnis, name: 'green' });
    expect(gone.httpStatusCode).toBe(200);
    expect((gone.data as Obj).metadata.name).toBe('green');
    expect((await failure(co.deleteNamespacedCustomObject({ ...l3vnis, name: 'green' }))).code).toBe(404);
  });

  it('enforces the daemon RBAC (deploy/rbac.yaml): reads cluster-wide, writes only in its own namespace', async () => {
    const subject = { kind: 'ServiceAccount', name: 'perouterd', namespace: 'openperouter-system' };
    const daemon = api.addUser(
      'system:serviceaccount:openperouter-system:perouterd',
      authorizationFromRbac(generateRbac() as never, subject),
    );
    const dkc = kubeConfig(daemon.kubeconfigPath);
    const dco = dkc.makeApiClient(k8s.CustomObjectsApi);
    const dcore = dkc.makeApiClient(k8s.CoreV1Api);
    const ns = (namespace: string, plural: string): { group: string; version: string; namespace: string; plural: string } => ({
      group,
      version,
      namespace,
      plural,
    });
    await dco.listClusterCustomObject({ group, version, plural: 'underlays' });
    await dco.listClusterCustomObject({ group, version, plural: 'l3vpns' });
    await dco.listNamespacedCustomObject(ns('openperouter-system', 'rawfrrconfigs'));
    const mirror = l3vni('static-red', { vrf: 'red', vni: 100 }, { 'openperouter.github.io/source': 'static' });
    await dco.createNamespacedCustomObject({ ...ns('openperouter-system', 'l3vnis'), body: mirror });
    await dco.deleteNamespacedCustomObject({ ...ns('openperouter-system', 'l3vnis'), name: 'static-red' });
    await dco.createNamespacedCustomObject({
      ...ns('openperouter-system', 'routernodeconfigurationstatuses'),
      body: { apiVersion: `${group}/${version}`, kind: 'RouterNodeConfigurationStatus', metadata: { name: 'node-b' } },
    });
    await dco.patchNamespacedCustomObjectStatus(
      { ...ns('openperouter-system', 'routernodeconfigurationstatuses'), name: 'node-b', body: { status: { failedResources: [] } } },
      k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch),
    );
    await dcore.patchNode({ name: 'node-b', body: { metadata: { annotations: { 'openpe.io/nodeindex': '1' } } } }, strategic);
    // Writes anywhere else are refused: another namespace, cluster-wide deletes, Nodes, namespaces.
    const elsewhere = await failure(
      dco.createNamespacedCustomObject({ ...ns('default', 'l3vnis'), body: l3vni('x', { vrf: 'x', vni: 7 }) }),
    );
    expect(elsewhere.code).toBe(403);
    expect(elsewhere.status.message).toBe(
      'l3vnis.network.openperouter.io is forbidden: User "system:serviceaccount:openperouter-system:perouterd" cannot create resource "l3vnis" in API group "network.openperouter.io" in the namespace "default"',
    );
    expect((await failure(dco.deleteCollectionNamespacedCustomObject(ns('default', 'underlays')))).code).toBe(403);
    expect((await failure(dco.listNamespacedCustomObject(ns('default', 'rawfrrconfigs')))).code).toBe(403);
    const denied = await failure(dcore.deleteNode({ name: 'node-b' }));
    expect(denied.code).toBe(403);
    expect(denied.status.message).toBe(
      'nodes "node-b" is forbidden: User "system:serviceaccount:openperouter-system:perouterd" cannot delete resource "nodes" in API group "" at the cluster scope',
    );
    expect((await failure(dcore.createNamespace({ body: { metadata: { name: 'nope' } } }))).code).toBe(403);
  });
});

describe('API server stand-in options', () => {
  it('sends BOOKMARK events when asked, and 410 as HTTP status when configured so', async () => {
    const api = await startApiServerStandIn({ bookmarkIntervalMs: 100, goneAs: 'http' });
    try {
      const kc = kubeConfig(api.kubeconfigPath);
      const co = kc.makeApiClient(k8s.CustomObjectsApi);
      const path = `/apis/${group}/${version}/namespaces/default/l3vnis`;
      const rv = ((await co.listNamespacedCustomObject({ group, version, namespace: 'default', plural: 'l3vnis' })) as Obj).metadata
        .resourceVersion;
      const seen: Obj[] = [];
      const w = new k8s.Watch(kc);
      const ctrl = await w.watch(
        path,
        { resourceVersion: rv, allowWatchBookmarks: true },
        (type, obj: Obj) => seen.push({ type, obj }),
        () => {},
      );
      await waitFor(() => seen.some((e) => e.type === 'BOOKMARK'), 'a bookmark');
      expect(seen[0]).toMatchObject({ type: 'BOOKMARK', obj: { kind: 'L3VNI', apiVersion, metadata: { resourceVersion: rv } } });
      ctrl.abort();

      await co.createNamespacedCustomObject({
        group,
        version,
        namespace: 'default',
        plural: 'l3vnis',
        body: l3vni('x', { vrf: 'x', vni: 1 }),
      });
      api.compact();
      let doneErr: unknown = 'not called';
      await w.watch(
        path,
        { resourceVersion: rv },
        () => {},
        (err) => (doneErr = err),
      );
      await waitFor(() => doneErr !== 'not called', 'watch end');
      expect((doneErr as { statusCode?: number } | undefined)?.statusCode).toBe(410);
    } finally {
      await api.close();
    }
  });

  it('injects errors for retry tests', async () => {
    const api = await startApiServerStandIn();
    try {
      const core = kubeConfig(api.kubeconfigPath).makeApiClient(k8s.CoreV1Api);
      api.injectError({ method: 'GET', path: /\/api\/v1\/nodes$/, code: 503, reason: 'ServiceUnavailable', times: 1 });
      expect((await failure(core.listNode())).code).toBe(503);
      expect((await core.listNode()).items).toEqual([]);
    } finally {
      await api.close();
    }
  });
});
