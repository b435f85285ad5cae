import { describe, expect, it } from 'vitest';
import { parseJsonObjects, zebraInterfaces } from '../../src/frr/zebra-readiness.js';

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
