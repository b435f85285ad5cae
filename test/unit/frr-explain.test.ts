import { describe, expect, it } from 'vitest';
import { countsPerBlock, diffFromVtyshLines, summarize } from '../../src/frr/explain.js';

describe('FRR change explanation', () => {
  it('counts changed lines per top-level block, context lines excluded', () => {
    const diff = {
      toAdd: [
        'router bgp 64514 vrf red',
        ' address-family ipv4 unicast',
        '  network 10.0.0.1/32',
        'router bgp 64514 vrf red',
        ' bgp graceful-restart',
        'vrf red',
        ' vni 100',
        'ip nht resolve-via-default',
      ],
      toDelete: ['router bgp 64514', ' neighbor 192.168.11.2 bfd', 'no router bgp 64514 vrf blue'],
    };
    expect(countsPerBlock(diff)).toEqual({
      'router bgp 64514 vrf red': { add: 2, delete: 0 },
      'vrf red': { add: 1, delete: 0 },
      'ip nht resolve-via-default': { add: 1, delete: 0 },
      'router bgp 64514': { add: 0, delete: 1 },
      'router bgp 64514 vrf blue': { add: 0, delete: 1 },
    });
    expect(summarize({ toAdd: ['vrf red', ' vni 100'], toDelete: [] })).toBe('vrf red +1 -0');
  });

  it('ignores the closing lines FRR 10 prints around every change', () => {
    const diff = {
      toAdd: [
        'router bgp 64514',
        ' bgp router-id 10.0.0.1',
        'exit',
        'bfd',
        ' profile p1',
        '  receive-interval 200',
        ' exit',
        'exit',
        'bfd',
        ' profile p2',
        ' exit',
        'exit',
      ],
      toDelete: ['router bgp 64514 vrf red', ' no bgp router-id 10.0.0.2', 'exit'],
    };
    expect(countsPerBlock(diff)).toEqual({
      'router bgp 64514': { add: 1, delete: 0 },
      bfd: { add: 2, delete: 0 },
      'router bgp 64514 vrf red': { add: 0, delete: 1 },
    });
  });

  it('reads an incremental vtysh change back as lines under their contexts', () => {
    const lines = [
      'ip nht resolve-via-default',
      'router bgp 64514 vrf blue',
      'no neighbor 192.169.11.3 timers connect 5',
      'exit',
      'router bgp 64514 vrf red',
      'address-family ipv4 unicast',
      'network 10.0.0.1/32',
      'exit-address-family',
      'exit',
      'vrf red',
      'vni 100',
      'exit-vrf',
    ];
    const d = diffFromVtyshLines(lines);
    expect(d).toEqual({
      toAdd: [
        'ip nht resolve-via-default',
        'router bgp 64514 vrf red',
        ' address-family ipv4 unicast',
        '  network 10.0.0.1/32',
        'vrf red',
        ' vni 100',
      ],
      toDelete: ['router bgp 64514 vrf blue', ' no neighbor 192.169.11.3 timers connect 5'],
    });
    expect(summarize(d)).toBe(
      'ip nht resolve-via-default +1 -0; router bgp 64514 vrf red +1 -0; vrf red +1 -0; router bgp 64514 vrf blue +0 -1',
    );
  });

  it('an empty diff explains nothing', () => {
    expect(countsPerBlock({ toAdd: [], toDelete: [] })).toEqual({});
  });
});
