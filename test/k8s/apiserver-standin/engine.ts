// The storage and REST semantics of the stand-in, independent of HTTP: one global
// resourceVersion counter (as etcd's revision), an event history (the watch cache window),
// watchers, and create/get/list/update/patch/delete with kube-apiserver's rules for custom
// resources and for the few core kinds served (Namespace, Node).

import { randomUUID } from 'node:crypto';
import {
  type FieldError,
  type Json,
  type JsonObject,
  StatusError,
  STALE_MESSAGE,
  alreadyExists,
  badRequest,
  conflict,
  gone,
  internal,
  invalid,
  methodNotAllowed,
  notFound,
  unsupportedMediaType,
} from './errors.js';
import { deepEqual, jsonPatch, mergePatch } from './patch.js';
import {
  type FieldRequirement,
  type Requirement,
  matchesFields,
  matchesLabels,
  parseFieldSelector,
  parseLabelSelector,
} from './selectors.js';
import {
  ABSENT,
  BLOCKING_ERROR,
  type RuleReport,
  type Schema,
  hasBlockingError,
  precompileRules,
  pruneAndDefault,
  validateCel,
  validateValue,
} from './structural.js';

export interface ResourceInfo {
  group: string;
  version: string;
  plural: string;
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  /** Custom-resource semantics (generation, schema, no strategic merge, delete returns the object). */
  custom: boolean;
  statusSubresource: boolean;
  verbs: string[];
  shortNames?: string[];
  /** openAPIV3Schema of a custom resource. */
  schema?: Schema;
}

export function apiVersionOf(r: ResourceInfo): string {
  return r.group === '' ? r.version : `${r.group}/${r.version}`;
}

function resKey(r: ResourceInfo): string {
  return `${r.group}/${r.plural}`;
}

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface WriteOptions {
  dryRun: boolean;
  fieldValidation: FieldValidation;
}

export interface WriteResult {
  code: number;
  body: unknown;
  warnings: string[];
}

export type EventType = 'ADDED' | 'MODIFIED' | 'DELETED';

interface HistEvent {
  rv: number;
  res: string;
  type: EventType;
  obj: JsonObject;
  prev?: JsonObject;
}

export interface WatchEvent {
  type: EventType | 'BOOKMARK' | 'ERROR';
  object: unknown;
}

export interface WatchSink {
  send(e: WatchEvent): void;
  end(): void;
}

export interface EngineOptions {
  /** Events kept for watch resumption (the compaction window); older resourceVersions get 410. */
  historyLimit: number;
  bookmarkIntervalMs: number;
  defaultWatchTimeoutSeconds: number;
  /** How a too-old watch resourceVersion is reported: an ERROR event in a 200 stream (as the watch cache does) or HTTP 410. */
  goneAs: 'event' | 'http';
  evaluateCel: boolean;
}

interface Watcher {
  res: ResourceInfo;
  namespace: string | undefined;
  labels: Requirement[];
  fields: FieldRequirement[];
  sink: WatchSink;
  timers: NodeJS.Timeout[];
  closed: boolean;
}

