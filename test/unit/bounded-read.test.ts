// Bounded reads: the whole content whatever fstat says (files in /proc report size 0), and
// the size cap, the same for the blocking and the non-blocking reader.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readFileBounded, readFileBoundedSync } from '../../src/sys/bounded-read.js';

describe('bounded reads', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'perouterd-bounded-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, content: string | Buffer): string => {
    const f = path.join(dir, name);
    writeFileSync(f, content);
    return f;
  };

  it('returns exactly the content, empty and large files alike, sync and async', async () => {
    const big = Buffer.from(Array.from({ length: 200_000 }, (_, i) => i % 251));
    for (const [name, content] of [
      ['empty', Buffer.alloc(0)],
      ['small', Buffer.from('l3vnis: []\n')],
      ['big', big],
    ] as const) {
      const f = file(name, content);
      expect(readFileBoundedSync(f).equals(content)).toBe(true);
      expect((await readFileBounded(f)).equals(content)).toBe(true);
    }
  });

  it('reads files whose size fstat does not know (/proc reports 0)', async () => {
    const sync = readFileBoundedSync('/proc/self/status').toString();
    expect(sync).toMatch(/^Name:/);
    expect(sync).toMatch(/VmRSS/);
    expect((await readFileBounded('/proc/self/status')).toString()).toMatch(/VmRSS/);
  });

  it('refuses more than the cap, accepts exactly the cap', async () => {
    const f = file('cap', 'x'.repeat(100));
    expect(readFileBoundedSync(f, 100).length).toBe(100);
    expect(() => readFileBoundedSync(f, 99)).toThrow(/larger than 99 bytes/);
    await expect(readFileBounded(f, 99)).rejects.toThrow(/larger than 99 bytes/);
  });
});
