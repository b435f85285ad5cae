// `perouterd support-bundle [-o file.tar.gz]`: collects the node's configuration (redacted),
// FRR's and the kernel's state, status, journal and versions into one tar.gz, mode 0600.
import { openSync, writeSync, closeSync, constants } from 'node:fs';
import os from 'node:os';
import { buildDesiredState } from '../daemon/desired-state.js';
import { frrPaths } from '../frr/reloader.js';
import { bundleSources } from '../observe/bundle-sources.js';
import { collectBundle } from '../observe/support-bundle.js';
import { tarGz } from '../observe/tar.js';
import { configSources, type SourceOptions } from './settings.js';
import { packageVersion } from './version.js';
import { fetchStatus } from './status-command.js';

export interface SupportBundleOptions extends SourceOptions {
  output?: string;
  netns: string;
  frrPathspace?: string;
  stateDir: string;
  kubeconfig?: string;
}

const stamp = (d: Date): string =>
  d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');

export async function supportBundle(o: SupportBundleOptions): Promise<void> {
  const r = buildDesiredState(configSources(o));
  const pathspace = o.frrPathspace ?? o.netns;
  const src = bundleSources({
    netns: o.netns,
    pathspace,
    stateDir: o.stateDir,
    perouterdVersion: packageVersion(),
    sourceFiles: r.sourceFiles,
    rendered: r.ok ? { config: r.desired.frrConfig } : { error: `configuration invalid: ${r.reason}` },
    // What `perouterd status -o json` prints: the running daemon's answer, else status.json.
    status: async () => {
      const st = await fetchStatus(o.stateDir);
      if ('error' in st) return { from: st.error };
      return { text: JSON.stringify(st.doc, null, 2) + '\n', from: st.note ?? 'the running daemon’s answer on its status socket' };
    },
  });
  const top = `perouterd-support-${os.hostname()}-${stamp(new Date())}`;
  const entries = await collectBundle(src, {
    nodeConfig: o.nodeConfig,
    configDir: o.configDir,
    kubeconfig: o.kubeconfig ?? process.env.KUBECONFIG ?? '/var/lib/hostbridge/kubeconfig',
    frrConfPath: `${frrPaths(pathspace).confDir}/frr.conf`,
  });
  const data = tarGz(entries.map((e) => ({ ...e, name: `${top}/${e.name}` })));
  const file = o.output ?? `${top}.tar.gz`;
  // A new file only (never through a link planted at the name), readable by its owner alone.
  const fd = openSync(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    writeSync(fd, data);
  } finally {
    closeSync(fd);
  }
  process.stdout.write(`${file}\n`);
  const manifest = entries.find((e) => e.name === 'MANIFEST.txt')?.data.toString() ?? '';
  const missing = (manifest.split('not collected:\n')[1] ?? '').split('\n').filter((l) => l.trim() && !l.includes('(nothing missing)'));
  if (missing.length) process.stderr.write(`note: ${missing.length} item(s) not collected, each listed with its reason in MANIFEST.txt\n`);
}
