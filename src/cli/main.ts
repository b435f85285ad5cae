#!/usr/bin/env node
// perouterd command line: `run` (the daemon), `render` and `validate` (touch nothing).
// Each netlink socket may hold two libuv pool threads (a send and a receive), so the
// pool is widened before anything uses it; fs and dns must never starve behind it.
process.env.UV_THREADPOOL_SIZE ??= '16';

import { Command, Option } from 'commander';
import type { Logger } from 'pino';
import { formatLocation, problemLine } from '../config/model.js';
import { Daemon } from '../daemon/daemon.js';
import os from 'node:os';
import { buildDesiredState, hostInterfaceAddresses } from '../daemon/pipeline.js';
import { loadNodeConfig } from '../config/load.js';
import type { ApiSource } from '../k8s/api-source.js';
import { netnsExists } from '../dataplane/netlink/index.js';
import { NetlinkDataplane } from '../dataplane/dataplane.js';
import { FrrReloader, frrPaths } from '../frr/reloader.js';
import { ZebraReadinessCheck } from '../frr/zebra-readiness.js';
import { createLogger, journalPrefix } from '../service/journal-log.js';
import { acquireInstanceLock, InstanceLockedError } from '../service/instance-lock.js';
import { serviceManagerFromEnv } from '../service/sd-notify.js';
import { attachServiceHooks } from '../service/hooks.js';

/** Upstream's host-mode file locations, so an existing node config works unchanged. */
const DEFAULT_NODE_CONFIG = '/var/lib/openperouter/node-config.yaml';
const DEFAULT_CONFIG_DIR = '/var/lib/openperouter/configs';

const program = new Command();
program.name('perouterd').description('Host-level PE router daemon: BGP EVPN / VXLAN to the fabric, overlays to the host').version('0.1.0');

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

const sourceOptions = (c: Command): Command =>
  c
    .option('--config-dir <dir>', 'directory of openpe_*.yaml files', DEFAULT_CONFIG_DIR)
    .option('--node-config <file>', 'node configuration file', DEFAULT_NODE_CONFIG);

sourceOptions(program.command('run'))
  .description('apply the configuration and keep it applied (SIGHUP re-applies, SIGTERM exits leaving the dataplane in place)')
  .option('--netns <name>', 'router network namespace (/run/netns/<name>)', 'perouter')
  .option('--frr-pathspace <name>', 'FRR path space (-N) of the FRR instance in the router namespace; defaults to the namespace name')
  .option('--state-dir <dir>', 'where status.json is written', '/run/perouterd')
  .option('--resync-seconds <n>', 'periodic drift check interval (0 = off)', '30')
  .option('--no-watch', 'do not watch the configuration files')
  .option(
    '--kubeconfig <file>',
    'kubeconfig for the API stage (default: $KUBECONFIG, else /var/lib/hostbridge/kubeconfig, written by the hostbridge pod)',
  )
  .option('--namespace <ns>', 'namespace of mirrored objects, RawFRRConfigs and the node status', 'openperouter-system')
  .option('--no-api', 'static files only: never contact the Kubernetes API')
  .addOption(new Option('--log-level <level>', 'log level').choices(['trace', 'debug', 'info', 'warn', 'error']).default('info'))
  .action(
    async (o: {
      configDir: string;
      nodeConfig: string;
      netns: string;
      frrPathspace?: string;
      stateDir: string;
      resyncSeconds: string;
      watch: boolean;
      logLevel: string;
      kubeconfig?: string;
      namespace: string;
      api: boolean;
    }) => {
      const log = createLogger(o.logLevel, { netns: o.netns });
      if (!lockRouterNamespace(o.stateDir, o.netns, log)) return;
      // A fresh boot (no router namespace yet) starts from the static files only;
      // a restart with the namespace in place keeps the networks the API defined.
      const routerExisted = netnsExists(o.netns);
      const pathspace = o.frrPathspace ?? o.netns;
      const zebra = new ZebraReadinessCheck({ pathspace, log: (m, e) => log.debug(e ?? {}, m) });
      const dp = new NetlinkDataplane(o.netns, { zebra });
      const frr = new FrrReloader(frrPaths(pathspace), { log: (m, e) => log.debug(e ?? {}, m) });
      const daemon = new Daemon(
        {
          configDir: o.configDir,
          nodeConfigPath: o.nodeConfig,
          routerNetns: o.netns,
          stateDir: o.stateDir,
          resyncSeconds: Number(o.resyncSeconds),
          debounceMs: 500,
          frrPollMs: 2000,
          watchFiles: o.watch,
        },
        dp,
        frr,
        log,
      );
      let api: ApiSource | undefined;
      if (o.api) {
        // The Kubernetes client is loaded only here: `render`, `validate`, `--version` and
        // `run --no-api` never pay for it (README "Memory and start time").
        const [{ ApiSource }, { resolveKubeconfigPath }] = await Promise.all([
          import('../k8s/api-source.js'),
          import('../k8s/kubeconfig.js'),
        ]);
        const node = loadNodeConfig(o.nodeConfig, { hostname: () => os.hostname(), interfaceAddresses: hostInterfaceAddresses });
        api = new ApiSource({
          kubeconfigPath: resolveKubeconfigPath(o.kubeconfig),
          namespace: o.namespace,
          nodeName: node.settings?.nodeName ?? os.hostname(),
          stateDir: o.stateDir,
          log: log.child({ component: 'k8s' }),
        });
        const persisted = routerExisted ? api.loadPersistedSnapshot() : undefined;
        if (persisted) log.info('API unreachable so far: using the API objects persisted by the previous run');
        daemon.attachApi(api, persisted);
        api.onChange(() => daemon.trigger('api-change'));
      }
      const service = attachServiceHooks(
        daemon,
        serviceManagerFromEnv(process.env, (m) => log.warn(m)),
        (m) => log.error(m),
      );
      process.on('SIGHUP', () => {
        log.info('SIGHUP: re-applying configuration');
        daemon.trigger('sighup');
      });
      const shutdown = (sig: string): void => {
        log.info({ signal: sig }, 'stopping; the dataplane stays in place');
        service.stopping();
        void daemon
          .stop()
          .then(() => api?.stop())
          .then(() => service.close())
          .then(() => process.exit(0));
      };
      process.on('SIGTERM', () => shutdown('SIGTERM'));
      process.on('SIGINT', () => shutdown('SIGINT'));
      log.info({ configDir: o.configDir, nodeConfig: o.nodeConfig }, 'perouterd starting');
      await daemon.start();
      api?.start();
    },
  );

