// The daemon's cached build (BuildCache: files read and parsed only when they change, the last
// desired state reused when nothing changed) gives exactly what a build from scratch gives,
// through a random sequence of changes: files added, removed, edited (valid, invalid, same
// size), made writable by others, replaced by links, the node configuration and the API
// objects changed. Every result is compared whole: desired state, problems, frr.conf text.
import { chmodSync, readFileSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { StaticFileCache } from '../../src/config/file-cache.js';
import type { RouterConfig } from '../../src/config/model.js';
import { BuildCache, buildDesiredState, buildDesiredStateAsync, type ConfigSources } from '../../src/daemon/desired-state.js';
import { addVni, writeConfig } from '../bench/scale-config.js';
import * as b from '../support/builders.js';
import { seededIntBelow } from '../support/rng.js';

const cfg = writeConfig(12);
afterAll(() => rmSync(cfg.dir, { recursive: true, force: true }));
const src: ConfigSources = { configDir: cfg.configDir, nodeConfigPath: cfg.nodeConfigPath };
const file = (i: number): string => join(cfg.configDir, `openpe_v${String(i).padStart(5, '0')}.yaml`);
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function apiConfig(vnis: number[]): RouterConfig | undefined {
  if (vnis.length === 0) return undefined;
  const m = (i: number): b.Meta => ({ name: `api-${i}`, origin: { source: 'api', uid: `u${i}`, generation: 1 } });
  const hs = (i: number) => b.hostSession({ ipv4: `10.250.${i}.0/24` });
  return b.routerConfig({ l3vnis: vnis.map((i) => b.l3vni(`api${i}`, 20_000 + i, { hostSession: hs(i) }, m(i))) });
}

type Action = (i: number) => void;
const ACTIONS: Array<[string, Action]> = [
  ['add', (i) => addVni(cfg.configDir, i)],
  ['remove', (i) => rmSync(file(i), { force: true })],
  // Same size as before, another VNI: only the content tells.
  [
    'edit, same size',
    (i) => {
      addVni(cfg.configDir, i);
      writeFileSync(file(i), readFileSync(file(i), 'utf8').replace(/vni: 1/g, 'vni: 2'));
    },
  ],
  ['rewrite the same text', (i) => addVni(cfg.configDir, i)],
  ['invalid YAML', (i) => writeFileSync(file(i), 'l3vnis:\n  - name: [oops\n')],
  ['schema error', (i) => writeFileSync(file(i), 'l3vnis:\n  - {name: x, vrf: x, vni: 0100}\n')],
  ['half-written', (i) => writeFileSync(file(i), 'bgppassthrough:\n')],
  [
    'duplicate VNI of file 0',
    (i) => i !== 0 && writeFileSync(file(i), readFileSync(file(0), 'utf8').replace(/name: t1000/g, `name: d${i}`)),
  ],
  ['writable by others', (i) => existing(i) && chmodSync(file(i), 0o666)],
  ['back to 0644', (i) => existing(i) && chmodSync(file(i), 0o644)],
  [
    'replaced by a link',
    (i) => {
      const target = join(cfg.dir, `target-${i}.yaml`);
      writeFileSync(
        target,
        readFileSync(file(0), 'utf8')
          .replace(/1000/g, String(30_000 + i))
          .replace(/10\.100\.0\./g, `10.${200 + i}.0.`),
      );
      rmSync(file(i), { force: true });
      symlinkSync(target, file(i));
    },
  ],
  ['renamed', (i) => existing(i) && renameSync(file(i), file(i + 40))],
  ['node index', (i) => writeFileSync(cfg.nodeConfigPath, `nodeIndex:\n  index: ${1 + (i % 3)}\nnodeName: bench\n`)],
  ['directory writable by others', () => chmodSync(cfg.configDir, 0o777)],
  ['directory back to 0755', () => chmodSync(cfg.configDir, 0o755)],
  [
    'underlay edited (ASN, VTEP pool, graceful restart): every VRF block depends on it',
    (i) => {
      const u = join(cfg.configDir, 'openpe_underlay.yaml');
      const text = readFileSync(u, 'utf8').replace(/asn: 6451[0-9]\n {4}neighbors/, `asn: ${64510 + (i % 5)}\n    neighbors`);
      writeFileSync(u, text.replace(/100\.6[0-9]\.0\.0\/24/, `100.6${i % 10}.0.0/24`));
    },
  ],
  [
    'underlay replaced by a new file',
    () => {
      const text = readFileSync(join(cfg.configDir, 'openpe_underlay.yaml'));
      unlinkSync(join(cfg.configDir, 'openpe_underlay.yaml'));
      writeFileSync(join(cfg.configDir, 'openpe_underlay.yaml'), text);
    },
  ],
];

/** Whether file i is there (a regular file or a link); writes it when not. */
function existing(i: number): true {
  try {
    readFileSync(file(i));
  } catch {
    addVni(cfg.configDir, i);
  }
  return true;
}

describe('the cached build', () => {
  it('equals a build from scratch after every change of a random sequence', async () => {
    // Identity trusted at once (files are at least a few ms old when read), and content compared (the default 2 s).
    const byIdentity = new BuildCache(new StaticFileCache({ conclusiveNs: 0n }));
    const byContent = new BuildCache();
    const next = seededIntBelow(11);
    let api: number[] = [];
    const seen = new Set<string>();
    for (let step = 0; step < 60; step++) {
      // Every action once, in order, then at random.
      const [what, act] = ACTIONS[step < ACTIONS.length ? step : next(ACTIONS.length)]!;
      if (next(5) === 0) api = next(2) === 0 ? [...api, step] : api.slice(1);
      act(next(16));
      seen.add(what);
      await sleep(5); // a file's ctime is then older than the read that follows
      const extra = { ...(apiConfig(api) ? { apiConfig: apiConfig(api) } : {}) };
      const fresh = buildDesiredState(src, extra);
      for (const cache of [byIdentity, byContent]) {
        expect(await buildDesiredStateAsync(src, extra, cache), `step ${step}: ${what}`).toEqual(fresh);
        // Asked again with nothing changed: the same result, reused.
        const reused = cache.reused;
        expect(await buildDesiredStateAsync(src, extra, cache), `step ${step}: ${what}, again`).toEqual(fresh);
        if (fresh.ok) expect(cache.reused, `step ${step}: ${what}`).toBe(reused + 1);
      }
    }
    expect(seen.size).toBe(ACTIONS.length);
    // Both levels served files: by identity (not read) and by content (read, not parsed).
    expect(byIdentity.files.stats.unchanged).toBeGreaterThan(60);
    expect(byContent.files.stats.sameContent).toBeGreaterThan(60);
    expect(byIdentity.files.stats.parsed).toBeLessThan(byIdentity.files.stats.unchanged / 4);
  });
});
