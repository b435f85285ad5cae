import { describe, expect, it } from 'vitest';
import { rawBlockProblem } from '../../src/plan/raw-frr.js';

describe('rawBlockProblem', () => {
  it.each([
    ['ip prefix-list a seq 5 permit 10.0.0.0/8', undefined],
    ['router bgp 64514\n address-family ipv4 unicast\n  network 1.0.0.0/8\n exit-address-family\nexit', undefined],
    ['vrf red\n vni 100\nexit-vrf', undefined],
    ['router bgp 64514 vrf red\n neighbor 1.2.3.4 remote-as 1', /never closed/],
    ['exit\nrouter bgp 1\nexit', /did not open/],
    ['router bgp 1\n address-family ipv4 unicast\nexit', /does not close "address-family ipv4 unicast"/],
    ['end', /leaves every block/],
  ])('%j', (text, expected) => {
    const p = rawBlockProblem(text);
    if (expected === undefined) expect(p).toBeUndefined();
    else expect(p).toMatch(expected);
  });
});
