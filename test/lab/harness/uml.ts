// Host side of the kernel lab: boots User-Mode Linux with the host file system
// as its root, runs ONE node process (a compiled scenario) inside, and hands
// back its exit code, the JSON results it wrote and the whole console log.
//
// Facts this relies on are in docs/kernel-lab.md. Two more, measured while
// writing this file:
//
// * On hosts whose CPU has AVX-512 / AMX (e.g. Sapphire Rapids), Debian's UML
//   6.1 dies right after starting init with
//     "userspace - ptrace set fp regs failed, errno = 14" + "Attempted to kill init!"
//   because its XSTATE buffer is smaller than the host's and the host kernel
//   rejects PTRACE_SETREGSET(NT_X86_XSTATE) with EFAULT. We start UML under a
//   seccomp filter that makes PTRACE_{GET,SET}REGSET(NT_X86_XSTATE) fail with
//   EIO, so UML falls back to PTRACE_{GET,SET}FPREGS (FXSAVE: x87 + XMM only).
// * With that fallback the AVX/AVX-512 upper register state of lab processes
//   is not preserved, so programs using AVX get corrupted at random
//   ("modprobe: invalid option -- 'v'", node "abort: Invalid bytecode").
//   The init script therefore masks AVX for everything inside the lab:
//   GLIBC_TUNABLES (glibc ifuncs), OPENSSL_ia32cap (OpenSSL in node), and V8
//   flags on the node command line (exported as LAB_NODE_FLAGS for scenarios
//   that start more node processes).

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface BootLabOptions {
  /** Path (host = lab path) of a compiled JS file run with node inside the lab. */
  scenario: string;
  args?: string[];
  /** Lab memory in MiB (default 1536). */
  memMb?: number;
  /** Hard limit for the whole run, boot included; UML is killed after it. */
  timeoutMs: number;
  /** Host directory for the init script, results, exit code and console log. Default: fresh mkdtemp. */
  workDir?: string;
  /** Called with each console line as it arrives. */
  onLine?: (line: string) => void;
  /** Extra environment variables for the scenario process. */
  env?: Record<string, string>;
  /** Keep workDir after a successful run (it is always kept after a failed one). */
  keepWorkDir?: boolean;
  /** Modules loaded with modprobe before the scenario (default: vrf vxlan bridge veth 8021q dummy macvlan). */
  modules?: string[];
  /**
   * Root file system of the lab (default: the host's, with its FRR). Another root
   * (scripts/lab-root.sh: Debian 13 with FRR 10) gets the checkout, the work dir
   * and UML's modules mounted at their host paths.
   */
  root?: string;
  /**
   * Root file system whose FRR the fabric's switches run (leafRootFromEnv), visible in the
   * lab at its host path; the scenario finds it in $LAB_FABRIC_ROOT.
   */
  fabricRoot?: string;
  /**
   * After the scenario, run an interactive shell on the console (this process's stdin/stdout)
   * instead of halting; the lab stops when the shell exits. The text is printed before the prompt.
   */
  shell?: { banner: string };
}

export interface LabRun {
  /** Exit code of the scenario's node process; -1 when none was reported (timeout, crash, panic). */
  exitCode: number;
  /** Parsed JSON the scenario wrote to $LAB_RESULTS (undefined if none). */
  results: unknown;
  /** Full console (kernel messages interleaved with the scenario's output). */
  log: string;
  durationMs: number;
  timedOut: boolean;
  workDir: string;
  /** Milliseconds from spawning UML until init printed its first line / until node was started. */
  timings: { initMs?: number; scenarioStartMs?: number; scenarioEndMs?: number };
}

/** Lines printed by the init script start with this marker. */
export const LAB_MARK = '@@LAB';

/** Host directories covered by a tmpfs inside the lab (their host content is invisible there). */
export const HIDDEN_IN_LAB = ['/tmp', '/run', '/var/run', '/var/tmp', '/etc/frr', '/var/log/frr', '/var/lib/frr', '/dev'];

const DEFAULT_MODULES = ['vrf', 'vxlan', 'bridge', 'veth', '8021q', 'dummy', 'macvlan'];

/** Flags that keep V8 from emitting AVX code (see header). */
export const LAB_NODE_FLAGS = [
  '--no-enable-avx',
  '--no-enable-avx2',
  '--no-enable-fma3',
  '--no-enable-bmi1',
  '--no-enable-bmi2',
  '--no-enable-lzcnt',
];

