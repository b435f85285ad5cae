// Topology helpers for lab scenarios (runs INSIDE the lab).
//
// Every process costs ~0.1-0.2 s inside UML, so batch: one `ip -batch -`
// (with optional `-n <ns>`) carries many commands.

import { spawn } from 'node:child_process';

export interface RunOptions {
  /** Kill after this many ms (default 30 s). */
  timeoutMs?: number;
  /** Written to stdin (stdin is /dev/null otherwise). */
  input?: string;
  /** Resolve instead of rejecting on a non-zero exit. */
  allowFail?: boolean;
  env?: Record<string, string>;
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

export class CommandError extends Error {
  constructor(
    message: string,
    readonly result: RunResult,
  ) {
    super(message);
  }
}

function fmtCmd(cmd: string, args: readonly string[]): string {
  return [cmd, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

/** Run a command without a shell. Rejects on non-zero exit / timeout unless allowFail. */
export function run(cmd: string, args: readonly string[] = [], opts: RunOptions = {}): Promise<RunResult> {
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const start = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, {
      stdio: [opts.input !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      env: opts.env ? { ...process.env, ...opts.env } : process.env,
    });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout?.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    if (opts.input !== undefined) {
      child.stdin?.on('error', () => undefined);
      child.stdin?.end(opts.input);
    }
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new CommandError(`${fmtCmd(cmd, args)}: ${e.message}`, { code: -1, stdout, stderr, ms: Date.now() - start }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const res: RunResult = { code: code ?? (signal ? 128 : -1), stdout, stderr, ms: Date.now() - start };
      if (timedOut) {
        reject(new CommandError(`${fmtCmd(cmd, args)}: timed out after ${timeoutMs} ms; stderr: ${stderr.trim()}`, res));
      } else if (res.code !== 0 && !opts.allowFail) {
        reject(
          new CommandError(
            `${fmtCmd(cmd, args)}: exit ${code ?? signal}${stderr.trim() ? `; stderr: ${stderr.trim().slice(0, 2000)}` : ''}${
              !stderr.trim() && stdout.trim() ? `; stdout: ${stdout.trim().slice(0, 2000)}` : ''
            }`,
            res,
          ),
        );
      } else resolve(res);
    });
  });
}

/** Run a command and return its stdout (rejects with stderr in the message on failure). */
export async function sh(cmd: string, args: readonly string[] = [], opts: RunOptions = {}): Promise<string> {
  return (await run(cmd, args, opts)).stdout;
}

/** Run a shell script with /bin/sh -c (optionally inside a namespace). */
export async function shScript(script: string, opts: RunOptions & { ns?: string } = {}): Promise<string> {
  const args = opts.ns ? ['netns', 'exec', opts.ns, 'sh', '-c', script] : ['-c', script];
  return sh(opts.ns ? 'ip' : 'sh', args, opts);
}

/** `ip netns exec <ns> <cmd> <args>`; returns stdout. */
export async function nsExec(ns: string, cmd: string, args: readonly string[] = [], opts: RunOptions = {}): Promise<string> {
  return sh('ip', ['netns', 'exec', ns, cmd, ...args], opts);
}

/**
 * Run many `ip` commands in one process: `ip [-n ns] -batch -`.
 * Lines are ip commands without the leading "ip" (e.g. "link set lo up").
 * Blank lines and lines starting with # are dropped.
 */
export async function ipBatch(ns: string | undefined, lines: readonly string[], opts: RunOptions = {}): Promise<string> {
  const clean = lines.map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
  if (clean.length === 0) return '';
  const args = [...(ns ? ['-n', ns] : []), '-batch', '-'];
  try {
    return await sh('ip', args, { ...opts, input: `${clean.join('\n')}\n` });
  } catch (e) {
    // ip prints "Command failed -:<line>"; point at the offending command.
    const m = /Command failed -:(\d+)/.exec(e instanceof Error ? e.message : '');
    const bad = m?.[1] ? clean[Number(m[1]) - 1] : undefined;
    throw new Error(`ip${ns ? ` -n ${ns}` : ''} -batch failed${bad ? ` at "${bad}"` : ''}: ${e instanceof Error ? e.message : String(e)}`, {
      cause: e,
    });
  }
}

