// The packages as a user gets them: `npm run package` twice (same bytes), then
// lintian and rpmlint, the file lists (production files of amd64 only), the
// maintainer scripts, the bundled runtime running the packaged CLI, and the RPM
// installed into a scratch root. No lab, no network but the cached runtime.
import { execFileSync, spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = path.resolve(import.meta.dirname, '../..');
const version = (JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')) as { version: string }).version;
const runtimeVersion = /NODE_RUNTIME_VERSION=(\S+)/.exec(fs.readFileSync(path.join(repo, 'packaging/runtime.env'), 'utf8'))![1]!;
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'perouterd-pkg-'));
/** Two independent builds of this commit (shared with the boot test: test/support/package-once.sh). */
const out = { a: '', b: '' };
const deb = (dir: string): string => path.join(dir, `perouterd_${version}_amd64.deb`);
const rpmFile = (dir: string): string => path.join(dir, `perouterd-${version}-1.x86_64.rpm`);
const sh = (cmd: string, args: string[], opts: { cwd?: string } = {}): string =>
  execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024, ...opts });
/** Output and exit status of a linter, which exits non-zero on findings. */
const lint = (cmd: string, args: string[]): string => {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return `${r.stdout}${r.stderr}`;
};
const sha256 = (f: string): string => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');
const tools = ['dpkg-buildpackage', 'rpmbuild', 'lintian', 'rpmlint'].every((t) => spawnSync('which', [t]).status === 0);

