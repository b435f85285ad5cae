// A configured underlay NIC in neither namespace (left in a router namespace
// deleted while FRR held it) must be named, never skipped silently.
import { describe, expect, it } from 'vitest';
import { missingUnderlayNics } from '../../src/dataplane/diff.js';
import type { LinkInfo } from '../../src/dataplane/netlink/index.js';
import type { KernelPlan } from '../../src/plan/kernel-plan.js';
import { emptyObserved } from './fake-kernel.js';

const plan = { underlayNics: ['eth1', 'eth2'] } as unknown as KernelPlan;
const nic = (index: number, name: string): LinkInfo => ({ index, name, kind: undefined, up: true, mtu: 1500, group: 0 }) as LinkInfo;

describe('missingUnderlayNics', () => {
  it('names the NICs found in neither namespace', () => {
    const o = emptyObserved();
    o.host.links.push(nic(2, 'eth2'));
    expect(missingUnderlayNics(plan, o)).toEqual(['eth1']);
  });

  it('is empty when every NIC is in the host or the router namespace', () => {
    const o = emptyObserved();
    o.host.links.push(nic(2, 'eth2'));
    o.router.links.push(nic(3, 'eth1'));
    expect(missingUnderlayNics(plan, o)).toEqual([]);
  });
});
