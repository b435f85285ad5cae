// What the API may not do to a node: flood it (objects per kind are capped; above the cap the
// kind keeps what it had and the status says why) or be silently ignored (L3VPN, which
// perouterd does not build, is watched and reported).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiSource } from '../../src/k8s/api-source.js';
import { type ApiServerStandIn, startApiServerStandIn } from './apiserver-standin/index.js';

const group = 'network.openperouter.io';
const version = 'v1alpha1';
const NS = 'openperouter-system';
const NODE = 'node-a';

async function waitFor(cond: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('ApiSource limits and reports', () => {
  let api: ApiServerStandIn;
  let co: k8s.CustomObjectsApi;
  let dir: string;
  let src: ApiSource;
  const create = (plural: string, kind: string, name: string, spec: object): Promise<unknown> =>
    co.createNamespacedCustomObject({
      group,
      version,
      namespace: 'default',
      plural,
      body: { apiVersion: `${group}/${version}`, kind, metadata: { name }, spec },
    });
  const l3vnis = (): string[] => (src.snapshot()?.l3vnis ?? []).map((r) => r.name);
  const rejected = (): string[] => src.rejected().map((f) => `${f.kind}/${f.name}`);

  beforeAll(async () => {
    api = await startApiServerStandIn({ objects: [{ apiVersion: 'v1', kind: 'Node', metadata: { name: NODE, labels: { rack: 'r1' } } }] });
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(api.kubeconfigPath);
    co = kc.makeApiClient(k8s.CustomObjectsApi);
    dir = mkdtempSync(join(tmpdir(), 'api-limits-'));
    src = new ApiSource({
      kubeconfigPath: api.kubeconfigPath,
      namespace: NS,
      nodeName: NODE,
      stateDir: join(dir, 'state'),
      log: pino({ level: 'silent' }),
      probeBackoff: { initialMs: 100, maxMs: 400 },
      kubeconfigPollMs: 100,
      debounceMs: 20,
      maxObjectsPerKind: 3,
    });
    src.start();
    await waitFor(() => src.synced, 'synced');
  });

  afterAll(async () => {
    await src?.stop();
    await api?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('over the cap, a kind keeps what it had and is reported once; back under, it follows again', async () => {
    await create('l3vnis', 'L3VNI', 'a', { vrf: 'a', vni: 101 });
    await create('l3vnis', 'L3VNI', 'b', { vrf: 'b', vni: 102 });
    await waitFor(() => l3vnis().length === 2, 'two L3VNIs');
    await create('l3vnis', 'L3VNI', 'c', { vrf: 'c', vni: 103 });
    await create('l3vnis', 'L3VNI', 'd', { vrf: 'd', vni: 104 });
    // Not for this node: does not count.
    await create('l3vnis', 'L3VNI', 'e', { vrf: 'e', vni: 105, nodeSelector: { matchLabels: { rack: 'r9' } } });
    await waitFor(() => rejected().includes('L3VNI/l3vnis-over-limit'), 'over-limit report');
    // What was applied before the flood stays (a, b, and c if it was seen alone); d never is.
    expect(l3vnis()).toEqual(expect.arrayContaining(['a', 'b']));
    expect(l3vnis()).not.toContain('d');
    expect(src.rejected().find((f) => f.name === 'l3vnis-over-limit')?.message).toBe(
      `4 L3VNI objects select this node, more than 3: none of them is applied; the ${l3vnis().length} applied before are kept`,
    );
    await src.reportStatus({ ok: true, message: '', failed: [] });
    await waitFor(() => {
      const st = api.peek(`${group}/${version}`, 'routernodeconfigurationstatuses', NS, NODE) as
        { status?: { failedResources?: Array<{ name: string }> } } | undefined;
      return st?.status?.failedResources?.some((f) => f.name === 'l3vnis-over-limit') === true;
    }, 'status names the limit');
    await co.deleteNamespacedCustomObject({ group, version, namespace: 'default', plural: 'l3vnis', name: 'd' });
    await waitFor(() => !rejected().includes('L3VNI/l3vnis-over-limit'), 'back under the cap');
    expect(l3vnis().sort()).toEqual(['a', 'b', 'c']);
  });

  it('an L3VPN selecting this node is reported, not silently ignored', async () => {
    await create('l3vpns', 'L3VPN', 'vpn-mine', { vrf: 'v1', importRTs: ['65000:1'], rdAssignedNumber: 1 });
    await create('l3vpns', 'L3VPN', 'vpn-other', {
      vrf: 'v2',
      importRTs: ['65000:2'],
      rdAssignedNumber: 2,
      nodeSelector: { matchLabels: { rack: 'r9' } },
    });
    await waitFor(() => rejected().includes('L3VPN/vpn-mine'), 'L3VPN reported');
    expect(rejected()).not.toContain('L3VPN/vpn-other');
    expect(src.rejected().find((f) => f.name === 'vpn-mine')?.message).toContain('not supported yet');
  });
});
