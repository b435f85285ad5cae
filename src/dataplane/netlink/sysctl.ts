// Per-netns sysctls. /proc/sys/net/* shows the netns of the thread that looks
// the path up, so reads and writes run synchronously on the main thread inside
// the setns bracket (fs.readFileSync/writeFileSync do not use the threadpool).
// They are tiny proc files, so blocking is negligible.

import * as fs from 'node:fs';
import { runInNetnsSync } from './netns.js';

function procPath(p: string): string {
  const rel = p.replace(/^\/proc\/sys\//, '').replace(/^\/+/, '');
  // Dotted form is not accepted: interface names may contain dots.
  if (!rel || rel.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    throw new TypeError(`invalid sysctl path: ${JSON.stringify(p)}`);
  }
  return `/proc/sys/${rel}`;
}

function inNetns<T>(netnsName: string | undefined, fn: () => T): T {
  return netnsName === undefined ? fn() : runInNetnsSync(netnsName, fn);
}

function readNow(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** e.g. readSysctl('pe', 'net/ipv4/conf/all/forwarding') -> '1'; undefined if the key does not exist. */
export function readSysctl(netnsName: string | undefined, path: string): string | undefined {
  const file = procPath(path);
  return inNetns(netnsName, () => readNow(file));
}

/** Writes only if the value differs (whitespace-normalised); true if it wrote. Throws ENOENT if missing. */
export function writeSysctl(netnsName: string | undefined, path: string, value: string): boolean {
  const file = procPath(path);
  const norm = (s: string): string => s.trim().split(/\s+/).join(' ');
  return inNetns(netnsName, () => {
    const cur = readNow(file);
    if (cur !== undefined && norm(cur) === norm(value)) return false;
    fs.writeFileSync(file, value);
    return true;
  });
}
