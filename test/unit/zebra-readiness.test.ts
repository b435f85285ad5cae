import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseJsonObjects, ZebraReadinessCheck, zebraInterfaces } from '../../src/frr/zebra-readiness.js';

describe('zebra readiness parsing', () => {
  it('reads the objects vtysh prints one per -c, skipping other text', () => {
    const out =
      '{}\n{\n  "lo":{\n    "status":"up",\n    "vrfName":"default",\n    "addresses":[\n    ]\n  }\n}\n% VRF x not found\n{"red":{"vrfName":"red"},"pe-e-1":{"vrfName":"red","d":"a}\\"{"}}';
    expect(parseJsonObjects(out)).toHaveLength(3);
    expect([...zebraInterfaces(out)]).toEqual([
      ['lo', 'default'],
      ['red', 'red'],
      ['pe-e-1', 'red'],
    ]);
  });
});

describe('zebra readiness with a zebra that does not answer', () => {
  it('a vtysh that never returns is cut at the deadline: the wait ends (false) instead of holding the reconcile', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'zebra-ready-'));
    const bin = path.join(dir, 'vtysh');
    writeFileSync(bin, '#!/bin/sh\nexec sleep 600\n');
    chmodSync(bin, 0o755);
    const logs: string[] = [];
    const check = new ZebraReadinessCheck({ pathspace: 'ps', vtysh: bin, timeoutMs: 100, log: (m) => logs.push(m) });
    expect(await check.waitFor([{ name: 'br-pe-100', vrf: 'red' }])).toBe(false);
    expect(logs).toEqual(['zebra has not seen these links in time; going on']);
  }, 20_000);
});
