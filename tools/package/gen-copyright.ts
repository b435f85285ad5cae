// Writes the machine-readable copyright file (DEP-5) of the packages from what is
// really bundled: perouterd itself, the Node.js runtime and every npm module left
// in the staged node_modules, with the licence text each module ships. A module
// without a licence file fails the build unless FALLBACK says where its text is,
// so a new dependency can never slip in without its licence. Also prints the
// sorted SPDX ids (the RPM License: tag). Run at package build time.
import fs from 'node:fs';
import path from 'node:path';

/** Licences Debian ships in /usr/share/common-licenses: referenced, not copied. */
const COMMON = new Set(['Apache-2.0', 'CC0-1.0', 'GPL-2', 'GPL-3', 'LGPL-2.1', 'LGPL-3', 'MPL-2.0']);

/** Modules published without a licence file: where their licence text is instead. */
const FALLBACK: Record<string, { sibling?: string; text?: string; why: string }> = {
  '@koromix/koffi-linux-x64': { sibling: 'koffi', why: "koffi's prebuilt binary, same author and licence as koffi" },
  'stream-buffers': {
    why: 'the Unlicense, stated in package.json',
    text: `This is free and unencumbered software released into the public domain.

Anyone is free to copy, modify, publish, use, compile, sell, or distribute this
software, either in source code form or as a compiled binary, for any purpose,
commercial or non-commercial, and by any means.

In jurisdictions that recognize copyright laws, the author or authors of this
software dedicate any and all copyright interest in the software to the public
domain. We make this dedication for the benefit of the public at large and to
the detriment of our heirs and successors. We intend this dedication to be an
overt act of relinquishment in perpetuity of all present and future rights to
this software under copyright law.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY, FITNESS
FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE AUTHORS BE
LIABLE FOR ANY CLAIM, DAMAGES OR OTHER LIABILITY, WHETHER IN AN ACTION OF
CONTRACT, TORT OR OTHERWISE, ARISING FROM, OUT OF OR IN CONNECTION WITH THE
SOFTWARE OR THE USE OR OTHER DEALINGS IN THE SOFTWARE.

For more information, please refer to <https://unlicense.org/>`,
  },
};

export interface Module {
  name: string;
  dir: string;
  /** Install path relative to the application directory: node_modules/<name>. */
  rel: string;
  license: string;
  copyright: string[];
  text: string;
  /** Licence files deeper in the module (code it vendors under another notice). */
  inner: Array<{ rel: string; license: string; copyright: string[]; text: string }>;
}

/** The SPDX id of a vendored licence text; only the ones met so far are known. */
export function classifyLicence(text: string): string | undefined {
  if (/Permission is hereby granted, free of charge/.test(text)) return 'MIT';
  if (/Permission to use, copy, modify, and\/or distribute this software/.test(text)) return 'ISC';
  if (/Apache License,?\s+Version 2\.0/i.test(text)) return 'Apache-2.0';
  return undefined;
}

function innerLicences(dir: string, nodeModules: string): Module['inner'] {
  const found: Module['inner'] = [];
  const walk = (d: string, depth: number): void => {
    for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const p = path.join(d, e.name);
      if (e.isDirectory() && e.name !== 'node_modules') walk(p, depth + 1);
      else if (e.isFile() && depth > 0 && LICENCE_FILE.test(e.name)) {
        const text = fs.readFileSync(p, 'utf8');
        const license = classifyLicence(text);
        if (!license) throw new Error(`${p}: unknown licence text; teach classifyLicence() about it`);
        found.push({ rel: path.relative(path.dirname(nodeModules), path.dirname(p)), license, copyright: copyrightLines(text), text });
      }
    }
  };
  walk(dir, 0);
  return found;
}

const LICENCE_FILE = /^(licen[cs]e|copying)(\.(md|txt|bsd|mit))?$/i;

/** Copyright lines of a licence text (templates like "[yyyy] [name]" left out). */
export function copyrightLines(text: string): string[] {
  const out: string[] = [];
  for (const raw of text.split('\n')) {
    const m = /^\s*(?:copyright\s*)?(?:\(c\)|©)?\s*(?:copyright\s*)?(?:\(c\)|©)?\s*(.*)$/i.exec(raw);
    if (!/^\s*(copyright|\(c\)|©)/i.test(raw) || !m?.[1] || /\[.*\]|\{.*\}|notice|holders?\b/i.test(raw)) continue;
    const line = m[1]
      .replace(/\s+/g, ' ')
      .replace(/[.,]?\s*all rights reserved\.?/i, '')
      .trim();
    if (line && !out.includes(line)) out.push(line);
  }
  return out.slice(0, 6);
}

