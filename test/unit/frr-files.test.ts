// perouterd runs as root and FRR's path space belongs to `frr`: links planted there must not
// redirect a write, and the candidate FRR checks must live where only root can write.
import { mkdtempSync, mkdirSync, readFileSync, symlinkSync, writeFileSync, lstatSync, statSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FrrReloader, frrPaths } from '../../src/frr/reloader.js';

/** A stand-in for python3 + frr-reload.py: logs the candidate path and its mode, reports no diff. */
function fakeReload(dir: string): { python: string; log: string } {
  const log = path.join(dir, 'calls.log');
  const python = path.join(dir, 'fake-python.sh');
  writeFileSync(python, `#!/bin/sh\nf="$(eval echo \\\${$#})"\necho "$2 $f $(stat -c %a "$(dirname "$f")")" >> ${log}\n`, { mode: 0o755 });
  return { python, log };
}

describe('FrrReloader files', () => {
  it('writes vtysh.conf and frr.conf without following links; candidates sit in a root-only directory', async () => {
    const d = mkdtempSync(path.join(tmpdir(), 'frr-files-'));
    const confDir = path.join(d, 'etc-frr-ps');
    mkdirSync(confDir);
    chmodSync(confDir, 0o777); // as if owned by another user
    const victim = path.join(d, 'shadow');
    writeFileSync(victim, 'precious');
    symlinkSync(victim, path.join(confDir, 'frr.conf'));
    symlinkSync(path.join(d, 'created-by-root'), path.join(confDir, 'vtysh.conf'));
    const { python, log } = fakeReload(d);
    const r = new FrrReloader(frrPaths('ps', { confDir, runDir: d, workDir: path.join(d, 'work'), python }));

    expect(await r.check('router bgp 64514\n')).toBeUndefined();
    expect(await r.apply('router bgp 64514\n')).toEqual({ outcome: 'unchanged' });

    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(() => lstatSync(path.join(d, 'created-by-root'))).toThrow();
    expect(lstatSync(path.join(confDir, 'frr.conf')).isSymbolicLink()).toBe(false);
    expect(readFileSync(path.join(confDir, 'frr.conf'), 'utf8')).toBe('router bgp 64514\n');
    expect(statSync(path.join(confDir, 'frr.conf')).mode & 0o777).toBe(0o640);
    const calls = readFileSync(log, 'utf8').trim().split('\n');
    expect(calls.length).toBeGreaterThan(0);
    for (const c of calls) expect(c).toMatch(new RegExp(`^\\S+ ${path.join(d, 'work')}/frr\\.conf\\.(check|candidate) 700$`));
  });
});
