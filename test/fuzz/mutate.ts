// Seeded generators and mutators of OpenPERouter configuration text, for the fuzz test.
// Everything draws from one `Rng`, so a (seed, case) pair reproduces a case exactly.

import { mulberry32 } from '../support/rng.js';

// ---------------------------------------------------------------- PRNG

/** mulberry32 (test/support/rng.ts): small, fast, good enough for test-case generation. */
export class Rng {
  private readonly u: () => number;
  constructor(seed: number) {
    this.u = mulberry32(seed);
  }
  next(): number {
    return this.u() / 4294967296;
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new Error('pick from empty list');
    return xs[Math.floor(this.next() * xs.length)] as T;
  }
  shuffle<T>(xs: readonly T[]): T[] {
    const a = [...xs];
    for (let i = a.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [a[i], a[j]] = [a[j] as T, a[i] as T];
    }
    return a;
  }
}

/** Seed of case `i` of a run seeded with `seed` (so one case can be replayed alone). */
export function caseSeed(seed: number, i: number): number {
  let h = (seed ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0;
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
  return (h ^ (h >>> 16)) >>> 0;
}

// ---------------------------------------------------------------- value pools

const BOUNDARY_NUMBERS = [
  0, -1, 1, 2, 3, 9, 10, 254, 255, 256, 4094, 4095, 4096, 4789, 16384, 16385, 60000, 60001, 65535, 65536, 16777215, 16777216, 2147483647,
  2147483648, 4294967295, 4294967296, 9007199254740991, 9007199254740992, 1e21, -0, 0.5, 1.5, 1e-7,
];
const ASNS = [64512, 64514, 64515, 0, 1, 65535, 65536, 4294967295, 4294967296, -64514];
const VNIS = [100, 110, 200, 300, 1, 0, 16777215, 16777216, 4096];
const CIDRS = [
  '100.65.0.0/24',
  '192.169.10.0/24',
  '192.169.11.0/24',
  '192.169.10.0/25',
  '192.169.0.0/16',
  '192.170.1.1/24',
  '10.0.0.0/24',
  '10.0.0.0/30',
  '10.0.0.0/32',
  '0.0.0.0/0',
  'fd00:100:65::/64',
  'fd00:169:10::/64',
  '2001:db8::/127',
  '::/0',
  'fe80::/64',
  '300.1.1.1/24',
  '10.0.0.0/33',
  '10.0.0.0/-1',
  'fd00::/129',
  '10.0.0.0/',
  '/24',
  '10.0.0.0',
  '1.2.3.4/24/5',
  '2001:db8::1::/64',
  ' 10.0.0.0/24',
  '010.0.0.0/24',
  '10.0.0.0/024',
  '::ffff:1.2.3.4/120',
  '1.2.3.4/0x18',
  'abc',
  '',
  '10.0.0.0/24 ',
  '１０.0.0.0/24',
];
const IPS = [
  '192.168.11.2',
  '192.168.12.2',
  '2001:db8::2',
  'fe80::1',
  '0.0.0.0',
  '255.255.255.255',
  '::',
  '192.168.11.256',
  '192.168.11',
  '192.168.011.2',
  '1.2.3.4/32',
  'fd00::1%eth0',
  '::ffff:192.168.11.2',
  'localhost',
  '',
  ' 192.168.11.2',
];
const NAMES = [
  'red',
  'blue',
  'green',
  'RED',
  'red-l2',
  'storage',
  'a',
  'x'.repeat(15),
  'x'.repeat(16),
  'x'.repeat(253),
  'x'.repeat(254),
  'vni100',
  'br-pe-100',
  'host-e-110',
  'br-hs-300',
  'pe-e-100',
  'pt-host',
  'pt-ns',
  'toswitch',
  'lo',
  'default',
  '1red',
  'red_1',
  'red.1',
  'red/1',
  'red 1',
  '.',
  '..',
  '-',
  'Ünïcödé',
  'static',
  'eth0',
  '',
];
const ENUMS = [
  'NetworkDevice',
  'CNIDevice',
  'networkdevice',
  'External',
  'Internal',
  'external',
  'L3VNI',
  'L3VPN',
  'LinuxBridge',
  'OVSBridge',
  'Managed',
  'External',
  'managed',
  'IPv4',
  'IPv6',
  'ipv4',
  'ipv4unicast',
  'ipv6unicast',
  'evpn',
  'ipv4vpn',
  'ipv6vpn',
  'EVPN',
  'ebgpMultiHop',
  'Active',
  'Passive',
  'routeReflectorClient',
  'RawConfig',
  'debug',
  'info',
  'warn',
  'error',
  'trace',
];
const RTS = [
  '64514:100',
  '192.0.2.1:7',
  '70000:65535',
  '70000:65536',
  '65000:4294967295',
  '65000:4294967296',
  '1.2.3.256:1',
  'x:1',
  '1:2:3',
  ':',
  '0:0',
  '4294967296:1',
];
const WEIRD_STRINGS = [
  '',
  ' ',
  '\t',
  '~',
  'null',
  'true',
  'yes',
  'no',
  'NaN',
  '.inf',
  '-',
  '---',
  '...',
  '#',
  '!',
  '! comment',
  '&a',
  '*a',
  '%',
  '@',
  '`',
  '{',
  '}',
  '[',
  ']',
  '"',
  "'",
  '\\',
  '\n',
  'line1\nline2',
  'router bgp 1',
  'exit',
  'a'.repeat(300),
  '😀',
  '\u0000',
  '\u202e',
  '0x10',
  '0o17',
  '1_000',
  '1e3',
  '+1',
  '064514',
  '12:30',
  '2001-01-01',
];

/** Values that fit the field a key names, including invalid and boundary ones. */
export function valueFor(rng: Rng, key: string): unknown {
  const k = key.toLowerCase();
  if (k === 'asn' || k === 'hostasn') return rng.pick(ASNS);
  if (k === 'vni') return rng.pick(VNIS);
  if (k.includes('cidr') || k === 'listenrange' || k === 'ipv4' || k === 'ipv6' || k === 'basePrefix') return rng.pick(CIDRS);
  if (k === 'gatewayips' || k === 'cidrs')
    return rng.chance(0.5) ? [rng.pick(CIDRS)] : [rng.pick(CIDRS), rng.pick(CIDRS), ...(rng.chance(0.3) ? [rng.pick(CIDRS)] : [])];
  if (k === 'address' || k === 'clusterid') return rng.pick(IPS);
  if (k === 'vrf' || k === 'name' || k === 'interfacename' || k === 'interface' || k === 'nodename') return rng.pick(NAMES);
  if (k === 'exportrts' || k === 'importrts') return Array.from({ length: rng.int(0, 3) }, () => rng.pick(RTS));
  if (k === 'type' || k === 'lifecycle' || k === 'sessionmode' || k === 'underlayaddressfamily' || k === 'loglevel') return rng.pick(ENUMS);
  if (k === 'index') return rng.pick([0, 1, 2, 253, 254, 255, 256, 65535, 4294967295, 9007199254740991, 9007199254740992, -1, 1.5]);
  if (k === 'password') return rng.pick(['s3cret', 'with space', '', 'x'.repeat(128), 'x'.repeat(129), '!bang', '#hash']);
  if (k === 'rawconfig')
    return rng.pick(['! raw', 'router bgp 64514\n neighbor 1.2.3.4 remote-as 1', '', '   ', 'ip prefix-list x seq 5 permit 10.0.0.0/8\n']);
  return rng.chance(0.6) ? rng.pick(BOUNDARY_NUMBERS) : rng.pick(WEIRD_STRINGS);
}

/** A value of a random type (type confusion). */
export function randomValue(rng: Rng, depth = 0): unknown {
  switch (rng.int(0, depth > 1 ? 5 : 7)) {
    case 0:
      return null;
    case 1:
      return rng.chance(0.5);
    case 2:
      return rng.pick(BOUNDARY_NUMBERS);
    case 3:
      return rng.pick(WEIRD_STRINGS);
    case 4:
      return rng.pick([...NAMES, ...CIDRS, ...IPS, ...ENUMS]);
    case 5:
      return randomString(rng);
    case 6:
      return Array.from({ length: rng.int(0, 3) }, () => randomValue(rng, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (let i = rng.int(0, 3); i > 0; i--)
        o[rng.pick(['asn', 'vni', 'name', 'type', 'x', 'cidrs', 'ipv4'])] = randomValue(rng, depth + 1);
      return o;
    }
  }
}

export function randomString(rng: Rng): string {
  const alphabets = ['abcdefghijklmnopqrstuvwxyz', '0123456789./:-_', ' \t:{}[],&*#?|-<>=!%@`\'"\\', 'äö€😀\u200b\u00a0'];
  let s = '';
  for (let i = rng.int(0, 24); i > 0; i--) {
    const a = rng.pick(alphabets);
    s += [...a][rng.int(0, [...a].length - 1)];
  }
  return s;
}

// ---------------------------------------------------------------- structural (tree) mutations
//
// Tree mutations work on a plain data tree whose maps are lists of entries (so a key can
// be duplicated) and are written back with a small block-style YAML emitter: the `yaml`
// library's parse + stringify would cost more than the code under test.

export type TNode = TMap | TSeq | TScalar;
export interface TMap {
  t: 'map';
  items: Array<[string, TNode]>;
}
export interface TSeq {
  t: 'seq';
  items: TNode[];
}
export interface TScalar {
  t: 'scalar';
  v: unknown;
}

export function fromJS(v: unknown): TNode {
  if (Array.isArray(v)) return { t: 'seq', items: v.map(fromJS) };
  if (v !== null && typeof v === 'object')
    return { t: 'map', items: Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, fromJS(x)]) };
  return { t: 'scalar', v };
}

