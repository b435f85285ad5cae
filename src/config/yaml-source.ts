// YAML parsing that keeps the syntax tree, so any data path (`l3vnis/0/hostSession/asn`)
// can be mapped back to file:line:column for error messages.

import {
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  type Node,
  parseAllDocuments,
  type Pair,
  visit,
  type YAMLError,
} from 'yaml';
import type { ConfigProblem, SourceLocation } from './model.js';
import { readConfigFileSync, type SourceFile } from './read.js';
import { safeText } from '../util/text.js';

export type PathSeg = string | number;

export interface YamlSource {
  file: string;
  /** The parsed document; undefined when the file could not be read or is empty. */
  doc?: Document.Parsed;
  /** Problems found while reading and parsing (syntax errors are errors). */
  problems: ConfigProblem[];
  /** True when the file was read, parsed without YAML errors and is not empty. */
  ok: boolean;
  /** Location of the value at `path`, or of its key with `{ key: true }`. Missing tails resolve to the nearest parent. */
  locate(path: readonly PathSeg[], opts?: { key?: boolean }): SourceLocation;
}

/** `['l3vnis', 0, 'hostSession', 'asn']` → `l3vnis[0].hostSession.asn`. */
export function fieldPath(path: readonly PathSeg[]): string {
  let out = '';
  for (const seg of path) {
    const text = typeof seg === 'number' ? '' : safeText(seg, 64); // a key is file content: escaped, cut
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out === '' ? text : `.${text}`;
  }
  return out;
}

/** JSON pointer (ajv instancePath, `/l3vnis/0/vni`) → path segments; all-digit segments become numbers. */
export function pointerToPath(pointer: string): PathSeg[] {
  if (pointer === '' || pointer === '/') return [];
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((s) => (/^(0|[1-9][0-9]*)$/.test(s) ? Number(s) : s));
}

/** Text of a map key as used in data paths. */
export function keyText(key: unknown): string {
  if (isScalar(key)) return String(key.value);
  return String(key);
}

function findPair(map: unknown, seg: string): Pair | undefined {
  if (!isMap(map)) return undefined;
  return map.items.find((p) => keyText(p.key) === seg);
}

/** Parses a file as read by src/config/read.ts (its read problems first). */
export function yamlSourceOf(f: SourceFile): YamlSource {
  if (f.text === undefined) {
    const location: SourceLocation = { file: f.path, line: 1, column: 1, field: '' };
    const problems = f.problems.length > 0 ? f.problems : [{ severity: 'error' as const, message: 'cannot read file', location }];
    return { file: f.path, problems, ok: false, locate: () => location };
  }
  const src = parseYamlSource(f.text, f.path);
  if (f.problems.length === 0) return src;
  return { ...src, problems: [...f.problems, ...src.problems], ok: src.ok && !f.problems.some((p) => p.severity === 'error') };
}

/** Reads (bounded, see read.ts) and parses one file. */
export function readYamlSource(file: string): YamlSource {
  return yamlSourceOf(readConfigFileSync(file));
}

/**
 * What a YAML error says, from its code only: the parser's own text can quote the file
 * (a secret on the line), and nothing of a file's content is ever echoed.
 */
function yamlErrorText(e: YAMLError): string {
  const known: Record<string, string> = {
    DUPLICATE_KEY: 'map keys must be unique (the same key twice)',
    BAD_INDENT: 'bad indentation',
    TAB_AS_INDENT: 'a tab used as indentation',
    MULTILINE_IMPLICIT_KEY: 'a key must be on a single line',
    BLOCK_AS_IMPLICIT_KEY: 'nested mapping not allowed here (a missing line break or space?)',
    MISSING_CHAR: 'an unclosed quote or bracket',
    UNEXPECTED_TOKEN: 'unexpected character',
    BAD_ALIAS: 'an alias to an anchor that is not defined before it',
  };
  return known[e.code] ?? String(e.code).toLowerCase().replace(/_/g, ' ');
}

