// What each one-shot command loads, from the module graph the compiler emits (type-only imports
// dropped, as in dist/): the static imports of src/cli/main.ts and of the module the command's
// action imports, followed through src/. A guard without a clock: the Kubernetes client (~90 MB,
// 5-7 s inside the kernel lab) and ajv's compiler (the validators are generated at build time)
// stay out of every one-shot command, and `status` loads neither netlink (koffi) nor yaml.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');

const importsOf = new Map<string, string[]>();

/** The specifiers a module loads when it is evaluated: static imports and re-exports, as emitted. */
function staticImports(file: string): string[] {
  const known = importsOf.get(file);
  if (known) return known;
  const js = ts.transpileModule(readFileSync(file, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    fileName: file,
  }).outputText;
  const out = ts.preProcessFile(js, true, false).importedFiles.map((f) => f.fileName);
  // preProcessFile also reports import('...'): keep only what a static declaration loads.
  const found = out.filter((s) =>
    new RegExp(`^\\s*(?:import|export)\\b[^;]*?['"]${s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}['"]`, 'm').test(js),
  );
  importsOf.set(file, found);
  return found;
}

/** Every module of src/ and every package (by name) loaded when `entries` are evaluated. */
function closure(entries: string[]): { modules: Set<string>; packages: Set<string> } {
  const modules = new Set<string>();
  const packages = new Set<string>();
  const todo = entries.map((e) => resolve(SRC, e));
  while (todo.length) {
    const file = todo.pop() as string;
    if (modules.has(file)) continue;
    modules.add(file);
    for (const spec of staticImports(file)) {
      if (spec.startsWith('.')) {
        const ts = resolve(dirname(file), spec).replace(/\.js$/, '.ts');
        if (!existsSync(ts)) throw new Error(`${relative(SRC, file)}: ${spec} not found`);
        todo.push(ts);
      } else if (!spec.startsWith('node:'))
        packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] as string));
    }
  }
  return { modules, packages };
}

/** Each command with the module its action imports (src/cli/program.ts). */
const COMMANDS: Record<string, string[]> = {
  '--version, --help': [],
  trace: ['cli/trace-command.ts'],
  'support-bundle': ['cli/support-bundle-command.ts'],
  status: ['cli/status-command.ts'],
  'render, validate': ['cli/config-commands.ts'],
  teardown: ['cli/teardown.ts'],
};

const loads = (cmd: string) => closure(['cli/main.ts', ...(COMMANDS[cmd] ?? [])]);

describe('what a one-shot command loads', () => {
  it('the action modules named here are the ones program.ts imports', () => {
    const program = readFileSync(resolve(SRC, 'cli/program.ts'), 'utf8');
    for (const m of Object.values(COMMANDS).flat()) expect(program, m).toContain(`import('./${m.slice(4).replace(/\.ts$/, '.js')}')`);
  });

  it('--version and --help: commander alone', () => {
    expect([...loads('--version, --help').packages]).toEqual(['commander']);
  });

  it.each(Object.keys(COMMANDS))('%s: neither the Kubernetes client nor ajv (its validators are generated)', (cmd) => {
    const { packages } = loads(cmd);
    expect(packages.has('@kubernetes/client-node')).toBe(false);
    expect(packages.has('ajv')).toBe(false);
  });

  it('status: a socket or a file; no netlink (koffi), no yaml, no configuration pipeline', () => {
    const { packages, modules } = loads('status');
    expect([...packages].sort()).toEqual(['commander']);
    expect([...modules].map((m) => relative(SRC, m)).filter((m) => /^(config|dataplane|k8s|plan|frr)\//.test(m))).toEqual([]);
  });

  it('trace and support-bundle: the configuration, netlink and vtysh, nothing of the daemon loop', () => {
    for (const cmd of ['trace', 'support-bundle']) {
      const { packages, modules } = loads(cmd);
      expect([...packages].sort(), cmd).toEqual(['commander', 'koffi', 'yaml']);
      expect(
        [...modules].map((m) => relative(SRC, m)).filter((m) => /^(k8s|service)\/|^daemon\/daemon\.ts$/.test(m)),
        cmd,
      ).toEqual([]);
    }
  });
});
