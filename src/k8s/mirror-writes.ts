// Writes the mirrors of the static objects (create / update / delete, as planned by mirror.ts)
// and the node-index annotation. PUT with the cached resourceVersion; 409 → re-read; a 400/422
// is not retried until the spec changes.

import { stableStringify } from '../util/json.js';
import { describeError, httpStatus, withTimeout } from './api-errors.js';
import { CO, ownNode, slotOf, STRATEGIC_PATCH } from './clients.js';
import { API_KINDS, type ApiKind } from './kinds.js';
import { type KubeObject, NODE_INDEX_ANNOTATION } from './kube-object.js';
import { type MirrorObject, mirrorMatches, planMirror, updatedMirror } from './mirror.js';
import { type WriteContext, writeFailed } from './write-context.js';

export interface MirrorWant {
  /** undefined: the mirrors are not managed (no successful static read yet). */
  objects?: MirrorObject[];
  nodeIndex: number;
}

function plural(kind: ApiKind): string {
  return API_KINDS.find((k) => k.kind === kind)?.plural ?? '';
}

export class MirrorWrites {
  /** Mirrors the server refused (400/422), by kind/name → spec: not retried until the spec changes. */
  private readonly refused = new Map<string, string>();
  private lastAnnotation: { value: string; rvBefore?: string } | undefined;

  /** New clients: what the old ones wrote says nothing about the new cache. */
  forget(): void {
    this.lastAnnotation = undefined;
  }

  /** Brings the mirrors and the annotation to `want`; true when nothing is left to retry. */
  async sync(ctx: WriteContext, want: MirrorWant): Promise<boolean> {
    if (want.objects === undefined) return this.syncAnnotation(ctx, want.nodeIndex);
    const existing: Array<{ kind: ApiKind; obj: KubeObject }> = [];
    for (const k of API_KINDS) {
      for (const obj of slotOf(ctx.c, `mirror/${k.plural}`)?.informer.list(ctx.namespace) ?? []) existing.push({ kind: k.kind, obj });
    }
    const plan = planMirror(want.objects, existing);
    let ok = true;
    for (const d of plan.create) ok = (await this.create(ctx, d)) && ok;
    for (const u of plan.update) ok = (await this.update(ctx, u.existing, u.want, true)) && ok;
    for (const d of plan.delete) ok = (await this.remove(ctx, d.kind, d.obj)) && ok;
    ok = (await this.syncAnnotation(ctx, want.nodeIndex)) && ok;
    return ok;
  }

  private refusal(d: MirrorObject): { key: string; spec: string; refused: boolean } {
    const key = `${d.kind}/${d.metadata.name}`;
    const spec = stableStringify(d);
    return { key, spec, refused: this.refused.get(key) === spec };
  }

  /** A mirror write failed: a 400/422 is remembered (not retried until the spec changes). */
  private failed(ctx: WriteContext, e: unknown, d: MirrorObject, r?: { key: string; spec: string }): boolean {
    const status = httpStatus(e);
    if ((status === 400 || status === 422) && r !== undefined) {
      this.refused.set(r.key, r.spec);
      ctx.log.error(
        { err: describeError(e) },
        `mirror ${d.kind} ${d.metadata.name}: refused by the API server (not retried until it changes)`,
      );
      return true;
    }
    return writeFailed(ctx, e, `mirror ${d.kind} ${d.metadata.name}`);
  }

  /** 409 on create or update: read what is there and make it ours. */
  private async takeOver(ctx: WriteContext, d: MirrorObject): Promise<boolean> {
    const where = { ...CO, namespace: ctx.namespace, plural: plural(d.kind), name: d.metadata.name };
    try {
      const cur = (await withTimeout(ctx.c.co.getNamespacedCustomObject(where), ctx.timeoutMs, 'get')) as KubeObject;
      return mirrorMatches(cur, d) ? true : await this.update(ctx, cur, d, false);
    } catch (e) {
      return this.failed(ctx, e, d);
    }
  }

  private async create(ctx: WriteContext, d: MirrorObject): Promise<boolean> {
    const r = this.refusal(d);
    if (r.refused) return true;
    const where = { ...CO, namespace: ctx.namespace, plural: plural(d.kind) };
    try {
      await withTimeout(ctx.c.co.createNamespacedCustomObject({ ...where, body: d }), ctx.timeoutMs, 'create');
      ctx.log.info({ kind: d.kind, name: d.metadata.name }, 'static object mirrored (created)');
      return true;
    } catch (e) {
      if (httpStatus(e) === 409) return this.takeOver(ctx, d); // exists without our labels (or the cache lags)
      return this.failed(ctx, e, d, r);
    }
  }

  private async update(ctx: WriteContext, existing: KubeObject, d: MirrorObject, retry: boolean): Promise<boolean> {
    const r = this.refusal(d);
    if (r.refused) return true;
    const where = { ...CO, namespace: ctx.namespace, plural: plural(d.kind), name: d.metadata.name };
    try {
      await withTimeout(ctx.c.co.replaceNamespacedCustomObject({ ...where, body: updatedMirror(existing, d) }), ctx.timeoutMs, 'update');
      ctx.log.info({ kind: d.kind, name: d.metadata.name }, 'static object mirrored (updated: edits reverted)');
      return true;
    } catch (e) {
      const status = httpStatus(e);
      if (retry && status === 409) return this.takeOver(ctx, d);
      if (retry && status === 404) return this.create(ctx, d);
      return this.failed(ctx, e, d, r);
    }
  }

  private async remove(ctx: WriteContext, kind: ApiKind, obj: KubeObject): Promise<boolean> {
    const name = obj.metadata?.name ?? '';
    try {
      await withTimeout(
        ctx.c.co.deleteNamespacedCustomObject({ ...CO, namespace: ctx.namespace, plural: plural(kind), name }),
        ctx.timeoutMs,
        'delete',
      );
      ctx.log.info({ kind, name }, 'stale static mirror deleted');
      return true;
    } catch (e) {
      if (httpStatus(e) === 404) return true;
      return writeFailed(ctx, e, `delete stale mirror ${kind} ${name}`);
    }
  }

  private async syncAnnotation(ctx: WriteContext, index: number): Promise<boolean> {
    const node = ownNode(ctx.c, ctx.nodeName);
    if (!node) return true; // no Node object: nothing to annotate
    const value = String(index);
    const rv = node.metadata?.resourceVersion;
    if (node.metadata?.annotations?.[NODE_INDEX_ANNOTATION] === value) return true;
    if (this.lastAnnotation?.value === value && this.lastAnnotation.rvBefore === rv) return true; // cache not caught up yet
    const body = { metadata: { annotations: { [NODE_INDEX_ANNOTATION]: value } } };
    try {
      await withTimeout(ctx.c.core.patchNode({ name: ctx.nodeName, body }, STRATEGIC_PATCH), ctx.timeoutMs, 'patch node');
      this.lastAnnotation = rv === undefined ? { value } : { value, rvBefore: rv };
      ctx.log.info({ node: ctx.nodeName, index }, `node annotated ${NODE_INDEX_ANNOTATION}=${value}`);
      return true;
    } catch (e) {
      if (httpStatus(e) === 404) return true;
      return writeFailed(ctx, e, 'node-index annotation');
    }
  }
}
