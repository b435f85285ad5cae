// A restarted FRR loading frr.conf (`vtysh -b`) is told from one that has finished by the
// vtysh process itself, for perouterd's FRR instance only.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bootLoadRunning, isBootLoad } from '../../src/frr/boot-load.js';

describe('isBootLoad', () => {
  it('matches frrcommon.sh vtysh_b and the lab start for the pathspace', () => {
    expect(isBootLoad(['/usr/bin/vtysh', '-N', 'perouter', '-b'], 'perouter')).toBe(true);
    expect(isBootLoad(['/usr/bin/vtysh', '-N', 'perouter', '-b', '-d', 'bgpd'], 'perouter')).toBe(true);
    expect(isBootLoad(['vtysh', '--pathspace=perouter', '--boot'], 'perouter')).toBe(true);
    expect(isBootLoad(['vtysh', '-Nperouter', '-b'], 'perouter')).toBe(true);
  });

  it('ignores other instances, other vtysh uses and other programs', () => {
    expect(isBootLoad(['/usr/bin/vtysh', '-N', 'other', '-b'], 'perouter')).toBe(false);
    expect(isBootLoad(['/usr/bin/vtysh', '-b'], 'perouter')).toBe(false); // the default instance
    expect(isBootLoad(['/usr/bin/vtysh', '-N', 'perouter', '-f', 'frr.conf.delta'], 'perouter')).toBe(false);
    expect(isBootLoad(['/usr/bin/vtysh', '-N', 'perouter', '-c', 'show running-config'], 'perouter')).toBe(false);
    expect(isBootLoad(['/usr/bin/python3', '/usr/lib/frr/frr-reload.py', '--pathspace', 'perouter', '-b'], 'perouter')).toBe(false);
    expect(isBootLoad([], 'perouter')).toBe(false);
  });
});

describe('bootLoadRunning', () => {
  const procWith = (cmdlines: Record<string, string[]>): string => {
    const d = mkdtempSync(path.join(tmpdir(), 'proc-'));
    for (const [pid, argv] of Object.entries(cmdlines)) {
      mkdirSync(path.join(d, pid));
      writeFileSync(path.join(d, pid, 'cmdline'), argv.join('\0') + '\0');
    }
    mkdirSync(path.join(d, 'self'));
    mkdirSync(path.join(d, '99')); // a process that ended while /proc was read: no cmdline
    return d;
  };

  it('finds a running vtysh -b of the instance in /proc', async () => {
    const proc = procWith({ '1': ['/sbin/init'], '4242': ['/usr/bin/vtysh', '-N', 'perouter', '-b'] });
    expect(await bootLoadRunning('perouter', proc)).toBe(true);
    expect(await bootLoadRunning('other', proc)).toBe(false);
  });

  it('is false when there is none, or no /proc to read', async () => {
    expect(await bootLoadRunning('perouter', procWith({ '1': ['/sbin/init'] }))).toBe(false);
    expect(await bootLoadRunning('perouter', '/nonexistent-proc')).toBe(false);
  });

  it('sees this machine (no vtysh -b of a made-up instance)', async () => {
    expect(await bootLoadRunning(`nope-${process.pid}`)).toBe(false);
  });
});