const GLIBC_TUNABLES =
  'glibc.cpu.hwcaps=-AVX,-AVX2,-AVX512F,-AVX512VL,-AVX512BW,-AVX512DQ,-AVX512CD,-AVX_VNNI,' +
  '-FMA,-FMA4,-BMI1,-BMI2,-LZCNT,-MOVBE,-XSAVE,-XSAVEC,-AVX_Fast_Unaligned_Load,-ERMS,-FSRM';
// ~: clear CPUID.1:ECX AVX (bit 28) and OSXSAVE (bit 27); second word (CPUID.7) = 0.
const OPENSSL_IA32CAP = '~0x1800000000000000:0';

// Seccomp filter (classic BPF) installed by a tiny python launcher which then
// execs linux.uml: ptrace(PTRACE_GETREGSET|PTRACE_SETREGSET, *, NT_X86_XSTATE) -> EIO.
const SECCOMP_LAUNCHER = `
import ctypes, os, struct, sys
f = [(0x20,0,0,4),(0x15,0,7,0xc000003e),(0x20,0,0,0),(0x15,0,5,101),(0x20,0,0,16),
     (0x15,1,0,0x4204),(0x15,0,2,0x4205),(0x20,0,0,32),(0x15,1,0,0x202),
     (0x06,0,0,0x7fff0000),(0x06,0,0,0x00050005)]
buf = ctypes.create_string_buffer(b''.join(struct.pack('HBBI', *i) for i in f))
class P(ctypes.Structure):
    _fields_ = [('len', ctypes.c_ushort), ('filter', ctypes.c_void_p)]
p = P(len(f), ctypes.cast(buf, ctypes.c_void_p))
libc = ctypes.CDLL(None, use_errno=True)
if libc.prctl(38, 1, 0, 0, 0) != 0 or libc.prctl(22, 2, ctypes.byref(p), 0, 0) != 0:
    sys.stderr.write('lab launcher: seccomp failed errno=%d\\n' % ctypes.get_errno())
    sys.exit(111)
os.execv(sys.argv[1], sys.argv[1:])
`;

function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function findUml(): string {
  for (const p of ['/usr/bin/linux.uml', '/usr/bin/linux']) if (existsSync(p)) return p;
  throw new Error('linux.uml not found: install the Debian package user-mode-linux');
}

function findUmlModules(): string {
  const base = '/usr/lib/uml/modules';
  const dirs = existsSync(base) ? readdirSync(base) : [];
  const d = dirs.sort().at(-1);
  if (!d) throw new Error(`no UML modules under ${base}`);
  return join(base, d);
}

function findPython(): string {
  for (const p of ['/usr/bin/python3', '/bin/python3']) if (existsSync(p)) return p;
  return 'python3';
}