function isMap(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function clone<T>(v: T): T {
  return structuredClone(v);
}

function metaOf(obj: JsonObject): JsonObject {
  if (!isMap(obj.metadata)) obj.metadata = {};
  return obj.metadata as JsonObject;
}

function nameOf(obj: JsonObject): string {
  const m = obj.metadata;
  return isMap(m) && typeof m.name === 'string' ? m.name : '';
}

function objKey(ns: string | undefined, name: string): string {
  return ns === undefined ? name : `${ns}/${name}`;
}

function nowRfc3339(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const META_FIELDS = new Set([
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
]);

const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const QUALIFIED_MSG =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')";
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

const GENERATE_CHARS = 'bcdfghjklmnpqrstvwxz2456789';

export class Engine {
  private rv = 100;
  private compactedRev = 0;
  private history: HistEvent[] = [];
  private readonly objects = new Map<string, Map<string, JsonObject>>();
  private readonly watchers = new Set<Watcher>();
  readonly resources: ResourceInfo[];
  readonly ruleReport: RuleReport = { unevaluated: [] };

  constructor(
    resources: ResourceInfo[],
    readonly opts: EngineOptions,
  ) {
    this.resources = resources;
    for (const r of resources) {
      this.objects.set(resKey(r), new Map());
      if (r.schema) precompileRules(r.schema, this.ruleReport);
    }
  }

  // ---------------------------------------------------------------- lookup

  find(group: string, version: string, plural: string): ResourceInfo | undefined {
    return this.resources.find((r) => r.group === group && r.version === version && r.plural === plural);
  }

  findByKind(apiVersion: string, kind: string): ResourceInfo | undefined {
    return this.resources.find((r) => apiVersionOf(r) === apiVersion && r.kind === kind);
  }

  currentRv(): number {
    return this.rv;
  }

  private store(r: ResourceInfo): Map<string, JsonObject> {
    return this.objects.get(resKey(r)) as Map<string, JsonObject>;
  }

  private namespaceExists(ns: string): boolean {
    const nsRes = this.find('', 'v1', 'namespaces');
    return nsRes === undefined || this.store(nsRes).has(ns);
  }

  /** A copy of one stored object (for the test's own assertions). */
  peek(r: ResourceInfo, ns: string | undefined, name: string): JsonObject | undefined {
    const o = this.store(r).get(objKey(r.namespaced ? ns : undefined, name));
    return o === undefined ? undefined : clone(o);
  }

  // ---------------------------------------------------------------- history and watches

  private emit(r: ResourceInfo, type: EventType, obj: JsonObject, prev?: JsonObject): void {
    const ev: HistEvent = { rv: this.rv, res: resKey(r), type, obj: clone(obj) };
    if (prev) ev.prev = clone(prev);
    this.history.push(ev);
    while (this.history.length > this.opts.historyLimit) {
      const dropped = this.history.shift() as HistEvent;
      this.compactedRev = dropped.rv;
    }
    for (const w of this.watchers) if (w.res === r) this.deliver(w, ev);
  }

  /** Drops the whole event history: every resourceVersion before now is gone (410). */
  compact(): void {
    this.compactedRev = this.rv;
    this.history = [];
  }

  private matches(
    w: { res: ResourceInfo; namespace: string | undefined; labels: Requirement[]; fields: FieldRequirement[] },
    obj: JsonObject,
  ): boolean {
    const m = metaOf(obj);
    if (w.namespace !== undefined && m.namespace !== w.namespace) return false;
    if (!matchesLabels(w.labels, m.labels as Record<string, string> | undefined)) return false;
    return matchesFields(w.fields, this.fieldsOf(w.res, obj));
  }

  private fieldsOf(r: ResourceInfo, obj: JsonObject): Record<string, string> {
    const m = metaOf(obj);
    const f: Record<string, string> = { 'metadata.name': String(m.name ?? '') };
    if (r.namespaced) f['metadata.namespace'] = String(m.namespace ?? '');
    return f;
  }

  private fieldLabels(r: ResourceInfo): string[] {
    return r.namespaced ? ['metadata.name', 'metadata.namespace'] : ['metadata.name'];
  }

  /** The watch cache's filtering: an object leaving the selection is DELETED, one entering it ADDED. */
  private deliver(w: Watcher, ev: HistEvent): void {
    if (w.closed) return;
    const now = this.matches(w, ev.obj);
    const before = ev.prev !== undefined && this.matches(w, ev.prev);
    let type: EventType | undefined;
    if (ev.type === 'ADDED') type = now ? 'ADDED' : undefined;
    else if (ev.type === 'DELETED') type = now ? 'DELETED' : undefined;
    else if (before && now) type = 'MODIFIED';
    else if (before) type = 'DELETED';
    else if (now) type = 'ADDED';
    if (type) w.sink.send({ type, object: clone(ev.obj) });
  }

  expireWatches(): void {
    for (const w of [...this.watchers]) this.closeWatcher(w);
  }

  activeWatches(): number {
    return this.watchers.size;
  }

  private closeWatcher(w: Watcher): void {
    if (w.closed) return;
    w.closed = true;
    for (const t of w.timers) clearTimeout(t);
    this.watchers.delete(w);
    w.sink.end();
  }

  private tooOld(rv: number): StatusError {
    return gone(`too old resource version: ${rv} (${this.compactedRev + 1})`);
  }

  /**
   * Starts a watch. Errors raised before any event (bad selector, 410 in 'http' mode) are
   * thrown; a 410 in 'event' mode is an ERROR event followed by the end of the stream.
   * Returns a function that cancels the watch (client went away).
   */
  watch(r: ResourceInfo, namespace: string | undefined, q: URLSearchParams, sink: WatchSink): () => void {
    const labels = parseLabelSelector(q.get('labelSelector') ?? '');
    const fields = parseFieldSelector(q.get('fieldSelector') ?? '', this.fieldLabels(r));
    const rvParam = q.get('resourceVersion') ?? '';
    const bookmarks = q.get('allowWatchBookmarks') === 'true';
    const sendInitial = q.get('sendInitialEvents');
    const w: Watcher = { res: r, namespace, labels, fields, sink, timers: [], closed: false };

    if (sendInitial === 'true') {
      const errs: FieldError[] = [];
      if (q.get('resourceVersionMatch') !== 'NotOlderThan') {
        errs.push({
          type: 'FieldValueForbidden',
          field: 'resourceVersionMatch',
          detail: 'sendInitialEvents requires setting resourceVersionMatch to NotOlderThan',
        });
      }
      if (!bookmarks)
        errs.push({
          type: 'FieldValueForbidden',
          field: 'allowWatchBookmarks',
          detail: 'sendInitialEvents requires setting allowWatchBookmarks to true',
        });
      if (errs.length > 0) throw invalid('ListOptions', 'meta.k8s.io', '', errs);
    }

    let replay: HistEvent[] = [];
    let initial: JsonObject[] = [];
    if (rvParam === '' || rvParam === '0' || sendInitial === 'true') {
      if (sendInitial !== 'false') initial = [...this.store(r).values()].filter((o) => this.matches(w, o));
    } else {
      if (!/^[0-9]+$/.test(rvParam)) throw badRequest(`resourceVersion: Invalid value: "${rvParam}": must be a valid resourceVersion`);
      const from = Number(rvParam);
      if (from < this.compactedRev) {
        if (this.opts.goneAs === 'http') throw this.tooOld(from);
        sink.send({ type: 'ERROR', object: this.tooOld(from).body() });
        sink.end();
        return () => {};
      }
      if (from > this.rv) {
        const e = new StatusError(504, 'Timeout', `Too large resource version: ${from}, current: ${this.rv}`, {
          causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
          retryAfterSeconds: 1,
        });
        sink.send({ type: 'ERROR', object: e.body() });
        sink.end();
        return () => {};
      }
      replay = this.history.filter((e) => e.res === resKey(r) && e.rv > from);
    }

    for (const o of initial.sort((a, b) => keyOfObj(a).localeCompare(keyOfObj(b)))) sink.send({ type: 'ADDED', object: clone(o) });
    if (sendInitial === 'true') {
      sink.send({
        type: 'BOOKMARK',
        object: {
          kind: r.kind,
          apiVersion: apiVersionOf(r),
          metadata: { resourceVersion: String(this.rv), annotations: { 'k8s.io/initial-events-end': 'true' } },
        },
      });
    }
    for (const e of replay) this.deliver(w, e);

    this.watchers.add(w);
    const timeout = Number(q.get('timeoutSeconds') ?? this.opts.defaultWatchTimeoutSeconds);
    if (Number.isFinite(timeout) && timeout > 0) {
      const t = setTimeout(() => this.closeWatcher(w), timeout * 1000);
      t.unref();
      w.timers.push(t);
    }
    if (bookmarks) {
      const tick = (): void => {
        if (w.closed) return;
        sink.send({
          type: 'BOOKMARK',
          object: { kind: r.kind, apiVersion: apiVersionOf(r), metadata: { resourceVersion: String(this.rv) } },
        });
        const t = setTimeout(tick, this.opts.bookmarkIntervalMs);
        t.unref();
        w.timers.push(t);
      };
      const t = setTimeout(tick, this.opts.bookmarkIntervalMs);
      t.unref();
      w.timers.push(t);
    }
    return () => {
      if (w.closed) return;
      w.closed = true;
      for (const t of w.timers) clearTimeout(t);
      this.watchers.delete(w);
    };
  }

  // ---------------------------------------------------------------- reads

  get(r: ResourceInfo, ns: string | undefined, name: string): JsonObject {
    const o = this.store(r).get(objKey(r.namespaced ? ns : undefined, name));
    if (!o) throw notFound(r.group, r.plural, name);
    return clone(o);
  }

  /** Objects of `r` as they were at resourceVersion `at` (undoing later history). */
  private stateAt(r: ResourceInfo, at: number): Map<string, JsonObject> {
    const state = new Map(this.store(r));
    for (let i = this.history.length - 1; i >= 0; i--) {
      const e = this.history[i] as HistEvent;
      if (e.rv <= at) break;
      if (e.res !== resKey(r)) continue;
      const key = keyOfObj(e.obj);
      if (e.type === 'ADDED') state.delete(key);
      else if (e.prev) state.set(key, e.prev);
    }
    return state;
  }

  list(r: ResourceInfo, namespace: string | undefined, q: URLSearchParams): JsonObject {
    const labels = parseLabelSelector(q.get('labelSelector') ?? '');
    const fields = parseFieldSelector(q.get('fieldSelector') ?? '', this.fieldLabels(r));
    const filter = { res: r, namespace, labels, fields };
    const rvParam = q.get('resourceVersion') ?? '';
    const match = q.get('resourceVersionMatch') ?? '';
    const cont = q.get('continue') ?? '';
    const limit = Number(q.get('limit') ?? '0');

    let listRv = this.rv;
    let state = this.store(r);
    let startAfter = '';
    if (cont !== '') {
      let token: { rv?: unknown; start?: unknown };
      try {
        token = JSON.parse(Buffer.from(cont, 'base64').toString('utf8')) as { rv?: unknown; start?: unknown };
      } catch {
        throw badRequest('continue key is not valid: illegal base64 data');
      }
      if (typeof token.rv !== 'number' || typeof token.start !== 'string') throw badRequest('continue key is not valid');
      if (token.rv < this.compactedRev) {
        throw gone(
          'The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.',
        );
      }
      listRv = token.rv;
      state = this.stateAt(r, token.rv);
      startAfter = token.start;
    } else if (rvParam !== '' && rvParam !== '0') {
      if (!/^[0-9]+$/.test(rvParam)) throw badRequest(`resourceVersion: Invalid value: "${rvParam}": must be a valid resourceVersion`);
      const at = Number(rvParam);
      if (at > this.rv) {
        throw new StatusError(504, 'Timeout', `Too large resource version: ${at}, current: ${this.rv}`, {
          causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
          retryAfterSeconds: 1,
        });
      }
      if (match === 'Exact') {
        if (at < this.compactedRev) throw gone(`too old resource version: ${at} (${this.compactedRev + 1})`);
        listRv = at;
        state = this.stateAt(r, at);
      }
    }

    const all = [...state.values()]
      .filter((o) => this.matches(filter, o))
      .sort((a, b) => keyOfObj(a).localeCompare(keyOfObj(b)))
      .filter((o) => startAfter === '' || keyOfObj(o) > startAfter);
    const page = limit > 0 ? all.slice(0, limit) : all;
    const metadata: JsonObject = { resourceVersion: String(listRv) };
    if (limit > 0 && all.length > limit) {
      const last = page[page.length - 1] as JsonObject;
      metadata.continue = Buffer.from(JSON.stringify({ v: 'meta.k8s.io/v1', rv: listRv, start: keyOfObj(last) })).toString('base64');
      if (labels.length === 0 && fields.length === 0) metadata.remainingItemCount = all.length - limit;
    }
    const items = page.map((o) => {
      const c = clone(o);
      if (!r.custom) {
        // Built-in lists carry kind/apiVersion only on the list, not on the items.
        delete c.kind;
        delete c.apiVersion;
      }
      return c;
    });
    return { apiVersion: apiVersionOf(r), kind: r.listKind, metadata, items };
  }

  // ---------------------------------------------------------------- admission (decode, prune, default, validate)

  private checkTypeMeta(r: ResourceInfo, obj: JsonObject): void {
    const expected = apiVersionOf(r);
    if (obj.apiVersion === undefined && obj.kind === undefined && !r.custom) {
      obj.apiVersion = expected;
      obj.kind = r.kind;
      return;
    }
    if (typeof obj.kind !== 'string' || obj.kind === '') {
      throw badRequest(`Object 'Kind' is missing in '${JSON.stringify(obj)}'`);
    }
    if (obj.apiVersion !== expected) {
      throw badRequest(`the API version in the data (${String(obj.apiVersion)}) does not match the expected API version (${expected})`);
    }
    if (obj.kind !== r.kind) {
      throw badRequest(`the kind in the data (${obj.kind}) does not match the expected kind (${r.kind})`);
    }
  }

  /** Prunes, defaults and validates `obj` in place; returns the unknown-field warnings. */
  private admit(r: ResourceInfo, obj: JsonObject, old: JsonObject | undefined, fv: FieldValidation): string[] {
    const unknown: string[] = [];
    const meta = metaOf(obj);
    for (const k of Object.keys(meta)) {
      if (!META_FIELDS.has(k)) {
        unknown.push(`metadata.${k}`);
        delete meta[k];
      }
    }
    if (r.custom && r.schema) {
      const props = (r.schema.properties ?? {}) as Record<string, Schema>;
      for (const k of Object.keys(obj)) {
        if (k === 'metadata') continue;
        const sub = props[k];
        if (sub === undefined) {
          unknown.push(k);
          delete obj[k];
          continue;
        }
        if (obj[k] === null) {
          delete obj[k];
          continue;
        }
        pruneAndDefault(sub, obj[k], k, unknown);
      }
      for (const [k, sub] of Object.entries(props)) {
        if (!(k in obj) && 'default' in sub) obj[k] = clone(sub.default) as Json;
      }
    }
    if (unknown.length > 0 && fv === 'Strict') {
      throw badRequest(`strict decoding error: ${unknown.map((u) => `unknown field "${u}"`).join(', ')}`);
    }

    const errs = this.validateMeta(r, meta);
    if (r.custom && r.schema) {
      const body: JsonObject = { ...obj };
      delete body.metadata;
      const schema: Schema = { ...r.schema, properties: { ...((r.schema.properties ?? {}) as Schema), metadata: {} } };
      const valueErrs: FieldError[] = [];
      validateValue(schema, body, '', valueErrs);
      errs.push(...valueErrs);
      if (this.opts.evaluateCel) {
        if (hasBlockingError(valueErrs)) errs.push(BLOCKING_ERROR);
        else validateCel(schema, body, old === undefined ? ABSENT : old, '', errs, this.ruleReport);
      }
    }
    if (errs.length > 0) throw invalid(r.kind, r.group, nameOf(obj), errs);
    return fv === 'Warn' ? unknown.map((u) => `unknown field "${u}"`) : [];
  }

  private validateMeta(r: ResourceInfo, meta: JsonObject): FieldError[] {
    const errs: FieldError[] = [];
    const name = meta.name;
    if (typeof name !== 'string' || name === '') {
      errs.push({ type: 'FieldValueRequired', field: 'metadata.name', detail: 'name or generateName is required' });
    } else {
      const label = r.kind === 'Namespace';
      const re = label ? DNS1123_LABEL : DNS1123_SUBDOMAIN;
      const max = label ? 63 : 253;
      if (!re.test(name) || name.length > max) {
        errs.push({ type: 'FieldValueInvalid', field: 'metadata.name', value: name, detail: label ? LABEL_MSG : SUBDOMAIN_MSG });
      }
    }
    const checkMap = (field: 'labels' | 'annotations'): void => {
      const m = meta[field];
      if (m === undefined || m === null) return;
      if (!isMap(m)) throw badRequest(`json: cannot unmarshal into Go struct field ObjectMeta.metadata.${field} of type map[string]string`);
      for (const [k, v] of Object.entries(m)) {
        if (typeof v !== 'string')
          throw badRequest(`json: cannot unmarshal ${typeof v} into Go struct field ObjectMeta.metadata.${field} of type string`);
        if (!QUALIFIED_NAME.test(k)) errs.push({ type: 'FieldValueInvalid', field: `metadata.${field}`, value: k, detail: QUALIFIED_MSG });
        if (field === 'labels' && (!LABEL_VALUE.test(v) || v.length > 63)) {
          errs.push({ type: 'FieldValueInvalid', field: `metadata.labels`, value: v, detail: LABEL_VALUE_MSG });
        }
      }
    };
    checkMap('labels');
    checkMap('annotations');
    if (Array.isArray(meta.finalizers)) {
      meta.finalizers.forEach((f, i) => {
        if (typeof f !== 'string' || !QUALIFIED_NAME.test(f)) {
          errs.push({ type: 'FieldValueInvalid', field: `metadata.finalizers[${i}]`, value: f, detail: QUALIFIED_MSG });
        }
      });
    }
    if (Array.isArray(meta.ownerReferences)) {
      meta.ownerReferences.forEach((o, i) => {
        const ref = isMap(o) ? o : {};
        for (const f of ['apiVersion', 'kind', 'name', 'uid']) {
          if (typeof ref[f] !== 'string' || ref[f] === '') {
            errs.push({
              type: 'FieldValueInvalid',
              field: `metadata.ownerReferences[${i}].${f}`,
              value: ref[f] ?? '',
              detail: `${f} must not be empty`,
            });
          }
        }
      });
    }
    return errs;
  }

  // ---------------------------------------------------------------- writes

  /** Stores `obj` as is (system fields filled in), bypassing verbs and validation: for CRDs at start. */
  seed(r: ResourceInfo, obj: JsonObject): JsonObject {
    const o = clone(obj);
    const meta = metaOf(o);
    meta.uid = randomUUID();
    meta.creationTimestamp = nowRfc3339();
    meta.generation = 1;
    meta.resourceVersion = String(this.bump());
    this.store(r).set(objKey(r.namespaced ? (meta.namespace as string) : undefined, String(meta.name)), clone(o));
    this.emit(r, 'ADDED', o);
    return o;
  }

  private bump(): number {
    this.rv += 1;
    return this.rv;
  }

  private requireVerb(r: ResourceInfo, verb: string): void {
    if (!r.verbs.includes(verb)) throw methodNotAllowed();
  }

  create(r: ResourceInfo, ns: string | undefined, body: unknown, o: WriteOptions): WriteResult {
    this.requireVerb(r, 'create');
    if (!isMap(body)) throw badRequest('the body of the request is not a JSON object');
    const obj = clone(body);
    this.checkTypeMeta(r, obj);
    const meta = metaOf(obj);
    if (r.namespaced) {
      if (meta.namespace !== undefined && meta.namespace !== '' && meta.namespace !== ns) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      meta.namespace = ns as string;
    } else {
      delete meta.namespace;
    }
    if (typeof meta.resourceVersion === 'string' && meta.resourceVersion !== '') {
      throw internal('resourceVersion should not be set on objects to be created');
    }
    if ((typeof meta.name !== 'string' || meta.name === '') && typeof meta.generateName === 'string' && meta.generateName !== '') {
      let suffix = '';
      for (let i = 0; i < 5; i++) suffix += GENERATE_CHARS[Math.floor(Math.random() * GENERATE_CHARS.length)];
      meta.name = `${meta.generateName}${suffix}`;
    }
    if (r.custom && r.statusSubresource) delete obj.status;
    delete meta.deletionTimestamp;
    delete meta.deletionGracePeriodSeconds;
    delete meta.selfLink;
    if (r.kind === 'Namespace') {
      obj.spec = { finalizers: ['kubernetes'] };
      obj.status = { phase: 'Active' };
    }
    const warnings = this.admit(r, obj, undefined, o.fieldValidation);
    if (r.namespaced && !this.namespaceExists(ns as string)) throw notFound('', 'namespaces', ns as string);
    const key = objKey(r.namespaced ? ns : undefined, meta.name as string);
    if (this.store(r).has(key)) throw alreadyExists(r.group, r.plural, meta.name as string);
    meta.uid = randomUUID();
    meta.creationTimestamp = nowRfc3339();
    if (r.custom) meta.generation = 1;
    else delete meta.generation;
    if (o.dryRun) return { code: 201, body: obj, warnings };
    meta.resourceVersion = String(this.bump());
    this.store(r).set(key, clone(obj));
    this.emit(r, 'ADDED', obj);
    return { code: 201, body: obj, warnings };
  }

  /** PUT, on the main resource or (subresource 'status') on /status. */
  update(r: ResourceInfo, ns: string | undefined, name: string, sub: string | undefined, body: unknown, o: WriteOptions): WriteResult {
    this.requireVerb(r, 'update');
    if (!isMap(body)) throw badRequest('the body of the request is not a JSON object');
    const obj = clone(body);
    this.checkTypeMeta(r, obj);
    const meta = metaOf(obj);
    if (meta.name !== undefined && meta.name !== name) {
      throw badRequest(`the name of the object (${String(meta.name)}) does not match the name on the URL (${name})`);
    }
    if (r.namespaced && meta.namespace !== undefined && meta.namespace !== '' && meta.namespace !== ns) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
    const old = this.store(r).get(objKey(r.namespaced ? ns : undefined, name));
    if (!old) throw notFound(r.group, r.plural, name);
    const oldMeta = metaOf(old);
    const rv = typeof meta.resourceVersion === 'string' ? meta.resourceVersion : '';
    if (rv === '' && r.custom) {
      throw invalid(r.kind, r.group, name, [
        { type: 'FieldValueInvalid', field: 'metadata.resourceVersion', value: '0x0', detail: 'must be specified for an update' },
      ]);
    }
    if (rv !== '' && rv !== oldMeta.resourceVersion) throw conflict(r.group, r.plural, name, STALE_MESSAGE);
    if (typeof meta.uid === 'string' && meta.uid !== '' && meta.uid !== oldMeta.uid) {
      throw conflict(
        r.group,
        r.plural,
        name,
        `Precondition failed: UID in precondition: ${meta.uid}, UID in object meta: ${String(oldMeta.uid)}`,
      );
    }
    return this.commitUpdate(r, old, obj, sub, o);
  }

  /** PATCH (merge, JSON, or strategic for built-in kinds), main resource or /status. */
  patch(
    r: ResourceInfo,
    ns: string | undefined,
    name: string,
    sub: string | undefined,
    contentType: string,
    body: unknown,
    o: WriteOptions,
  ): WriteResult {
    this.requireVerb(r, 'patch');
    const accepted = ['application/json-patch+json', 'application/merge-patch+json'];
    if (!r.custom) accepted.push('application/strategic-merge-patch+json');
    accepted.push('application/apply-patch+yaml');
    if (contentType === 'application/apply-patch+yaml' || contentType === 'application/apply-patch+cbor') {
      throw new StatusError(415, 'UnsupportedMediaType', 'server-side apply is not implemented by the apiserver stand-in');
    }
    if (!accepted.includes(contentType)) throw unsupportedMediaType(contentType, accepted);
    const old = this.store(r).get(objKey(r.namespaced ? ns : undefined, name));
    if (!old) throw notFound(r.group, r.plural, name);
    let patched: unknown;
    if (contentType === 'application/json-patch+json') patched = jsonPatch(old, body);
    else {
      if (!isMap(body)) throw badRequest('the body of the request was in an unknown format - a merge patch must be a JSON object');
      // Strategic merge on the built-in kinds is treated as a merge patch (no patch directives,
      // no list merge keys); fine for labels, annotations, taints-free node patches.
      patched = mergePatch(old, body);
    }
    if (!isMap(patched)) throw badRequest('the patched object is not a JSON object');
    const pm = metaOf(patched);
    const oldMeta = metaOf(old);
    if (pm.name !== oldMeta.name) {
      throw badRequest(`the name of the object (${String(pm.name)}) does not match the name on the URL (${name})`);
    }
    if (typeof pm.resourceVersion === 'string' && pm.resourceVersion !== '' && pm.resourceVersion !== oldMeta.resourceVersion) {
      throw conflict(r.group, r.plural, name, STALE_MESSAGE);
    }
    this.checkTypeMeta(r, patched);
    return this.commitUpdate(r, old, patched, sub, o);
  }

  private commitUpdate(r: ResourceInfo, old: JsonObject, incoming: JsonObject, sub: string | undefined, o: WriteOptions): WriteResult {
    const oldMeta = metaOf(old);
    let next: JsonObject;
    if (sub === 'status') {
      // Only the status stanza of the request counts.
      next = clone(old);
      if ('status' in incoming) next.status = clone(incoming.status) as Json;
      else delete next.status;
    } else {
      next = clone(incoming);
      if (r.statusSubresource) {
        if ('status' in old) next.status = clone(old.status) as Json;
        else delete next.status;
      }
    }
    const meta = metaOf(next);
    for (const f of ['name', 'namespace', 'uid', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'generation']) {
      if (f in oldMeta) meta[f] = clone(oldMeta[f]) as Json;
      else delete meta[f];
    }
    delete meta.selfLink;
    meta.resourceVersion = oldMeta.resourceVersion as string;
    const warnings = this.admit(r, next, old, o.fieldValidation);
    if (r.custom && sub !== 'status') {
      const content = (x: JsonObject): JsonObject => {
        const c = { ...x };
        delete c.metadata;
        delete c.status;
        return c;
      };
      if (!deepEqual(content(next), content(old))) meta.generation = Number(oldMeta.generation ?? 0) + 1;
    }
    const finalizers = Array.isArray(meta.finalizers) ? meta.finalizers : [];
    const deleting = typeof meta.deletionTimestamp === 'string' && finalizers.length === 0;
    if (deepEqual(next, old) && !deleting) return { code: 200, body: clone(old), warnings };
    if (o.dryRun) return { code: 200, body: next, warnings };
    const key = keyOfObj(old);
    meta.resourceVersion = String(this.bump());
    if (deleting) {
      this.store(r).delete(key);
      this.emit(r, 'DELETED', next, old);
      return { code: 200, body: next, warnings };
    }
    this.store(r).set(key, clone(next));
    this.emit(r, 'MODIFIED', next, old);
    return { code: 200, body: next, warnings };
  }

  delete(r: ResourceInfo, ns: string | undefined, name: string, body: unknown, o: WriteOptions): WriteResult {
    this.requireVerb(r, 'delete');
    const key = objKey(r.namespaced ? ns : undefined, name);
    const old = this.store(r).get(key);
    if (!old) throw notFound(r.group, r.plural, name);
    const oldMeta = metaOf(old);
    const pre = isMap(body) && isMap(body.preconditions) ? body.preconditions : undefined;
    if (pre && typeof pre.uid === 'string' && pre.uid !== oldMeta.uid) {
      throw conflict(
        r.group,
        r.plural,
        name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${String(oldMeta.uid)}`,
      );
    }
    if (pre && typeof pre.resourceVersion === 'string' && pre.resourceVersion !== oldMeta.resourceVersion) {
      throw conflict(
        r.group,
        r.plural,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${String(oldMeta.resourceVersion)}`,
      );
    }
    const finalizers = Array.isArray(oldMeta.finalizers) ? oldMeta.finalizers : [];
    if (finalizers.length > 0) {
      // Graceful: mark for deletion; the object goes when its last finalizer is removed.
      if (typeof oldMeta.deletionTimestamp === 'string') return { code: 202, body: clone(old), warnings: [] };
      const next = clone(old);
      const meta = metaOf(next);
      meta.deletionTimestamp = nowRfc3339();
      meta.deletionGracePeriodSeconds = 0;
      if (r.custom) meta.generation = Number(oldMeta.generation ?? 0) + 1;
      if (o.dryRun) return { code: 202, body: next, warnings: [] };
      meta.resourceVersion = String(this.bump());
      this.store(r).set(key, clone(next));
      this.emit(r, 'MODIFIED', next, old);
      return { code: 202, body: next, warnings: [] };
    }
    if (o.dryRun) return { code: 200, body: this.deleteResponse(r, old), warnings: [] };
    if (r.kind === 'Namespace') {
      // Stand-in simplification: the namespace's objects go at once, then the namespace.
      for (const other of this.resources) {
        if (!other.namespaced) continue;
        for (const [k, obj] of [...this.store(other)]) {
          if (metaOf(obj).namespace !== name) continue;
          const gone = clone(obj);
          metaOf(gone).resourceVersion = String(this.bump());
          this.store(other).delete(k);
          this.emit(other, 'DELETED', gone, obj);
        }
      }
    }
    const last = clone(old);
    metaOf(last).resourceVersion = String(this.bump());
    this.store(r).delete(key);
    this.emit(r, 'DELETED', last, old);
    return { code: 200, body: this.deleteResponse(r, old), warnings: [] };
  }

  private deleteResponse(r: ResourceInfo, old: JsonObject): unknown {
    if (r.custom) return clone(old);
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Success',
      details: { name: nameOf(old), kind: r.plural, uid: metaOf(old).uid },
    };
  }

  deleteCollection(r: ResourceInfo, ns: string | undefined, q: URLSearchParams, body: unknown, o: WriteOptions): WriteResult {
    this.requireVerb(r, 'deletecollection');
    const listed = this.list(r, ns, q);
    const items = listed.items as JsonObject[];
    const deleted: unknown[] = [];
    for (const item of items) {
      const m = metaOf(item);
      try {
        deleted.push(this.delete(r, typeof m.namespace === 'string' ? m.namespace : undefined, String(m.name), body, o).body);
      } catch (e) {
        if (!(e instanceof StatusError) || e.code !== 404) throw e;
      }
    }
    const out = r.custom
      ? { apiVersion: apiVersionOf(r), kind: r.listKind, metadata: { resourceVersion: String(this.rv) }, items: deleted }
      : { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' };
    return { code: 200, body: out, warnings: [] };
  }
}

function keyOfObj(o: JsonObject): string {
  const m = isMap(o.metadata) ? o.metadata : {};
  return typeof m.namespace === 'string' ? `${m.namespace}/${String(m.name)}` : String(m.name);
}