function cloneT(n: TNode): TNode {
  if (n.t === 'map') return { t: 'map', items: n.items.map(([k, v]) => [k, cloneT(v)]) };
  if (n.t === 'seq') return { t: 'seq', items: n.items.map(cloneT) };
  return { t: 'scalar', v: n.v };
}

const PLAIN_RE = /^[A-Za-z_./][A-Za-z0-9_ ./:-]*$|^[0-9][A-Za-z0-9_./:-]*$/;
const AMBIGUOUS_RE =
  /^(~|null|Null|NULL|true|True|TRUE|false|False|FALSE|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|OFF|y|Y|n|N|[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?|0x[0-9a-fA-F_]+|0o[0-7_]+|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)|[0-9]+(:[0-5]?[0-9])+(\.[0-9_]*)?)$/;

function fmtString(s: string): string {
  if (
    s !== '' &&
    PLAIN_RE.test(s) &&
    !AMBIGUOUS_RE.test(s) &&
    !s.endsWith(' ') &&
    !s.includes(': ') &&
    !s.includes(' #') &&
    !s.endsWith(':')
  )
    return s;
  return JSON.stringify(s);
}

function fmtScalar(v: unknown): string {
  if (v === null || v === undefined) return 'null';
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return '.nan';
    if (v === Infinity) return '.inf';
    if (v === -Infinity) return '-.inf';
    return Object.is(v, -0) ? '-0' : String(v);
  }
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return fmtString(v);
  return JSON.stringify(String(v));
}

