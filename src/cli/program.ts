// The command tree of `perouterd`: every command, option and default, and nothing else.
// Each action imports its module when it runs, so `--version`, `--help` and `completion`
// load commander alone (no netlink, no FRR, no configuration pipeline, no Kubernetes client).
import { Command, InvalidArgumentError, Option } from 'commander';
import { parseListen } from '../observe/listen.js';
import { DEFAULTS } from './defaults.js';
import type { RunOptions } from './wiring.js';
import type { TraceOptions } from './trace-command.js';
import type { SupportBundleOptions } from './support-bundle-command.js';
import { packageVersion } from './version.js';

/** Options every command that reads the configuration takes. */
interface SourceOptions {
  configDir: string;
  nodeConfig: string;
  namespace: string;
  bgpListenLimit: number;
}

/** `--bgp-listen-limit`: a whole number 1..65535 (upstream's bounds), else a usage error. */
export function bgpListenLimitArg(value: string): number {
  const n = /^[1-9][0-9]*$/.test(value) ? Number(value) : NaN;
  if (!(n >= 1 && n <= 65535)) throw new InvalidArgumentError(`must be a whole number from 1 to 65535, got "${value.slice(0, 32)}"`);
  return n;
}

const sourceOptions = (c: Command): Command =>
  c
    .option('--config-dir <dir>', 'directory of openpe_*.yaml files', DEFAULTS.configDir)
    .option('--node-config <file>', 'node configuration file', DEFAULTS.nodeConfig)
    .option('--namespace <ns>', 'namespace of static objects, mirrored objects, RawFRRConfigs and the node status', DEFAULTS.namespace)
    .option(
      '--bgp-listen-limit <n>',
      "most BGP sessions accepted through listen ranges (FRR bgp listen limit, 1-65535; upstream's --bgplistenlimit)",
      bgpListenLimitArg,
      DEFAULTS.bgpListenLimit,
    );

/** `--http-listen`: checked while parsing, so a typo is a usage error before anything starts. */
function httpListenArg(value: string): string {
  try {
    parseListen(value);
  } catch (e) {
    throw new InvalidArgumentError((e as Error).message);
  }
  return value;
}

const wholeNumber = (v: string): number => {
  if (!/^\d+$/.test(v)) throw new InvalidArgumentError('must be a whole number >= 0.');
  return Number(v);
};

function addRun(program: Command): void {
  sourceOptions(program.command('run'))
    .description('apply the configuration and keep it applied (SIGHUP re-applies, SIGTERM exits leaving the dataplane in place)')
    .option('--netns <name>', 'router network namespace (/run/netns/<name>)', DEFAULTS.netns)
    .option('--frr-pathspace <name>', 'FRR path space (-N) of the FRR instance in the router namespace; defaults to the namespace name')
    .option('--state-dir <dir>', 'where status.json is written (root-only)', DEFAULTS.stateDir)
    .option('--state-group <group>', 'group that may read the state directory and status.json (default: root only)')
    .option('--resync-seconds <n>', 'periodic drift check interval (0 = off)', String(DEFAULTS.resyncSeconds))
    .option('--no-watch', 'do not watch the configuration files')
    .option('--evpn-check-ms <n>', 'EVPN data-plane health check period in ms (0 = off)', String(DEFAULTS.evpnHealthMs))
    .option(
      '--no-evpn-patch',
      "never write a remote VTEP's router-MAC neighbour and FDB entry that FRR's zebra lost (the VNI re-sync repairs it instead)",
    )
    .addOption(
      new Option(
        '--bridge-refresh-ms <n>',
        'how often stale neighbours on L2VNI bridges are re-confirmed, so silent hosts keep their EVPN type-2 routes, in ms (0 = off)',
      )
        .default(DEFAULTS.bridgeRefreshMs)
        .argParser(wholeNumber),
    )
    .option(
      '--frr-restart-command <command>',
      "restarts the router namespace's FRR instance when nothing less repairs its EVPN data plane (e.g. 'systemctl restart frr@perouter')",
    )
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
      await (await import('./run-command.js')).run(o);
    });
}

function addConfigCommands(program: Command): void {
  sourceOptions(program.command('render'))
    .description('print frr.conf and the planned kernel objects, touching nothing')
    .option('--node-index <n>', 'render for this node index instead of node-config’s', wholeNumber)
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (o: SourceOptions & { nodeIndex?: number; output: string }) => {
      (await import('./config-commands.js')).render(o);
    });

  sourceOptions(program.command('validate'))
    .description('check the configuration; exit 0 when it can be applied, 1 otherwise, listing every problem')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (o: SourceOptions & { output: string }) => {
      (await import('./config-commands.js')).validate(o);
    });
}

