// frr.conf as a tree of contexts, and the smallest set of vtysh lines that turns
// one configuration into another. Pure. The running configuration (what
// `show running-config` prints) and the rendered one are parsed the same way;
// FRR prints back the lines perouterd renders (test/host/frr-incremental),
// only in its own block order, so blocks are compared by header, lines by
// their context path, and order never counts as a difference.

import { CHUNK, eachInChunks, runSync, type Steps } from '../util/steps.js';

/** A top-level block: a context with its children, or a single global line. */
export interface FrrBlock {
  header: string;
  /** Lines under the header, indented as in the file (sub-contexts keep their children). */
  lines: string[];
}

export interface FrrConfigTree {
  /** header → block, in file order. */
  blocks: Map<string, FrrBlock>;
}

/** Lines that name the instance, not its routing (FRR prints its own; `frr defaults` cannot change at run time). */
const IDENTITY = /^(frr version|frr defaults|hostname|end$|Building configuration|Current configuration)/;
const TERMINATOR = /^\s*(exit|exit-vrf|exit-address-family|end|!)$/;
/** Terminators that close the open block (not indented). */
const CLOSES = /^(exit|exit-vrf|end)$/;

/**
 * The line-by-line parse, fed one line at a time, or a whole piece parsed before (a block
 * rendered before, kept with its text): what parseFrrConfig does with a text, and what the
 * renderer does with the text it writes, so the rendered frr.conf comes with its parse.
 */
export class FrrTreeBuilder {
  private readonly blocks = new Map<string, FrrBlock>();
  /** The block an indented line goes to; none after a closing terminator. */
  private current: FrrBlock | undefined;
  /**
   * The blocks made here; the others (kept between parses or renders, taken whole) are copied
   * before they change. A few: a rendered frr.conf is taken whole but for its first lines.
   */
  private readonly owned = new Set<FrrBlock>();

  /** `b` as a block this builder may change. */
  private own(b: FrrBlock): FrrBlock {
    if (this.owned.has(b)) return b;
    const mine = { header: b.header, lines: [...b.lines] };
    this.owned.add(mine);
    this.blocks.set(b.header, mine);
    return mine;
  }

  /** One line of text (without its newline). */
  line(raw: string): void {
    const line = raw.replace(/\s+$/, '');
    if (line === '' || TERMINATOR.test(line)) {
      if (line === '!' || CLOSES.test(line)) this.current = undefined;
      return;
    }
    if (!line.startsWith(' ')) {
      if (IDENTITY.test(line)) return;
      const b = this.blocks.get(line);
      if (b) this.current = this.own(b);
      else {
        this.current = { header: line, lines: [] };
        this.owned.add(this.current);
        this.blocks.set(line, this.current);
      }
      return;
    }
    if (!this.current) return;
    this.current = this.own(this.current);
    this.current.lines.push(line);
  }

  /** Whether a block with this header was seen. */
  has(header: string): boolean {
    return this.blocks.has(header);
  }

  /** `b`, a block opened by its header line with its indented lines (a kept object, never changed), taken as it is. */
  adopt(b: FrrBlock): void {
    this.blocks.set(b.header, b);
    this.current = b;
  }

  /** The lines of `p`'s text, in one step when they open blocks not seen yet (the same result). */
  piece(p: FrrPiece): void {
    let whole = p.opens;
    for (const b of p.blocks) if (this.blocks.has(b.header)) whole = false;
    if (!whole) {
      for (const l of p.text.split('\n')) this.line(l);
      return;
    }
    for (const b of p.blocks) this.blocks.set(b.header, b);
    this.current = p.open;
  }

  /** The block an indented line now would go to. */
  openBlock(): FrrBlock | undefined {
    return this.current;
  }

  tree(): FrrConfigTree {
    return { blocks: this.blocks };
  }
}

/**
 * A piece of frr.conf text with its parse on its own: fed to a builder whose blocks it does
 * not name, it adds its blocks in order and leaves the same block open (when its first line
 * opens a block: whatever was open before is then closed by it).
 */
export interface FrrPiece {
  text: string;
  blocks: FrrBlock[];
  /** The block an indented line after the piece would go to. */
  open: FrrBlock | undefined;
  /** The first line opens a block. */
  opens: boolean;
}

/** `text` (lines without a final newline) as a piece, parsed once. */
export function frrPiece(text: string): FrrPiece {
  const b = new FrrTreeBuilder();
  const lines = text.split('\n');
  for (const l of lines) b.line(l);
  const blocks = [...b.tree().blocks.values()];
  return { text, blocks, open: b.openBlock(), opens: opensBlock(lines[0]!.replace(/\s+$/, '')) };
}