function authorOf(pkg: { author?: string | { name?: string } }): string | undefined {
  const a = pkg.author;
  return typeof a === 'string' ? a.replace(/\s*[<(].*$/, '') : a?.name;
}

/** Every package under node_modules (scoped and nested), sorted by install path. */
export function listModules(nodeModules: string): Module[] {
  const dirs: string[] = [];
  const walk = (nm: string): void => {
    for (const e of fs.readdirSync(nm).sort()) {
      if (e.startsWith('.')) continue;
      const d = path.join(nm, e);
      if (e.startsWith('@')) for (const s of fs.readdirSync(d).sort()) dirs.push(path.join(d, s));
      else dirs.push(d);
    }
  };
  walk(nodeModules);
  for (let i = 0; i < dirs.length; i++) {
    const nested = path.join(dirs[i]!, 'node_modules');
    if (fs.existsSync(nested)) walk(nested);
  }
  return dirs.sort().map((dir) => moduleOf(dir, nodeModules));
}

function moduleOf(dir: string, nodeModules: string): Module {
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
    name: string;
    license?: string;
    author?: string | { name?: string };
  };
  if (!pkg.license) throw new Error(`${pkg.name}: no licence in package.json`);
  let file = fs.readdirSync(dir).find((f) => LICENCE_FILE.test(f));
  let text = file ? fs.readFileSync(path.join(dir, file), 'utf8') : undefined;
  const fb = FALLBACK[pkg.name];
  if (!text && fb?.sibling) {
    const sdir = path.join(nodeModules, fb.sibling);
    file = fs.readdirSync(sdir).find((f) => LICENCE_FILE.test(f));
    text = file ? fs.readFileSync(path.join(sdir, file), 'utf8') : undefined;
  }
  text ??= fb?.text;
  if (!text) throw new Error(`${pkg.name}: no licence file; add it to FALLBACK in ${import.meta.url} with its source`);
  const copyright = copyrightLines(text);
  if (!copyright.length) copyright.push(`${authorOf(pkg) ?? pkg.name + ' authors'}`);
  return {
    name: pkg.name,
    dir,
    rel: path.relative(path.dirname(nodeModules), dir),
    license: pkg.license,
    copyright,
    text,
    inner: innerLicences(dir, nodeModules),
  };
}

/** A DEP-5 field body: continuation lines start with a space, empty lines are " .". */
export function fieldText(text: string): string {
  return text
    .replace(/\r/g, '')
    .replace(/\t/g, '    ')
    .trim()
    .split('\n')
    .map((l) => (l.trim() ? ` ${l.trimEnd()}` : ' .'))
    .join('\n');
}

function licenceField(id: string, text: string): string {
  if (COMMON.has(id)) return `License: ${id}\n On Debian systems the full text is in /usr/share/common-licenses/${id}.`;
  return `License: ${id}\n${fieldText(text)}`;
}

export interface CopyrightInput {
  modules: Module[];
  installDir: string;
  runtime: { version: string; licenseText: string };
}

export function renderCopyright(input: CopyrightInput): string {
  const paras = [
    'Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/\nUpstream-Name: perouterd\nComment: Generated at build time from the bundled modules (tools/package/gen-copyright.ts).',
    `Files: *\nCopyright: perouterd developers\n${licenceField('Apache-2.0', '')}`,
    `Files: ${input.installDir}/node/*\nCopyright: Node.js contributors\n Joyent, Inc. and other Node contributors\nComment: The Node.js ${input.runtime.version} runtime (npm package node-linux-*), with the licences of the components it contains.\nLicense: MIT and others\n${fieldText(input.runtime.licenseText)}`,
  ];
  for (const m of input.modules) {
    paras.push(
      `Files: ${input.installDir}/${m.rel}/*\nCopyright: ${m.copyright.join('\n ')}\nComment: npm module ${m.name}\n${licenceField(m.license, m.text)}`,
    );
    for (const i of m.inner)
      paras.push(
        `Files: ${input.installDir}/${i.rel}/*\nCopyright: ${i.copyright.join('\n ') || m.copyright.join('\n ')}\nComment: vendored in npm module ${m.name}\n${licenceField(i.license, i.text)}`,
      );
  }
  return paras.join('\n\n') + '\n';
}

/** SPDX ids of everything bundled, for the RPM License: tag. */
export function spdxExpression(modules: Module[]): string {
  const ids = new Set(['Apache-2.0', 'MIT', ...modules.map((m) => m.license)]);
  return [...ids].sort().join(' AND ');
}

function main(argv: string[]): void {
  const [nodeModules, runtimeLicense, runtimeVersion, outCopyright, outSpdx] = argv;
  if (!nodeModules || !runtimeLicense || !runtimeVersion || !outCopyright || !outSpdx)
    throw new Error('usage: gen-copyright.ts <node_modules> <node LICENSE> <node version> <out copyright> <out spdx>');
  const modules = listModules(nodeModules);
  const text = renderCopyright({
    modules,
    installDir: 'usr/lib/perouterd',
    runtime: { version: runtimeVersion, licenseText: fs.readFileSync(runtimeLicense, 'utf8') },
  });
  fs.writeFileSync(outCopyright, text);
  fs.writeFileSync(outSpdx, spdxExpression(modules) + '\n');
}

if (import.meta.url === `file://${process.argv[1]}`) main(process.argv.slice(2));
