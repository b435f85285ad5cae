// One set of API clients, made from one kubeconfig content, with the informers ("slots") that
// run on it. A credential change retires the whole set and makes a new one.

import * as k8s from '@kubernetes/client-node';
import type { Backoff } from '../util/backoff.js';
import { GROUP, VERSION, type ApiKind } from './kinds.js';
import type { KubeObject } from './kube-object.js';
import type { KubeconfigLoad } from './kubeconfig.js';

export type Obj = KubeObject & k8s.KubernetesObject;

/** What an informer watches: API configuration, kinds only reported, this node's mirrors, this Node, this node's status. */
export type Role = 'api' | 'unsupported' | 'mirror' | 'node' | 'status';

export interface Slot {
  name: string;
  role: Role;
  kind?: ApiKind;
  /** The kind of an 'unsupported' informer. */
  reportedKind?: string;
  clients: Clients;
  informer: k8s.ListWatch<Obj>;
  watch: GuardedWatch;
  listed: boolean;
  running: boolean;
  /** Restarts after errors that are not connection errors. */
  backoff: Backoff;
  retryTimer?: NodeJS.Timeout;
}

export interface Clients {
  id: number;
  kc: k8s.KubeConfig;
  core: k8s.CoreV1Api;
  co: k8s.CustomObjectsApi;
  fingerprint: string;
  server: string;
  slots: Slot[];
  dead: boolean;
  /** A probe of these clients is in flight. */
  probing: boolean;
}

export const CO = { group: GROUP, version: VERSION };
export const MERGE_PATCH = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
export const STRATEGIC_PATCH = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch);

export function makeClients(id: number, r: Extract<KubeconfigLoad, { state: 'ok' }>): Clients {
  return {
    id,
    kc: r.kc,
    core: r.kc.makeApiClient(k8s.CoreV1Api),
    co: r.kc.makeApiClient(k8s.CustomObjectsApi),
    fingerprint: r.fingerprint,
    server: r.server,
    slots: [],
    dead: false,
    probing: false,
  };
}

export function slotOf(c: Clients, name: string): Slot | undefined {
  return c.slots.find((s) => s.name === name);
}

/** Every slot named has listed at least once. */
export function listed(c: Clients, ...names: string[]): boolean {
  return names.every((n) => slotOf(c, n)?.listed === true);
}

/** This node's Node object as cached by the `node` informer. */
export function ownNode(c: Clients, nodeName: string): Obj | undefined {
  return slotOf(c, 'node')?.informer.get(nodeName);
}

/**
 * client-node's Watch, plus: watch bookmarks (fewer 410s), an activity hook, and a kill switch,
 * because ListWatch.stop() cannot abort a watch whose request is still being set up.
 */
export class GuardedWatch extends k8s.Watch {
  closed = false;
  constructor(
    kc: k8s.KubeConfig,
    private readonly onActivity: () => void,
  ) {
    super(kc);
  }

  override async watch(
    p: string,
    q: Record<string, string | number | boolean | undefined>,
    cb: (phase: string, apiObj: unknown, watchObj?: unknown) => void,
    done: (err: unknown) => void,
  ): Promise<AbortController> {
    if (this.closed) {
      const c = new AbortController();
      c.abort();
      return c;
    }
    const c = await super.watch(
      p,
      { ...q, allowWatchBookmarks: true },
      (phase, obj, raw) => {
        if (this.closed) return;
        this.onActivity();
        cb(phase, obj, raw);
      },
      done,
    );
    if (this.closed) c.abort();
    return c;
  }
}
