// The safe-write primitive on the real filesystem: symlinks are never followed, files are
// created new with the requested mode, directories others can write are refused.
import {
  mkdtempSync,
  readFileSync,
  writeFileSync,
  symlinkSync,
  statSync,
  lstatSync,
  chmodSync,
  mkdirSync,
  readlinkSync,
  readdirSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensureFileSafe, ensurePrivateDir, UnsafePathError, writeFileSafe } from '../../src/sys/safe-file.js';

const scratch = (): string => mkdtempSync(path.join(tmpdir(), 'safe-file-'));

describe('writeFileSafe', () => {
  it('replaces a symlink planted at the target instead of writing through it', async () => {
    const d = scratch();
    const victim = path.join(d, 'victim');
    writeFileSync(victim, 'precious');
    symlinkSync(victim, path.join(d, 'frr.conf'));
    await writeFileSafe(d, 'frr.conf', 'router bgp 1\n', { mode: 0o640 });
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    expect(lstatSync(path.join(d, 'frr.conf')).isSymbolicLink()).toBe(false);
    expect(readFileSync(path.join(d, 'frr.conf'), 'utf8')).toBe('router bgp 1\n');
    expect(statSync(path.join(d, 'frr.conf')).mode & 0o777).toBe(0o640);
    expect(readdirSync(d).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });

  it('refuses a directory reached through a symlink anywhere on the path', async () => {
    const d = scratch();
    mkdirSync(path.join(d, 'real'));
    symlinkSync(path.join(d, 'real'), path.join(d, 'link'));
    await expect(writeFileSafe(path.join(d, 'link'), 'f', 'x')).rejects.toBeInstanceOf(UnsafePathError);
    await expect(writeFileSafe(path.join(d, 'link', '.'), 'f', 'x')).rejects.toBeInstanceOf(UnsafePathError);
    expect(readdirSync(path.join(d, 'real'))).toEqual([]);
  });

  it('rootOnly: refuses a directory others can write', async () => {
    const d = scratch();
    chmodSync(d, 0o777);
    await expect(writeFileSafe(d, 'status.json', '{}', { rootOnly: true })).rejects.toThrow(/writable by no one else/);
    chmodSync(d, 0o700);
    await writeFileSafe(d, 'status.json', '{}', { rootOnly: true });
    expect(statSync(path.join(d, 'status.json')).mode & 0o777).toBe(0o600);
  });
});

describe('ensureFileSafe / ensurePrivateDir', () => {
  it('creates a missing file, leaves an existing one (or a planted symlink) untouched', async () => {
    const d = scratch();
    const victim = path.join(d, 'victim');
    writeFileSync(victim, 'precious');
    symlinkSync(victim, path.join(d, 'vtysh.conf'));
    await ensureFileSafe(d, 'vtysh.conf');
    expect(readlinkSync(path.join(d, 'vtysh.conf'))).toBe(victim);
    expect(readFileSync(victim, 'utf8')).toBe('precious');
    await ensureFileSafe(d, 'other.conf', { mode: 0o640 });
    expect(statSync(path.join(d, 'other.conf')).mode & 0o777).toBe(0o640);
  });

  it('creates the state directory private and tightens an existing world-readable one', async () => {
    const d = path.join(scratch(), 'state');
    await ensurePrivateDir(d, 0o700);
    expect(statSync(d).mode & 0o777).toBe(0o700);
    chmodSync(d, 0o755);
    await ensurePrivateDir(d, 0o750);
    expect(statSync(d).mode & 0o777).toBe(0o750);
  });
});
