// The informers of one set of clients (client-node ListWatch: list, then watch with bookmarks;
// 410 → relist):
//   api/<kind>     cluster-wide (RawFRRConfig: own namespace), without the mirror label
//   unsupported/<kind>  cluster-wide, kinds only reported (L3VPN), without the mirror label
//   mirror/<kind>  own namespace, this node's mirrored static objects
//   node           this Node (metadata.name), for nodeSelector labels and the annotation
//   status         this node's RouterNodeConfigurationStatus
// An informer stopped by a connection error (transport, 401, 429, 5xx) reports the API lost and
// is restarted by the next successful probe; any other error restarts it alone with backoff.

import * as k8s from '@kubernetes/client-node';
import type { Logger } from 'pino';
import { Backoff, type BackoffPolicy } from '../util/backoff.js';
import { describeError, httpStatus, isConnectionError, withTimeout } from './api-errors.js';
import { CO, type Clients, GuardedWatch, type Obj, type Role, type Slot } from './clients.js';
import { API_KINDS, type ApiKind, GROUP, STATUS_PLURAL, UNSUPPORTED_KINDS, VERSION } from './kinds.js';
import { SOURCE_LABEL } from './kube-object.js';
import { mirrorSelector } from './mirror.js';
import type { Timers } from './timers.js';

export interface InformerHooks {
  /** A list completed, or an object changed after the first list. */
  changed(slot: Slot): void;
  /** This node's status object was deleted (by someone else). */
  statusDeleted(): void;
  /** An informer lost the API (a connection error). */
  lost(err: string): void;
}

export interface InformerOptions {
  namespace: string;
  nodeName: string;
  log: Logger;
  timers: Timers;
  backoff: BackoffPolicy;
  timeoutMs: number;
  hooks: InformerHooks;
}

interface SlotSpec {
  name: string;
  role: Role;
  kind?: ApiKind;
  reportedKind?: string;
  path: string;
  labelSelector?: string;
  fieldSelector?: string;
  list: () => Promise<unknown>;
}

export class Informers {
  /** Informers stopped by an error since start (each is restarted: by backoff, or by the next successful probe). */
  watchRestarts = 0;

  constructor(private readonly o: InformerOptions) {}

  /** Creates every informer of `c` and starts them. */
  create(c: Clients): void {
    for (const spec of this.specs(c)) this.add(c, spec);
    for (const s of c.slots) this.restart(s);
  }

  /** Starts the informers of `c` that stopped (after the API came back). */
  restartStopped(c: Clients): void {
    for (const s of c.slots) if (!s.running) this.restart(s);
  }

  /** Stops every informer of `c` for good. */
  retire(c: Clients): void {
    c.dead = true;
    for (const s of c.slots) {
      s.running = false;
      this.o.timers.clear(s.retryTimer);
      s.watch.closed = true;
      void s.informer.stop().catch(() => undefined);
    }
  }

