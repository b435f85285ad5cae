// vtysh commands run from one shell (src/observe/vtysh-batch.ts): the outputs split back in
// order, a failed command undefined without spoiling the others, the calls of one turn batched.
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { coalescedVtysh, splitBatchOutput, vtyshBatch } from '../../src/observe/vtysh-batch.js';

describe('splitBatchOutput', () => {
  it('gives each output in order, undefined for a non-zero status or a missing one', () => {
    const out = '{"a":1}\n\x1e0\x1e\nno newline\x1e0\x1e\n% broken\n\x1e1\x1e\n\x1e0\x1e\n';
    expect(splitBatchOutput(out, 5)).toEqual(['{"a":1}\n', 'no newline', undefined, '', undefined]);
  });
});

describe('vtyshBatch with a stand-in vtysh', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vtysh-batch-'));
  const path = process.env.PATH;
  beforeAll(() => {
    // -N <ps> -c <command>: "fail" exits 1, "slow" answers last, anything else is echoed as JSON.
    writeFileSync(
      join(dir, 'vtysh'),
      `#!/bin/sh
case "$4" in
  fail) echo "% nope"; exit 1 ;;
  slow) sleep 0.3; printf '{"slow":"%s"}' "$2" ;;
  *) printf '{"ps":"%s","c":"%s"}\\n' "$2" "$4" ;;
esac
`,
    );
    chmodSync(join(dir, 'vtysh'), 0o755);
    process.env.PATH = `${dir}:${path ?? ''}`;
  });
  afterAll(() => {
    process.env.PATH = path;
  });

  it('runs every command in its own vtysh and returns the outputs in the order asked', async () => {
    const outs = await vtyshBatch('pe1', ['slow', 'show a json', 'fail', "show 'quoted' $HOME"], 10_000);
    expect(outs).toEqual(['{"slow":"pe1"}', '{"ps":"pe1","c":"show a json"}\n', undefined, `{"ps":"pe1","c":"show 'quoted' $HOME"}\n`]);
  });

  it('gives undefined for every command when the batch times out', async () => {
    expect(await vtyshBatch('pe1', ['slow', 'x'], 50)).toEqual([undefined, undefined]);
  });

  it('batches the calls of one turn and answers each caller', async () => {
    const vtysh = coalescedVtysh('pe2');
    const [a, b] = await Promise.all([vtysh('one'), vtysh('fail')]);
    expect(a).toBe('{"ps":"pe2","c":"one"}\n');
    expect(b).toBeUndefined();
    expect(await vtysh('two')).toBe('{"ps":"pe2","c":"two"}\n');
  });
});
