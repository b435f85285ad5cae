// CLI conventions (issue 12, item 6): exit codes (2 usage, 1 invalid configuration),
// problems on stderr and results on stdout, `validate -o json`, `--version` from
// package.json without loading anything but commander, and the completion scripts.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';
import { bashCompletion, commandSpecs, zshCompletion } from '../../src/cli/completion.js';
import { ensureDist, EXAMPLES, ROOT, runCli } from '../fuzz/cli-helper.js';

const METALLB = [
  '--config-dir',
  join(EXAMPLES, 'l3vni-metallb/configs'),
  '--node-config',
  join(EXAMPLES, 'l3vni-metallb/node-config.yaml'),
];
const tempDirs: string[] = [];
afterAll(() => {
  for (const d of tempDirs) rmSync(d, { recursive: true, force: true });
});

beforeAll(() => ensureDist(), 200_000);

describe('exit codes and streams', () => {
  it.each([
    [['no-such-command'], /unknown command 'no-such-command'/],
    [['render', '--no-such-option'], /unknown option '--no-such-option'/],
    [['render', '-o', 'yaml'], /argument 'yaml' is invalid/],
    [['render', '--node-index', '-1'], /--node-index/],
    [['completion', 'fish'], /'fish' is invalid/],
    [[], /Usage: perouterd/],
  ])('%j is a usage error: exit 2, message on stderr, nothing on stdout', (args, message) => {
    const r = runCli(args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('--help and help <command> exit 0 on stdout', () => {
    for (const args of [['--help'], ['help', 'validate'], ['validate', '--help']]) {
      const r = runCli(args);
      expect(r.status, args.join(' ')).toBe(0);
      expect(r.stdout).toMatch(/^Usage: perouterd/);
    }
  });

  it('--version prints the version of package.json', () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const r = runCli(['--version']);
    expect(r).toEqual({ status: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });

  it('an invalid configuration exits 1: problems on stderr, what was read and the verdict on stdout', () => {
    const dir = mkdtempSync(join(tmpdir(), 'perouterd-habits-'));
    tempDirs.push(dir);
    writeFileSync(join(dir, 'openpe_x.yaml'), 'l3vnis:\n  - name: red\n    vrf: red\n    vni: 0\n');
    const r = runCli(['validate', '--config-dir', dir, '--node-config', METALLB[3] as string]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/^error: .*openpe_x\.yaml:4:\d+: /m);
    expect(r.stdout).toMatch(/^read 1 file\(s\) from .*\nconfiguration has errors\n$/);
  });
});

describe('validate -o json', () => {
  it('a valid configuration: valid, the files read, no problem', () => {
    const r = runCli(['validate', ...METALLB, '-o', 'json']);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(j).toMatchObject({ valid: true, problems: [], failedResources: [] });
    expect(j.files).toEqual([join(EXAMPLES, 'l3vni-metallb/configs/openpe_evpn.yaml')]);
    expect(j).not.toHaveProperty('error');
  });

  it('an invalid configuration: exit 1, each problem with file, line, column and field, nothing on stderr', () => {
    const dir = mkdtempSync(join(tmpdir(), 'perouterd-habits-'));
    tempDirs.push(dir);
    writeFileSync(join(dir, 'openpe_x.yaml'), 'l3vnis:\n  - name: red\n    vrf: red\n    vni: 16777216\n');
    const r = runCli(['validate', '--config-dir', dir, '--node-config', METALLB[3] as string, '-o', 'json']);
    expect(r.status).toBe(1);
    expect(r.stderr).toBe('');
    const j = JSON.parse(r.stdout) as { valid: boolean; error?: string; problems: Array<Record<string, unknown>> };
    expect(j.valid).toBe(false);
    expect(j.error).toMatch(/invalid/);
    expect(j.problems).toContainEqual(
      expect.objectContaining({ severity: 'error', file: join(dir, 'openpe_x.yaml'), line: 4, field: 'l3vnis[0].vni' }),
    );
  });
});

describe('--version loads commander only', () => {
  /** Modules reachable from src/cli/main.ts through static (non-type) imports. */
  function staticGraph(entry: string): Set<string> {
    const seen = new Set<string>();
    const visit = (file: string): void => {
      if (seen.has(file)) return;
      seen.add(file);
      if (!file.startsWith('/')) return; // a package
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/^import (?!type )[^'"]*?(?:from )?'([^']+)'/gm)) {
        const spec = m[1] as string;
        visit(spec.startsWith('.') ? resolve(dirname(file), spec).replace(/\.js$/, '.ts') : spec);
      }
    };
    visit(entry);
    return seen;
  }

  it('main.ts statically imports commander, the program, its defaults and version, nothing else', () => {
    const src = join(ROOT, 'src');
    const graph = [...staticGraph(join(src, 'cli/main.ts'))].map((f) => f.replace(`${src}/`, '')).sort();
    expect(graph).toEqual([
      'cli/defaults.ts',
      'cli/main.ts',
      'cli/program.ts',
      'cli/version.ts',
      'commander',
      'node:fs',
      'node:net',
      'node:path',
      'node:url',
      'observe/listen.ts', // --http-listen is checked while parsing
    ]);
  });
});

describe('shell completion', () => {
  const program = buildProgram();
  const spec = commandSpecs(program);

  it('covers every command and option of the tree', () => {
    const bash = bashCompletion(program);
    const zsh = zshCompletion(program);
    expect(spec.commands.map((c) => c.name)).toEqual(expect.arrayContaining(['run', 'render', 'validate', 'teardown', 'completion']));
    for (const c of spec.commands) {
      expect(bash).toContain(`    ${c.name})`);
      expect(zsh).toContain(`        ${c.name})`);
      for (const o of c.options) for (const n of o.names) expect(zsh).toContain(`'${n}[`);
    }
  });

  /** Runs bash completion for a command line ending with the word being completed. */
  function complete(words: string[]): string[] {
    const script = `${bashCompletion(program)}
COMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}
_perouterd; printf '%s\\n' "\${COMPREPLY[@]}"`;
    const r = spawnSync('bash', ['-c', script], { encoding: 'utf8', cwd: ROOT });
    expect(r.stderr).toBe('');
    return r.stdout.split('\n').filter(Boolean);
  }

  it('bash: commands, options per command, option values from choices and directories', () => {
    expect(complete(['perouterd', 're'])).toEqual(['render']);
    expect(complete(['perouterd', 'validate', '--o'])).toEqual(['--output']);
    expect(complete(['perouterd', 'render', '-o', ''])).toEqual(['text', 'json']);
    expect(complete(['perouterd', 'completion', ''])).toEqual(expect.arrayContaining(['bash', 'zsh']));
    expect(complete(['perouterd', 'render', '--config-dir', 'exam'])).toEqual(['examples']);
    expect(complete(['perouterd', 'run', '--netns', ''])).toEqual([]);
  });

  it.runIf(existsSync('/usr/bin/zsh') || existsSync('/bin/zsh'))('zsh: the script parses', () => {
    const r = spawnSync('zsh', ['-n'], { input: zshCompletion(program), encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('`perouterd completion bash|zsh` prints the generated scripts', () => {
    expect(runCli(['completion', 'bash']).stdout).toBe(bashCompletion(program));
    expect(runCli(['completion', 'zsh']).stdout).toBe(zshCompletion(program));
  });
});
