// OpenPERouter's own material, run through perouterd (issue 13): every file of the corpus
// (test/parity/upstream/, read by test/parity/corpus.ts) gets upstream's verdict, or the
// deliberate difference the file declares (each listed in README's differences or in
// docs/migration.md).
//   * static files (openpe_*.yaml): `perouterd validate`'s code path (validateReport of
//     buildDesiredState), on a node with index 1;
//   * node-config.yaml examples: the node-config loader validate uses;
//   * CRs: each object through the API server stand-in (the generated CRDs, CEL by
//     @bufbuild/cel) and the file as a whole through the daemon's path (conversion with the
//     JSON Schema checks, then validation, plan and render as for the API stage).
// The per-rule CRD cases (test/k8s/fixtures/upstream-verdicts*.ts) belong to the corpus too;
// test/k8s/crd-parity.test.ts runs them. The summary at the end prints the counts.
import type * as k8s from '@kubernetes/client-node';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { validateReport } from '../../src/cli/config-commands.js';
import { configSources } from '../../src/cli/settings.js';
import { loadNodeConfig } from '../../src/config/node-config.js';
import { emptyRouterConfig, problemLine } from '../../src/config/model.js';
import { buildDesiredState, desiredFrom } from '../../src/daemon/desired-state.js';
import { convertApiObjects, reportUnsupported } from '../../src/k8s/convert.js';
import type { KubeObject } from '../../src/k8s/kube-object.js';
import type { ApiKind } from '../../src/k8s/kinds.js';
import { loadCorpus, type CorpusCase, type Verdict } from '../parity/corpus.js';
import { standInForSuite } from './fixtures/stand-in-suite.js';
import { VERDICTS } from './fixtures/upstream-verdicts.js';
import { VALIDATION_CASES, type ValidationCase } from '../parity/upstream/validation-cases.js';
import { FRR_CASES } from '../parity/upstream/frr-cases.js';

const GROUP = 'network.openperouter.io';
const NAMESPACE = 'openperouter-system';
const PLURALS: Record<string, string> = {
  Underlay: 'underlays',
  L3VNI: 'l3vnis',
  L2VNI: 'l2vnis',
  L3Passthrough: 'l3passthroughs',
  RawFRRConfig: 'rawfrrconfigs',
  L3VPN: 'l3vpns',
  RouterNodeConfigurationStatus: 'routernodeconfigurationstatuses',
};
/** The underlay the daemon path adds to a file that has none (facts of upstream's config/samples/underlay.yaml). */
const SAMPLE_UNDERLAY: KubeObject = {
  apiVersion: `${GROUP}/v1alpha1`,
  kind: 'Underlay',
  metadata: { name: 'corpus-underlay', namespace: NAMESPACE },
  spec: {
    asn: 64514,
    tunnelEndpoint: { cidrs: ['100.65.0.0/24'] },
    interfaces: [{ type: 'NetworkDevice', networkDevice: { interfaceName: 'toswitch' } }],
    neighbors: [{ asn: 64512, address: '192.168.11.2' }],
  },
};

