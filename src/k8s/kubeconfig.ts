// Kubeconfig discovery and loading.
//
// Path: `--kubeconfig`, else the first entry of $KUBECONFIG, else /var/lib/hostbridge/kubeconfig,
// which upstream's hostbridge DaemonSet writes on the host (upstream's cmd/hostbridge/main.go).
//
// Hostbridge writes a kubeconfig whose file references are paths *inside its pod*:
// `certificate-authority: /shared/ca.crt` and `tokenFile: /shared/token`, where /shared is the
// host's /var/lib/hostbridge. So a referenced file that does not exist is looked up next to the
// kubeconfig by its base name. Relative references are relative to the kubeconfig's directory.
// Every reference of the current context (CA, token file, client certificate and key) is read
// here and inlined, because client-node 2.x ignores `tokenFile` (it reads `token-file`) and
// because the fingerprint of the inlined content is what tells a credential rotation: hostbridge
// rewrites the token file in place when the service-account token rotates.
//
// A pod writes these files through a hostPath, so they are untrusted input to a root daemon:
// every one is read bounded (regular files only, size-capped, without blocking: src/sys), and
// error texts name the file, line and problem but never quote content (a YAML error on the
// `token:` line would otherwise carry the token into the journal and status.json).

import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { parse as parseYaml, YAMLError } from 'yaml';
import { BoundedReadError, readFileBounded } from '../sys/bounded-read.js';
import { safeText } from '../util/text.js';

/** Cap of the kubeconfig and of every file it names (certificates, keys and tokens are a few KB). */
export const KUBECONFIG_MAX_BYTES = 1024 * 1024;

export const DEFAULT_KUBECONFIG_PATH = '/var/lib/hostbridge/kubeconfig';

/** `--kubeconfig`, else the first non-empty entry of $KUBECONFIG, else the hostbridge path. */
export function resolveKubeconfigPath(flag?: string, env: NodeJS.ProcessEnv = process.env): string {
  if (flag !== undefined && flag !== '') return flag;
  const fromEnv = (env.KUBECONFIG ?? '').split(path.delimiter).find((s) => s.trim() !== '');
  return fromEnv ?? DEFAULT_KUBECONFIG_PATH;
}

export type KubeconfigLoad =
  | { state: 'missing' }
  | { state: 'invalid'; error: string }
  | {
      state: 'ok';
      kc: KubeConfig;
      /** sha256 of the inlined configuration (server, CA, credentials): changes on rotation. */
      fingerprint: string;
      server: string;
      user: string;
    };

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Where a file referenced by the kubeconfig in `dir` really is (see the header). */
export async function resolveReference(ref: string, dir: string): Promise<string> {
  const p = path.isAbsolute(ref) ? ref : path.resolve(dir, ref);
  const exists = (f: string): Promise<boolean> =>
    fsp.lstat(f).then(
      () => true,
      () => false,
    );
  if (await exists(p)) return p;
  const beside = path.join(dir, path.basename(ref));
  if (await exists(beside)) return beside;
  throw new Error(`${safeText(ref)}: file not found (also looked for ${safeText(beside)})`);
}

async function readReference(ref: string, dir: string): Promise<Buffer> {
  return readFileBounded(await resolveReference(ref, dir), KUBECONFIG_MAX_BYTES);
}

/** A YAML error as its position and kind, without the excerpt of the file the library adds. */
function yamlProblem(e: YAMLError): string {
  const pos = e.linePos?.[0];
  const where = pos ? `line ${pos.line}, column ${pos.col}` : 'somewhere';
  return `YAML error at ${where} (${e.code.toLowerCase().replace(/_/g, ' ')})`;
}

function findNamed(list: unknown, name: unknown, field: string): Obj | undefined {
  if (!Array.isArray(list)) return undefined;
  const entry = list.find((e) => isObj(e) && e.name === name) as Obj | undefined;
  const inner = entry?.[field];
  return isObj(inner) ? inner : undefined;
}

