// The renderer hands over frr.conf's parse with its text (DesiredState.frrTree), and FRR's
// delta is computed from that parse, never from the text: the two must be the same thing.
// parseFrrConfig(text) equals the handed tree (blocks, their order, their lines) over the
// golden scenarios, the examples, and random plans mixed from them with random raw snippets
// (which reopen rendered blocks), rendered again and again through the per-VRF memo.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { NodeSettings } from '../../src/config/model.js';
import { buildDesiredState } from '../../src/daemon/desired-state.js';
import { frrDelta, frrPiece, FrrTreeBuilder, parseFrrConfig, type FrrConfigTree } from '../../src/frr/frr-config.js';
import { renderFrrConfigSteps } from '../../src/frr/render.js';
import { planRouter, type RouterPlan } from '../../src/plan/router-plan.js';
import { runSync } from '../../src/util/steps.js';
import { EXAMPLES, exampleNames } from '../fuzz/cli-helper.js';
import { scenarios } from '../fixtures/render/scenarios.js';

const entries = (t: FrrConfigTree): unknown => [...t.blocks.entries()];
const snapshot = (t: FrrConfigTree): string => JSON.stringify([...t.blocks.entries()]);

function expectHandedEqualsParse(plan: RouterPlan): FrrConfigTree {
  const r = runSync(renderFrrConfigSteps(plan));
  expect(entries(r.tree), r.text).toEqual(entries(parseFrrConfig(r.text)));
  return r.tree;
}

const plans = scenarios.map((s) => {
  const node: NodeSettings = { nodeName: 'node1', nodeIndex: 1, logLevel: 'info', ...s.node };
  return planRouter(s.config, node, s.listenLimit === undefined ? {} : { listenLimit: s.listenLimit });
});

/** Lines a raw snippet may hold: headers of rendered blocks (reopened), indented lines, terminators, identity lines, blanks. */
const RAW_VOCABULARY = [
  'router bgp 64514 vrf red',
  'router bgp 64514',
  'vrf red',
  'vrf blue',
  'route-map allowall permit 1',
  ' vni 100',
  ' neighbor 192.169.10.3 remote-as 64515 ',
  ' address-family ipv4 unicast',
  '  network 10.9.9.0/24',
  ' exit-address-family',
  ' !',
  'exit',
  'exit-vrf',
  '!',
  '',
  '  ',
  'hostname x',
  'frr version 8.4',
  'end',
  'ip forwarding',
  '\tip forwarding',
  'log stdout',
  'bfd',
];

describe('the parse handed over with the rendered frr.conf', () => {
  it('equals parseFrrConfig of the text for every golden scenario', () => {
    for (const p of plans) expectHandedEqualsParse(p);
  });

  it('equals parseFrrConfig of the text for every example', () => {
    for (const name of exampleNames()) {
      const r = buildDesiredState({ configDir: join(EXAMPLES, name, 'configs'), nodeConfigPath: join(EXAMPLES, name, 'node-config.yaml') });
      if (!r.ok) expect.fail(`${name}: ${r.reason}`);
      expect(entries(r.desired.frrTree), name).toEqual(entries(parseFrrConfig(r.desired.frrConfig)));
    }
  });

  it('equals it over random plans and raw snippets, rendered again through the memo, and never changes a tree handed before', () => {
    let seed = 11;
    const next = (): number => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x80000000;
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
    const withUnderlay = plans.filter((p) => p.underlay);
    const l3 = withUnderlay.flatMap((p) => p.l3vnis);
    const handed: Array<{ tree: FrrConfigTree; was: string }> = [];
    for (let round = 0; round < 200; round++) {
      const base = pick(withUnderlay);
      // The same plan objects again and again (the memo), sometimes twice in one plan (a header seen before).
      const l3vnis = Array.from({ length: Math.floor(next() * 5) }, () => pick(l3));
      const rawSnippets = Array.from({ length: Math.floor(next() * 3) }, () =>
        Array.from({ length: Math.floor(next() * 8) }, () => pick(RAW_VOCABULARY)).join('\n'),
      );
      const plan: RouterPlan = { ...base, l3vnis, rawSnippets, logLevel: pick(['debug', 'info', 'warn', 'error'] as const) };
      const tree = expectHandedEqualsParse(plan);
      handed.push({ tree, was: snapshot(tree) });
      // No delta between the handed tree and the parse: what the reloader sends is the same.
      expect(frrDelta(tree, parseFrrConfig(runSync(renderFrrConfigSteps(plan)).text)).lines).toEqual([]);
    }
    for (const h of handed) expect(snapshot(h.tree)).toBe(h.was);
  });

  it('takes a piece whole only where feeding its lines gives the same', () => {
    const piece = frrPiece('router bgp 1 vrf red\n neighbor 1.1.1.1 remote-as 2\nexit\n!');
    const whole = new FrrTreeBuilder();
    whole.line('vrf red');
    whole.piece(piece);
    expect(whole.tree().blocks.get('router bgp 1 vrf red')).toBe(piece.blocks[0]);
    // A header seen before: the lines are fed one by one, and the piece's block is left as it was.
    const again = new FrrTreeBuilder();
    again.line('router bgp 1 vrf red');
    again.line(' bgp router-id 1.2.3.4');
    again.piece(piece);
    expect(again.tree().blocks.get('router bgp 1 vrf red')?.lines).toEqual([' bgp router-id 1.2.3.4', ' neighbor 1.1.1.1 remote-as 2']);
    expect(piece.blocks[0]!.lines).toEqual([' neighbor 1.1.1.1 remote-as 2']);
  });
});