/** Block-style YAML for a data tree (flow style `{}` / `[]` for empty collections). */
export function emitYaml(n: TNode): string {
  const out: string[] = [];
  const emit = (node: TNode, indent: number, prefix: string | undefined): void => {
    // `prefix` is the text that must start the first line (a "- " of the enclosing list).
    const pad = ' '.repeat(indent);
    let first = prefix;
    const line = (text: string): void => {
      if (first !== undefined) {
        out.push(first + text);
        first = undefined;
      } else out.push(pad + text);
    };
    if (node.t === 'scalar') return line(fmtScalar(node.v));
    if (node.items.length === 0) return line(node.t === 'map' ? '{}' : '[]');
    if (node.t === 'map') {
      for (const [k, v] of node.items) {
        const key = fmtString(k);
        if (v.t === 'scalar' || v.items.length === 0) line(`${key}: ${v.t === 'scalar' ? fmtScalar(v.v) : v.t === 'map' ? '{}' : '[]'}`);
        else {
          line(`${key}:`);
          emit(v, indent + 2, undefined);
        }
      }
    } else {
      for (const item of node.items) {
        if (item.t === 'scalar' || item.items.length === 0)
          line(`- ${item.t === 'scalar' ? fmtScalar(item.v) : item.t === 'map' ? '{}' : '[]'}`);
        else {
          const head = first !== undefined ? `${first}- ` : `${pad}- `;
          first = undefined;
          emit(item, indent + 2, head);
        }
      }
    }
  };
  emit(n, 0, undefined);
  return out.join('\n') + '\n';
}

interface PairRef {
  map: TMap;
  index: number;
  key: string;
}

function collect(node: TNode, pairs: PairRef[], seqs: TSeq[]): void {
  if (node.t === 'map') {
    node.items.forEach(([key, v], index) => {
      pairs.push({ map: node, index, key });
      collect(v, pairs, seqs);
    });
  } else if (node.t === 'seq') {
    seqs.push(node);
    for (const it of node.items) collect(it, pairs, seqs);
  }
}