/**
 * The top-level blocks of the last two parses, by their text (a header line and its indented
 * lines): a reconcile parses a frr.conf that is mostly the last one, so an unchanged block is
 * taken as it is, the same object, and frrDelta skips it at once. Two parses: a rendered and
 * a running configuration alternate. The trees hold these blocks anyway.
 */
let lastBlocks = new Map<string, FrrBlock>();
let blocksBefore = new Map<string, FrrBlock>();

/** A line that opens a block: not indented, not a terminator, not a line naming the instance. */
const opensBlock = (line: string): boolean => line !== '' && !line.startsWith(' ') && !TERMINATOR.test(line) && !IDENTITY.test(line);

export function parseFrrConfig(text: string): FrrConfigTree {
  return runSync(parseFrrConfigSteps(text));
}

/**
 * parseFrrConfig as pausing work (src/util/steps.ts), the same tree: FRR's running configuration
 * at 4000 VNIs is 24 000 chunks, 200-400 ms to parse when none is kept (the drift check after a
 * start or an FRR restart).
 */
export function* parseFrrConfigSteps(text: string): Steps<FrrConfigTree> {
  const tree = new FrrTreeBuilder();
  const kept = new Map<string, FrrBlock>();
  // One chunk per line not indented by a space, with the indented (or empty) lines under it:
  // indented terminators close nothing, so a chunk opening a block is the whole block.
  // Cut as they come (`text.split` of 1.2 MB alone held the loop 20-40 ms).
  const cut = /\n(?=[^ \n])/g;
  let from = 0;
  for (let n = 1; from <= text.length; n++) {
    const m = cut.exec(text);
    const to = m ? m.index : text.length;
    parseChunk(text.slice(from, to), tree, kept);
    from = to + 1;
    if (n % CHUNK === 0) yield;
  }
  blocksBefore = lastBlocks;
  lastBlocks = kept;
  return tree.tree();
}

/** One chunk of parseFrrConfigSteps: a whole block (kept from the last parses when its text is), or line by line. */
function parseChunk(chunk: string, tree: FrrTreeBuilder, kept: Map<string, FrrBlock>): void {
  const nl = chunk.indexOf('\n');
  const first = (nl < 0 ? chunk : chunk.slice(0, nl)).replace(/\s+$/, '');
  if (opensBlock(first) && !tree.has(first)) {
    let b = lastBlocks.get(chunk) ?? blocksBefore.get(chunk);
    if (!b) {
      b = { header: first, lines: [] };
      linesOf(chunk, nl, b.lines);
    }
    kept.set(chunk, b);
    tree.adopt(b);
    return;
  }
  for (const l of chunk.split('\n')) tree.line(l);
}

/** The indented lines of a chunk (after its first line), right-trimmed, without terminators. */
function linesOf(chunk: string, nl: number, out: string[]): void {
  if (nl < 0) return;
  for (const raw of chunk.slice(nl + 1).split('\n')) {
    const line = raw.replace(/\s+$/, '');
    if (line !== '' && !TERMINATOR.test(line)) out.push(line);
  }
}

/** Each line of a block with the chain of sub-context headers above it: `ctx\u0000line`. */
function paths(block: FrrBlock): string[] {
  const out: string[] = [];
  const stack: Array<{ indent: number; text: string }> = [];
  for (const l of block.lines) {
    const indent = l.length - l.trimStart().length;
    while (stack.length > 0 && stack[stack.length - 1]!.indent >= indent) stack.pop();
    out.push([...stack.map((s) => s.text), l.trim()].join('\u0000'));
    stack.push({ indent, text: l.trim() });
  }
  return out;
}

/** Paths that only open a context (they have children) are implied by their children. */
function leafPaths(block: FrrBlock): Set<string> {
  const all = paths(block);
  const parents = new Set(all.flatMap((p) => (p.includes('\u0000') ? [p.slice(0, p.lastIndexOf('\u0000'))] : [])));
  return new Set(all.filter((p) => !parents.has(p)));
}

const negate = (line: string): string => (line.startsWith('no ') ? line.slice(3) : `no ${line}`);
const exitOf = (header: string): string =>
  /^vrf /.test(header) ? 'exit-vrf' : /^address-family /.test(header) ? 'exit-address-family' : 'exit';

export interface FrrDelta {
  /** vtysh configuration lines, in order: removals (deepest last-printed first), then additions. */
  lines: string[];
  /** Headers of the top-level blocks the delta touches (what the read-back compares). */
  touched: string[];
}

/** Writes `path` (a context chain and a line) as vtysh lines, entering and leaving each context. */
function emitPath(out: string[], header: string | undefined, path: string, line: (l: string) => string): void {
  const parts = path.split('\u0000');
  const leaf = parts.pop()!;
  const ctxs = header === undefined ? parts : [header, ...parts];
  out.push(...ctxs, line(leaf));
  for (const c of [...ctxs].reverse()) out.push(exitOf(c));
}

