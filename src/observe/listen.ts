// The HTTP endpoint's address as `perouterd run --http-listen` takes it. Kept apart from the
// server so the command line can check it without loading node:http.
import { isIP } from 'node:net';

export interface ListenAddress {
  host: string;
  port: number;
}

/** `addr:port` (IPv6 in brackets), or undefined for `off`; throws a usage message otherwise. */
export function parseListen(value: string): ListenAddress | undefined {
  if (value === 'off') return undefined;
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(value);
  const host = m?.[1] ?? m?.[2];
  const port = Number(m?.[3]);
  if (!m || host === undefined || isIP(host) === 0 || !(port >= 0 && port <= 65535))
    throw new Error(`--http-listen must be <IP address>:<port> ([<IPv6>]:<port>) or "off", got "${value}"`);
  return { host, port };
}

export function isLoopback(host: string): boolean {
  return host === '::1' || /^127\./.test(host);
}
