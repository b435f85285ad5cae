// The service side's libc calls on the real kernel: an sd_notify datagram reaches a
// unix socket (received by python3, as systemd would), and a second instance for
// the same router namespace is refused while the first holds its lock.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { serviceManagerFromEnv } from '../../src/service/sd-notify.js';
import { acquireInstanceLock, InstanceLockedError } from '../../src/service/instance-lock.js';

const dir = mkdtempSync(join(tmpdir(), 'perouterd-svc-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function receiveOne(address: string): { ready: Promise<void>; message: Promise<string> } {
  const py = spawn('python3', [
    '-c',
    `import socket,sys
s=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)
a=sys.argv[1]
s.bind('\\0'+a[1:] if a.startswith('@') else a)
print('bound',flush=True)
s.settimeout(10)
print(s.recv(4096).decode(),end='',flush=True)`,
    address,
  ]);
  let out = '';
  let onBound: () => void = () => undefined;
  const ready = new Promise<void>((r) => (onBound = r));
  const message = new Promise<string>((resolve) => {
    py.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.startsWith('bound\n')) onBound();
    });
    py.on('close', () => resolve(out.replace(/^bound\n/, '')));
  });
  return { ready, message };
}

describe('sd_notify through libc', () => {
  for (const address of [join(dir, 'notify'), `@perouterd-test-${process.pid}`]) {
    it(`delivers KEY=value lines to ${address.startsWith('@') ? 'an abstract' : 'a path'} socket`, async () => {
      const rx = receiveOne(address);
      await rx.ready;
      const errors: string[] = [];
      serviceManagerFromEnv({ NOTIFY_SOCKET: address }, (m) => errors.push(m)).notify({
        READY: '1',
        STATUS: 'ready: all configuration applied',
      });
      expect(await rx.message).toBe('READY=1\nSTATUS=ready: all configuration applied');
      expect(errors).toEqual([]);
    });
  }
});

describe('one instance per router namespace', () => {
  it('refuses a second lock for the same namespace, naming the holder', () => {
    acquireInstanceLock(dir, 'pe-a');
    expect(() => acquireInstanceLock(dir, 'pe-a')).toThrow(InstanceLockedError);
    expect(() => acquireInstanceLock(dir, 'pe-a')).toThrow(new RegExp(`pid ${process.pid}.*router namespace "pe-a"`));
    expect(() => acquireInstanceLock(dir, 'pe-b')).not.toThrow();
  });
});
