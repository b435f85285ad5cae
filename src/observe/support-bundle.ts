// `perouterd support-bundle`: everything a bug report needs from one node, as a list of
// files for a tar.gz. What is collected is decided here; the I/O goes through a port
// (bundle-sources.ts), so tests run it on fakes. Every text passes through the redaction
// (src/util/redact.ts) and the kubeconfig is never included, only whether it exists.
import { redactFrrConfig, redactSecrets } from '../util/redact.js';
import type { TarEntry } from './tar.js';

/** FRR's state, each as `show … json` (file name → command). */
export const FRR_SHOW_JSON: Readonly<Record<string, string>> = {
  'bgp-summary': 'show bgp vrf all summary json',
  'bgp-neighbors': 'show bgp vrf all neighbors json',
  'evpn-vni': 'show evpn vni detail json',
  'evpn-rmac': 'show evpn rmac vni all json',
  'evpn-next-hops': 'show evpn next-hops vni all json',
  'evpn-mac': 'show evpn mac vni all json',
  'bgp-l2vpn-evpn': 'show bgp l2vpn evpn json',
  'bfd-peers': 'show bfd peers json',
  'ip-route': 'show ip route vrf all json',
  'ipv6-route': 'show ipv6 route vrf all json',
  interfaces: 'show interface vrf all json',
};

export interface BundleSources {
  /** A file's text, or undefined when it cannot be read. */
  readFile(path: string): Promise<string | undefined>;
  /** The static configuration files (openpe_*.yaml) of the configuration directory. */
  configFiles(): Promise<string[]>;
  /** The rendered frr.conf, or why it could not be rendered. */
  renderedFrrConfig(): Promise<{ config?: string; error?: string }>;
  /** links, addresses, routes, neighbours and FDB of a namespace, from the netlink dumps. */
  kernelState(ns: 'host' | 'router'): Promise<unknown>;
  /** `vtysh -c <command>` output, or undefined when FRR does not answer. */
  vtysh(command: string): Promise<string | undefined>;
  /** The daemon's status: from its status socket when it runs, else status.json. */
  status(): Promise<{ text?: string; from: string }>;
  /** The last journal lines of perouterd.service (JSON lines), or why there are none. */
  journal(lines: number): Promise<{ text?: string; note?: string }>;
  versions(): Promise<Record<string, string>>;
}

export interface BundleOptions {
  nodeConfig: string;
  configDir: string;
  kubeconfig: string;
  frrConfPath: string;
  journalLines?: number;
}

const json = (v: unknown): string => JSON.stringify(v, null, 2) + '\n';

/** Collects every file of the bundle (names relative to the bundle's top directory). */
export async function collectBundle(src: BundleSources, o: BundleOptions): Promise<TarEntry[]> {
  const files: TarEntry[] = [];
  const notes: string[] = [];
  const add = (name: string, text: string): void => {
    files.push({ name, data: text });
  };
  const addFile = async (name: string, path: string, redact: (s: string) => string = redactSecrets): Promise<void> => {
    const t = await src.readFile(path);
    if (t === undefined) notes.push(`${name}: ${path} could not be read`);
    else add(name, redact(t));
  };

  await addFile('config/node-config.yaml', o.nodeConfig);
  for (const f of await src.configFiles()) await addFile(`config/configs/${f.split('/').pop() ?? f}`, f);
  const kube = await src.readFile(o.kubeconfig);
  add(
    'config/kubeconfig.txt',
    `${o.kubeconfig}: ${kube === undefined ? 'absent or unreadable' : `present (${Buffer.byteLength(kube)} bytes)`}; never included\n`,
  );

  const rendered = await src.renderedFrrConfig();
  if (rendered.config !== undefined) add('frr/frr.conf.rendered', redactFrrConfig(rendered.config));
  else notes.push(`frr/frr.conf.rendered: ${rendered.error ?? 'not rendered'}`);
  await addFile('frr/frr.conf', o.frrConfPath, redactFrrConfig);
  // FRR is asked everything at once (the real source runs what is asked together from one shell).
  const versions = src.versions();
  const [running] = await Promise.all([
    src.vtysh('show running-config'),
    ...Object.entries(FRR_SHOW_JSON).map(async ([name, cmd]) => {
      const out = await src.vtysh(cmd);
      if (out === undefined) notes.push(`frr/${name}.json: \`${cmd}\` failed`);
      else add(`frr/${name}.json`, redactSecrets(out));
    }),
  ]);
  if (running === undefined) notes.push('frr/running-config: FRR does not answer (vtysh failed)');
  else add('frr/running-config', redactFrrConfig(running));

  for (const ns of ['host', 'router'] as const) {
    try {
      add(`kernel/${ns}.json`, json(await src.kernelState(ns)));
    } catch (e) {
      notes.push(`kernel/${ns}.json: ${(e as Error).message}`);
    }
  }

  const status = await src.status();
  if (status.text !== undefined) add('status.json', redactSecrets(status.text));
  else notes.push(`status.json: ${status.from}`);
  const journal = await src.journal(o.journalLines ?? 500);
  if (journal.text !== undefined) add('journal.json', redactSecrets(journal.text));
  if (journal.note) notes.push(`journal.json: ${journal.note}`);
  add('versions.json', json(await versions));

  files.sort((a, b) => a.name.localeCompare(b.name));
  const manifest = [
    'perouterd support bundle',
    'Secrets (passwords, tokens, keys) are redacted; the kubeconfig is never included.',
    '',
    'files:',
    ...files.map((f) => `  ${f.name}`),
    '',
    'not collected:',
    ...(notes.length ? notes.sort().map((n) => `  ${n}`) : ['  (nothing missing)']),
    '',
  ].join('\n');
  return [{ name: 'MANIFEST.txt', data: manifest }, ...files];
}