  private specs(c: Clients): SlotSpec[] {
    const { co, core } = c;
    const ns = this.o.namespace;
    const base = `/apis/${GROUP}/${VERSION}`;
    const apiSel = `!${SOURCE_LABEL}`;
    const mirrorSel = mirrorSelector(this.o.nodeName);
    const nodeField = `metadata.name=${this.o.nodeName}`;
    const out: SlotSpec[] = [];
    for (const k of API_KINDS) {
      out.push({
        name: `api/${k.plural}`,
        role: 'api',
        kind: k.kind,
        path: k.clusterWide ? `${base}/${k.plural}` : `${base}/namespaces/${ns}/${k.plural}`,
        labelSelector: apiSel,
        list: () =>
          k.clusterWide
            ? co.listClusterCustomObject({ ...CO, plural: k.plural, labelSelector: apiSel })
            : co.listNamespacedCustomObject({ ...CO, namespace: ns, plural: k.plural, labelSelector: apiSel }),
      });
    }
    for (const k of UNSUPPORTED_KINDS) {
      out.push({
        name: `unsupported/${k.plural}`,
        role: 'unsupported',
        reportedKind: k.kind,
        path: `${base}/${k.plural}`,
        labelSelector: apiSel,
        list: () => co.listClusterCustomObject({ ...CO, plural: k.plural, labelSelector: apiSel }),
      });
    }
    for (const k of API_KINDS) {
      out.push({
        name: `mirror/${k.plural}`,
        role: 'mirror',
        kind: k.kind,
        path: `${base}/namespaces/${ns}/${k.plural}`,
        labelSelector: mirrorSel,
        list: () => co.listNamespacedCustomObject({ ...CO, namespace: ns, plural: k.plural, labelSelector: mirrorSel }),
      });
    }
    out.push({
      name: 'node',
      role: 'node',
      path: '/api/v1/nodes',
      fieldSelector: nodeField,
      list: () => core.listNode({ fieldSelector: nodeField }),
    });
    out.push({
      name: 'status',
      role: 'status',
      path: `${base}/namespaces/${ns}/${STATUS_PLURAL}`,
      fieldSelector: nodeField,
      list: () => co.listNamespacedCustomObject({ ...CO, namespace: ns, plural: STATUS_PLURAL, fieldSelector: nodeField }),
    });
    return out;
  }

  private add(c: Clients, spec: SlotSpec): void {
    const slot = {
      name: spec.name,
      role: spec.role,
      clients: c,
      listed: false,
      running: false,
      backoff: new Backoff(this.o.backoff),
    } as Slot;
    if (spec.kind !== undefined) slot.kind = spec.kind;
    if (spec.reportedKind !== undefined) slot.reportedKind = spec.reportedKind;
    slot.watch = new GuardedWatch(c.kc, () => slot.backoff.reset());
    const listFn = async (): Promise<k8s.KubernetesListObject<Obj>> => {
      const l = (await withTimeout(spec.list(), this.o.timeoutMs * 3, `list ${spec.name}`)) as k8s.KubernetesListObject<Obj>;
      slot.backoff.reset();
      // ListWatch fills its cache right after this promise settles (same microtask run).
      setImmediate(() => this.onListed(slot));
      return l;
    };
    slot.informer = new k8s.ListWatch<Obj>(spec.path, slot.watch, listFn, false, spec.labelSelector, spec.fieldSelector);
    slot.informer.on('add', () => this.onEvent(slot));
    slot.informer.on('update', () => this.onEvent(slot));
    slot.informer.on('delete', (o) => this.onEvent(slot, o));
    slot.informer.on('error', (e) => this.onError(slot, e));
    c.slots.push(slot);
  }

  private restart(s: Slot): void {
    if (this.o.timers.stopped || s.clients.dead || s.running) return;
    this.o.timers.clear(s.retryTimer);
    s.retryTimer = undefined;
    s.running = true;
    s.informer.start().catch((e: unknown) => this.onError(s, e));
  }

  private onError(s: Slot, e: unknown): void {
    if (this.o.timers.stopped || s.clients.dead || !s.running) return; // stopped on purpose
    s.running = false;
    this.watchRestarts++;
    const err = describeError(e);
    if (isConnectionError(httpStatus(e))) {
      this.o.log.debug({ informer: s.name, err }, 'informer lost the API');
      this.o.hooks.lost(err); // a successful probe restarts every stopped informer
      return;
    }
    const delay = s.backoff.next();
    this.o.log.warn({ informer: s.name, err, retryInMs: delay }, 'informer failed: restarting it');
    s.retryTimer = this.o.timers.later(delay, () => this.restart(s));
  }

  private onListed(s: Slot): void {
    if (this.o.timers.stopped || s.clients.dead) return;
    s.listed = true;
    this.o.hooks.changed(s);
  }

  private onEvent(s: Slot, deleted?: Obj): void {
    if (this.o.timers.stopped || s.clients.dead) return;
    if (s.role === 'status' && deleted?.metadata?.name === this.o.nodeName) this.o.hooks.statusDeleted();
    if (!s.listed) return; // the initial list is dispatched once, when complete
    this.o.hooks.changed(s);
  }
}
