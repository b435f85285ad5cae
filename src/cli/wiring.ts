// `perouterd run`: the adapters behind the daemon's ports, and their start and stop.
import type { Logger } from 'pino';
import { Daemon, type LoopOptions } from '../daemon/daemon.js';
import { FileSources } from '../daemon/sources.js';
import type { DaemonObserver, FrrPort, KernelPort, StatusSink } from '../daemon/ports.js';
import { EvpnPatcher, EvpnWatch } from '../dataplane/evpn-patcher.js';
import { FrrEvpnRepair } from '../frr/evpn-repair.js';
import { installSignalHandlers } from '../daemon/triggers.js';
import { netnsExists } from '../dataplane/netlink/index.js';
import { NetlinkDataplane, applyKernel, describeOp, type ApplyReport, type Dataplane } from '../dataplane/dataplane.js';
import { KernelTracker } from '../dataplane/kernel-tracker.js';
import { refreshStaleNeighbours } from '../dataplane/router-neighbours.js';
import { FrrReloader, frrPaths } from '../frr/reloader.js';
import { ZebraReadinessCheck } from '../frr/zebra-readiness.js';
import type { ApiSource } from '../k8s/api-source.js';
import { ensurePrivateDir, writeFileSafe } from '../sys/safe-file.js';
import { serviceManagerFromEnv } from '../service/sd-notify.js';
import { attachServiceHooks } from '../service/hooks.js';
import { startHttpEndpoint } from './http-wiring.js';
import { startStatusSocket } from './observe-wiring.js';
import { DEFAULTS, configSources, resolveGroup, resolveNodeName, type SourceOptions } from './settings.js';

export interface RunOptions extends SourceOptions {
  netns: string;
  frrPathspace?: string;
  stateDir: string;
  stateGroup?: string;
  resyncSeconds: string;
  watch: boolean;
  kubeconfig?: string;
  api: boolean;
  /** `addr:port` of /metrics, /healthz, /readyz, or `off`; `http: false` is --no-http. */
  httpListen: string;
  http: boolean;
  /** EVPN data-plane health check period (0 = off). */
  evpnCheckMs?: string;
  /** false (--no-evpn-patch): perouterd never writes the router-MAC entries zebra lost. */
  evpnPatch?: boolean;
  /** Bridge refresher period in ms (0 = off); parsed by the command line. */
  bridgeRefreshMs?: number;
  /** The command that restarts the FRR instance in the router namespace (last EVPN repair step). */
  frrRestartCommand?: string;
}

/** The FRR adapters seen through the daemon's FrrPort. */
export function frrPort(reloader: FrrReloader, repair: FrrEvpnRepair): FrrPort {
  return {
    isRunning: () => reloader.isRunning(),
    daemonPids: () => reloader.daemonPids(),
    check: (c, parsed) => reloader.check(c, parsed),
    apply: (c, o) => reloader.apply(c, o),
    repairEvpn: (step, targets) => repair.repair(step, targets),
  };
}

/** The dataplane adapter seen through the daemon's KernelPort. */
export function kernelPort(dp: Dataplane, opts: { evpnPatch?: boolean } = {}): KernelPort {
  const tracker = new KernelTracker(dp);
  // The EVPN patch writes neighbour and FDB entries beside the applies: not what
  // the kernel diff looks at, but nothing to bet a skipped link on either.
  const patcher = new EvpnPatcher(
    {
      observeEvpn: () => dp.observeEvpn(),
      replaceNeighbour: (e) => (tracker.distrust(), dp.replaceNeighbour(e)),
      deleteNeighbour: (e) => (tracker.distrust(), dp.deleteNeighbour(e)),
    },
    opts.evpnPatch ?? true,
  );
  return {
    ensureRouterNamespace: () => {
      const outcome = dp.ensureRouterNamespace();
      if (outcome !== 'existed') tracker.distrust();
      return outcome === 'created';
    },
    changes: async (plan, o) => {
      const c = await tracker.changes(plan, o);
      let clean = true;
      const report = (r: ApplyReport) => {
        if (r.errors.length > 0) clean = false;
        return { writes: r.writes, ops: r.ops.map(describeOp), errors: r.errors.map((e) => `${describeOp(e.op)}: ${e.error}`) };
      };
      return {
        additions: async () => report(await applyKernel(dp, c.additions, c.observed)),
        removals: async () => {
          const r = report(await applyKernel(dp, c.removals, c.observed));
          // Removals run last, and only after the additions and FRR went through.
          if (clean) c.applied();
          return r;
        },
        missingNics: c.missingNics,
        heldVeths: c.heldVeths,
      };
    },
    checkEvpn: (l3vnis) => patcher.check(l3vnis),
    watchEvpn: (changed) => new EvpnWatch(dp, () => patcher.devices, changed),
    refreshStaleNeighbours: (l2vnis) => refreshStaleNeighbours(dp, l2vnis),
    close: () => dp.close(),
  };
}