/** Write sysctls inside a namespace with one process (`ip netns exec ns sysctl -qw k=v ...`). */
export async function sysctls(ns: string, kv: Record<string, string | number>): Promise<void> {
  const args = Object.entries(kv).map(([k, v]) => `${k}=${v}`);
  if (args.length) await nsExec(ns, 'sysctl', ['-qw', ...args]);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * Poll `predicate` until it returns a truthy value (which is returned) or
 * timeoutMs passes. A throw counts as "not yet"; the last error / value is
 * included in the failure message.
 */
export async function waitFor<T>(
  predicate: () => T | Promise<T>,
  timeoutMs: number,
  what: string,
  intervalMs = 1000,
): Promise<NonNullable<T>> {
  const start = Date.now();
  let last: string;
  for (;;) {
    try {
      const v = await predicate();
      if (v) return v as NonNullable<T>;
      last = `last value: ${JSON.stringify(v)}`;
    } catch (e) {
      last = `last error: ${e instanceof Error ? e.message : String(e)}`;
    }
    const spent = Date.now() - start;
    if (spent >= timeoutMs) throw new Error(`timed out after ${spent} ms waiting for ${what} (${last.slice(0, 1500)})`);
    await sleep(Math.min(intervalMs, Math.max(0, timeoutMs - spent)));
  }
}

// ---------------------------------------------------------------------------
// Declarative-ish topology: namespaces, veth links with addresses, routes.

export interface LinkEnd {
  ns: string;
  dev: string;
  /** CIDR addresses, e.g. "192.168.11.2/24". */
  addrs?: string[];
  mtu?: number;
}

export class Topology {
  private readonly nss: string[] = [];
  private readonly root: string[] = [];
  private readonly perNs = new Map<string, string[]>();
  private readonly sysctl = new Map<string, Record<string, string | number>>();

  private lines(ns: string): string[] {
    let l = this.perNs.get(ns);
    if (!l) this.perNs.set(ns, (l = []));
    return l;
  }

  /** Add namespaces (lo is brought up). `forwarding` enables IPv4/IPv6 forwarding. */
  ns(name: string, o: { forwarding?: boolean } = {}): this {
    this.nss.push(name);
    this.root.push(`netns add ${name}`);
    this.lines(name).push('link set lo up');
    if (o.forwarding) this.sysctl.set(name, { ...this.sysctl.get(name), 'net.ipv4.ip_forward': 1, 'net.ipv6.conf.all.forwarding': 1 });
    return this;
  }

  /** A veth pair between two namespaces, both ends up, with addresses. */
  veth(a: LinkEnd, b: LinkEnd): this {
    this.root.push(`link add ${a.dev} netns ${a.ns} type veth peer name ${b.dev} netns ${b.ns}`);
    for (const e of [a, b]) {
      const l = this.lines(e.ns);
      if (e.mtu) l.push(`link set dev ${e.dev} mtu ${e.mtu}`);
      for (const addr of e.addrs ?? []) l.push(`addr add ${addr} dev ${e.dev}`);
      l.push(`link set dev ${e.dev} up`);
    }
    return this;
  }

  /** Raw ip commands to run inside `ns` after links exist (e.g. "route add ..."). */
  ip(ns: string, ...cmds: string[]): this {
    this.lines(ns).push(...cmds);
    return this;
  }

  sysctls(ns: string, kv: Record<string, string | number>): this {
    this.sysctl.set(ns, { ...this.sysctl.get(ns), ...kv });
    return this;
  }

  /** Create everything: 1 root `ip -batch` + 1 per namespace + 1 sysctl per namespace that needs it. */
  async apply(): Promise<void> {
    await ipBatch(undefined, this.root);
    for (const [ns, l] of this.perNs) await ipBatch(ns, l);
    for (const [ns, kv] of this.sysctl) await sysctls(ns, kv);
  }
}

/** JSON output of an ip command inside a namespace (`ip -n ns -j <args>`). */
export async function ipJson<T = unknown>(ns: string | undefined, args: readonly string[]): Promise<T> {
  const out = await sh('ip', [...(ns ? ['-n', ns] : []), '-j', ...args]);
  return JSON.parse(out || '[]') as T;
}

/** Ping from a namespace; resolves with stdout when at least one reply came back. */
export async function ping(ns: string, dst: string, o: { source?: string; count?: number; waitSec?: number } = {}): Promise<string> {
  const args = ['-n', '-c', String(o.count ?? 3), '-W', String(o.waitSec ?? 1), ...(o.source ? ['-I', o.source] : []), dst];
  const r = await run('ip', ['netns', 'exec', ns, 'ping', ...args], { allowFail: true, timeoutMs: 30_000 });
  const m = /(\d+) packets transmitted, (\d+) (?:packets )?received/.exec(r.stdout);
  if (r.code !== 0 || !m || m[2] === '0') {
    throw new Error(
      `ping ${args.join(' ')} in ${ns} failed (exit ${r.code}): ${(r.stdout + r.stderr).trim().split('\n').slice(-3).join(' | ')}`,
    );
  }
  return r.stdout.trim().split('\n').slice(-2).join(' | ');
}
