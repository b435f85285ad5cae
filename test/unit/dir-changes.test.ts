// Which files a read looks at, given what the directory watch saw (src/config/dir-changes.ts):
// the decision alone, then a load through a real watch against a full load over a random
// sequence of changes (editor saves, half-written files, links, renames, deletions, the
// directory swapped), and a change no event names found by the next full scan.
import {
  chmodSync,
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { ChangeFeed, FULL_SCAN_ABOVE, mustLook, namedOnly } from '../../src/config/dir-changes.js';
import { StaticFileCache } from '../../src/config/file-cache.js';
import { loadSources, loadSourcesAsync, type ConfigSources, type LoadedSources } from '../../src/daemon/desired-state.js';
import { ConfigWatch } from '../../src/daemon/triggers.js';
import { addVni, writeConfig } from '../bench/scale-config.js';
import { seededIntBelow } from '../support/rng.js';

const D = { dev: 1, ino: 2 };

describe('the change record', () => {
  it('is incomplete until the directory is watched, then names what changed since the last take', () => {
    const feed = new ChangeFeed();
    const r = feed.record();
    feed.changed('openpe_a.yaml');
    expect(r.take()).toEqual({ complete: false });
    feed.watching(D);
    expect(r.take()).toEqual({ complete: false }); // attached after the last take: events before it unknown
    expect(r.take()).toEqual({ complete: true, names: new Set(), dir: D });
    feed.changed('openpe_a.yaml');
    feed.changed('openpe_b.yaml');
    feed.changed('openpe_a.yaml');
    expect(r.take()).toEqual({ complete: true, names: new Set(['openpe_a.yaml', 'openpe_b.yaml']), dir: D });
    expect(r.take()).toEqual({ complete: true, names: new Set(), dir: D });
  });

  it('is incomplete after a loss, a new directory watched, no directory, or a burst of names', () => {
    const feed = new ChangeFeed();
    const r = feed.record();
    feed.watching(D);
    r.take();
    feed.lost();
    feed.changed('openpe_a.yaml');
    expect(r.take().complete).toBe(false);
    feed.watching(D); // the same directory: nothing lost
    expect(r.take().complete).toBe(true);
    feed.watching({ dev: 1, ino: 3 });
    expect(r.take().complete).toBe(false);
    feed.watching(undefined);
    expect(r.take().complete).toBe(false);
    expect(r.take().complete).toBe(false);
    feed.watching(D);
    r.take();
    for (let i = 0; i <= FULL_SCAN_ABOVE; i++) feed.changed(`openpe_${i}.yaml`);
    expect(r.take().complete).toBe(false);
  });

  it('keeps one record per reader: a take by one leaves the others', () => {
    const feed = new ChangeFeed();
    const [a, b] = [feed.record(), feed.record()];
    feed.watching(D);
    a.take();
    b.take();
    feed.changed('openpe_x.yaml');
    expect(a.take()).toEqual({ complete: true, names: new Set(['openpe_x.yaml']), dir: D });
    feed.changed('openpe_y.yaml');
    expect(b.take()).toEqual({ complete: true, names: new Set(['openpe_x.yaml', 'openpe_y.yaml']), dir: D });
  });
});

describe('which files a read looks at', () => {
  const names = new Set(['openpe_a.yaml']);
  it('all of them without a complete record for the directory read', () => {
    expect(namedOnly(undefined, D)).toBeUndefined();
    expect(namedOnly({ complete: false }, D)).toBeUndefined();
    expect(namedOnly({ complete: true, names, dir: { dev: 1, ino: 9 } }, D)).toBeUndefined(); // a link above swapped
    expect(namedOnly({ complete: true, names, dir: D }, D)).toBe(names);
  });

  it('with a complete record: the named, the unknown, links and hard-linked files', () => {
    expect(mustLook('openpe_b.yaml', undefined, true)).toBe(true);
    expect(mustLook('openpe_a.yaml', names, true)).toBe(true);
    expect(mustLook('openpe_b.yaml', names, false)).toBe(true); // nothing kept, a link, several links
    expect(mustLook('openpe_b.yaml', names, true)).toBe(false);
  });
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** What a load says, as compared: everything but the cache's own part list. */
function said(s: LoadedSources): unknown {
  if (!s.ok) return s;
  const { parts: _parts, ...rest } = s;
  return rest;
}

describe('a load through the watch', () => {
  const cfg = writeConfig(12);
  afterAll(() => rmSync(cfg.dir, { recursive: true, force: true }));
  const src: ConfigSources = { configDir: cfg.configDir, nodeConfigPath: cfg.nodeConfigPath };
  const file = (i: number): string => join(cfg.configDir, `openpe_v${String(i).padStart(5, '0')}.yaml`);
  const text = (i: number): string => {
    addVni(cfg.dir, i); // written beside the directory, then read back
    const t = readFileSync(join(cfg.dir, `openpe_v${String(i).padStart(5, '0')}.yaml`), 'utf8');
    rmSync(join(cfg.dir, `openpe_v${String(i).padStart(5, '0')}.yaml`));
    return t;
  };
  const hard = (i: number): string => join(cfg.dir, `hard-${i}.yaml`);
  const ACTIONS: Array<[string, (i: number) => void]> = [
    ['add', (i) => addVni(cfg.configDir, i)],
    ['delete', (i) => rmSync(file(i), { force: true })],
    ['edit, same size', (i) => writeFileSync(file(i), text(i).replace(/vni: 1/g, 'vni: 2'))],
    ['half-written', (i) => writeFileSync(file(i), text(i).slice(0, 40))],
    ['rest written', (i) => writeFileSync(file(i), text(i))],
    [
      'editor: rename over',
      (i) => {
        writeFileSync(join(cfg.configDir, `.openpe_v${i}.yaml.tmp`), text(i).replace(/asn: 64514/, 'asn: 64600'));
        renameSync(join(cfg.configDir, `.openpe_v${i}.yaml.tmp`), file(i));
      },
    ],
    [
      'editor: backup renamed away, new file written',
      (i) => {
        addVni(cfg.configDir, i);
        renameSync(file(i), `${file(i)}~`);
        writeFileSync(file(i), text(i).replace(/asn: 64514/, 'asn: 64601'));
      },
    ],
    ['renamed', (i) => (addVni(cfg.configDir, i), renameSync(file(i), file(i + 30)))],
    [
      'a link, then its target edited',
      (i) => {
        const target = join(cfg.dir, `target-${i}.yaml`);
        writeFileSync(target, text(40 + i));
        rmSync(file(i), { force: true });
        symlinkSync(target, file(i));
        writeFileSync(target, text(60 + i)); // no event in the directory
      },
    ],
    [
      'a hard link made elsewhere',
      (i) => {
        rmSync(file(i), { force: true });
        addVni(cfg.configDir, i);
        rmSync(hard(i), { force: true });
        linkSync(file(i), hard(i));
      },
    ],
    // The same inode changed through another directory: no event in this one.
    ['written through the hard link', (i) => existsSync(hard(i)) && writeFileSync(hard(i), text(80 + i))],
    ['writable by others', (i) => (addVni(cfg.configDir, i), chmodSync(file(i), 0o666))],
    ['back to 0644', (i) => (addVni(cfg.configDir, i), chmodSync(file(i), 0o644))],
    ['node config', (i) => writeFileSync(cfg.nodeConfigPath, `nodeIndex:\n  index: ${1 + (i % 3)}\nnodeName: bench\n`)],
    [
      'directory replaced',
      () => {
        const next = `${cfg.configDir}.next`;
        rmSync(next, { recursive: true, force: true });
        mkdirSync(next);
        writeFileSync(join(next, 'openpe_underlay.yaml'), readFileSync(join(cfg.configDir, 'openpe_underlay.yaml')));
        writeFileSync(join(next, 'openpe_v00001.yaml'), text(1));
        writeFileSync(join(next, 'openpe_v00002.yaml'), text(90));
        rmSync(`${cfg.configDir}.old`, { recursive: true, force: true });
        renameSync(cfg.configDir, `${cfg.configDir}.old`);
        renameSync(next, cfg.configDir);
      },
    ],
  ];

  it('equals a full load after every change of a random sequence, and reads few files', async () => {
    const feed = new ChangeFeed();
    const record = feed.record();
    const watch = new ConfigWatch({ ...src, debounceMs: 5 }, () => undefined, pino({ level: 'silent' }), feed);
    watch.arm();
    // Identity trusted at once: a file served by identity must be one an event would have named.
    const cache = new StaticFileCache({ conclusiveNs: 0n });
    const next = seededIntBelow(7);
    let complete = 0;
    try {
      await loadSourcesAsync(src, cache, record.take());
      for (let step = 0; step < 70; step++) {
        const [what, act] = ACTIONS[step < ACTIONS.length ? step : next(ACTIONS.length)]!;
        act(step < ACTIONS.length ? 5 : next(14)); // every action once on one file, then at random
        await sleep(60); // the events arrive
        watch.arm(); // as the daemon's settle does after its first read
        const changes = record.take();
        if (changes.complete) complete++;
        expect(said(await loadSourcesAsync(src, cache, changes)), `step ${step}: ${what}`).toEqual(said(loadSources(src)));
      }
    } finally {
      watch.stop();
    }
    expect(complete).toBeGreaterThan(40); // most loads went by the events
  });

  it('misses a change no event names until a full scan', async () => {
    const own = writeConfig(4);
    const at = { configDir: own.configDir, nodeConfigPath: own.nodeConfigPath };
    const feed = new ChangeFeed();
    const record = feed.record();
    const cache = new StaticFileCache({ conclusiveNs: 0n });
    const { dev, ino } = statSync(own.configDir);
    feed.watching({ dev, ino });
    await loadSourcesAsync(at, cache, record.take());
    await sleep(5);
    const f = join(own.configDir, 'openpe_v00003.yaml');
    writeFileSync(f, readFileSync(f, 'utf8').replace(/asn: 64514/, 'asn: 64602')); // no watch: no event
    const stale = await loadSourcesAsync(at, cache, record.take());
    expect(said(stale)).not.toEqual(said(loadSources(at)));
    feed.lost(); // what any reconcile but a file event's does (the resync)
    expect(said(await loadSourcesAsync(at, cache, record.take()))).toEqual(said(loadSources(at)));
    rmSync(own.dir, { recursive: true, force: true });
  });
});
