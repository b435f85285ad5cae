// The incremental FRR apply (src/frr/reloader.ts, frr-config.ts) against the
// machine's real FRR (Debian 8.4): a sequence of golden configurations applied
// one after the other, each by a dry run and one `vtysh -f` of the changed lines
// (two vtysh processes, the running configuration trusted from the last apply),
// then checked with frr-reload.py --test (FRR's own full comparison): nothing
// left to change. A configuration FRR rejects changes nothing; an unchanged one
// is 'unchanged'; a change behind perouterd's back is found by the drift check.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FrrReloader, frrPaths, run } from '../../src/frr/reloader.js';
import { FrrTestInstance, frrUnavailableReason } from './frr/instance.js';

const GOLDEN_DIR = fileURLToPath(new URL('../fixtures/golden/', import.meta.url));
const SEQUENCE = [
  'two-l3vnis.frr.conf', // cold: everything added
  'example-dual-stack.frr.conf', // dual-stack sessions, a second VRF's contents change
  'l3vni-basic.frr.conf', // a VRF and its instance removed
  'passthrough-dual.frr.conf',
  'bfd-profile.frr.conf',
  'empty.frr.conf',
];
const unavailable = frrUnavailableReason();

describe.skipIf(unavailable !== undefined)('incremental FRR apply against FRR 8.4', () => {
  const frr = new FrrTestInstance(`frri${process.pid}`);
  const logs: string[] = [];
  const calls: string[] = [];
  let reloader: FrrReloader;

  beforeAll(async () => {
    await frr.start();
    const exec = (cmd: string, args: string[], ms: number) => {
      calls.push([cmd, ...args.slice(2)].join(' '));
      return run(cmd, args, ms);
    };
    reloader = new FrrReloader(frrPaths(frr.name), { log: (m) => logs.push(m), exec });
  }, 60_000);
  afterAll(() => frr.stop(), 60_000);

  for (const golden of SEQUENCE) {
    it(`applies ${golden} with only the changed lines, and FRR then holds exactly it`, async () => {
      const config = readFileSync(join(GOLDEN_DIR, golden), 'utf8');
      logs.length = 0;
      calls.length = 0;
      expect(await reloader.check(config)).toBeUndefined();
      const r = await reloader.apply(config);
      expect(r.outcome, JSON.stringify(r)).not.toBe('failed');
      expect(logs).not.toContain('frr delta read back differs; repairing with frr-reload.py');
      // The first apply reads FRR's (empty) running configuration; later ones trust the last apply.
      if (golden !== SEQUENCE[0]) expect(calls.map((c) => c.split(' -f ')[0])).toEqual(['/usr/bin/vtysh -C', '/usr/bin/vtysh']);
      const file = join(frr.confDir, 'expect.conf');
      writeFileSync(file, config);
      const t = await frr.diff(file);
      expect(t.diff).toEqual({ toAdd: [], toDelete: [] });
      expect((await reloader.apply(config)).outcome).toBe('unchanged');
      expect(await reloader.storedConfig()).toBe(config);
    }, 60_000);
  }

  it('the drift check (verify) finds and undoes a change made with vtysh behind its back', async () => {
    const config = readFileSync(join(GOLDEN_DIR, 'two-l3vnis.frr.conf'), 'utf8');
    await reloader.apply(config);
    const r = await run('/usr/bin/vtysh', ['-N', frr.name, '-c', 'configure', '-c', 'ip route 192.0.2.0/24 Null0'], 30_000);
    expect(r.code, r.stderr).toBe(0);
    expect((await reloader.apply(config)).outcome).toBe('unchanged'); // trusted, not read
    expect(await reloader.apply(config, { verify: true })).toMatchObject({ outcome: 'applied' });
    const file = join(frr.confDir, 'expect.conf');
    writeFileSync(file, config);
    expect((await frr.diff(file)).diff).toEqual({ toAdd: [], toDelete: [] });
  }, 60_000);

  it('a configuration FRR rejects is refused by the check and changes nothing', async () => {
    const before = await frr.runningConfig();
    const err = await reloader.check('router bgp 64514\n bgp routr-id 1.2.3.4\nexit\n');
    expect(err).toMatch(/Unknown command/);
    expect(await frr.runningConfig()).toBe(before);
  }, 30_000);
});