function typo(rng: Rng, key: string): string {
  if (key.length === 0) return 'x';
  const i = rng.int(0, key.length - 1);
  switch (rng.int(0, 4)) {
    case 0:
      return key.slice(0, i) + key.slice(i + 1); // drop
    case 1:
      return key.slice(0, i) + rng.pick([...'abcdefghijklmnopqrstuvwxyz']) + key.slice(i); // insert
    case 2:
      return i + 1 < key.length ? key.slice(0, i) + (key[i + 1] ?? '') + (key[i] ?? '') + key.slice(i + 2) : key + 's'; // swap
    case 3:
      return key + rng.pick(['s', '_', 'X', 'Name']); // suffix
    default:
      return rng.pick([
        'foo',
        'spec',
        'metadata',
        'kind',
        'apiVersion',
        'underlay',
        'l3vni',
        'passiveMode',
        'echoMode',
        'ebgpMultiHop',
        'hostasn',
      ]);
  }
}

function caseChange(rng: Rng, key: string): string {
  switch (rng.int(0, 3)) {
    case 0:
      return key.toUpperCase();
    case 1:
      return key.toLowerCase();
    case 2:
      return key.charAt(0).toUpperCase() + key.slice(1);
    default:
      return [...key].map((c) => (rng.chance(0.5) ? c.toUpperCase() : c.toLowerCase())).join('');
  }
}

const TREE_MUTATIONS = [
  'deleteKey',
  'renameKey',
  'caseKey',
  'duplicateKey',
  'fieldValue',
  'fieldValue',
  'typeChange',
  'randomString',
  'boundaryNumber',
  'reorderList',
  'duplicateItem',
  'deleteItem',
  'emptyList',
  'addUnknownKey',
  'swapValues',
] as const;

/** Applies one tree mutation in place; returns a description, or undefined when nothing applied. */
export function mutateTree(rng: Rng, root: TNode): string | undefined {
  const pairs: PairRef[] = [];
  const seqs: TSeq[] = [];
  collect(root, pairs, seqs);
  const kind = rng.pick(TREE_MUTATIONS);
  if (kind === 'reorderList' || kind === 'duplicateItem' || kind === 'deleteItem' || kind === 'emptyList') {
    const nonEmpty = seqs.filter((s) => s.items.length > 0);
    if (nonEmpty.length === 0) return undefined;
    const seq = rng.pick(nonEmpty);
    const i = rng.int(0, seq.items.length - 1);
    if (kind === 'reorderList') seq.items = rng.shuffle(seq.items);
    else if (kind === 'duplicateItem') seq.items.splice(i, 0, cloneT(seq.items[i] as TNode));
    else if (kind === 'deleteItem') seq.items.splice(i, 1);
    else seq.items = [];
    return `${kind} #${i}`;
  }
  if (pairs.length === 0) return undefined;
  const ref = rng.pick(pairs);
  const entry = ref.map.items[ref.index];
  if (!entry) return undefined;
  const set = (v: unknown): void => {
    entry[1] = fromJS(v);
  };
  switch (kind) {
    case 'deleteKey':
      ref.map.items.splice(ref.index, 1);
      return `deleteKey ${ref.key}`;
    case 'renameKey': {
      const k = typo(rng, ref.key);
      entry[0] = k;
      return `renameKey ${ref.key} -> ${k}`;
    }
    case 'caseKey': {
      const k = caseChange(rng, ref.key);
      entry[0] = k;
      return `caseKey ${ref.key} -> ${k}`;
    }
    case 'duplicateKey': {
      const k = rng.chance(0.5) ? ref.key : caseChange(rng, ref.key);
      ref.map.items.splice(ref.index + 1, 0, [k, rng.chance(0.5) ? cloneT(entry[1]) : fromJS(valueFor(rng, ref.key))]);
      return `duplicateKey ${ref.key} as ${k}`;
    }
    case 'fieldValue': {
      const v = valueFor(rng, ref.key);
      set(v);
      return `fieldValue ${ref.key} = ${JSON.stringify(v)}`;
    }
    case 'typeChange': {
      const v = randomValue(rng);
      set(v);
      return `typeChange ${ref.key} = ${JSON.stringify(v)}`;
    }
    case 'randomString': {
      const v = randomString(rng);
      set(v);
      return `randomString ${ref.key} = ${JSON.stringify(v)}`;
    }
    case 'boundaryNumber': {
      const v = rng.pick(BOUNDARY_NUMBERS);
      set(v);
      return `boundaryNumber ${ref.key} = ${v}`;
    }
    case 'addUnknownKey': {
      const k = typo(rng, ref.key);
      ref.map.items.push([k, fromJS(valueFor(rng, ref.key))]);
      return `addUnknownKey ${k}`;
    }
    case 'swapValues': {
      const other = rng.pick(pairs);
      const oe = other.map.items[other.index];
      if (!oe || oe === entry) return undefined;
      entry[1] = cloneT(oe[1]);
      return `swapValues ${ref.key} <- ${other.key}`;
    }
  }
  return undefined;
}

