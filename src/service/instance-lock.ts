// One running `perouterd run` per router namespace: an exclusive flock(2) on
// <state-dir>/<netns>.lock, held for the life of the process (the kernel drops
// it when the process dies, so a crash never leaves a stale lock). The file
// carries the holder's PID for the refusal message.
import { closeSync, mkdirSync, openSync, readFileSync, ftruncateSync, writeSync } from 'node:fs';
import path from 'node:path';
import { LOCK_EX, LOCK_NB, serviceLibc } from './libc.js';

const EWOULDBLOCK = 11;

export class InstanceLockedError extends Error {}

export function instanceLockPath(stateDir: string, netns: string): string {
  return path.join(stateDir, `${netns}.lock`);
}

/** Takes the lock or throws InstanceLockedError naming the running instance. Returns the held fd. */
export function acquireInstanceLock(stateDir: string, netns: string): number {
  mkdirSync(stateDir, { recursive: true, mode: 0o755 });
  const file = instanceLockPath(stateDir, netns);
  const fd = openSync(file, 'a+', 0o644);
  const r = serviceLibc.flock(fd, LOCK_EX | LOCK_NB);
  if (r === -EWOULDBLOCK) {
    closeSync(fd);
    let holder = '';
    try {
      holder = readFileSync(file, 'utf8').trim();
    } catch {
      // The message works without the PID.
    }
    throw new InstanceLockedError(
      `another perouterd${holder ? ` (pid ${holder})` : ''} already runs for router namespace "${netns}" (lock ${file}); refusing to start a second one`,
    );
  }
  if (r < 0) {
    closeSync(fd);
    throw new Error(`cannot lock ${file}: errno ${-r}`);
  }
  ftruncateSync(fd, 0);
  writeSync(fd, `${process.pid}\n`, 0);
  return fd;
}