sourceOptions(program.command('render'))
  .description('print frr.conf and the planned kernel objects, touching nothing')
  .option('--node-index <n>', 'render for this node index instead of node-config’s')
  .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
  .action((o: { configDir: string; nodeConfig: string; nodeIndex?: string; output: string }) => {
    if (o.nodeIndex !== undefined && !/^\d+$/.test(o.nodeIndex)) {
      process.stderr.write(`error: --node-index must be a whole number >= 0, got "${o.nodeIndex}"\n`);
      process.exitCode = 1;
      return;
    }
    const src = {
      configDir: o.configDir,
      nodeConfigPath: o.nodeConfig,
      ...(o.nodeIndex !== undefined ? { nodeIndexOverride: Number(o.nodeIndex) } : {}),
    };
    const r = buildDesiredState(src);
    if (!r.ok) {
      for (const p of r.problems) process.stderr.write(`${problemLine(p)}\n`);
      for (const f of r.failed)
        process.stderr.write(`error: ${f.location ? formatLocation(f.location) + ': ' : ''}${f.kind} ${f.name}: ${f.message}\n`);
      process.stderr.write(`error: ${r.reason}\n`);
      process.exitCode = 1;
      return;
    }
    const d = r.desired;
    for (const p of d.problems) process.stderr.write(`${problemLine(p)}\n`);
    for (const f of d.failed)
      process.stderr.write(
        `warning: ${f.location ? formatLocation(f.location) + ': ' : ''}${f.kind} ${f.name} skipped (${f.reason}): ${f.message}\n`,
      );
    if (o.output === 'json') {
      process.stdout.write(
        JSON.stringify(
          { node: d.node, plan: d.plan, kernel: d.kernel, frrConfig: d.frrConfig, failedResources: d.failed },
          (_k, v: unknown) => (v instanceof Set ? [...v] : v),
          2,
        ) + '\n',
      );
      return;
    }
    process.stdout.write(`# node ${d.node.nodeName}, index ${d.node.nodeIndex}\n# ---- frr.conf ----\n${d.frrConfig}# ---- kernel ----\n`);
    for (const nic of d.kernel.underlayNics)
      process.stdout.write(`router  underlay NIC ${nic} (moved in, group ${d.kernel.underlayGroup})\n`);
    for (const a of d.kernel.loopbackAddresses) process.stdout.write(`router  lo address ${a}\n`);
    for (const l of d.kernel.links) {
      const t = l.type;
      const detail =
        t.kind === 'vxlan'
          ? ` id ${t.vni} local ${t.local} dstport ${t.port} nolearning`
          : t.kind === 'veth' || t.kind === 'veth-peer'
            ? ` peer ${t.peer}@${t.peerNs}`
            : '';
      process.stdout.write(
        `${l.ns.padEnd(7)} ${t.kind === 'veth-peer' ? 'veth' : t.kind} ${l.name}${detail}${l.master ? ` master ${l.master}` : ''}${l.addresses.length ? ` addr ${l.addresses.join(',')}` : ''}${l.mtuFromUnderlay ? ' mtu underlay-50' : ''}\n`,
      );
    }
    for (const s of d.kernel.sysctls) process.stdout.write(`router  sysctl ${s.path}=${s.value}\n`);
  });

sourceOptions(program.command('validate'))
  .description('check the configuration; exit 0 when it can be applied, 1 otherwise, listing every problem')
  .action((o: { configDir: string; nodeConfig: string }) => {
    const r = buildDesiredState({ configDir: o.configDir, nodeConfigPath: o.nodeConfig });
    const problems = r.ok ? r.desired.problems : r.problems;
    const failed = r.ok ? r.desired.failed : r.failed;
    // Under systemd (ExecReload) each line carries its journal priority.
    const err = journalPrefix(3);
    const out = (line: string, prefix = ''): boolean => process.stdout.write(`${prefix}${line}\n`);
    for (const p of problems) out(problemLine(p), p.severity === 'error' ? err : journalPrefix(4));
    for (const f of failed)
      out(`error: ${f.location ? formatLocation(f.location) + ': ' : ''}${f.kind} ${f.name} (${f.reason}): ${f.message}`, err);
    if (!r.ok) out(`error: ${r.reason}`, err);
    const bad = !r.ok || failed.length > 0;
    out(bad ? 'configuration has errors' : 'configuration is valid', bad ? err : '');
    process.exitCode = bad ? 1 : 0;
  });

program
  .command('ensure-netns')
  .description('create the router network namespace if it does not exist (run before FRR starts in it)')
  .option('--netns <name>', 'router network namespace', 'perouter')
  .action((o: { netns: string }) => {
    const created = new NetlinkDataplane(o.netns).ensureRouterNamespace();
    process.stdout.write(created ? `created /run/netns/${o.netns}\n` : `/run/netns/${o.netns} exists\n`);
  });

await program.parseAsync(process.argv);