// ---------------------------------------------------------------- text mutations

const SYNTAX_TOKENS = [
  ':',
  ': ',
  '-',
  '- ',
  '{',
  '}',
  '[',
  ']',
  ',',
  '#',
  '&',
  '*',
  '!',
  '|',
  '>',
  '?',
  '%',
  '@',
  '`',
  '"',
  "'",
  '\t',
  '\n',
  '  ',
  '\\',
  '&x ',
  '*x',
  '!!int ',
  '!!str ',
  '<<: *x\n',
  '---\n',
  '...\n',
  '\u00a0',
  '\ufeff',
];

const TEXT_MUTATIONS = [
  'truncate',
  'truncateLine',
  'deleteRange',
  'insertToken',
  'replaceChar',
  'duplicateLine',
  'deleteLine',
  'swapLines',
  'reindent',
  'tabIndent',
  'crlf',
  'bom',
  'secondDocument',
  'directive',
  'aliasBomb',
  'undefinedAlias',
  'mergeKey',
  'flowStyle',
] as const;

function lineStarts(text: string): number[] {
  const out = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') out.push(i + 1);
  return out;
}

/** Applies one textual mutation; returns the new text and a description. */
export function mutateText(rng: Rng, text: string): { text: string; what: string } {
  const kind = rng.pick(TEXT_MUTATIONS);
  const pos = rng.int(0, text.length);
  const lines = text.split('\n');
  const li = rng.int(0, Math.max(0, lines.length - 1));
  switch (kind) {
    case 'truncate':
      return { text: text.slice(0, pos), what: `truncate at ${pos}` };
    case 'truncateLine': {
      const starts = lineStarts(text);
      const s = rng.pick(starts);
      const cut = s + rng.int(0, Math.max(0, (lines[starts.indexOf(s)] ?? '').length));
      return { text: text.slice(0, cut), what: `truncate at ${cut} (inside a line)` };
    }
    case 'deleteRange': {
      const len = rng.int(1, 20);
      return { text: text.slice(0, pos) + text.slice(pos + len), what: `delete ${len} chars at ${pos}` };
    }
    case 'insertToken': {
      const tok = rng.pick(SYNTAX_TOKENS);
      return { text: text.slice(0, pos) + tok + text.slice(pos), what: `insert ${JSON.stringify(tok)} at ${pos}` };
    }
    case 'replaceChar': {
      const c = rng.chance(0.5) ? rng.pick(SYNTAX_TOKENS) : randomString(rng).slice(0, 1);
      return { text: text.slice(0, pos) + c + text.slice(pos + 1), what: `replace char ${pos} by ${JSON.stringify(c)}` };
    }
    case 'duplicateLine':
      lines.splice(li, 0, lines[li] ?? '');
      return { text: lines.join('\n'), what: `duplicate line ${li + 1}` };
    case 'deleteLine':
      lines.splice(li, 1);
      return { text: lines.join('\n'), what: `delete line ${li + 1}` };
    case 'swapLines': {
      const lj = rng.int(0, Math.max(0, lines.length - 1));
      const a = lines[li] ?? '';
      lines[li] = lines[lj] ?? '';
      lines[lj] = a;
      return { text: lines.join('\n'), what: `swap lines ${li + 1} and ${lj + 1}` };
    }
    case 'reindent': {
      const d = rng.pick([-4, -2, -1, 1, 2, 4]);
      const l = lines[li] ?? '';
      lines[li] = d > 0 ? ' '.repeat(d) + l : l.slice(Math.min(-d, l.length - l.trimStart().length));
      return { text: lines.join('\n'), what: `reindent line ${li + 1} by ${d}` };
    }
    case 'tabIndent':
      lines[li] = (lines[li] ?? '').replace(/^ {2}/, '\t');
      return { text: lines.join('\n'), what: `tab indent line ${li + 1}` };
    case 'crlf':
      return { text: text.replace(/\n/g, '\r\n'), what: 'CRLF line endings' };
    case 'bom':
      return { text: '\ufeff' + text, what: 'BOM' };
    case 'secondDocument':
      return { text: `${text}\n---\n${rng.pick(['l3vnis: []', 'foo: 1', '', '# nothing'])}\n`, what: 'second document' };
    case 'directive':
      return {
        text: `${rng.pick(['%YAML 1.1', '%YAML 1.2', '%TAG ! tag:example.com,2000:', '%FOO bar'])}\n---\n${text}`,
        what: 'directive',
      };
    case 'aliasBomb': {
      let bomb = 'a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n';
      for (let i = 1; i < 7; i++)
        bomb += `a${i}: &a${i} [${Array(10)
          .fill(`*a${i - 1}`)
          .join(', ')}]\n`;
      return { text: bomb + text, what: 'alias bomb' };
    }
    case 'undefinedAlias':
      return { text: text.slice(0, pos) + ' *nowhere' + text.slice(pos), what: `undefined alias at ${pos}` };
    case 'mergeKey': {
      const l = lines[li] ?? '';
      const ind = l.length - l.trimStart().length;
      lines.splice(li, 0, `${' '.repeat(ind)}<<: ${rng.pick(['*nowhere', '{asn: 1}', '[1, 2]', '1'])}`);
      return { text: lines.join('\n'), what: `merge key before line ${li + 1}` };
    }
    case 'flowStyle': {
      // Flow-style fragments in the middle of block YAML.
      const frag = rng.pick(['{asn: 64514, vni: 100}', '[a, b', '{', '[{}]', '{a: [1, {b: c}]}']);
      lines.splice(li, 0, `${' '.repeat(rng.int(0, 4))}${rng.pick(['x: ', '- ', ''])}${frag}`);
      return { text: lines.join('\n'), what: `flow fragment before line ${li + 1}` };
    }
  }
  return { text, what: 'none' };
}

