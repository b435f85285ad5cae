#!/usr/bin/env node
// perouterd command line: `run` (the daemon), `render` and `validate` (touch nothing).
// Each netlink socket may hold two libuv pool threads (a send and a receive), so the
// pool is widened before anything uses it; fs and dns must never starve behind it.
process.env.UV_THREADPOOL_SIZE ??= '16';

import { Command, InvalidArgumentError, Option } from 'commander';
import type { Logger } from 'pino';
import { formatLocation, problemLine, type FailedResource } from '../config/model.js';
import { buildDesiredState, type DesiredState, type PipelineResult } from '../daemon/desired-state.js';
import { NetlinkDataplane } from '../dataplane/dataplane.js';
import { parseListen } from '../observe/listen.js';
import { createLogger, journalPrefix } from '../service/journal-log.js';
import { acquireInstanceLock, InstanceLockedError } from '../service/instance-lock.js';
import { DEFAULTS, configSources, type SourceOptions } from './settings.js';
import { runDaemon, type RunOptions } from './wiring.js';
import { registerTeardown } from './teardown.js';
import { packageVersion } from './version.js';

const program = new Command();
program
  .name('perouterd')
  .description('Host-level PE router daemon: BGP EVPN / VXLAN to the fabric, overlays to the host')
  .version(packageVersion());

/** One `run` per router namespace; exit status 3 when another one holds it (the unit does not restart on 3). */
function lockRouterNamespace(stateDir: string, netns: string, log: Logger): boolean {
  try {
    acquireInstanceLock(stateDir, netns); // held until the process exits
    return true;
  } catch (e) {
    log.fatal((e as Error).message);
    process.exitCode = e instanceof InstanceLockedError ? 3 : 1;
    return false;
  }
}

