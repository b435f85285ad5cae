// The daemon's view of the files on the real filesystem: the digest that tells a settled
// directory from one caught mid-update, and a watch that survives the directory being
// replaced (config management renames it away and recreates it).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { FileSources } from '../../src/daemon/sources.js';
import { ConfigWatch } from '../../src/daemon/triggers.js';

function dirs(): { root: string; cfg: string; node: string } {
  const root = mkdtempSync(path.join(tmpdir(), 'daemon-files-'));
  const cfg = path.join(root, 'configs');
  mkdirSync(cfg);
  const node = path.join(root, 'node-config.yaml');
  writeFileSync(node, 'nodeIndex:\n  index: 0\n');
  writeFileSync(path.join(cfg, 'openpe_a.yaml'), 'l3vnis: []\n');
  return { root, cfg, node };
}

describe('FileSources.digest', () => {
  it('is stable for unchanged files, changes with content, and reports a missing directory', async () => {
    const { cfg, node } = dirs();
    const s = new FileSources({ configDir: cfg, nodeConfigPath: node });
    const a = await s.digest();
    expect(a.ok).toBe(true);
    expect(await s.digest()).toEqual(a);
    writeFileSync(path.join(cfg, 'openpe_a.yaml'), 'l3vnis: [] \n');
    expect(await s.digest()).not.toEqual(a);
    rmSync(cfg, { recursive: true });
    expect(await s.digest()).toEqual({ ok: false, reason: `configuration directory ${cfg} does not exist` });
  });

  it('is the digest of the files as they are, whether a hash was kept (identity unchanged) or read again', async () => {
    const { root, cfg, node } = dirs();
    const src = { configDir: cfg, nodeConfigPath: node };
    const kept = new FileSources(src, { conclusiveNs: 0n }); // identity trusted as soon as the clock moved
    const fresh = async (): Promise<unknown> => new FileSources(src).digest();
    const f = path.join(cfg, 'openpe_a.yaml');
    const steps: Array<() => void> = [
      () => undefined,
      () => writeFileSync(f, 'l3vnis: [ ]\n'), // same size, other content
      () => writeFileSync(path.join(cfg, 'openpe_b.yaml'), 'l2vnis: []\n'),
      () => writeFileSync(path.join(root, 'target.yaml'), 'l3vnis: []  \n'), // not linked yet: no change
      () => (rmSync(f), execFileSync('ln', ['-s', path.join(root, 'target.yaml'), f])),
      () => writeFileSync(path.join(root, 'target.yaml'), 'l3vnis: []\n\n'),
      () => rmSync(path.join(cfg, 'openpe_b.yaml')),
    ];
    const seen = new Set<string>();
    for (const step of steps) {
      step();
      await new Promise((r) => setTimeout(r, 5));
      const d = await kept.digest();
      expect(d).toEqual(await fresh());
      expect(await kept.digest()).toEqual(d);
      if (d.ok) seen.add(d.digest);
    }
    expect(seen.size).toBe(steps.length - 1); // every step changed it but the first and the unlinked target
  });

  it('never blocks on a FIFO planted under a configuration name', async () => {
    const { cfg, node } = dirs();
    execFileSync('mkfifo', [path.join(cfg, 'openpe_fifo.yaml')]);
    const s = new FileSources({ configDir: cfg, nodeConfigPath: node });
    expect((await s.digest()).ok).toBe(true);
  });
});

describe('ConfigWatch', () => {
  const changed = (w: { count: number }, min: number): Promise<void> =>
    new Promise((res, rej) => {
      const t0 = Date.now();
      const tick = setInterval(() => {
        if (w.count >= min) res(void clearInterval(tick));
        else if (Date.now() - t0 > 3000) {
          clearInterval(tick);
          rej(new Error(`only ${w.count} change(s) seen`));
        }
      }, 10);
    });

  it('watches a replaced directory again at once: a file written into the new one is noticed', async () => {
    const { root, cfg, node } = dirs();
    const seen = { count: 0 };
    const w = new ConfigWatch({ configDir: cfg, nodeConfigPath: node, debounceMs: 20 }, () => seen.count++, pino({ level: 'silent' }));
    w.arm();
    try {
      renameSync(cfg, path.join(root, 'configs.old'));
      mkdirSync(cfg);
      await changed(seen, 1);
      const before = seen.count;
      await new Promise((r) => setTimeout(r, 100));
      writeFileSync(path.join(cfg, 'openpe_b.yaml'), 'l2vnis: []\n');
      await changed(seen, before + 1);
      // and an unrelated file in the directory is not a change
      const after = seen.count;
      writeFileSync(path.join(cfg, 'README'), 'x');
      await new Promise((r) => setTimeout(r, 150));
      expect(seen.count).toBe(after);
    } finally {
      w.stop();
    }
  });
});