/**
 * Mutates a configuration: first 0..3 tree mutations of `data` (its parsed content, when
 * it parses) written back as block YAML (sometimes JSON), then, with some probability,
 * 1..2 text mutations. Returns the mutated text and the list of steps.
 */
export function mutateYaml(rng: Rng, text: string, data: unknown): { text: string; steps: string[] } {
  const steps: string[] = [];
  let out = text;
  const treeN = data === undefined ? 0 : rng.int(0, 3);
  if (treeN > 0) {
    const tree = fromJS(data);
    for (let i = 0; i < treeN; i++) {
      const what = mutateTree(rng, tree);
      if (what) steps.push(what);
    }
    if (rng.chance(0.1)) {
      out = JSON.stringify(toPlain(tree));
      steps.push('written as JSON');
    } else out = emitYaml(tree);
  }
  if (treeN === 0 || rng.chance(0.35)) {
    for (let i = rng.int(1, 2); i > 0; i--) {
      const m = mutateText(rng, out);
      out = m.text;
      steps.push(m.what);
    }
  }
  return { text: out, steps };
}

/** Plain JS of a tree (a duplicated key keeps its last value). */
function toPlain(n: TNode): unknown {
  if (n.t === 'scalar') return n.v;
  if (n.t === 'seq') return n.items.map(toPlain);
  return Object.fromEntries(n.items.map(([k, v]) => [k, toPlain(v)]));
}

// ---------------------------------------------------------------- generated configurations

const POOL_V4 = [
  '192.169.10.0/24',
  '192.169.11.0/24',
  '192.169.12.0/24',
  '192.169.10.0/25',
  '192.169.0.0/16',
  '192.169.10.128/25',
  '10.0.0.0/24',
];
const POOL_V6 = ['fd00:169:10::/64', 'fd00:169:11::/64', 'fd00:169::/48', '2001:db8:1::/64'];
const GW_V4 = ['192.170.1.1/24', '192.170.2.1/24', '192.170.1.129/25', '192.169.10.1/24', '192.170.0.1/16'];
const GW_V6 = ['fd00:170:1::1/64', 'fd00:170:2::1/64', 'fd00:169:10::1/64'];

function maybe<T>(rng: Rng, p: number, f: () => T): T | undefined {
  return rng.chance(p) ? f() : undefined;
}

function clean(o: Record<string, unknown>): Record<string, unknown> {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
}

function genHostSession(rng: Rng, asn: number): Record<string, unknown> {
  const localCIDR: Record<string, unknown> = {};
  const fam = rng.int(0, 2);
  if (fam !== 1) localCIDR.ipv4 = rng.pick(POOL_V4);
  if (fam !== 0) localCIDR.ipv6 = rng.pick(POOL_V6);
  return clean({
    asn: rng.chance(0.9) ? asn : rng.pick(ASNS),
    ...(rng.chance(0.8)
      ? { hostASN: rng.pick([64515, 64515, 64514, 65001, 4200000000]) }
      : { hostType: rng.pick(['External', 'Internal']) }),
    localCIDR,
  });
}

