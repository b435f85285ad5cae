// What a client-node failure means for us: its HTTP status, a short description (never the
// request headers, never a body quoted at length), and whether it means "the API is gone".

import * as k8s from '@kubernetes/client-node';
import { safeText } from '../util/text.js';

/** HTTP status of a client-node failure, undefined for transport errors. */
export function httpStatus(e: unknown): number | undefined {
  if (e instanceof k8s.ApiException) return e.code;
  const x = e as { statusCode?: unknown; code?: unknown } | undefined;
  if (typeof x?.statusCode === 'number') return x.statusCode;
  if (typeof x?.code === 'number') return x.code;
  return undefined;
}

/** A short description of a client-node failure (never the request headers). */
export function describeError(e: unknown): string {
  if (e instanceof k8s.ApiException) {
    let msg: string;
    try {
      const body = typeof e.body === 'string' ? (JSON.parse(e.body) as { message?: string }) : (e.body as { message?: string } | undefined);
      msg = body?.message ?? '';
    } catch {
      msg = String(e.body);
    }
    msg = safeText(msg, 500);
    return `HTTP ${e.code}${msg ? `: ${msg}` : ''}`;
  }
  if (e instanceof Error) {
    const cause = (e as Error & { cause?: { code?: string; message?: string } }).cause;
    const status = httpStatus(e);
    const why = cause?.code ? ` (${cause.code})` : cause?.message ? ` (${cause.message})` : '';
    return safeText(`${status !== undefined ? `HTTP ${status}: ` : ''}${e.message}${why}`, 500);
  }
  return safeText(String(e), 500);
}

/** Errors after which the API counts as unreachable (probe, then restart): transport, 401, 429, 5xx. */
export function isConnectionError(status: number | undefined): boolean {
  return status === undefined || status === 401 || status === 429 || status >= 500;
}

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}