/** Text of the init script (PID 1 inside the lab). Exported for inspection/tests. */
export function initScript(o: {
  hostDir: string;
  scenario: string;
  args: string[];
  modulesDir: string;
  modules: string[];
  innerTimeoutSec: number;
  env: Record<string, string>;
  /** Host directories mounted (hostfs) at the same path: only when the root is not the host's. */
  hostMounts?: string[];
  /** Host directories under a tmpfs path (a checkout in /tmp) bound back at their own path. */
  reveal?: string[];
  shell?: { banner: string };
}): string {
  const envLines = Object.entries(o.env)
    .map(([k, v]) => `export ${k}=${shq(v)}`)
    .join('\n');
  const nodeCmd = ['node', '$LAB_NODE_FLAGS', shq(o.scenario), ...o.args.map(shq)].join(' ');
  return `#!/bin/sh
# perouterd kernel lab init (generated by test/lab/harness/uml.ts). Runs as PID 1 inside UML.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/tmp LANG=C.UTF-8 TERM=dumb NO_COLOR=1 NODE_DISABLE_COLORS=1
export GLIBC_TUNABLES=${shq(GLIBC_TUNABLES)}
export OPENSSL_ia32cap=${shq(OPENSSL_IA32CAP)}
export LAB_NODE_FLAGS=${shq(LAB_NODE_FLAGS.join(' '))}
export LAB_HOST_DIR=/run/lab/host
export LAB_RESULTS=/run/lab/host/results.json
export LAB=1
${envLines}
M=${LAB_MARK}
echo "$M init-start"
finish() {
  echo "$1" > /run/lab/host/exitcode 2>/dev/null
  sync
  echo "$M scenario-exit rc=$1"
  halt -f 2>/dev/null || poweroff -f 2>/dev/null
  echo o > /proc/sysrq-trigger 2>/dev/null
  sleep 1000
}
mount -t proc proc /proc
mount -t sysfs sysfs /sys
# The host work dir may live under /tmp or /run, which get a tmpfs below:
# bind it first to a guest-only place (devtmpfs), then to /run/lab/host.
${hostMountLines(o.hostMounts ?? [])}
mkdir -p /dev/lab-host && ${o.hostMounts ? `mount -t hostfs -o ${shq(o.hostDir)} none /dev/lab-host` : `mount --bind ${shq(o.hostDir)} /dev/lab-host`} || { echo "$M cannot bind work dir"; halt -f; }
${(o.reveal ?? []).map((d, i) => `mkdir -p /dev/lab-reveal${i} && mount --bind ${shq(d)} /dev/lab-reveal${i} || echo "$M cannot bind ${d}"`).join('\n')}
# Everything written outside a tmpfs lands on the HOST (root is hostfs rw).
mount -t tmpfs -o mode=755 tmpfs /run || finish 120
mkdir -p /run/lab/host /run/netns /run/frr
mount --bind /dev/lab-host /run/lab/host || finish 121
mount -t tmpfs -o mode=1777 tmpfs /tmp || finish 122
mkdir -p /dev/shm && mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts 2>/dev/null
for d in /etc/frr /var/log/frr /var/tmp /var/lib/frr; do
  [ -d "$d" ] && { mount -t tmpfs -o mode=755 tmpfs "$d" || finish 123; }
done
${(o.reveal ?? []).map((d, i) => `mkdir -p ${shq(d)} && mount --bind /dev/lab-reveal${i} ${shq(d)} || echo "$M cannot reveal ${d}"`).join('\n')}
chown frr:frr /etc/frr /var/log/frr /var/lib/frr /run/frr 2>/dev/null
mount -t cgroup2 none /sys/fs/cgroup 2>/dev/null
hostname lab
mkdir -p /run/lab/mods/lib/modules && ln -s ${shq(o.modulesDir)} /run/lab/mods/lib/modules/
for m in ${o.modules.map(shq).join(' ')}; do
  modprobe -d /run/lab/mods "$m" || echo "$M modprobe-failed $m"
done
ip link set lo up
echo "$M scenario-start"
cd /
timeout -k 5 ${o.innerTimeoutSec} ${nodeCmd} </dev/null
rc=$?
${o.shell ? shellLines(o.shell.banner) : ''}finish $rc
`;
}

/** Mounts of host directories at the same path inside a root that is not the host's. */
function hostMountLines(dirs: string[]): string {
  return dirs.map((d) => `mkdir -p ${shq(d)} && mount -t hostfs -o ${shq(d)} none ${shq(d)} || echo "$M cannot mount ${d}"`).join('\n');
}

/** The checkout this file belongs to (the directory holding package.json). */
function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** The interactive shell after the scenario (BootLabOptions.shell): a controlling tty, a short prompt. */
function shellLines(banner: string): string {
  return `echo "$M shell-start"
cat <<'LAB_BANNER'
${banner}
LAB_BANNER
export TERM=linux PS1='lab# '
setsid -c bash --norc -i </dev/console >/dev/console 2>&1
`;
}