/** status.json: root-only state directory (0700, or 0750 with `gid`), file 0600 (0640). */
export function statusFile(stateDir: string, gid?: number): StatusSink {
  return {
    write: async (json) => {
      await ensurePrivateDir(stateDir, gid === undefined ? 0o700 : 0o750, gid);
      await writeFileSafe(stateDir, 'status.json', json, { mode: gid === undefined ? 0o600 : 0o640, rootOnly: true, gid });
    },
  };
}

/** The loop's settings from the command line. */
function loopOptions(o: RunOptions): LoopOptions {
  return {
    routerNetns: o.netns,
    quietMs: DEFAULTS.quietMs,
    evpnHealthMs: o.evpnCheckMs === undefined ? DEFAULTS.evpnHealthMs : Number(o.evpnCheckMs),
    bridgeRefreshMs: o.bridgeRefreshMs ?? DEFAULTS.bridgeRefreshMs,
    triggers: {
      configDir: o.configDir,
      nodeConfigPath: o.nodeConfig,
      watchFiles: o.watch,
      debounceMs: DEFAULTS.debounceMs,
      resyncSeconds: Number(o.resyncSeconds),
      frrPollMs: DEFAULTS.frrPollMs,
    },
  };
}

export async function runDaemon(o: RunOptions, log: Logger): Promise<void> {
  // A fresh boot (no router namespace yet) starts from the static files only;
  // a restart with the namespace in place keeps the networks the API defined.
  const routerExisted = netnsExists(o.netns);
  const nodeName = resolveNodeName(o.nodeConfig);
  const src = configSources(o, { nodeName });
  const pathspace = o.frrPathspace ?? o.netns;
  const zebra = new ZebraReadinessCheck({ pathspace, log: (m, e) => log.debug(e ?? {}, m) });
  const dp = new NetlinkDataplane(o.netns, { zebra });
  const paths = frrPaths(pathspace);
  const reloader = new FrrReloader(paths, { log: (m, e) => log.debug(e ?? {}, m) });
  const restart = o.frrRestartCommand?.trim() ? o.frrRestartCommand.trim().split(/\s+/) : undefined;
  const frr = frrPort(reloader, new FrrEvpnRepair(paths, restart));
  // Told about every reconcile and source change (src/observe: status socket, metrics, health).
  const observers: DaemonObserver[] = [];
  const gid = resolveGroup(o.stateGroup);
  const daemon = new Daemon(
    loopOptions(o),
    {
      kernel: kernelPort(dp, { evpnPatch: o.evpnPatch !== false }),
      frr,
      sources: new FileSources(src),
      status: statusFile(o.stateDir, gid),
      observers,
    },
    log,
  );
  const statusSocket = await startStatusSocket(daemon, dp, { stateDir: o.stateDir, gid, pathspace }, observers, log);
  let api: ApiSource | undefined;
  if (o.api) {
    // The Kubernetes client is loaded only here: `render`, `validate`, `--version` and
    // `run --no-api` never pay for it (README "Memory and start time").
    const [{ ApiSource }, { resolveKubeconfigPath }] = await Promise.all([import('../k8s/api-source.js'), import('../k8s/kubeconfig.js')]);
    api = new ApiSource({
      kubeconfigPath: resolveKubeconfigPath(o.kubeconfig),
      namespace: o.namespace,
      nodeName,
      stateDir: o.stateDir,
      log: log.child({ component: 'k8s' }),
    });
    const persisted = routerExisted ? api.loadPersistedSnapshot() : undefined;
    if (persisted) log.info('API unreachable so far: using the API objects persisted by the previous run');
    daemon.attachApi(api, persisted);
    api.onChange(() => daemon.trigger('api-change'));
  }
  // Before the first reconcile, so /readyz answers 503 until the configuration is applied.
  const endpoint = o.http ? await startHttpEndpoint(o.httpListen, { daemon, frr, api, pathspace, log }) : undefined;
  if (endpoint) observers.push(endpoint.metrics);
  const service = attachServiceHooks(
    daemon,
    serviceManagerFromEnv(process.env, (m) => log.warn(m)),
    (m) => log.error(m),
  );
  installSignalHandlers(
    process,
    {
      reload: () => daemon.trigger('sighup'),
      stop: (signal) => {
        log.info({ signal }, 'stopping; the dataplane stays in place');
        service.stopping();
        void daemon
          .stop()
          .then(() => api?.stop())
          .then(() => statusSocket.close())
          .then(() => service.close())
          .then(() => process.exit(0));
      },
    },
    log,
  );
  log.info({ configDir: o.configDir, nodeConfig: o.nodeConfig, nodeName }, 'perouterd starting');
  await daemon.start();
  api?.start();
}