const corpus = loadCorpus();
const tmp = mkdtempSync(join(tmpdir(), 'upstream-corpus-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Outcome {
  verdict: Verdict;
  messages: string;
}
const results: Array<{ c: CorpusCase; agreed: boolean }> = [];

/** What perouterd should answer: upstream's verdict, unless the file declares a deliberate difference. */
function expected(c: CorpusCase): Verdict {
  return c.difference?.verdict ?? c.verdict;
}

function check(c: CorpusCase, got: Outcome): void {
  expect(got.verdict, got.messages).toBe(expected(c));
  if (c.expect !== undefined) expect(got.messages).toContain(c.expect);
  results.push({ c, agreed: c.difference === undefined });
}

function docsOf(body: string): string[] {
  return parseAllDocuments(body).map((d) => d.toString());
}

/** `perouterd validate` on a directory holding the case's documents, one openpe_*.yaml each. */
function validateStatic(c: CorpusCase): Outcome {
  const dir = join(tmp, c.name);
  mkdirSync(join(dir, 'configs'), { recursive: true });
  writeFileSync(join(dir, 'node-config.yaml'), 'nodeIndex:\n  index: 1\n');
  docsOf(c.body).forEach((d, i) => writeFileSync(join(dir, 'configs', `openpe_${i}.yaml`), d));
  const o = { configDir: join(dir, 'configs'), nodeConfig: join(dir, 'node-config.yaml'), namespace: NAMESPACE };
  const r = validateReport({ ...buildDesiredState(configSources(o)), sourceFiles: [] }, o);
  const messages = [...r.problems.map((p) => `${p.severity}: ${p.message}`), ...r.failedResources.map((f) => f.message), r.error ?? ''];
  return { verdict: r.valid ? 'valid' : 'invalid', messages: messages.join('\n') };
}

/** The node-config loader, on a host whose eth0 holds 192.168.11.3/24 and 2001:db8::3/64. */
function validateNode(c: CorpusCase): Outcome {
  const path = join(tmp, `${c.name}-node-config.yaml`);
  writeFileSync(path, c.body);
  const eth0 = [
    { address: '192.168.11.3', prefixLen: 24 },
    { address: '2001:db8::3', prefixLen: 64 },
  ];
  const r = loadNodeConfig(path, { hostname: () => 'node1', interfaceAddresses: (n) => (n === 'eth0' ? eth0 : []) });
  const errors = r.problems.filter((p) => p.severity === 'error');
  return { verdict: r.settings && errors.length === 0 ? 'valid' : 'invalid', messages: r.problems.map(problemLine).join('\n') };
}

function objectsOf(c: CorpusCase): KubeObject[] {
  return parseAllDocuments(c.body).map((d) => d.toJS() as KubeObject);
}

/** An object with the migration guide's fixes: the current API group, neighbour types capitalised. */
function migrated(o: KubeObject): KubeObject {
  const spec = structuredClone(o.spec) as { neighbors?: Array<{ type?: string }> } | undefined;
  for (const n of spec?.neighbors ?? [])
    if (n.type === 'internal' || n.type === 'external') n.type = n.type[0]?.toUpperCase() + n.type.slice(1);
  return { ...o, apiVersion: `${GROUP}/v1alpha1`, spec };
}

/** A node the objects' matchLabels select (the first value of each key wins), so the daemon path sees them. */
function selectedLabels(objects: KubeObject[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const o of objects) {
    const sel = (o.spec as { nodeSelector?: { matchLabels?: Record<string, string> } } | undefined)?.nodeSelector;
    for (const [k, v] of Object.entries(sel?.matchLabels ?? {})) labels[k] ??= v;
  }
  return labels;
}

/** The daemon's path for the file's objects of perouterd's group, on a node with the file's labels. */
function daemonPath(c: { nodeLabels?: Record<string, string> }, objects: KubeObject[]): Outcome {
  const byKind: Partial<Record<string, KubeObject[]>> = {};
  const ours = objects.filter((o) => o.apiVersion?.startsWith(`${GROUP}/`));
  if (!ours.some((o) => o.kind === 'Underlay')) ours.push(SAMPLE_UNDERLAY);
  for (const o of ours) (byKind[o.kind as string] ??= []).push(o);
  const labels = { 'kubernetes.io/hostname': 'node1', ...(c.nodeLabels ?? selectedLabels(ours)) };
  const conv = convertApiObjects(byKind as Partial<Record<ApiKind, KubeObject[]>>, labels, { namespace: NAMESPACE });
  const unsupported = reportUnsupported({ L3VPN: byKind.L3VPN ?? [] }, labels);
  const node = { nodeName: 'node1', nodeIndex: 1, logLevel: 'info' as const };
  const r = desiredFrom(node, emptyRouterConfig(), [], conv.config);
  const failed = [...conv.rejected, ...unsupported, ...(r.ok ? r.desired.failed : r.failed)];
  const messages = [...failed.map((f) => `${f.kind} ${f.name} (${f.reason}): ${f.message}`), r.ok ? '' : r.reason].join('\n');
  return { verdict: failed.length === 0 && r.ok ? 'valid' : 'invalid', messages };
}

/** A validation-test case's objects as CRs (a `name` key of a spec is the object's name). */
function casesObjects(v: ValidationCase): KubeObject[] {
  const kinds = {
    underlays: 'Underlay',
    l3vnis: 'L3VNI',
    l2vnis: 'L2VNI',
    l3passthroughs: 'L3Passthrough',
    rawfrrconfigs: 'RawFRRConfig',
  } as const;
  const out: KubeObject[] = [];
  for (const [key, kind] of Object.entries(kinds)) {
    (v.objects[key as keyof typeof kinds] ?? []).forEach((spec, i) => {
      const { name, namespace, ...rest } = spec as { name?: string; namespace?: string };
      out.push({
        apiVersion: `${GROUP}/v1alpha1`,
        kind,
        metadata: { name: name ?? `${kind.toLowerCase()}-${i}`, namespace: namespace ?? NAMESPACE },
        spec: rest,
      });
    });
  }
  return out;
}

const validationResults: boolean[] = [];

describe("upstream's validation tests through the daemon's path", () => {
  it.each(VALIDATION_CASES.map((v) => [v.upstream, v] as const))('%s', (_t, v) => {
    const got = daemonPath({}, casesObjects(v));
    expect(got.verdict, got.messages).toBe(v.difference?.verdict ?? v.verdict);
    if (v.expect !== undefined) expect(got.messages).toContain(v.expect);
    validationResults.push(v.difference === undefined);
  });
});

/** frr.conf as the daemon's path renders it for these objects on a node of this index. */
function renderedLines(objects: KubeObject[], nodeIndex: number): string[] {
  const byKind: Partial<Record<ApiKind, KubeObject[]>> = {};
  for (const o of objects) (byKind[o.kind as ApiKind] ??= []).push(o);
  const conv = convertApiObjects(byKind, { 'kubernetes.io/hostname': 'node1' }, { namespace: NAMESPACE });
  expect(conv.rejected).toEqual([]);
  const r = desiredFrom({ nodeName: 'node1', nodeIndex, logLevel: 'info' }, emptyRouterConfig(), [], conv.config);
  if (!r.ok) throw new Error(r.reason);
  expect(r.desired.failed).toEqual([]);
  return r.desired.frrConfig.split('\n').map((l) => l.trim());
}

describe("frr.conf for the inputs of upstream's conversion test", () => {
  it.each(FRR_CASES.map((f) => [f.upstream, f] as const))('%s', (_t, f) => {
    const got = renderedLines(casesObjects({ ...f, verdict: 'valid' }), f.nodeIndex);
    const differs = new Set(f.differences.map((d) => d.upstream));
    for (const line of f.lines) if (!differs.has(line)) expect(got, `upstream renders: ${line}\n${got.join('\n')}`).toContain(line);
    for (const d of f.differences) {
      if (d.upstream !== undefined) expect(got, d.why).not.toContain(d.upstream);
      if (d.perouterd !== undefined) expect(got, d.why).toContain(d.perouterd);
      if (d.times !== undefined) expect(got.filter((l) => l === d.times?.line).length, d.why).toBe(d.times.perouterd);
    }
  });
});

describe("upstream's material through perouterd", () => {
  const suite = standInForSuite();

  /** Each object through the stand-in (names prefixed by the case's index, so cases never collide): the refusals. */
  async function admission(objects: KubeObject[], prefix: string): Promise<string[]> {
    const ns = 'default';
    const answers = await Promise.all(
      objects.map(async (o) => {
        const [group, version] = (o.apiVersion ?? '').split('/') as [string, string];
        const body = { ...o, metadata: { ...o.metadata, name: `${prefix}-${o.metadata?.name}`, namespace: ns } };
        try {
          await suite.co.createNamespacedCustomObject({ group, version, namespace: ns, plural: PLURALS[o.kind ?? ''] ?? 'unknown', body });
          return undefined;
        } catch (e) {
          const err = e as k8s.ApiException<unknown>;
          return `${o.kind} ${o.metadata?.name}: ${err.code} ${JSON.stringify(err.body)}`;
        }
      }),
    );
    return answers.filter((a): a is string => a !== undefined);
  }

  it.each(corpus.map((c, i) => [`${c.kind}/${c.name} (${c.upstream})`, c, i] as const))('%s', async (_t, c, i) => {
    if (c.kind === 'static') return check(c, validateStatic(c));
    if (c.kind === 'node') return check(c, validateNode(c));
    const objects = objectsOf(c);
    const refused = await admission(objects, `c${i}`);
    if (c.refusedBy === undefined) {
      expect(refused, "upstream's CRDs admit every object").toEqual([]);
      return check(c, daemonPath(c, objects));
    }
    // Refused as published (an API group no CRD serves); with the fix the migration guide gives, valid.
    expect(refused.length, `refused by upstream: ${c.refusedBy}`).toBe(objects.length);
    check(c, { verdict: 'invalid', messages: refused.join('\n') });
    const fixed = objects.map(migrated);
    expect(await admission(fixed, `c${i}-fixed`)).toEqual([]);
    expect(daemonPath(c, fixed).verdict).toBe('valid');
  });

  it('covers every source kind and prints the counts', () => {
    const by = (f: (c: CorpusCase) => string): Record<string, number> =>
      corpus.reduce<Record<string, number>>((m, c) => ({ ...m, [f(c)]: (m[f(c)] ?? 0) + 1 }), {});
    const sources = by((c) => c.sourceKind);
    expect(Object.keys(sources).sort()).toEqual(['examples', 'samples', 'testdata', 'tests', 'website']);
    expect(results.length).toBe(corpus.length);
    const crd = VERDICTS.reduce<Record<string, number>>((m, v) => ({ ...m, [v.upstream]: (m[v.upstream] ?? 0) + 1 }), {});
    const differences = results.filter((r) => !r.agreed).map((r) => `${r.c.name}: ${r.c.difference?.why}`);
    console.log(
      [
        `upstream corpus: ${corpus.length} files (${JSON.stringify(sources)}; by path: ${JSON.stringify(by((c) => c.kind))}),`,
        `  verdicts: ${JSON.stringify(by((c) => c.verdict))}; perouterd agrees on ${results.filter((r) => r.agreed).length},`,
        `  differs on purpose on ${differences.length}:`,
        ...differences.map((d) => `    ${d}`),
        `plus ${VALIDATION_CASES.length} cases of upstream's validation tests (${JSON.stringify(
          VALIDATION_CASES.reduce<Record<string, number>>((m, v) => ({ ...m, [v.verdict]: (m[v.verdict] ?? 0) + 1 }), {}),
        )}; perouterd agrees on ${validationResults.filter((a) => a).length}, differs on purpose on ${validationResults.filter((a) => !a).length})`,
        `and ${FRR_CASES.length} inputs of upstream's conversion test whose frr.conf lines are compared (${FRR_CASES.reduce((n, f) => n + f.lines.length, 0)} lines, ${new Set(FRR_CASES.flatMap((f) => f.differences.map((d) => d.why))).size} documented differences),`,
        `and ${VERDICTS.length} per-rule CRD cases (${JSON.stringify(crd)}) in crd-parity.test.ts.`,
      ].join('\n'),
    );
  });
});
