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

import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { KubeConfig } from '@kubernetes/client-node';
import { parse as parseYaml } from 'yaml';

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
export function resolveReference(ref: string, dir: string): string {
  const p = path.isAbsolute(ref) ? ref : path.resolve(dir, ref);
  if (existsSync(p)) return p;
  const beside = path.join(dir, path.basename(ref));
  if (existsSync(beside)) return beside;
  throw new Error(`${ref}: file not found (also looked for ${beside})`);
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
export function loadKubeconfig(file: string): KubeconfigLoad {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'missing' };
    return { state: 'invalid', error: `cannot read ${file}: ${(e as Error).message}` };
  }
  try {
    const dir = path.dirname(path.resolve(file));
    const doc = parseYaml(text) as unknown;
    if (!isObj(doc)) throw new Error('not a kubeconfig (no mapping at the top)');
    const ctxName = doc['current-context'];
    let ctx = findNamed(doc.contexts, ctxName, 'context');
    if (!ctx && Array.isArray(doc.contexts) && doc.contexts.length === 1 && isObj(doc.contexts[0]) && isObj(doc.contexts[0].context)) {
      ctx = doc.contexts[0].context;
    }
    if (!ctx) throw new Error(`current context ${JSON.stringify(ctxName ?? null)} not found`);
    const cluster = findNamed(doc.clusters, ctx.cluster, 'cluster');
    if (!cluster || typeof cluster.server !== 'string' || cluster.server === '')
      throw new Error(`cluster ${JSON.stringify(ctx.cluster ?? null)} has no server`);
    const user = ctx.user === undefined ? {} : (findNamed(doc.users, ctx.user, 'user') ?? {});

    const c: Obj = { ...cluster };
    if (typeof c['certificate-authority'] === 'string' && c['certificate-authority-data'] === undefined) {
      c['certificate-authority-data'] = readFileSync(resolveReference(c['certificate-authority'], dir)).toString('base64');
    }
    delete c['certificate-authority'];
    const u: Obj = { ...user };
    const tokenFile = u.tokenFile ?? u['token-file'];
    if (typeof tokenFile === 'string' && (u.token === undefined || u.token === '')) {
      const token = readFileSync(resolveReference(tokenFile, dir), 'utf8').trim();
      if (token === '') throw new Error(`token file ${tokenFile} is empty`);
      u.token = token;
    }
    delete u.tokenFile;
    delete u['token-file'];
    for (const [ref, data] of [
      ['client-certificate', 'client-certificate-data'],
      ['client-key', 'client-key-data'],
    ] as const) {
      if (typeof u[ref] === 'string' && u[data] === undefined) u[data] = readFileSync(resolveReference(u[ref], dir)).toString('base64');
      delete u[ref];
    }
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
  } catch (e) {
    return { state: 'invalid', error: `${file}: ${(e as Error).message}` };
  }
}
