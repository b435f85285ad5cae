// FrrReloader's vtysh calls with a fake FRR (its exec port): what a change costs in processes
// and when the running configuration is read instead of trusted. The real FRR runs the same
// sequence in test/host/frr-incremental.test.ts.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { complaints, FrrReloader, frrPaths, type ExecResult } from '../../src/frr/reloader.js';

const C1 = 'router bgp 64514\n bgp router-id 10.0.0.1\nexit\n!\nvrf red\n vni 100\nexit-vrf\n';
const C2 = C1 + '!\nvrf blue\n vni 200\nexit-vrf\n';

/** FRR as vtysh and frr-reload.py show it: a running configuration and what each call does to it. */
class FakeFrr {
  running = '';
  /** What FRR runs after a `vtysh -f` or `--reload` (the configuration being applied). */
  pending = '';
  calls: string[] = [];
  /** The content of each file vtysh was given, by call. */
  files: string[] = [];
  /** `vtysh -f` reports this error and leaves FRR as it was (`failTimes` times, then it works). */
  failApply: string | undefined;
  failTimes = Infinity;
  /** Runs before each `show running-config` answers (a configuration being loaded meanwhile). */
  beforeShow: (() => void) | undefined;
  /** These calls (`vtysh -f`, `show running-config`) run out of their time: FRR does not answer. */
  hangs = new Set<string>();
  /** The time each call was given, by call. */
  timeouts: number[] = [];

  exec = async (cmd: string, args: string[], timeoutMs: number): Promise<ExecResult> => {
    const ok = (stdout = ''): ExecResult => ({ code: 0, stdout, stderr: '' });
    const hung: ExecResult = { code: 1, stdout: '', stderr: 'Waiting for children to finish applying config...', timedOut: true };
    this.timeouts.push(timeoutMs);
    if (cmd.endsWith('python3')) {
      const mode = args[1]!;
      this.calls.push(`frr-reload.py ${mode}`);
      if (mode === '--reload') this.running = this.pending;
      return ok(this.running === this.pending ? '' : 'Lines To Add\n============\nvrf blue\n');
    }
    const a = args.slice(2); // -N <pathspace>
    if (a[0] === '-c') {
      this.calls.push(a[1]!);
      if (a[1] === 'show running-config') this.beforeShow?.();
      if (this.hangs.has(a[1]!)) return hung;
      return ok(a[1] === 'show daemons' ? 'zebra bgpd staticd' : this.running);
    }
    const file = a[a.length - 1]!;
    this.files.push(readFileSync(file, 'utf8'));
    if (a[0] === '-C') {
      this.calls.push('vtysh -C -f');
      const bad = /routr/.test(this.files[this.files.length - 1]!);
      return bad ? { code: 2, stdout: '', stderr: 'line 2: % Unknown command: bgp routr-id' } : ok();
    }
    this.calls.push('vtysh -f');
    if (this.hangs.has('vtysh -f')) return hung;
    if (this.failApply && this.failTimes-- > 0) return { code: 2, stdout: '', stderr: this.failApply };
    this.running = this.pending;
    return ok();
  };
}

function setup(bootLoading?: () => Promise<boolean>): {
  frr: FakeFrr;
  r: FrrReloader;
  runDir: string;
  apply: (c: string, verify?: boolean) => ReturnType<FrrReloader['apply']>;
} {
  const d = mkdtempSync(path.join(tmpdir(), 'frr-reloader-'));
  const confDir = path.join(d, 'conf');
  const runDir = path.join(d, 'run');
  mkdirSync(confDir);
  mkdirSync(runDir);
  // This process stands in for zebra and bgpd: alive, with stable PIDs.
  writeFileSync(path.join(runDir, 'zebra.pid'), `${process.pid}\n`);
  writeFileSync(path.join(runDir, 'bgpd.pid'), `${process.pid}\n`);
  const frr = new FakeFrr();
  const r = new FrrReloader(frrPaths('ps', { confDir, runDir, workDir: path.join(d, 'work') }), {
    exec: frr.exec,
    restartSettleMs: 1,
    bootLoading,
  });
  const apply = (c: string, verify = false) => {
    frr.pending = c;
    return r.apply(c, { verify });
  };
  return { frr, r, runDir, apply };
}