function genNeighbor(rng: Rng, i: number): Record<string, unknown> {
  const form = rng.int(0, 9);
  const n: Record<string, unknown> = rng.chance(0.8)
    ? { asn: rng.pick([64512, 64512, 64514, 65000, 4200000000]) }
    : { type: rng.pick(['External', 'Internal']) };
  if (form < 6) n.address = rng.pick(['192.168.11.2', '192.168.12.2', '2001:db8:11::2', '192.168.11.2', `192.168.${11 + i}.2`, 'FD00::2']);
  else if (form < 8) n.interface = rng.pick(['toswitch', 'toswitch2', 'eth1']);
  else n.listenRange = rng.pick(['192.168.20.0/24', '192.168.20.0/25', '192.168.20.5/24', 'fd00:20::/64']);
  if (rng.chance(0.2)) n.port = rng.pick([179, 1179, 0, 16384]);
  if (rng.chance(0.2)) n.password = rng.pick(['s3cret', 'p@ss!']);
  if (rng.chance(0.25)) {
    const hold = rng.pick([0, 3, 9, 90, 180]);
    n.holdTimeSeconds = hold;
    n.keepaliveTimeSeconds = rng.pick([0, 1, 3, 30, Math.floor(hold / 3)]);
  }
  if (rng.chance(0.15)) n.connectTimeSeconds = rng.pick([1, 5, 120, 65535]);
  if (rng.chance(0.2))
    n.properties = [clean({ type: 'ebgpMultiHop', ebgpMultiHop: maybe(rng, 0.6, () => ({ ttl: rng.pick([1, 2, 255]) })) })];
  if (rng.chance(0.35)) {
    n.bfd = rng.chance(0.3)
      ? {}
      : clean({
          receiveInterval: maybe(rng, 0.6, () => rng.pick([10, 100, 300, 60000])),
          transmitInterval: maybe(rng, 0.6, () => rng.pick([10, 300, 1000])),
          detectMultiplier: maybe(rng, 0.5, () => rng.pick([2, 3, 255])),
          sessionMode: maybe(rng, 0.3, () => rng.pick(['Active', 'Passive'])),
          minimumTTL: maybe(rng, 0.3, () => rng.pick([1, 254])),
        });
  }
  if (rng.chance(0.3)) {
    const fams = rng.shuffle(['ipv4unicast', 'ipv6unicast', 'evpn']).slice(0, rng.int(1, 3));
    n.addressFamilies = fams.map((t) =>
      // Upstream's object form mostly, perouterd 0.1's bare string sometimes (both are read).
      t === 'evpn' && rng.chance(0.2)
        ? { type: t, properties: [rng.chance(0.8) ? { type: 'routeReflectorClient' } : 'routeReflectorClient'] }
        : { type: t },
    );
  }
  return n;
}

export interface GeneratedFile {
  name: string;
  text: string;
  /** Parsed content, when known (saves parsing it again before a tree mutation). */
  data?: unknown;
}