/** `0100`, `-012`: YAML 1.1 readers (upstream's) read a leading zero as octal, YAML 1.2 as decimal. */
const LEADING_ZERO_RE = /^[-+]?0[0-9]+$/;

function leadingZeroProblems(doc: Document.Parsed | undefined, at: (offset: number) => SourceLocation): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  if (!doc) return out;
  visit(doc, {
    Scalar(_key, node) {
      if (node.type !== 'PLAIN' || typeof node.value !== 'number' || !LEADING_ZERO_RE.test(String(node.source))) return;
      out.push({
        severity: 'error',
        message: `${String(node.source)}: an integer with a leading zero is ambiguous (upstream reads it as octal, ${parseInt(String(node.source), 8)}); write it without the zero, or quote it if text is meant`,
        location: at(node.range?.[0] ?? 0),
      });
    },
  });
  return out;
}

export function parseYamlSource(text: string, file: string): YamlSource {
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: true });
  const problems: ConfigProblem[] = [];
  const at = (offset: number, field = ''): SourceLocation => {
    const pos = lineCounter.linePos(Math.max(0, Math.min(offset, text.length)));
    return { file, line: pos.line, column: pos.col, field };
  };

  const list = Array.isArray(docs) ? docs : [];
  const doc = list[0];
  for (const d of list) {
    for (const e of d.errors)
      problems.push({ severity: 'error', message: `YAML syntax error: ${yamlErrorText(e)}`, location: at(e.pos[0]) });
    for (const w of d.warnings) problems.push({ severity: 'warning', message: `YAML: ${yamlErrorText(w)}`, location: at(w.pos[0]) });
  }
  problems.push(...leadingZeroProblems(doc, at));
  // A trailing `---` starts an empty document: valid YAML, nothing in it.
  const isEmptyDoc = (d: Document.Parsed): boolean =>
    d.errors.length === 0 && (d.contents === null || (isScalar(d.contents) && d.contents.value === null));
  const second = list.slice(1).find((d) => !isEmptyDoc(d));
  if (second) {
    problems.push({
      severity: 'error',
      message: 'the file holds more than one YAML document (---); put each configuration in its own file',
      location: at(second.range[0]),
    });
  }

  const contents = doc?.contents ?? null;
  const empty = contents === null || (isScalar(contents) && (contents.value === null || contents.value === ''));
  if (empty && !problems.some((p) => p.severity === 'error')) {
    problems.push({
      severity: 'error',
      message: 'the file is empty (no YAML content, only whitespace or comments)',
      location: { file, line: 1, column: 1, field: '' },
    });
  }

  // Scalars are located at their value; collections reached through a key at that key
  // (`hostSession:` rather than its first child), list items at their first line.
  const locate = (path: readonly PathSeg[], opts?: { key?: boolean }): SourceLocation => {
    const field = fieldPath(path);
    let node: unknown = doc?.contents ?? null;
    let best: number = (node as Node | null)?.range?.[0] ?? 0;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i] as PathSeg;
      if (isAlias(node) && doc) node = node.resolve(doc);
      let next: unknown;
      let keyPos: number | undefined;
      if (isSeq(node) && typeof seg === 'number') {
        next = node.items[seg];
      } else if (isMap(node)) {
        const pair = findPair(node, String(seg));
        if (pair) {
          next = pair.value;
          keyPos = (pair.key as Node | null)?.range?.[0];
        }
      }
      const isLast = i === path.length - 1;
      if (next === undefined || next === null || isPair(next)) {
        // Nothing there (missing key, or `key:` with no value): point at the key if any.
        return at(keyPos ?? best, field);
      }
      if (isLast && keyPos !== undefined && (opts?.key || isMap(next) || isSeq(next))) return at(keyPos, field);
      const range = (next as Node).range;
      if (keyPos !== undefined && (isMap(next) || isSeq(next))) best = keyPos;
      else if (range) best = range[0];
      else if (keyPos !== undefined) best = keyPos;
      node = next;
    }
    return at(best, field);
  };

  const ok = doc !== undefined && !empty && !problems.some((p) => p.severity === 'error');
  return { file, doc, problems, ok, locate };
}
