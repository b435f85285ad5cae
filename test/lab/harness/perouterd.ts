// Runs the real perouterd (dist/cli/main.js) inside a lab "host" namespace, the
// way systemd runs it on a node: one long-lived process whose own network
// namespace is the host's. `nsenter --net` switches only the network namespace,
// so the router namespace it creates under /run/netns is visible to everyone.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { log } from './results.js';
import { waitFor } from './fabric.js';
import { startNodeFrr } from './frr.js';

/** Repository root, from build/test/lab/harness/perouterd.js. */
export const REPO = fileURLToPath(new URL('../../../../', import.meta.url));
export const PEROUTERD = join(REPO, 'dist/cli/main.js');

export interface PerouterdNode {
  name: string;
  /** The namespace playing the node's host network stack. */
  hostNs: string;
  /** Router namespace (and FRR path space) perouterd creates. */
  routerNs: string;
  dir: string;
  configDir: string;
  nodeConfig: string;
  stateDir: string;
  logFile: string;
}

export interface PerouterdStatus {
  state: string;
  message: string;
  reconciles: number;
  frr: { reloads: number; restarts?: number; lastOutcome?: string; lastError?: string };
  kernel: { writesLast: number; writesTotal: number; lastErrors: string[] };
  failedResources: unknown[];
  problems: string[];
  missingNics?: string[];
  evpn?: {
    faults: string[];
    faultsDetected: number;
    repairs: number;
    repairsByStep: Record<string, number>;
    lastRepair?: { step: string; at: string; error?: string };
    gaveUp: boolean;
    patches?: number;
    held?: string[];
    eventChecks?: number;
  };
}

export function perouterdNode(name: string, hostNs: string, routerNs: string, nodeIndex: number): PerouterdNode {
  const dir = `/tmp/lab-perouterd/${name}`;
  const n: PerouterdNode = {
    name,
    hostNs,
    routerNs,
    dir,
    configDir: join(dir, 'configs'),
    nodeConfig: join(dir, 'node-config.yaml'),
    stateDir: join(dir, 'state'),
    logFile: join(dir, 'perouterd.log'),
  };
  mkdirSync(n.configDir, { recursive: true });
  mkdirSync(n.stateDir, { recursive: true });
  writeFileSync(n.nodeConfig, `nodeIndex:\n  index: ${nodeIndex}\nnodeName: ${name}\nlogLevel: info\n`);
  return n;
}

export function writeConfig(n: PerouterdNode, file: string, yaml: string): void {
  writeFileSync(join(n.configDir, file), yaml);
}

export function removeConfig(n: PerouterdNode, file: string): void {
  rmSync(join(n.configDir, file), { force: true });
}

export function readStatus(n: PerouterdNode): PerouterdStatus | undefined {
  try {
    return JSON.parse(readFileSync(join(n.stateDir, 'status.json'), 'utf8')) as PerouterdStatus;
  } catch {
    return undefined;
  }
}

export class PerouterdProcess {
  private exited: number | null | undefined;
  constructor(
    readonly node: PerouterdNode,
    readonly child: ChildProcess,
  ) {
    child.on('exit', (code) => {
      this.exited = code;
      log(`perouterd ${node.name} exited with ${code}`);
    });
  }

  get alive(): boolean {
    return this.exited === undefined;
  }

  signal(sig: NodeJS.Signals): void {
    this.child.kill(sig);
  }

  async stop(): Promise<number | null | undefined> {
    if (!this.alive) return this.exited;
    this.child.kill('SIGTERM');
    await waitFor(() => !this.alive, 15_000, `perouterd ${this.node.name} to exit`, 100);
    return this.exited;
  }

  logTail(n = 40): string {
    try {
      return readFileSync(this.node.logFile, 'utf8').trimEnd().split('\n').slice(-n).join('\n');
    } catch {
      return '(no log)';
    }
  }
}

export function startPerouterd(n: PerouterdNode, extraArgs: string[] = []): PerouterdProcess {
  if (!existsSync(PEROUTERD)) throw new Error(`${PEROUTERD} missing: run npm run build first`);
  const out = openSync(n.logFile, 'a');
  const nodeFlags = (process.env.LAB_NODE_FLAGS ?? '').split(' ').filter(Boolean);
  const args = [
    `--net=/run/netns/${n.hostNs}`,
    '--',
    process.execPath,
    ...nodeFlags,
    PEROUTERD,
    'run',
    '--netns',
    n.routerNs,
    '--config-dir',
    n.configDir,
    '--node-config',
    n.nodeConfig,
    '--state-dir',
    n.stateDir,
    '--log-level',
    'debug',
    ...extraArgs,
  ];
  const child = spawn('nsenter', args, { stdio: ['ignore', out, out] });
  log(`started perouterd for ${n.name} (pid ${child.pid})`);
  return new PerouterdProcess(n, child);
}

/** Waits until perouterd finished a reconcile after `after` with the given state. */
export async function waitForReconcile(
  n: PerouterdNode,
  after: number,
  timeoutMs: number,
  states: string[] = ['ready'],
): Promise<PerouterdStatus> {
  return waitFor(
    () => {
      const s = readStatus(n);
      return s && s.reconciles > after && states.includes(s.state) ? s : undefined;
    },
    timeoutMs,
    `${n.name}: a reconcile after #${after} reaching ${states.join('/')} (status: ${JSON.stringify(readStatus(n))?.slice(0, 600)})`,
    250,
  );
}

/**
 * Starts perouterd on every node, FRR in each router namespace (as packaged, startNodeFrr)
 * as soon as perouterd created it, and waits for each node's first successful reconcile.
 * Returns the milliseconds from FRR start to the last node ready.
 */
export async function bringUpNodes(
  nodes: PerouterdNode[],
  procs: PerouterdProcess[],
  timeoutMs = 150_000,
  o: { perouterdArgs?: (n: PerouterdNode) => string[] } = {},
): Promise<number> {
  procs.push(...nodes.map((n) => startPerouterd(n, o.perouterdArgs?.(n) ?? [])));
  await waitFor(() => nodes.every((n) => existsSync(`/run/netns/${n.routerNs}`)), 90_000, 'router namespaces', 200);
  for (const n of nodes) await startNodeFrr(n.routerNs);
  const t = Date.now();
  for (const n of nodes) await waitForReconcile(n, 0, timeoutMs);
  return Date.now() - t;
}