/** A random (often valid, often semantically conflicting) configuration split across 1..3 files. */
export function generateConfig(rng: Rng): { files: GeneratedFile[]; steps: string[] } {
  const asn = rng.pick([64514, 64514, 65000, 4200000000]);
  const underlays: unknown[] = [];
  for (let u = rng.pick([0, 1, 1, 1, 1, 1, 1, 2]); u > 0; u--) {
    const cidrs = rng.pick([
      ['100.65.0.0/24'],
      ['100.65.0.0/24'],
      ['100.65.0.0/24', 'fd00:100:65::/64'],
      ['fd00:100:65::/64'],
      ['100.65.0.0/24', '100.66.0.0/24'],
      ['100.65.0.0/30'],
    ]);
    underlays.push(
      clean({
        asn,
        routerIDCIDR: maybe(rng, 0.4, () => rng.pick(['10.0.0.0/24', '10.1.0.0/16', '10.0.0.0/31', 'fd00::/64'])),
        neighbors: Array.from({ length: rng.int(1, 3) }, (_, i) => genNeighbor(rng, i)),
        interfaces: Array.from({ length: rng.int(1, 2) }, (_, i) => ({
          type: 'NetworkDevice',
          networkDevice: { interfaceName: rng.pick(['toswitch', 'toswitch2', `eth${i + 1}`]) },
        })),
        tunnelEndpoint: maybe(rng, 0.85, () => ({ cidrs })),
        gracefulRestart: maybe(rng, 0.25, () =>
          clean({
            restartTimeSeconds: maybe(rng, 0.5, () => rng.pick([1, 60, 120, 4095])),
            stalePathTimeSeconds: maybe(rng, 0.5, () => rng.pick([1, 360, 4095])),
          }),
        ),
        routeReflector: maybe(rng, 0.1, () => clean({ clusterID: maybe(rng, 0.7, () => rng.pick(['192.0.2.1', '10.0.0.5', '1.1.1.1'])) })),
      }),
    );
  }
  const vrfs = ['red', 'blue', 'green', 'red'];
  const l3names: string[] = [];
  const l3vnis = Array.from({ length: rng.int(0, 4) }, (_, i) => {
    const name = rng.pick(['red', 'blue', 'green', 'red', `t${i}`]);
    l3names.push(name);
    return clean({
      name,
      // Now and then a VRF named like a kernel object perouterd creates itself, or a NIC.
      vrf: rng.chance(0.04) ? rng.pick(['vni100', 'br-pe-110', 'pe-e-200', 'pt-ns', 'toswitch', 'lo']) : rng.pick(vrfs),
      vni: rng.pick([100, 200, 300, 110, 100 + i * 100, 16777215]),
      vxlanPort: maybe(rng, 0.2, () => rng.pick([4789, 4790, 1])),
      underlayAddressFamily: maybe(rng, 0.2, () => rng.pick(['IPv4', 'IPv6'])),
      hostSession: maybe(rng, 0.7, () => genHostSession(rng, asn)),
      exportRTs: maybe(rng, 0.15, () => [rng.pick(RTS.slice(0, 5))]),
      importRTs: maybe(rng, 0.15, () => [rng.pick(RTS.slice(0, 5))]),
    });
  });
  const l2vnis = Array.from({ length: rng.int(0, 4) }, (_, i) => {
    const routed = rng.chance(0.6);
    const gws = rng.pick([[], [rng.pick(GW_V4)], [rng.pick(GW_V4), rng.pick(GW_V6)], [rng.pick(GW_V6)]]);
    return clean({
      name: `l2-${rng.int(0, 3)}`,
      vni: rng.pick([110, 120, 300, 100, 110 + i]),
      vxlanPort: maybe(rng, 0.1, () => 4790),
      underlayAddressFamily: maybe(rng, 0.15, () => rng.pick(['IPv4', 'IPv6'])),
      routingDomain: routed
        ? { type: 'L3VNI', l3vni: { name: rng.chance(0.8) && l3names.length > 0 ? rng.pick(l3names) : 'missing' } }
        : undefined,
      gatewayIPs: routed && gws.length > 0 ? gws : undefined,
      hostMaster: maybe(rng, 0.6, () =>
        rng.chance(0.6)
          ? { type: 'LinuxBridge', linuxBridge: { lifecycle: 'Managed' } }
          : {
              type: 'LinuxBridge',
              linuxBridge: {
                lifecycle: 'External',
                name: rng.chance(0.1) ? rng.pick(['host-e-110', 'br-hs-110', 'pt-host']) : rng.pick(['br-ext', 'br0', 'vm-bridge']),
              },
            },
      ),
    });
  });
  const bgppassthrough = maybe(rng, 0.25, () => ({ hostSession: genHostSession(rng, asn) }));
  const rawfrrconfigs = maybe(rng, 0.15, () => [
    clean({
      priority: maybe(rng, 0.5, () => rng.int(0, 10)),
      rawConfig: rng.pick(['ip prefix-list p seq 5 permit 10.0.0.0/8', 'router bgp 64514\n neighbor 1.2.3.4 remote-as 1\n']),
    }),
  ]);

  // Split the sections across 1..3 files (the underlay first, like the multi-file example).
  const nFiles = rng.int(1, 3);
  const files: Array<Record<string, unknown>> = Array.from({ length: nFiles }, () => ({}));
  const put = (key: string, items: unknown[] | undefined): void => {
    if (!items) return;
    for (const it of items) {
      const f = files[rng.int(0, nFiles - 1)] as Record<string, unknown>;
      ((f[key] ??= []) as unknown[]).push(it);
    }
  };
  put('underlays', underlays);
  put('l3vnis', l3vnis);
  put('l2vnis', l2vnis);
  put('rawfrrconfigs', rawfrrconfigs);
  if (bgppassthrough) (files[rng.int(0, nFiles - 1)] as Record<string, unknown>).bgppassthrough = bgppassthrough;
  const out = files.map((f, i) => ({
    name: `openpe_${String(i * 10).padStart(2, '0')}_gen.yaml`,
    text: Object.keys(f).length === 0 ? 'l3vnis: []\n' : emitYaml(fromJS(f)),
    data: Object.keys(f).length === 0 ? { l3vnis: [] } : f,
  }));
  return {
    files: out,
    steps: [
      `generated: ${underlays.length} underlay(s), ${l3vnis.length} l3vni(s), ${l2vnis.length} l2vni(s)${bgppassthrough ? ', passthrough' : ''}${rawfrrconfigs ? ', raw' : ''} in ${nFiles} file(s)`,
    ],
  };
}
