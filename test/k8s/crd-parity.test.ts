// The generated CRDs and the daemon's own checks agree with upstream's verdicts: every case of
// fixtures/upstream-verdicts.ts is applied through the API server stand-in (admission by the
// generated CRD, CEL by @bufbuild/cel) and through the JSON Schema path the daemon uses for CRs
// (spec-check.ts), and both give upstream's answer.
import type * as k8s from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { specRuleErrors, withSpecDefaults } from '../../src/k8s/spec-check.js';
import type { ApiKind } from '../../src/k8s/kinds.js';
import { standInForSuite } from './fixtures/stand-in-suite.js';
import { VERDICTS } from './fixtures/upstream-verdicts.js';

const group = 'network.openperouter.io';
const version = 'v1alpha1';

/** The daemon's verdict on a CR's spec, with its messages. */
function schemaVerdict(kind: ApiKind, spec: unknown): { verdict: 'accept' | 'reject'; messages: string } {
  const d = withSpecDefaults(kind, spec);
  if (d.error !== undefined) return { verdict: 'reject', messages: d.error };
  const errs = specRuleErrors(kind, d.spec);
  return { verdict: errs.length > 0 ? 'reject' : 'accept', messages: errs.join('\n') };
}

describe("CR verdicts agree with upstream's CRDs", () => {
  const suite = standInForSuite();

  it('the stand-in evaluates every rule of the generated CRDs', () => {
    expect(suite.api.unevaluatedRules()).toEqual([]);
  });

  it.each(VERDICTS.map((c) => [`${c.kind} ${c.name} (${c.source})`, c] as const))('%s', async (_title, c) => {
    const body: Record<string, unknown> = { apiVersion: `${group}/${version}`, kind: c.kind, metadata: { name: `${c.name}-${c.plural}` } };
    if (c.spec !== undefined) body.spec = c.spec;
    let admitted: 'accept' | 'reject';
    let refusal = '';
    try {
      await suite.co.createNamespacedCustomObject({ group, version, namespace: 'default', plural: c.plural, body });
      admitted = 'accept';
    } catch (e) {
      expect((e as k8s.ApiException<unknown>).code).toBe(422);
      admitted = 'reject';
      refusal = JSON.stringify((e as k8s.ApiException<unknown>).body);
    }
    expect(admitted, 'through the API server stand-in').toBe(c.upstream);
    if (c.message !== undefined) expect(refusal, "the stand-in's refusal carries upstream's message").toContain(c.message);
    if (c.kind === 'L3VPN') return;
    const daemon = schemaVerdict(c.kind, c.spec);
    expect(daemon.verdict, 'through the JSON Schema path').toBe(c.upstream);
    if (c.message !== undefined) expect(daemon.messages, "the daemon's error carries upstream's message").toContain(c.message);
  });
});
