// Writes this node's RouterNodeConfigurationStatus: created with an ownerReference to the Node,
// then merge-patched on /status, only when the stored status differs from what buildStatus says.

import type { FailedResource } from '../config/model.js';
import { describeError, httpStatus, withTimeout } from './api-errors.js';
import { CO, MERGE_PATCH, type Obj, ownNode, slotOf } from './clients.js';
import { API_VERSION, STATUS_KIND, STATUS_PLURAL } from './kinds.js';
import type { KubeObject } from './kube-object.js';
import { buildStatus, type StatusReport, statusEqual } from './status.js';
import { type WriteContext, writeFailed } from './write-context.js';

export class StatusWrite {
  /** Our last write, for as long as the informer cache has not caught up with it. */
  private last: { rvBefore?: string; obj: Obj } | undefined;

  /** New clients, or the object was deleted: what we wrote is gone. */
  forget(): void {
    this.last = undefined;
  }

  /** Brings the stored status to `want` plus `rejected`; true when nothing is left to retry. */
  async sync(ctx: WriteContext, want: StatusReport, rejected: readonly FailedResource[]): Promise<boolean> {
    try {
      const current = this.current(ctx) ?? (await this.create(ctx));
      // API objects the API source rejected never reach the pipeline: they are reported here.
      const seen = new Set(want.failed.map((f) => `${f.kind}|${f.name}|${f.message}`));
      const failed = [...want.failed, ...rejected.filter((f) => !seen.has(`${f.kind}|${f.name}|${f.message}`))];
      const desired = buildStatus({ ...want, failed }, current.status, new Date());
      if (statusEqual(current.status, desired)) return true;
      // Merge patch: lists are replaced whole; stray top-level fields are cleared.
      const patch: Record<string, unknown> = { ...desired };
      for (const k of Object.keys((current.status ?? {}) as object)) if (!(k in patch)) patch[k] = null;
      if (desired.observedGeneration === undefined) patch.observedGeneration = null;
      const where = { ...CO, namespace: ctx.namespace, plural: STATUS_PLURAL, name: ctx.nodeName };
      const res = (await withTimeout(
        ctx.c.co.patchNamespacedCustomObjectStatus({ ...where, body: { status: patch } }, MERGE_PATCH),
        ctx.timeoutMs,
        'patch status',
      )) as Obj;
      const rvBefore = current.metadata?.resourceVersion;
      this.last = rvBefore === undefined ? { obj: res } : { rvBefore, obj: res };
      const ready = desired.conditions.find((x) => x.type === 'Ready');
      ctx.log.info({ ready: ready?.status, reason: ready?.reason, failed: desired.failedResources.length }, 'node status updated');
      return true;
    } catch (e) {
      if (httpStatus(e) === 422 || httpStatus(e) === 400) {
        ctx.log.error({ err: describeError(e) }, 'node status refused by the API server');
        return true;
      }
      return writeFailed(ctx, e, 'node status');
    }
  }

  /** The stored status: the cached one, or our last write while the cache lags it. */
  private current(ctx: WriteContext): KubeObject | undefined {
    const cached = slotOf(ctx.c, 'status')?.informer.get(ctx.nodeName, ctx.namespace);
    const last = this.last;
    if (last && (!cached || cached.metadata?.resourceVersion === last.rvBefore)) return last.obj;
    return cached;
  }

  private async create(ctx: WriteContext): Promise<KubeObject> {
    const where = { ...CO, namespace: ctx.namespace, plural: STATUS_PLURAL };
    const uid = ownNode(ctx.c, ctx.nodeName)?.metadata?.uid;
    const body = {
      apiVersion: API_VERSION,
      kind: STATUS_KIND,
      metadata: {
        name: ctx.nodeName,
        namespace: ctx.namespace,
        ...(uid ? { ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: ctx.nodeName, uid }] } : {}),
      },
    };
    try {
      const created = (await withTimeout(ctx.c.co.createNamespacedCustomObject({ ...where, body }), ctx.timeoutMs, 'create status')) as Obj;
      this.last = { obj: created };
      return created;
    } catch (e) {
      if (httpStatus(e) !== 409) throw e;
      return (await withTimeout(ctx.c.co.getNamespacedCustomObject({ ...where, name: ctx.nodeName }), ctx.timeoutMs, 'get status')) as Obj;
    }
  }
}
