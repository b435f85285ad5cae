import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { differingBlocks, frrDelta, parseFrrConfig, type FrrConfigTree } from '../../src/frr/frr-config.js';

const golden = (f: string): string => readFileSync(fileURLToPath(new URL(`../fixtures/golden/${f}`, import.meta.url)), 'utf8');

describe('frr.conf delta', () => {
  it('is empty between a configuration and itself, whatever the block order', () => {
    const a = golden('example-dual-stack.frr.conf');
    const blocks = a.split(/^!\n/m);
    const shuffled = [blocks[0], ...blocks.slice(1).reverse()].join('!\n');
    expect(blocks.length).toBeGreaterThan(5);
    expect(frrDelta(parseFrrConfig(a), parseFrrConfig(shuffled)).lines).toEqual([]);
  });

  it('adds a whole configuration to an empty FRR in file order (cold start)', () => {
    const a = golden('two-l3vnis.frr.conf');
    const d = frrDelta(parseFrrConfig('frr version 8.4.4\nfrr defaults datacenter\nhostname x\n!\nend\n'), parseFrrConfig(a));
    const fileLines = new Set(a.split('\n').map((l) => l.trim()));
    expect(d.lines.filter((l) => !fileLines.has(l))).toEqual([]); // nothing removed, nothing invented
    expect(d.lines.filter((l) => /^router bgp/.test(l))).toEqual(a.split('\n').filter((l) => /^router bgp/.test(l)));
  });

  it('adds a VRF and its BGP instance, and removes one, touching only those blocks', () => {
    const two = parseFrrConfig(golden('example-dual-stack.frr.conf'));
    const text = golden('example-dual-stack.frr.conf');
    const withoutBlue = parseFrrConfig(
      text
        .split(/^!\n/m)
        .filter((b) => !/^(vrf blue|router bgp \d+ vrf blue)$/m.test(b))
        .join('!\n'),
    );
    const add = frrDelta(withoutBlue, two);
    expect(add.touched.sort()).toEqual(['router bgp 64514 vrf blue', 'vrf blue']);
    expect(add.lines.slice(0, 3)).toEqual(['vrf blue', 'vni 200', 'exit-vrf']);
    expect(add.lines).toContain('router bgp 64514 vrf blue');
    expect(add.lines.filter((l) => l === 'exit-address-family')).toHaveLength(3);
    const del = frrDelta(two, withoutBlue);
    // The BGP instance goes whole; the VRF is emptied (FRR refuses `no vrf` while the kernel VRF exists).
    // The VRF's L3VNI first: bgpd refuses to delete an instance whose VRF still has one.
    expect(del.lines).toEqual(['vrf blue', 'no vni 200', 'exit-vrf', 'no router bgp 64514 vrf blue']);
    expect(differingBlocks(withoutBlue, two, add.touched).sort()).toEqual(['router bgp 64514 vrf blue', 'vrf blue']);
    expect(differingBlocks(two, two, add.touched)).toEqual([]);
    // An emptied VRF that FRR still prints counts as absent.
    expect(differingBlocks(parseFrrConfig('vrf blue\nexit-vrf\n'), withoutBlue, ['vrf blue'])).toEqual([]);
  });

  it('changes lines inside nested contexts: removals (negated, `no` lines made positive) first, then additions', () => {
    const from = parseFrrConfig(
      'router bgp 1\n no bgp default ipv4-unicast\n neighbor 1.1.1.1 remote-as 2\n !\n address-family ipv4 unicast\n  network 10.0.0.0/24\n  neighbor 1.1.1.1 activate\n exit-address-family\nexit\n',
    );
    const to = parseFrrConfig(
      'router bgp 1\n neighbor 1.1.1.1 remote-as 2\n !\n address-family ipv4 unicast\n  network 10.0.1.0/24\n  neighbor 1.1.1.1 activate\n exit-address-family\nexit\n',
    );
    expect(frrDelta(from, to).lines).toEqual([
      'router bgp 1',
      'address-family ipv4 unicast',
      'no network 10.0.0.0/24',
      'exit-address-family',
      'exit',
      'router bgp 1',
      'bgp default ipv4-unicast',
      'exit',
      'router bgp 1',
      'address-family ipv4 unicast',
      'network 10.0.1.0/24',
      'exit-address-family',
      'exit',
    ]);
  });
});

/** parseFrrConfig as it was before it kept blocks between parses: line by line. */
function parseLineByLine(text: string): FrrConfigTree {
  const IDENTITY = /^(frr version|frr defaults|hostname|end$|Building configuration|Current configuration)/;
  const TERMINATOR = /^\s*(exit|exit-vrf|exit-address-family|end|!)$/;
  const blocks = new Map<string, { header: string; lines: string[] }>();
  let current: { header: string; lines: string[] } | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\s+$/, '');
    if (line === '' || TERMINATOR.test(line)) {
      if (line === '!' || /^(exit|exit-vrf|end)$/.test(line)) current = undefined;
      continue;
    }
    if (!line.startsWith(' ')) {
      if (IDENTITY.test(line)) continue;
      current = blocks.get(line) ?? { header: line, lines: [] };
      blocks.set(line, current);
      continue;
    }
    if (current) current.lines.push(line);
  }
  return { blocks };
}

describe('parseFrrConfig keeps blocks between parses', () => {
  const VOCABULARY = [
    'router bgp 64514',
    'router bgp 64514 vrf red',
    'vrf red',
    'vrf blue',
    ' vni 100',
    ' vni 200 ',
    ' address-family ipv4 unicast',
    '  redistribute connected',
    ' exit-address-family',
    ' exit',
    'exit',
    'exit-vrf',
    'exit-address-family',
    '!',
    '',
    '   ',
    'frr version 8.4',
    'hostname x',
    'end',
    '\tip forwarding',
    'ip forwarding',
    '\r',
    ' neighbor 1.2.3.4 remote-as 1',
  ];

  it('parses every text as the line-by-line parse does, over random texts and repeated parses', () => {
    let seed = 7;
    const next = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000;
    const texts: string[] = [];
    for (let t = 0; t < 300; t++) {
      const n = Math.floor(next() * 40);
      const lines = Array.from({ length: n }, () => VOCABULARY[Math.floor(next() * VOCABULARY.length)]!);
      texts.push(lines.join('\n'));
    }
    for (let round = 0; round < 2; round++) {
      for (const text of texts) {
        const want = parseLineByLine(text);
        const got = parseFrrConfig(text);
        expect([...got.blocks.entries()], text).toEqual([...want.blocks.entries()]);
      }
    }
  });

  it('gives an unchanged block back as the same object, so frrDelta skips it', () => {
    const a = parseFrrConfig('vrf red\n vni 100\nexit-vrf\n!\nvrf blue\n vni 200\nexit-vrf\n');
    const b = parseFrrConfig('vrf red\n vni 100\nexit-vrf\n!\nvrf blue\n vni 300\nexit-vrf\n');
    expect(b.blocks.get('vrf red')).toBe(a.blocks.get('vrf red'));
    expect(frrDelta(a, b).touched).toEqual(['vrf blue']);
  });
});
