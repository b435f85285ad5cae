// Status objects perouterd writes are accepted by upstream's RouterNodeConfigurationStatus CRD
// (its status schema restated as facts in fixtures/upstream-status-schema.json): on a cluster
// that kept upstream's CRDs, a refused write would leave the status stale.
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import type { FailedResource } from '../../src/config/model.js';
import { buildStatus } from '../../src/k8s/status.js';

const schema = JSON.parse(readFileSync(new URL('./fixtures/upstream-status-schema.json', import.meta.url), 'utf8')) as object;
const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
const t0 = new Date('2026-12-01T10:00:00Z');

function accepted(failed: FailedResource[], ok = true, message = ''): unknown {
  const status = buildStatus({ ok, message, failed }, undefined, t0, 4);
  expect(validate(status) ? [] : validate.errors, JSON.stringify(status)).toEqual([]);
  return status;
}

describe("status objects upstream's CRD accepts", () => {
  it('a success, and an underlay failure', () => {
    accepted([]);
    accepted([{ kind: 'Underlay', name: 'u', reason: 'ValidationFailed', message: 'bad' }], false, 'underlay failed');
  });

  it('message is always present, even when the daemon had none', () => {
    const s = accepted([{ kind: 'L2VNI', name: 'a', reason: 'DependencyFailed', message: '' }]) as {
      failedResources: Array<{ message?: string }>;
    };
    expect(s.failedResources[0]?.message).toBe('DependencyFailed');
  });

  it('a RawFRRConfig failure is reported as kind FrrConfiguration (upstream has no RawFRRConfig kind)', () => {
    const s = accepted([{ kind: 'RawFRRConfig', name: 'extra', reason: 'FrrConfigurationFailed', message: 'line 3: unknown command' }]) as {
      failedResources: Array<{ kind: string; name: string }>;
    };
    expect(s.failedResources).toMatchObject([{ kind: 'FrrConfiguration', name: 'extra' }]);
  });

  it('a kind upstream cannot list (L3VPN) is named in the conditions, not in failedResources', () => {
    const s = accepted([
      { kind: 'L3VPN', name: 'vpn-a', reason: 'ValidationFailed', message: 'L3VPN is not supported yet' },
      { kind: 'L3VNI', name: 'red', reason: 'ValidationFailed', message: 'bad' },
    ]) as { failedResources: Array<{ kind: string }>; conditions: Array<{ type: string; message: string }> };
    expect(s.failedResources.map((f) => f.kind)).toEqual(['L3VNI']);
    expect(s.conditions.find((c) => c.type === 'Ready')?.message).toContain('L3VPN/vpn-a');
  });

  it('long names and messages are cut to the CRD limits; an empty name is replaced', () => {
    accepted([
      { kind: 'L3VNI', name: 'n'.repeat(400), reason: 'ValidationFailed', message: 'm'.repeat(2000) },
      { kind: 'L3Passthrough', name: '', reason: 'OverlayAttachmentFailed', message: '   ' },
    ]);
  });
});