describe('FrrReloader: an FRR that does not answer', () => {
  it('a vtysh -f that runs out of its time fails the apply at once, as unanswered: no read-back, no second round, no frr-reload.py', async () => {
    const { frr, apply } = setup();
    await apply(C1);
    frr.calls = [];
    frr.timeouts = [];
    frr.hangs.add('vtysh -f');
    const r = await apply(C2);
    expect(r).toMatchObject({ outcome: 'failed', unanswered: true });
    expect(r.outcome === 'failed' && r.error).toMatch(/^FRR does not answer: vtysh -f .* did not finish in 30 s \(Waiting for children/);
    expect(frr.calls).toEqual(['vtysh -f']);
    // The time given grows with the lines sent: 30 s and 20 ms a line (3 here).
    expect(frr.timeouts).toEqual([30_060]);
    // The next apply reads what FRR runs, and once FRR answers again the change goes through.
    frr.hangs.clear();
    frr.calls = [];
    expect((await apply(C2)).outcome).toBe('applied');
    expect(frr.calls).toEqual(['show running-config', 'vtysh -f']);
  });

  it('daemons whose PIDs live but that do not answer `show daemons` run (the push counts them as unanswered)', async () => {
    const { frr, r } = setup();
    frr.hangs.add('show daemons');
    expect(await r.isRunning()).toBe(true);
  });

  it('a read of the running configuration that runs out of its time fails the apply as unanswered, with nothing sent', async () => {
    const { frr, apply } = setup();
    frr.hangs.add('show running-config');
    expect(await apply(C1)).toMatchObject({ outcome: 'failed', unanswered: true });
    expect(frr.calls).toEqual(['show running-config']);
  });
});

describe('FrrReloader: vtysh calls per change', () => {
  it('a change after the first apply: one dry run of the changed lines and one vtysh -f; the running configuration is not read', async () => {
    const { frr, r, apply } = setup();
    expect((await apply(C1)).outcome).toBe('applied');
    expect(frr.calls).toEqual(['show running-config', 'vtysh -f']);

    frr.calls = [];
    frr.files = [];
    expect(await r.isRunning()).toBe(true);
    expect(await r.check(C2)).toBeUndefined();
    expect(await apply(C2)).toMatchObject({ outcome: 'applied', diff: { toAdd: ['vrf blue', ' vni 200'], toDelete: [] } });
    expect(frr.calls).toEqual(['vtysh -C -f', 'vtysh -f']);
    // Both got the changed lines only, never the whole configuration.
    expect(frr.files).toEqual(['vrf blue\nvni 200\nexit-vrf\n', 'vrf blue\nvni 200\nexit-vrf\n']);

    frr.calls = [];
    expect(await r.check(C2)).toBeUndefined();
    expect(await apply(C2)).toEqual({ outcome: 'unchanged' });
    expect(frr.calls).toEqual([]);
    expect(await r.storedConfig()).toBe(C2);
  });

  it('a configuration FRR rejects fails the dry run of its changed lines, and nothing is sent', async () => {
    const { frr, r, apply } = setup();
    await apply(C1);
    frr.calls = [];
    const bad = C1.replace(' bgp router-id 10.0.0.1', ' bgp routr-id 10.0.0.1');
    expect(await r.check(bad)).toMatch(/FRR rejects the configuration .*Unknown command/);
    expect(frr.calls).toEqual(['vtysh -C -f']);
    expect(frr.running).toBe(C1);
  });

  it('without a known base (first call) the dry run covers the whole candidate', async () => {
    const { frr, r } = setup();
    expect(await r.check(C2)).toBeUndefined();
    expect(frr.files).toEqual([C2]);
  });

  it('after an FRR restart (PIDs changed) the running configuration is read again (no load seen: 15 reads), and vtysh asked whether it runs', async () => {
    const { frr, r, runDir, apply } = setup();
    await apply(C1);
    writeFileSync(path.join(runDir, 'bgpd.pid'), `${process.ppid}\n`);
    frr.running = ''; // a restarted FRR without its configuration
    frr.calls = [];
    expect(await r.isRunning()).toBe(true);
    expect((await apply(C1)).outcome).toBe('applied');
    // An FRR started without frr.conf shows nothing: with no vtysh -b seen, read 15 times (its
    // daemons may still be starting before their vtysh -b), then pushed.
    expect(frr.calls).toEqual(['show daemons', ...Array<string>(15).fill('show running-config'), 'vtysh -f']);
    expect(frr.running).toBe(C1);
  });

  it('after an FRR restart the running configuration is read until it settles: a packaged FRR still loading its frr.conf (vtysh -b) gets no reload', async () => {
    const { frr, runDir, apply } = setup();
    await apply(C1);
    await apply(C1, true); // a drift check: the PIDs of this read are known
    writeFileSync(path.join(runDir, 'bgpd.pid'), `${process.ppid}\n`);
    // vtysh -b is half-way: each read shows more, until all of frr.conf is there.
    // A pause with nothing new (FRR 10 commits mgmtd's lines at the end), then the rest.
    const loading = [C1.slice(0, 30), C1.slice(0, 30), C1.slice(0, 60), C1];
    frr.beforeShow = () => void (frr.running = loading.shift() ?? C1);
    frr.calls = [];
    expect(await apply(C1, true)).toEqual({ outcome: 'unchanged' });
    // Read until it shows frr.conf, the file it started from; not read once more after that.
    expect(frr.calls).toEqual(['show running-config', 'show running-config', 'show running-config', 'show running-config']);
  });

  /** FRR restarted (new PIDs) after an applied and verified C1; vtysh -b runs for `loadingProbes`
   *  more probes while the reads show `reads` one by one. Returns what the next verify pushes. */
  async function pushesAfterRestart(loadingProbes: number, reads: string[]): Promise<string[]> {
    let loadingReads = 0;
    const { frr, runDir, apply } = setup(async () => loadingReads-- > 0);
    await apply(C1);
    await apply(C1, true);
    writeFileSync(path.join(runDir, 'bgpd.pid'), `${process.ppid}\n`);
    loadingReads = loadingProbes;
    frr.beforeShow = () => void (frr.running = reads.shift() ?? C1);
    frr.calls = [];
    expect(await apply(C1, true)).toEqual({ outcome: 'unchanged' });
    return frr.calls.filter((c) => c === 'vtysh -f');
  }

  it('while vtysh -b runs, a pause longer than the quiet reads is waited out; the read after it ends is what FRR loaded', async () => {
    // Half of frr.conf, then nothing new for five reads (more than the 3 quiet reads), then the rest.
    const partial = C1.slice(0, 40);
    expect(await pushesAfterRestart(6, [partial, partial, partial, partial, partial, partial, C1])).toEqual([]);
  });

  it('when vtysh -b has ended but FRR 10 still applies what it committed, the quiet reads wait for it', async () => {
    // The load ends with part of frr.conf shown; the rest comes two reads later.
    const partial = C1.slice(0, 40);
    expect(await pushesAfterRestart(2, [partial, partial, partial, partial.slice(0, 50) + C1.slice(50, 60), C1])).toEqual([]);
  });

  it('with no vtysh -b running, an FRR that stays without its configuration still gets it back after 15 quiet reads', async () => {
    const { frr, runDir, apply } = setup(async () => false);
    await apply(C1);
    await apply(C1, true);
    writeFileSync(path.join(runDir, 'bgpd.pid'), `${process.ppid}\n`);
    frr.running = '';
    frr.calls = [];
    expect((await apply(C1, true)).outcome).toBe('applied');
    expect(frr.calls).toEqual([...Array<string>(15).fill('show running-config'), 'vtysh -f']);
  });

  it('a first read while vtysh -b runs (perouterd started beside a starting FRR) waits for the load too', async () => {
    let loadingReads = 3;
    const { frr, apply } = setup(async () => loadingReads-- > 0);
    const reads = ['', C1.slice(0, 40), C1.slice(0, 40), C1];
    frr.running = C1; // what the load ends with
    frr.beforeShow = () => void (frr.running = reads.shift() ?? C1);
    frr.calls = [];
    expect(await apply(C1, true)).toEqual({ outcome: 'unchanged' });
    expect(frr.calls.filter((c) => c === 'vtysh -f')).toEqual([]);
  });

  it('verify (the resync drift check) reads FRR and undoes a change made behind perouterd’s back', async () => {
    const { frr, apply } = setup();
    await apply(C1);
    frr.running = C1 + '!\nip route 192.0.2.0/24 Null0\n';
    frr.calls = [];
    frr.files = [];
    expect(await apply(C1)).toEqual({ outcome: 'unchanged' }); // trusted: not read
    expect(await apply(C1, true)).toMatchObject({ outcome: 'applied', diff: { toDelete: ['no ip route 192.0.2.0/24 Null0'] } });
    expect(frr.calls).toEqual(['show running-config', 'vtysh -f']);
    expect(frr.files).toEqual(['no ip route 192.0.2.0/24 Null0\n']);
  });

  it('a line FRR refuses only for a moment (bgpd before zebra caught up) is sent again from the read-back', async () => {
    const { frr, apply } = setup();
    await apply(C1);
    frr.calls = [];
    frr.files = [];
    frr.failApply = 'line 4: Failure to communicate[13] to bgpd, line: no router bgp 64514 vrf blue';
    frr.failTimes = 1;
    expect(await apply(C2)).toMatchObject({ outcome: 'applied', attempts: 2 });
    expect(frr.calls).toEqual(['vtysh -f', 'show running-config', 'vtysh -f']);
    expect(frr.files).toEqual(['vrf blue\nvni 200\nexit-vrf\n', 'vrf blue\nvni 200\nexit-vrf\n']);
    expect(frr.running).toBe(C2);
  });

  it('when vtysh -f keeps reporting an error, the touched blocks are read back and frr-reload.py repairs a difference', async () => {
    const { frr, r, apply } = setup();
    await apply(C1);
    frr.calls = [];
    frr.failApply = 'line 1: % Failed to create VRF';
    const out = await apply(C2);
    expect(out.outcome).toBe('applied');
    expect(frr.calls).toEqual([
      'vtysh -f',
      'show running-config',
      'vtysh -f',
      'show running-config',
      'frr-reload.py --test',
      'frr-reload.py --reload',
      'frr-reload.py --test',
    ]);
    // What frr-reload.py left is read again before the next change is trusted.
    frr.failApply = undefined;
    frr.calls = [];
    await r.check(C1);
    expect(frr.calls).toEqual(['vtysh -C -f']);
    expect(frr.files[frr.files.length - 1]).toBe(C1);
  });
});

describe('vtysh -f stderr', () => {
  it('FRR 10 progress notes are not complaints; refused lines are', () => {
    const ok = '[1173|staticd] done\n[1163|bgpd] Configuration file[/etc/frr/ps/frr.conf] processing\n\n';
    expect(complaints(ok)).toEqual([]);
    expect(complaints('line 4: Failure to communicate[13] to bgpd, line: no router bgp 64514 vrf t1\n\n' + ok)).toEqual([
      'line 4: Failure to communicate[13] to bgpd, line: no router bgp 64514 vrf t1',
    ]);
  });
});
