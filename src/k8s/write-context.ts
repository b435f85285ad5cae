// What the writes (mirrors, annotation, status) share: the clients, where to write, and one way
// to handle a failed write.

import type { Logger } from 'pino';
import { describeError, httpStatus, isConnectionError } from './api-errors.js';
import type { Clients } from './clients.js';

export interface WriteContext {
  c: Clients;
  namespace: string;
  nodeName: string;
  log: Logger;
  timeoutMs: number;
  /** A request failed in a way that may mean the API is gone. */
  suspect(err: string): void;
}

/** A write failed: logs it, reports a possible API loss; false = worth retrying. */
export function writeFailed(ctx: WriteContext, e: unknown, what: string): boolean {
  const err = describeError(e);
  ctx.log.warn({ err }, `${what} failed`);
  if (isConnectionError(httpStatus(e))) ctx.suspect(err);
  return false;
}