describe.skipIf(!tools)('packages', () => {
  const x = path.join(tmp, 'x'); // the .deb unpacked
  beforeAll(() => {
    for (const slot of ['a', 'b'] as const) {
      const t0 = Date.now();
      out[slot] = sh('bash', ['test/support/package-once.sh', slot], { cwd: repo }).trim();
      console.log(`package build ${slot}: ${((Date.now() - t0) / 1000).toFixed(0)} s (0 when the boot test built it)`);
    }
    sh('dpkg-deb', ['-x', deb(out.a), x]);
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('two builds give the same bytes', () => {
    expect(sha256(deb(out.b))).toBe(sha256(deb(out.a)));
    expect(sha256(rpmFile(out.b))).toBe(sha256(rpmFile(out.a)));
    const size = (f: string): string => `${(fs.statSync(f).size / 1e6).toFixed(1)} MB`;
    console.log(`.deb ${size(deb(out.a))}, .rpm ${size(rpmFile(out.a))}, sha256 ${sha256(deb(out.a))}`);
  });

  it('lintian: no error, no warning, every override with its reason', () => {
    const report = lint('lintian', ['--pedantic', '-I', deb(out.a)]);
    const tags = report.split('\n').filter((l) => /^[EWIPX]: /.test(l));
    console.log(
      `lintian: ${tags.filter((l) => l.startsWith('E:')).length} errors, ${tags.filter((l) => l.startsWith('W:')).length} warnings, ${tags.length} tags in all`,
    );
    expect(tags).toEqual([]);
    const overrides = fs.readFileSync(path.join(repo, 'packaging/debian/perouterd.lintian-overrides'), 'utf8').split('\n');
    overrides.forEach((l, i) => {
      if (l.startsWith('perouterd:')) expect(overrides[i - 1], `reason above: ${l}`).toMatch(/^#|^perouterd:/);
    });
  });

  it('rpmlint: no error, no warning, every filter with its reason', () => {
    const report = lint('rpmlint', [
      ...['-c', path.join(repo, 'packaging/rpm/rpmlint.toml'), '-r', path.join(repo, 'packaging/rpm/perouterd.rpmlintrc')],
      rpmFile(out.a),
    ]);
    const summary = /(\d+) errors, (\d+) warnings/.exec(report);
    console.log(`rpmlint: ${summary?.[0]}`);
    expect(summary?.slice(1, 3), report).toEqual(['0', '0']);
    const filters = fs.readFileSync(path.join(repo, 'packaging/rpm/perouterd.rpmlintrc'), 'utf8').split('\n');
    filters.forEach((l, i) => {
      if (l.startsWith('addFilter')) expect(filters[i - 1], `reason above: ${l}`).toMatch(/^#|^addFilter/);
    });
  });

  it('control: Installed-Size, no nodejs, FRR from the distribution', () => {
    const control = sh('dpkg-deb', ['-f', deb(out.a)]);
    expect(control).toMatch(/^Installed-Size: \d+$/m);
    expect(control).toMatch(/^Architecture: amd64$/m);
    expect(control).toMatch(/^Depends: .*\bfrr \(>= 8\.4\), frr-pythontools/m);
    expect(control).not.toMatch(/nodejs/);
  });

  it('holds production files of amd64 only', () => {
    const list = sh('dpkg-deb', ['-c', deb(out.a)])
      .split('\n')
      .map((l) => l.replace(/^.* \.\//, '/').replace(/ -> .*$/, ''))
      .filter(Boolean);
    for (const f of [
      '/usr/bin/perouterd',
      '/usr/lib/perouterd/node/bin/node',
      '/usr/lib/perouterd/dist/cli/main.js',
      '/usr/share/man/man8/perouterd.8.gz',
    ])
      expect(list).toContain(f);
    expect(list).toContain('/lib/systemd/system/perouterd.service');
    expect(list).toContain('/lib/systemd/system/frr@perouter.service.d/perouterd.conf');
    const junk = list.filter(
      (f) =>
        /\.(ts|map|md|c|cc|h)$|\/(tests?|\.github|examples?)\//i.test(f) && !/usr\/share\/doc\//.test(f) && !/\/licen[cs]e[^/]*$/i.test(f),
    );
    expect(junk).toEqual([]);
    // Every ELF file is x86-64 and for glibc (koffi and friends ship musl, arm, Windows, macOS builds).
    const elves = list
      .filter((f) => !f.endsWith('/') && fs.lstatSync(path.join(x, f)).isFile())
      .filter((f) => {
        const fd = fs.openSync(path.join(x, f), 'r');
        const head = Buffer.alloc(4);
        fs.readSync(fd, head, 0, 4, 0);
        fs.closeSync(fd);
        return head.toString('latin1') === '\x7fELF';
      });
    expect(elves.length).toBeGreaterThanOrEqual(2);
    for (const f of elves) {
      const h = sh('readelf', ['-h', '-d', path.join(x, f)]);
      expect(h, f).toMatch(/Machine:\s+Advanced Micro Devices X86-64/);
      expect(h, f).not.toMatch(/musl/);
    }
    const mode = fs.statSync(path.join(x, 'usr/lib/perouterd/dist/cli/main.js')).mode & 0o777;
    expect(mode.toString(8)).toBe('755');
  });

  it('runs on its own runtime: the pinned version, satisfying engines; the CLI validates an example', () => {
    const node = path.join(x, 'usr/lib/perouterd/node/bin/node');
    expect(sh(node, ['--version']).trim()).toBe(`v${runtimeVersion}`);
    const [maj, min] = runtimeVersion.split('.').map(Number) as [number, number];
    const engines = (JSON.parse(fs.readFileSync(path.join(repo, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
    const [emaj, emin] = /(\d+)\.(\d+)/.exec(engines)!.slice(1).map(Number) as [number, number];
    expect(maj > emaj || (maj === emaj && min >= emin), `${runtimeVersion} satisfies ${engines}`).toBe(true);
    const main = path.join(x, 'usr/lib/perouterd/dist/cli/main.js');
    expect(fs.readFileSync(main, 'utf8').split('\n')[0]).toBe('#!/usr/lib/perouterd/node/bin/node');
    expect(sh(node, [main, '--version']).trim()).toBe(version);
    const ex = path.join(repo, 'examples/passthrough');
    expect(
      sh(node, [main, 'validate', '--config-dir', path.join(ex, 'configs'), '--node-config', path.join(ex, 'node-config.yaml')]),
    ).toContain('configuration is valid');
  });

  it('copyright covers every bundled module; the man page every command', () => {
    const copyright = fs.readFileSync(path.join(x, 'usr/share/doc/perouterd/copyright'), 'utf8');
    const nm = path.join(x, 'usr/lib/perouterd/node_modules');
    const modules = sh('find', [nm, '-name', 'package.json', '-path', '*/node_modules/*', '-printf', '%P\n'])
      .split('\n')
      .filter((p) => /^(@[^/]+\/)?[^/@]+\/package\.json$|\/node_modules\/(@[^/]+\/)?[^/]+\/package\.json$/.test(p))
      .map((p) => p.replace(/\/package\.json$/, ''));
    expect(modules.length).toBeGreaterThan(50);
    for (const m of modules) expect(copyright, m).toContain(`Files: usr/lib/perouterd/node_modules/${m}/*`);
    expect(copyright).toContain('Files: usr/lib/perouterd/node/*');
    const man = sh('zcat', [path.join(x, 'usr/share/man/man8/perouterd.8.gz')]);
    const node = path.join(x, 'usr/lib/perouterd/node/bin/node');
    const help = sh(node, [path.join(x, 'usr/lib/perouterd/dist/cli/main.js'), '--help']);
    const commands = [...(help.split(/^Commands:$/m)[1] ?? '').matchAll(/^ {2}([a-z-]+)/gm)].map((m) => m[1]!).filter((c) => c !== 'help');
    expect(commands).toEqual(expect.arrayContaining(['run', 'render', 'validate', 'ensure-netns', 'teardown']));
    for (const c of commands) expect(man).toContain(`.SS "perouterd ${c.replace(/-/g, '\\-')}`);
  });

  it('maintainer scripts: the daemon is started, restarted and stopped; the namespace unit never', () => {
    const ctl = path.join(tmp, 'ctl');
    sh('dpkg-deb', ['-e', deb(out.a), ctl]);
    const script = (n: string): string => fs.readFileSync(path.join(ctl, n), 'utf8');
    expect(script('postinst')).toMatch(/deb-systemd-invoke \$_dh_action 'perouterd\.service'/);
    expect(script('postinst')).toMatch(/deb-systemd-helper enable 'perouterd-netns\.service'/);
    expect(script('prerm')).toMatch(/deb-systemd-invoke stop 'perouterd\.service'/);
    expect(script('prerm')).toContain("this node's networks\nstay up");
    for (const s of ['preinst', 'postinst', 'prerm', 'postrm'].filter((n) => fs.existsSync(path.join(ctl, n))))
      expect(script(s), s).not.toMatch(/deb-systemd-invoke (stop|restart|try-restart|start)[^\n]*perouterd-netns/);
    for (const unit of ['perouterd-netns', 'perouterd']) expect(script('postrm')).toContain(`deb-systemd-helper purge '${unit}.service'`);

    const rpmScripts = sh('rpm', ['--scripts', '-qp', rpmFile(out.a)]);
    expect(rpmScripts).toMatch(/preset perouterd\.service perouterd-netns\.service/);
    expect(rpmScripts).toMatch(/disable --now perouterd\.service /);
    expect(rpmScripts).toMatch(/disable perouterd-netns\.service /);
    expect(rpmScripts).toMatch(/try-restart perouterd\.service /);
    expect(rpmScripts).not.toMatch(/(--now|restart|stop)[^\n]*perouterd-netns/);
  });

  it('the RPM has the .deb content, its own FRR unit, and installs into a scratch root', () => {
    const rpmList = sh('rpm', ['-qlp', rpmFile(out.a)])
      .split('\n')
      .filter(Boolean);
    const app = (l: string[]): string[] => l.filter((f) => f.startsWith('/usr/lib/perouterd/')).sort();
    const debList = sh('find', [path.join(x, 'usr/lib/perouterd'), '-printf', '/usr/lib/perouterd/%P\n'])
      .split('\n')
      .filter((f) => f.length > 19);
    expect(app(rpmList)).toEqual(app(debList));
    for (const f of [
      '/usr/lib/systemd/system/perouterd.service',
      '/usr/lib/systemd/system/frr@perouter.service',
      '/usr/share/man/man8/perouterd.8.gz',
    ])
      expect(rpmList).toContain(f);
    expect(sh('rpm', ['-qp', '--requires', rpmFile(out.a)])).not.toMatch(/musl|nodejs/);

    // --nodeps: the scratch root's rpm database is empty (no frr, python3, glibc);
    // --noscripts: it has no shell either; the scriptlets are checked above as text.
    const root = path.join(tmp, 'root');
    sh('rpm', ['--root', root, '--initdb']);
    sh('rpm', ['--root', root, '-i', '--nodeps', '--noscripts', rpmFile(out.a)]);
    expect(fs.readlinkSync(path.join(root, 'usr/bin/perouterd'))).toBe('../lib/perouterd/dist/cli/main.js');
    expect(sh('rpm', ['--root', root, '-q', 'perouterd']).trim()).toBe(`perouterd-${version}-1.x86_64`);
    sh('rpm', ['--root', root, '-V', '--nodeps', '--nouser', '--nogroup', 'perouterd']);
    sh('rpm', ['--root', root, '-e', '--nodeps', '--noscripts', 'perouterd']);
    expect(fs.existsSync(path.join(root, 'usr/lib/perouterd/node/bin/node'))).toBe(false);
  });
});