/** `--http-listen`: checked while parsing, so a typo is a usage error before anything starts. */
function httpListenArg(value: string): string {
  try {
    parseListen(value);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
  return value;
}

const sourceOptions = (c: Command): Command =>
  c
    .option('--config-dir <dir>', 'directory of openpe_*.yaml files', DEFAULTS.configDir)
    .option('--node-config <file>', 'node configuration file', DEFAULTS.nodeConfig)
    .option('--namespace <ns>', 'namespace of static objects, mirrored objects, RawFRRConfigs and the node status', DEFAULTS.namespace);

sourceOptions(program.command('run'))
  .description('apply the configuration and keep it applied (SIGHUP re-applies, SIGTERM exits leaving the dataplane in place)')
  .option('--netns <name>', 'router network namespace (/run/netns/<name>)', DEFAULTS.netns)
  .option('--frr-pathspace <name>', 'FRR path space (-N) of the FRR instance in the router namespace; defaults to the namespace name')
  .option('--state-dir <dir>', 'where status.json is written (root-only)', DEFAULTS.stateDir)
  .option('--state-group <group>', 'group that may read the state directory and status.json (default: root only)')
  .option('--resync-seconds <n>', 'periodic drift check interval (0 = off)', String(DEFAULTS.resyncSeconds))
  .option('--no-watch', 'do not watch the configuration files')
  .option(
    '--kubeconfig <file>',
    'kubeconfig for the API stage (default: $KUBECONFIG, else /var/lib/hostbridge/kubeconfig, written by the hostbridge pod)',
  )
  .option('--no-api', 'static files only: never contact the Kubernetes API')
  .addOption(
    new Option(
      '--http-listen <addr:port>',
      'serve /metrics, /healthz and /readyz there ("off": not at all); loopback unless told otherwise',
    )
      .default(DEFAULTS.httpListen)
      .argParser(httpListenArg),
  )
  .option('--no-http', 'no /metrics, /healthz or /readyz endpoint (as --http-listen off)')
  .addOption(new Option('--log-level <level>', 'log level').choices(['trace', 'debug', 'info', 'warn', 'error']).default('info'))
  .action(async (o: RunOptions & { logLevel: string }) => {
    const log = createLogger(o.logLevel, { netns: o.netns });
    if (!lockRouterNamespace(o.stateDir, o.netns, log)) return;
    await runDaemon(o, log);
  });

type Failed = FailedResource;
const at = (f: Failed): string => (f.location ? formatLocation(f.location) + ': ' : '');
/** How each command words a failed resource (tests and operators' scripts read these lines). */
const FAILED_LINE = {
  validate: (f: Failed) => `error: ${at(f)}${f.kind} ${f.name} (${f.reason}): ${f.message}`,
  renderSkipped: (f: Failed) => `warning: ${at(f)}${f.kind} ${f.name} skipped (${f.reason}): ${f.message}`,
  renderFatal: (f: Failed) => `error: ${at(f)}${f.kind} ${f.name}: ${f.message}`,
};

function printProblems(out: NodeJS.WriteStream, r: PipelineResult, line: (f: Failed) => string): void {
  const problems = r.ok ? r.desired.problems : r.problems;
  const failed = r.ok ? r.desired.failed : r.failed;
  for (const p of problems) out.write(`${problemLine(p)}\n`);
  for (const f of failed) out.write(`${line(f)}\n`);
  if (!r.ok) out.write(`error: ${r.reason}\n`);
}

function renderText(d: DesiredState): string {
  const lines = [`# node ${d.node.nodeName}, index ${d.node.nodeIndex}`, '# ---- frr.conf ----', d.frrConfig + '# ---- kernel ----'];
  for (const nic of d.kernel.underlayNics) lines.push(`router  underlay NIC ${nic} (moved in, group ${d.kernel.underlayGroup})`);
  for (const a of d.kernel.loopbackAddresses) lines.push(`router  lo address ${a}`);
  for (const l of d.kernel.links) {
    const t = l.type;
    const detail =
      t.kind === 'vxlan'
        ? ` id ${t.vni} local ${t.local} dstport ${t.port} nolearning`
        : t.kind === 'veth' || t.kind === 'veth-peer'
          ? ` peer ${t.peer}@${t.peerNs}`
          : '';
    lines.push(
      `${l.ns.padEnd(7)} ${t.kind === 'veth-peer' ? 'veth' : t.kind} ${l.name}${detail}${l.master ? ` master ${l.master}` : ''}${l.addresses.length ? ` addr ${l.addresses.join(',')}` : ''}${l.mtuFromUnderlay ? ' mtu underlay-50' : ''}`,
    );
  }
  for (const s of d.kernel.sysctls) lines.push(`router  sysctl ${s.path}=${s.value}`);
  return lines.join('\n') + '\n';
}

sourceOptions(program.command('render'))
  .description('print frr.conf and the planned kernel objects, touching nothing')
  .option('--node-index <n>', 'render for this node index instead of node-config’s')
  .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
  .action((o: SourceOptions & { nodeIndex?: string; output: string }) => {
    if (o.nodeIndex !== undefined && !/^\d+$/.test(o.nodeIndex)) {
      process.stderr.write(`error: --node-index must be a whole number >= 0, got "${o.nodeIndex}"\n`);
      process.exitCode = 1;
      return;
    }
    const r = buildDesiredState(configSources(o, o.nodeIndex !== undefined ? { nodeIndexOverride: Number(o.nodeIndex) } : {}));
    printProblems(process.stderr, r, r.ok ? FAILED_LINE.renderSkipped : FAILED_LINE.renderFatal);
    if (!r.ok) {
      process.exitCode = 1;
      return;
    }
    const d = r.desired;
    if (o.output === 'json') {
      const json = { node: d.node, plan: d.plan, kernel: d.kernel, frrConfig: d.frrConfig, failedResources: d.failed };
      process.stdout.write(JSON.stringify(json, (_k, v: unknown) => (v instanceof Set ? [...v] : v), 2) + '\n');
      return;
    }
    process.stdout.write(renderText(d));
  });

sourceOptions(program.command('validate'))
  .description('check the configuration; exit 0 when it can be applied, 1 otherwise, listing every problem')
  .action((o: SourceOptions) => {
    const r = buildDesiredState(configSources(o));
    const problems = r.ok ? r.desired.problems : r.problems;
    const failed = r.ok ? r.desired.failed : r.failed;
    // Under systemd (ExecReload) each line carries its journal priority.
    const err = journalPrefix(3);
    const out = (line: string, prefix = ''): boolean => process.stdout.write(`${prefix}${line}\n`);
    for (const p of problems) out(problemLine(p), p.severity === 'error' ? err : journalPrefix(4));
    for (const f of failed) out(FAILED_LINE.validate(f), err);
    if (!r.ok) out(`error: ${r.reason}`, err);
    // Say what was read, so a typo in a path never passes as "nothing configured".
    out(
      `read ${r.sourceFiles.length} file(s) from ${o.configDir ?? DEFAULTS.configDir} and the node config ${o.nodeConfig ?? DEFAULTS.nodeConfig}`,
    );
    const bad = !r.ok || failed.length > 0;
    out(bad ? 'configuration has errors' : 'configuration is valid', bad ? err : '');
    process.exitCode = bad ? 1 : 0;
  });

program
  .command('ensure-netns')
  .description('create the router network namespace if it does not exist (run before FRR starts in it)')
  .option('--netns <name>', 'router network namespace', DEFAULTS.netns)
  .action((o: { netns: string }) => {
    const outcome = new NetlinkDataplane(o.netns).ensureRouterNamespace();
    process.stdout.write(outcome === 'existed' ? `/run/netns/${o.netns} exists\n` : `${outcome} /run/netns/${o.netns}\n`);
  });

registerTeardown(program);

await program.parseAsync(process.argv);