function isContext(b: FrrBlock): boolean {
  return b.lines.length > 0 || /^(router |vrf |route-map |bfd$|interface |segment-routing|key chain)/.test(b.header);
}

/** What to remove from a block that stays or goes (a VRF is emptied, never deleted: FRR refuses that while it exists in the kernel). */
function removals(from: FrrBlock, to: FrrBlock | undefined, out: string[]): void {
  if (!isContext(from)) {
    if (!to) out.push(negate(from.header));
    return;
  }
  if (!to && !/^vrf /.test(from.header)) {
    out.push(negate(from.header));
    return;
  }
  const keep = to ? leafPaths(to) : new Set<string>();
  const gone = [...leafPaths(from)].filter((p) => !keep.has(p)).reverse();
  for (const p of gone) emitPath(out, from.header, p, negate);
}

function additions(to: FrrBlock, from: FrrBlock | undefined, out: string[]): void {
  if (!isContext(to)) {
    if (!from) out.push(to.header);
    return;
  }
  const have = from ? leafPaths(from) : new Set<string>();
  const add = [...leafPaths(to)].filter((p) => !have.has(p));
  if (add.length === 0 && from) return;
  if (add.length === 0) {
    out.push(to.header, exitOf(to.header));
    return;
  }
  // One pass through the block in file order, entering each sub-context once.
  out.push(to.header);
  let open: string[] = [];
  for (const p of add) {
    const parts = p.split('\u0000');
    const leaf = parts.pop()!;
    let same = 0;
    while (same < open.length && same < parts.length && open[same] === parts[same]) same++;
    for (const c of open.slice(same).reverse()) out.push(exitOf(c));
    out.push(...parts.slice(same), leaf);
    open = parts;
  }
  for (const c of open.reverse()) out.push(exitOf(c));
  out.push(exitOf(to.header));
}

/** Same lines in the same order: the block differs in nothing (the cheap test before a walk). */
function sameLines(a: FrrBlock, b: FrrBlock): boolean {
  if (a.lines.length !== b.lines.length) return false;
  for (let i = 0; i < a.lines.length; i++) if (a.lines[i] !== b.lines[i]) return false;
  return true;
}

/** The vtysh lines that turn `from` (running) into `to` (desired). Empty when nothing differs. */
export function frrDelta(from: FrrConfigTree, to: FrrConfigTree): FrrDelta {
  return runSync(frrDeltaSteps(from, to));
}

/** frrDelta as pausing work, a pause every CHUNK blocks: the same lines (the drift check compares 8000 blocks at 4000 VNIs). */
export function* frrDeltaSteps(from: FrrConfigTree, to: FrrConfigTree): Steps<FrrDelta> {
  const rm: string[] = [];
  const add: string[] = [];
  const touched = new Set<string>();
  // Removals in reverse print order: VRF instances go before the default instance. A VRF's
  // `vni` goes first of all: bgpd refuses to delete an instance whose VRF still has its L3VNI
  // ("Please unconfigure l3vni"; only with a real kernel VRF, as in the lab).
  const reversed = [...from.blocks.values()].reverse();
  const vrfFirst = [...reversed.filter((b) => /^vrf /.test(b.header)), ...reversed.filter((b) => !/^vrf /.test(b.header))];
  yield* eachInChunks(vrfFirst, (b) => {
    const n = rm.length;
    const other = to.blocks.get(b.header);
    if (other && (other === b || sameLines(b, other))) return; // most blocks, for a small change: nothing to walk
    removals(b, other, rm);
    if (rm.length > n) touched.add(b.header);
  });
  yield* eachInChunks(to.blocks.values(), (b) => {
    const n = add.length;
    const other = from.blocks.get(b.header);
    if (other && (other === b || sameLines(b, other))) return;
    additions(b, other, add);
    if (add.length > n) touched.add(b.header);
  });
  return { lines: [...rm, ...add], touched: [...touched] };
}

/** Headers among `headers` whose block differs between the two trees (order inside a block ignored). */
export function differingBlocks(a: FrrConfigTree, b: FrrConfigTree, headers: Iterable<string>): string[] {
  const out: string[] = [];
  for (const h of headers) {
    const x = a.blocks.get(h);
    const y = b.blocks.get(h);
    if (!x && !y) continue;
    const px = x ? [...leafPaths(x)].sort().join('\n') : undefined;
    const py = y ? [...leafPaths(y)].sort().join('\n') : undefined;
    // An emptied VRF block may linger in FRR's output with no lines: the same as absent.
    const empty = (blk: FrrBlock | undefined, p: string | undefined): boolean => !blk || (/^vrf /.test(blk.header) && p === '');
    if (px !== py && !(empty(x, px) && empty(y, py))) out.push(h);
  }
  return out;
}