/** Directories hidden by a tmpfs inside the lab that must stay visible: the checkout holding the scenario. */
function pathsToReveal(scenario: string): string[] {
  const hidden = HIDDEN_IN_LAB.find((d) => scenario.startsWith(`${d}/`));
  if (!hidden) return [];
  if (hidden === '/dev') throw new Error(`lab scenario ${scenario} is under /dev, which the lab replaces; put it elsewhere`);
  // The whole checkout (node_modules, dist/ for perouterd), not just the scenario's folder.
  let dir = dirname(scenario);
  while (dir !== hidden && !existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return [dir === hidden ? dirname(scenario) : dir];
}

/**
 * Boot the lab, run `node <scenario> <args>` inside once, and return its outcome.
 * Never rejects for scenario failures; rejects only if UML cannot be started.
 */
export async function bootLab(opts: BootLabOptions): Promise<LabRun> {
  const uml = findUml();
  const modulesDir = findUmlModules();
  let scenario = resolve(opts.scenario);
  if (!existsSync(scenario)) throw new Error(`lab scenario not found: ${scenario} (did you run "npx tsc -p tsconfig.lab.json"?)`);
  const ownWorkDir = !opts.workDir;
  const workDir = resolve(opts.workDir ?? mkdtempSync(join(tmpdir(), 'perouterd-lab-')));
  let reveal: string[] = [];
  if (scenario.startsWith(`${workDir}/`)) scenario = `/run/lab/host/${scenario.slice(workDir.length + 1)}`;
  else reveal = pathsToReveal(scenario);
  const memMb = opts.memMb ?? 1536;
  const started = Date.now();
  // Leave ~10 s for boot and ~5 s to write results before the host kills UML.
  const innerTimeoutSec = Math.max(10, Math.floor((opts.timeoutMs - 15_000) / 1000));

  for (const f of ['results.json', 'exitcode', 'console.log']) rmSync(join(workDir, f), { force: true });
  const root = resolve(opts.root ?? '/');
  const ownRoot = root !== '/';
  // init= is a path inside the root: with another root, the script lives in it (one per run).
  const umid = `perouterd-lab-${process.pid}-${Date.now().toString(36)}`;
  const initPath = ownRoot ? join(root, 'var/lib/perouterd-lab', `${umid}.sh`) : join(workDir, 'init.sh');
  if (ownRoot) mkdirSync(dirname(initPath), { recursive: true });
  writeFileSync(
    initPath,
    initScript({
      hostDir: workDir,
      scenario,
      args: opts.args ?? [],
      modulesDir,
      modules: opts.modules ?? DEFAULT_MODULES,
      innerTimeoutSec,
      env: { ...opts.env, ...(opts.fabricRoot ? { LAB_FABRIC_ROOT: opts.fabricRoot } : {}) },
      hostMounts: ownRoot ? [...new Set([repoRoot(), modulesDir, ...(opts.fabricRoot ? [opts.fabricRoot] : [])])] : undefined,
      reveal,
      shell: opts.shell,
    }),
  );
  chmodSync(initPath, 0o755);

  const kernelArgs = [
    `mem=${memMb}M`,
    'root=/dev/root',
    'rootfstype=hostfs',
    `rootflags=${root}`,
    'rw',
    'quiet',
    `init=${ownRoot ? initPath.slice(root.length) : initPath}`,
    'con=null',
    opts.shell ? 'con0=fd:0,fd:1' : 'con0=null,fd:1',
    `umid=${umid}`,
    `uml_dir=${workDir}`,
  ];
  const xstateNative = process.env.PEROUTERD_LAB_XSTATE === 'native';
  const [cmd, args] = xstateNative ? [uml, kernelArgs] : [findPython(), ['-c', SECCOMP_LAUNCHER, uml, ...kernelArgs]];

  const child: ChildProcess = spawn(cmd, args, {
    stdio: [opts.shell ? 'inherit' : 'ignore', 'pipe', 'pipe'],
    // Own process group, so UML's helper processes die with it; except with a shell, which
    // reads the terminal and must therefore stay in the terminal's foreground group.
    detached: !opts.shell,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: workDir, TMPDIR: '/dev/shm' },
  });
  const pgid = child.pid;
  const killGroup = () => {
    if (pgid === undefined) return;
    try {
      process.kill(opts.shell ? pgid : -pgid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  };
  process.once('exit', killGroup);

  const chunks: string[] = [];
  const timings: LabRun['timings'] = {};
  let partial = '';
  let inShell = false;
  let timer: NodeJS.Timeout | undefined = undefined;
  const onData = (buf: Buffer) => {
    const s = buf.toString('utf8');
    chunks.push(s);
    // The interactive shell's output (prompts without a newline) goes straight to the terminal.
    if (inShell) return void process.stdout.write(s);
    partial += s;
    let i: number;
    while ((i = partial.indexOf('\n')) >= 0) {
      const line = partial.slice(0, i).replace(/\r$/, '');
      partial = partial.slice(i + 1);
      const t = Date.now() - started;
      if (line.startsWith(`${LAB_MARK} init-start`)) timings.initMs ??= t;
      else if (line.startsWith(`${LAB_MARK} scenario-start`)) timings.scenarioStartMs ??= t;
      else if (line.startsWith(`${LAB_MARK} scenario-exit`)) timings.scenarioEndMs ??= t;
      if (opts.shell && line.startsWith(`${LAB_MARK} shell-start`)) {
        // The person at the shell decides when the lab ends.
        clearTimeout(timer);
        inShell = true;
        process.stdout.write(partial);
        partial = '';
        return;
      }
      opts.onLine?.(line);
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);

  let timedOut = false;
  timer = setTimeout(() => {
    timedOut = true;
    chunks.push(`\n${LAB_MARK} host: timeout after ${opts.timeoutMs} ms, killing UML process group ${pgid}\n`);
    killGroup();
  }, opts.timeoutMs);

  await new Promise<void>((res) => {
    child.once('error', (e) => {
      chunks.push(`\n${LAB_MARK} host: spawn error ${String(e)}\n`);
      res();
    });
    child.once('close', () => res());
  });
  clearTimeout(timer);
  killGroup(); // leftovers, if any
  if (ownRoot) rmSync(initPath, { force: true });
  process.removeListener('exit', killGroup);
  if (partial) opts.onLine?.(partial);

  const log = chunks.join('');
  writeFileSync(join(workDir, 'console.log'), log);

  let exitCode = -1;
  const ecFile = join(workDir, 'exitcode');
  if (existsSync(ecFile)) {
    const n = Number.parseInt(readFileSync(ecFile, 'utf8').trim(), 10);
    if (Number.isFinite(n)) exitCode = n;
  } else {
    const m = new RegExp(`${LAB_MARK} scenario-exit rc=(\\d+)`).exec(log);
    if (m?.[1]) exitCode = Number(m[1]);
  }
  let results: unknown;
  const resFile = join(workDir, 'results.json');
  if (existsSync(resFile)) {
    try {
      results = JSON.parse(readFileSync(resFile, 'utf8'));
    } catch (e) {
      results = { unparsable: String(e) };
    }
  }
  const run: LabRun = { exitCode, results, log, durationMs: Date.now() - started, timedOut, workDir, timings };
  if (ownWorkDir && !opts.keepWorkDir && exitCode === 0 && !timedOut) rmSync(workDir, { recursive: true, force: true });
  return run;
}

/**
 * FRR lines the lab can run: `8` boots the host's root (Debian 12: FRR 8.4),
 * `10` the Debian 13 root built by scripts/lab-root.sh (FRR 10.x).
 */
export type FrrLine = '8' | '10';
export const FRR_LINES: readonly FrrLine[] = ['8', '10'];

/** Root file system for an FRR line (undefined: the host's). LAB_ROOT_DIR as in scripts/lab-root.sh. */
export function labRootFor(line: FrrLine): string | undefined {
  return line === '10' ? join(process.env.LAB_ROOT_DIR ?? '/var/cache/perouterd-lab', 'trixie') : undefined;
}

/**
 * Root whose FRR the fabric's leaves and spine run: LAB_LEAF_FRR=10.7 names the Debian forky
 * root (`LAB_ROOT_SUITE=forky scripts/lab-root.sh`), graceful-restart helpers that keep
 * EVPN routes; unset, the fabric runs the lab's FRR line like the nodes.
 */
export function leafRootFromEnv(): string | undefined {
  const v = process.env.LAB_LEAF_FRR;
  if (!v) return undefined;
  if (v !== '10.7') throw new Error(`LAB_LEAF_FRR=${v}: expected 10.7 (the Debian forky root) or unset`);
  return leafRootFor(v);
}

/** FRR lines the fabric's switches can run besides the lab's: 10.7, Debian forky's. */
export type LeafFrrLine = '10.7';
/** The root of a fabric FRR line (LAB_ROOT_DIR as in scripts/lab-root.sh). */
export function leafRootFor(_line: LeafFrrLine): string {
  return join(process.env.LAB_ROOT_DIR ?? '/var/cache/perouterd-lab', 'forky');
}

/** The FRR line chosen with LAB_FRR (default 8: the host's). */
export function frrLineFromEnv(): FrrLine {
  const v = process.env.LAB_FRR ?? '8';
  if (v !== '8' && v !== '10') throw new Error(`LAB_FRR=${v}: expected 8 (host root) or 10 (Debian 13 root)`);
  return v;
}

/** True when this host can run the lab at all (used to skip lab tests elsewhere). */
export function labAvailable(root = '/'): { ok: boolean; why?: string } {
  if (root !== '/' && !existsSync(join(root, '.perouterd-lab-root')))
    return { ok: false, why: `lab root ${root} not built: run scripts/lab-root.sh` };
  try {
    findUml();
    findUmlModules();
  } catch (e) {
    return { ok: false, why: String(e) };
  }
  if (!existsSync(join(root, 'usr/lib/frr/zebra'))) return { ok: false, why: `FRR not installed (${root} usr/lib/frr/zebra)` };
  const r = spawnSync(findPython(), ['-c', 'import ctypes'], { stdio: 'ignore' });
  if (r.status !== 0) return { ok: false, why: 'python3 with ctypes is needed for the UML seccomp launcher' };
  return { ok: true };
}
