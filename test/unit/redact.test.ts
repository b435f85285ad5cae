import { describe, expect, it } from 'vitest';
import { redactRecord, redactSecrets } from '../../src/util/redact.js';

const TOKEN = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2EifQ.c2lnbmF0dXJl';

describe('redactSecrets', () => {
  it('hides a kubeconfig token quoted by a YAML error, in plain text and inside JSON', () => {
    const msg = `kubeconfig: bad indentation at line 12:\n    token: ${TOKEN}x\n ^`;
    expect(redactSecrets(msg)).not.toContain('eyJ');
    expect(redactSecrets(JSON.stringify({ err: 'token: s3cr3t-value' }))).toBe('{"err":"token: <redacted>"}');
    expect(redactSecrets('token: opaque-not-a-jwt, next')).toBe('token: <redacted>, next');
  });

  it('hides bearer headers and password fields; leaves ordinary text alone', () => {
    expect(redactSecrets('Authorization: Bearer abc.def')).toBe('Authorization: Bearer <redacted>');
    expect(redactSecrets('"password":"hunter2"')).toBe('"password":"<redacted>"');
    expect(redactSecrets('client-key-data: LS0tLS1CRUdJTg==')).toBe('client-key-data: <redacted>');
    const plain = 'L3VNI red: vni 100 overlaps tokenizer-range 10.0.0.0/24';
    expect(redactSecrets(plain)).toBe(plain);
  });

  it('redacts nested log fields', () => {
    const r = redactRecord({ msg: `token=${TOKEN}`, k8s: { lastError: `token: ${TOKEN}` }, n: 3 });
    expect(JSON.stringify(r)).not.toContain('eyJ');
    expect(r.n).toBe(3);
  });
});
