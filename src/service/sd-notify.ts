// sd_notify(3) without libsystemd and without spawning systemd-notify: one
// AF_UNIX datagram to $NOTIFY_SOCKET per message. Node has no unix datagram
// sockets, so the socket is made through libc (koffi).
import { AF_UNIX, SOCK_CLOEXEC, SOCK_DGRAM, serviceLibc } from './libc.js';

/** What the daemon's service hooks need from the service manager; tests fake it. */
export interface ServiceManager {
  /** Sends `KEY=value` lines (READY, STATUS, WATCHDOG, STOPPING…). */
  notify(fields: Record<string, string>): void;
  /** Half of the watchdog timeout systemd gave this process, or undefined when there is none. */
  watchdogIntervalMs(): number | undefined;
}

const SUN_PATH_MAX = 108;

/**
 * struct sockaddr_un for $NOTIFY_SOCKET: a path, or an abstract name when it
 * starts with "@" (leading NUL, length without a terminator).
 */
export function notifySocketAddress(socket: string): Buffer {
  const abstract = socket.startsWith('@');
  const name = Buffer.from(abstract ? socket.slice(1) : socket, 'utf8');
  if (!abstract && !socket.startsWith('/')) throw new Error(`NOTIFY_SOCKET must be a path or @name, got ${JSON.stringify(socket)}`);
  if (name.length + 1 > SUN_PATH_MAX) throw new Error(`NOTIFY_SOCKET too long: ${socket}`);
  const addr = Buffer.alloc(2 + 1 + name.length);
  addr.writeUInt16LE(AF_UNIX, 0);
  name.copy(addr, abstract ? 3 : 2); // abstract: byte 2 stays NUL; path: NUL terminator at the end
  return addr;
}

/** KEY=value lines; a value may not contain a newline (it would start a new field). */
export function notifyMessage(fields: Record<string, string>): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k}=${v.replace(/\n/g, ' ')}`)
    .join('\n');
}

/** Watchdog ping interval (half the timeout) when WATCHDOG_USEC applies to this process. */
export function watchdogIntervalFromEnv(env: NodeJS.ProcessEnv, pid: number): number | undefined {
  const usec = Number(env['WATCHDOG_USEC']);
  if (!Number.isFinite(usec) || usec <= 0) return undefined;
  if (env['WATCHDOG_PID'] !== undefined && Number(env['WATCHDOG_PID']) !== pid) return undefined;
  return Math.max(1, Math.floor(usec / 2000));
}

class SystemdNotifier implements ServiceManager {
  private fd = -1;
  private warned = false;
  constructor(
    private readonly addr: Buffer,
    private readonly watchdogMs: number | undefined,
    private readonly onError: (msg: string) => void,
  ) {}

  notify(fields: Record<string, string>): void {
    if (this.fd < 0) this.fd = serviceLibc.socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC);
    const r = this.fd < 0 ? this.fd : serviceLibc.sendto(this.fd, Buffer.from(notifyMessage(fields)), this.addr);
    if (r < 0 && !this.warned) {
      // Reported once: a lost STATUS is harmless, and a lost READY shows as a start timeout.
      this.warned = true;
      this.onError(`sd_notify failed (errno ${-r})`);
    }
  }

  watchdogIntervalMs(): number | undefined {
    return this.watchdogMs;
  }
}

const noManager: ServiceManager = { notify: () => undefined, watchdogIntervalMs: () => undefined };

/** The service manager this process runs under: systemd when $NOTIFY_SOCKET is set, else a no-op. */
export function serviceManagerFromEnv(env: NodeJS.ProcessEnv, onError: (msg: string) => void): ServiceManager {
  const socket = env['NOTIFY_SOCKET'];
  if (!socket) return noManager;
  return new SystemdNotifier(notifySocketAddress(socket), watchdogIntervalFromEnv(env, process.pid), onError);
}
