// What the daemon observes beyond what it wrote (issue 10): an EVPN data plane FRR left
// broken (router MAC / FDB of a remote VTEP missing) and an underlay NIC in neither
// namespace. Either keeps the status off `ready`, named; EVPN faults are counted and
// repaired up a bounded, rate-limited ladder. Fakes and fake timers only.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { EvpnFault } from '../../src/dataplane/evpn-health.js';
import { FakeApi } from '../support/fake-api.js';
import { rig, withVnis } from '../support/daemon-rig.js';

beforeEach(() => vi.useFakeTimers());
afterEach(() => vi.useRealTimers());

const RMAC_LOST: EvpnFault = { vni: 100, vrf: 'vrf100', vtep: '100.65.0.2', missing: 'router-mac', routes: 2 };
const HEALTH = { evpnHealthMs: 1000 };

describe('EVPN data-plane health', () => {
  it('a lost router MAC makes the status degraded, naming VNI and VTEP, and is counted', async () => {
    const r = rig(withVnis(100), HEALTH);
    const api = new FakeApi();
    r.d.attachApi(api);
    await r.d.start();
    await r.settle();
    expect(r.last().state).toBe('ready');
    r.kernel.evpn = [RMAC_LOST];
    await vi.advanceTimersByTimeAsync(1000);
    expect(r.last()).toMatchObject({ state: 'degraded', evpn: { faultsDetected: 1 } });
    expect(r.last().message).toMatch(/EVPN VNI 100 \(VRF vrf100\): remote VTEP 100\.65\.0\.2: no router-MAC neighbour on br-pe-100/);
    expect(api.reports.at(-1)).toMatchObject({ ok: false });
    // Still the same fault a second later: not counted twice.
    await vi.advanceTimersByTimeAsync(1000);
    expect(r.last().evpn.faultsDetected).toBe(1);
    await r.d.stop();
  });

  it('repairs from the least disruptive step up, rate-limited, until the data plane forwards again', async () => {
    const r = rig(withVnis(100), HEALTH);
    await r.d.start();
    await r.settle();
    r.frr.repairsWith = 'restart-frr'; // as if re-syncing the VNI did not bring the router MAC back
    r.frr.healed = () => (r.kernel.evpn = []);
    r.kernel.evpn = [RMAC_LOST];
    await vi.advanceTimersByTimeAsync(1000); // seen
    expect(r.frr.repairs).toEqual([]);
    await vi.advanceTimersByTimeAsync(1000); // still there after confirmMs: first step
    expect(r.frr.repairs).toEqual(['resync-vni 100']);
    await vi.advanceTimersByTimeAsync(1000); // backoff: not yet
    expect(r.frr.repairs).toEqual(['resync-vni 100']);
    await vi.advanceTimersByTimeAsync(1000);
    expect(r.frr.repairs).toEqual(['resync-vni 100', 'resync-vni 100']);
    await vi.advanceTimersByTimeAsync(4000);
    expect(r.frr.repairs).toEqual(['resync-vni 100', 'resync-vni 100', 'restart-frr 100']);
    await vi.advanceTimersByTimeAsync(1000);
    expect(r.last()).toMatchObject({
      state: 'ready',
      evpn: { faults: [], faultsDetected: 1, repairs: 3, repairsByStep: { 'resync-vni': 2, 'restart-frr': 1 } },
    });
    await r.d.stop();
  });

  it('gives up after a bounded number of repairs and says so; a new episode starts from the bottom', async () => {
    const r = rig(withVnis(100), HEALTH);
    await r.d.start();
    await r.settle();
    r.kernel.evpn = [RMAC_LOST];
    await vi.advanceTimersByTimeAsync(600_000);
    expect(r.frr.repairs).toEqual(['resync-vni 100', 'resync-vni 100', 'restart-frr 100', 'restart-frr 100', 'restart-frr 100']);
    expect(r.last()).toMatchObject({ state: 'degraded', evpn: { gaveUp: true } });
    r.kernel.evpn = [];
    await vi.advanceTimersByTimeAsync(1000);
    expect(r.last()).toMatchObject({ state: 'ready', evpn: { gaveUp: false } });
    r.kernel.evpn = [RMAC_LOST];
    await vi.advanceTimersByTimeAsync(2000);
    expect(r.frr.repairs.at(-1)).toBe('resync-vni 100');
    expect(r.last().evpn.faultsDetected).toBe(2);
    await r.d.stop();
  });

  it('no repair while FRR restarts and reinstalls everything', async () => {
    const r = rig(withVnis(100), HEALTH);
    await r.d.start();
    await r.settle();
    r.frr.restart();
    r.kernel.evpn = [RMAC_LOST];
    await vi.advanceTimersByTimeAsync(10_000);
    expect(r.frr.repairs).toEqual([]);
    expect(r.last().state).toBe('degraded');
    await vi.advanceTimersByTimeAsync(30_000);
    expect(r.frr.repairs[0]).toBe('resync-vni 100');
    await r.d.stop();
  });

  it('checks at once when the kernel announces a lost entry, without waiting for the poll', async () => {
    const r = rig(withVnis(100), { evpnHealthMs: 60_000 });
    await r.d.start();
    await r.settle();
    expect(r.kernel.evpnWatched).toBe(true);
    const checks = r.kernel.evpnChecks;
    r.kernel.evpn = [RMAC_LOST];
    r.kernel.evpnEvent!('neighbour 100.65.0.2 deleted');
    r.kernel.evpnEvent!('FDB entry deleted'); // a burst: one check
    await vi.advanceTimersByTimeAsync(50);
    expect(r.kernel.evpnChecks).toBe(checks + 1);
    expect(r.last()).toMatchObject({ state: 'degraded', evpn: { faultsDetected: 1, eventChecks: 1 } });
    await r.d.stop();
    expect(r.kernel.evpnWatched).toBe(false);
  });

  it('the patch puts a lost router MAC back at once: counted, held, ready, no repair step', async () => {
    const r = rig(withVnis(100), HEALTH);
    await r.d.start();
    await r.settle();
    r.kernel.patchable.add('100/100.65.0.2');
    r.kernel.evpn = [RMAC_LOST];
    r.kernel.evpnEvent!('neighbour 100.65.0.2 deleted');
    await vi.advanceTimersByTimeAsync(50);
    expect(r.last()).toMatchObject({ state: 'ready', evpn: { faults: [], faultsDetected: 1, patches: 1, held: ['held 100/100.65.0.2'] } });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(r.frr.repairs).toEqual([]);
    await r.d.stop();
  });

  it('a patch undone again and again is left to the repair ladder', async () => {
    const r = rig(withVnis(100), HEALTH);
    await r.d.start();
    await r.settle();
    r.kernel.patchable.add('100/100.65.0.2');
    for (let i = 0; i < 5; i++) {
      r.kernel.evpn = [RMAC_LOST]; // undone before every check
      await vi.advanceTimersByTimeAsync(1000);
    }
    expect(r.last().evpn.patches).toBe(3);
    expect(r.frr.repairs).toEqual(['resync-vni 100']);
    await r.d.stop();
  });

  it('is off unless configured, and only checks the L3VNIs applied', async () => {
    const r = rig(withVnis(100));
    await r.d.start();
    await r.settle();
    r.kernel.evpn = [RMAC_LOST];
    await vi.advanceTimersByTimeAsync(5000);
    expect(r.kernel.evpnChecks).toBe(0);
    await r.d.stop();
    const s = rig(withVnis(200), HEALTH);
    await s.d.start();
    await s.settle();
    s.kernel.evpn = [RMAC_LOST];
    await vi.advanceTimersByTimeAsync(3000);
    expect(s.last().state).toBe('ready');
    await s.d.stop();
  });
});

describe('underlay NIC in neither namespace', () => {
  it('is never ready: the status names the NIC', async () => {
    const r = rig(withVnis(100));
    r.kernel.missingNics = ['eth1'];
    r.d.trigger('start');
    await r.settle();
    expect(r.last()).toMatchObject({ state: 'degraded', missingNics: ['eth1'] });
    expect(r.last().message).toMatch(/underlay NIC eth1 is in neither the host nor the router namespace/);
    r.kernel.missingNics = [];
    r.d.trigger('resync');
    await r.settle();
    expect(r.last()).toMatchObject({ state: 'ready', missingNics: [] });
  });
});

describe('host veth kept because its peer is out of sight', () => {
  it('is never ready: the status names the veth', async () => {
    const r = rig(withVnis(100));
    r.kernel.heldVeths = ['host-e-100'];
    r.d.trigger('start');
    await r.settle();
    expect(r.last()).toMatchObject({ state: 'degraded', heldVeths: ['host-e-100'] });
    expect(r.last().message).toMatch(/host veth host-e-100 kept: its peer is in a namespace perouterd cannot see/);
  });
});