function addNodeCommands(program: Command): void {
  program
    .command('ensure-netns')
    .description('create the router network namespace if it does not exist (run before FRR starts in it)')
    .option('--netns <name>', 'router network namespace', DEFAULTS.netns)
    .action(async (o: { netns: string }) => {
      const { NetlinkDataplane } = await import('../dataplane/dataplane.js');
      const outcome = new NetlinkDataplane(o.netns).ensureRouterNamespace();
      process.stdout.write(outcome === 'existed' ? `/run/netns/${o.netns} exists\n` : `${outcome} /run/netns/${o.netns}\n`);
    });

  program
    .command('teardown')
    .description(
      'tear the node down: underlay NIC back to the host with its addresses, host-side overlay links removed, router namespace deleted (stop perouterd and its FRR instance first)',
    )
    .option('--netns <name>', 'router network namespace', DEFAULTS.netns)
    .option('--frr-pathspace <name>', 'FRR path space of the instance in the router namespace; defaults to the namespace name')
    .option('--state-dir <dir>', 'state directory of the daemon (its instance lock)', DEFAULTS.stateDir)
    .action(async (o: { netns: string; frrPathspace?: string; stateDir: string }) => {
      const { teardownNode } = await import('./teardown.js');
      // What it did goes to stdout, what stopped it to stderr.
      const out = (l: string): boolean => (l.startsWith('error:') ? process.stderr : process.stdout).write(`${l}\n`);
      process.exitCode = await teardownNode(o, out);
    });
}

/** `--watch [seconds]`: 2 when given alone, else 1..3600. */
function watchSeconds(v: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 3600) throw new InvalidArgumentError('takes a number of seconds from 1 to 3600.');
  return Number(v);
}

function addStatus(program: Command): void {
  program
    .command('status')
    .description(
      'show the running daemon: health, last reconcile, resources, BGP, EVPN, BFD, kernel drift. ' +
        'Exit status: 0 healthy, 1 degraded, 2 usage error, 3 perouterd not running or unreachable',
    )
    .addOption(new Option('-o, --output <format>', 'output format').choices(['table', 'json', 'yaml']).default('table'))
    .addOption(
      new Option('-w, --watch [seconds]', 'print again every few seconds (default 2) until interrupted')
        .argParser(watchSeconds)
        .preset('2'),
    )
    .option('--state-dir <dir>', 'state directory of perouterd run (status.sock, status.json)', DEFAULTS.stateDir)
    .action(async (o: { output: 'table' | 'json' | 'yaml'; watch?: number; stateDir: string }) => {
      await (await import('./status-command.js')).status(o);
    });
}

function addObserveCommands(program: Command): void {
  sourceOptions(program.command('trace'))
    .description(
      'explain where traffic to <destination> goes on this node: VRF and why, kernel and FRR routes, VXLAN (VNI, remote VTEP, router MAC, underlay next hops) or local, or where it is dropped',
    )
    .argument('<destination>', 'IPv4 or IPv6 address')
    .addOption(new Option('--from <address>', 'host address the traffic comes from (picks the VRF)').conflicts('vrf'))
    .option('--vrf <vrf>', 'trace in this VRF ("default": the router namespace’s own table)')
    .option('--netns <name>', 'router network namespace', DEFAULTS.netns)
    .option('--frr-pathspace <name>', 'FRR path space of the instance in the router namespace; defaults to the namespace name')
    .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (destination: string, o: TraceOptions) => {
      await (await import('./trace-command.js')).traceCommand(destination, o);
    });
}

function addSupportBundle(program: Command): void {
  sourceOptions(program.command('support-bundle'))
    .description(
      'collect configuration (secrets redacted), FRR and kernel state, status, journal and versions into a tar.gz (mode 0600) for a bug report',
    )
    .option('-o, --output <file>', 'bundle file (default: perouterd-support-<host>-<time>.tar.gz in the current directory)')
    .option('--netns <name>', 'router network namespace', DEFAULTS.netns)
    .option('--frr-pathspace <name>', 'FRR path space of the instance in the router namespace; defaults to the namespace name')
    .option('--state-dir <dir>', 'state directory of the daemon (status.json)', DEFAULTS.stateDir)
    .option(
      '--kubeconfig <file>',
      'kubeconfig whose presence is noted (never included; default: $KUBECONFIG, else /var/lib/hostbridge/kubeconfig)',
    )
    .action(async (o: SupportBundleOptions) => {
      await (await import('./support-bundle-command.js')).supportBundle(o);
    });
}

function addCompletion(program: Command): void {
  program
    .command('completion')
    .description('print the shell completion script (bash or zsh); the packages install both')
    .addArgument(program.createArgument('<shell>', 'shell').choices(['bash', 'zsh']))
    .action(async (shell: 'bash' | 'zsh') => {
      const { bashCompletion, zshCompletion } = await import('./completion.js');
      process.stdout.write(shell === 'bash' ? bashCompletion(program) : zshCompletion(program));
    });
}

/**
 * The program. Usage errors (unknown command or option, bad option value) throw a
 * CommanderError (exitOverride), which main turns into exit status 2; commands set 1
 * for an invalid configuration or a failed action. Messages go to stderr, results to stdout.
 */
export function buildProgram(): Command {
  const program = new Command();
  program
    .name('perouterd')
    .description('Host-level PE router daemon: BGP EVPN / VXLAN to the fabric, overlays to the host')
    .version(packageVersion())
    .exitOverride()
    .configureOutput({
      writeOut: (s) => process.stdout.write(s),
      writeErr: (s) => process.stderr.write(s),
    })
    .showSuggestionAfterError();
  addRun(program);
  addConfigCommands(program);
  addNodeCommands(program);
  addStatus(program);
  addObserveCommands(program);
  addSupportBundle(program);
  addCompletion(program);
  return program;
}