/**
 * Reads the kubeconfig at `file` and inlines every file it references for the current context.
 * Never throws: a missing file is `missing`, anything unusable is `invalid` (a file caught half
 * written is `invalid` too; the caller keeps its previous clients and reads again later).
 */
export async function loadKubeconfig(file: string): Promise<KubeconfigLoad> {
  let text: string;
  try {
    text = (await readFileBounded(file, KUBECONFIG_MAX_BYTES)).toString('utf8');
  } catch (e) {
    if (e instanceof BoundedReadError && e.problem === 'missing') return { state: 'missing' };
    return { state: 'invalid', error: safeText(e instanceof BoundedReadError ? e.message : `${file}: cannot read`, 500) };
  }
  try {
    return await inline(file, text);
  } catch (e) {
    const why = e instanceof YAMLError ? yamlProblem(e) : e instanceof BoundedReadError ? e.message : (e as Error).message;
    return { state: 'invalid', error: safeText(why.startsWith(file) ? why : `${file}: ${why}`, 500) };
  }
}

async function inline(file: string, text: string): Promise<Extract<KubeconfigLoad, { state: 'ok' }>> {
  const dir = path.dirname(path.resolve(file));
  const doc = parseYaml(text) as unknown;
  if (!isObj(doc)) throw new Error('not a kubeconfig (no mapping at the top)');
  const ctxName = doc['current-context'];
  let ctx = findNamed(doc.contexts, ctxName, 'context');
  if (!ctx && Array.isArray(doc.contexts) && doc.contexts.length === 1 && isObj(doc.contexts[0]) && isObj(doc.contexts[0].context)) {
    ctx = doc.contexts[0].context;
  }
  if (!ctx) throw new Error(`the current-context is not among the contexts`);
  const cluster = findNamed(doc.clusters, ctx.cluster, 'cluster');
  if (!cluster || typeof cluster.server !== 'string' || cluster.server === '')
    throw new Error(`the current context's cluster is missing or has no server`);
  const user = ctx.user === undefined ? {} : (findNamed(doc.users, ctx.user, 'user') ?? {});

  const c: Obj = { ...cluster };
  if (typeof c['certificate-authority'] === 'string' && c['certificate-authority-data'] === undefined) {
    c['certificate-authority-data'] = (await readReference(c['certificate-authority'], dir)).toString('base64');
  }
  delete c['certificate-authority'];
  const u = await inlineUser(user, dir);
  const userName = typeof ctx.user === 'string' ? ctx.user : 'user';
  const inlined = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'cluster', cluster: c }],
    users: [{ name: userName, user: u }],
    contexts: [
      {
        name: 'perouterd',
        context: { cluster: 'cluster', user: userName, ...(typeof ctx.namespace === 'string' ? { namespace: ctx.namespace } : {}) },
      },
    ],
    'current-context': 'perouterd',
  };
  const json = JSON.stringify(inlined);
  const kc = new KubeConfig();
  kc.loadFromString(json);
  return { state: 'ok', kc, fingerprint: createHash('sha256').update(json).digest('hex'), server: String(c.server), user: userName };
}

/** The user's credentials with every file they name read and inlined. */
async function inlineUser(user: Obj, dir: string): Promise<Obj> {
  const u: Obj = { ...user };
  const tokenFile = u.tokenFile ?? u['token-file'];
  if (typeof tokenFile === 'string' && (u.token === undefined || u.token === '')) {
    const token = (await readReference(tokenFile, dir)).toString('utf8').trim();
    if (token === '') throw new Error(`token file ${safeText(tokenFile)} is empty`);
    u.token = token;
  }
  delete u.tokenFile;
  delete u['token-file'];
  for (const [ref, data] of [
    ['client-certificate', 'client-certificate-data'],
    ['client-key', 'client-key-data'],
  ] as const) {
    if (typeof u[ref] === 'string' && u[data] === undefined) u[data] = (await readReference(u[ref], dir)).toString('base64');
    delete u[ref];
  }
  return u;
}
