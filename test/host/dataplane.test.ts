// perouterd's dataplane (plan → diff → netlink) against the machine's real
// kernel, in throw-away namespaces. The host kernel has no VRF, so this uses
// L2VNIs without a routing domain (bridge, vxlan, veth, gateway address, MAC);
// the lab covers VRFs.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetlinkDataplane, reconcileKernel } from '../../src/dataplane/dataplane.js';
import { KernelTracker, reconcileTracked } from '../../src/dataplane/kernel-tracker.js';
import { createNamedNetns, deleteNamedNetns } from '../../src/dataplane/netlink/index.js';
import { planKernel } from '../../src/plan/kernel-plan.js';
import type { RouterPlan } from '../../src/plan/router-plan.js';

const root = process.getuid?.() === 0;
const tag = `${process.pid}`;
const ROUTER = `pd-dp-r-${tag}`;
const HOST = `pd-dp-h-${tag}`;

function plan(vnis: number[]): RouterPlan {
  return {
    nodeName: 'n',
    nodeIndex: 1,
    logLevel: 'info',
    underlay: { asn: 64514, routerId: '10.0.0.2', nics: ['eth1'], neighbors: [], vtepIPv4: '100.65.0.1', listenLimit: 65535 },
    l3vnis: [],
    l2vnis: vnis.map((vni) => ({
      name: `l2-${vni}`,
      vni,
      vxlanPort: 4789,
      vtep: '100.65.0.1',
      gatewayIPs: [`192.170.${vni % 250}.1/24`],
      gatewayMac: '00:f3:00:00:00:6f',
      hostBridge: { name: `br-hs-${vni}`, managed: true },
    })),
    rawSnippets: [],
  };
}

interface IpLink {
  ifname: string;
  ifindex: number;
  master?: string;
  mtu: number;
  address?: string;
  linkinfo?: { info_kind?: string; info_data?: { id?: number; learning?: boolean }; info_slave_data?: { neigh_suppress?: boolean } };
}
const links = (ns: string): IpLink[] =>
  JSON.parse(execFileSync('ip', ['-n', ns, '-d', '-j', 'link', 'show'], { encoding: 'utf8' })) as IpLink[];

describe.skipIf(!root)('dataplane on the host kernel', () => {
  let dp: NetlinkDataplane;
  beforeAll(() => {
    createNamedNetns(HOST);
    execFileSync('ip', ['-n', HOST, 'link', 'add', 'eth1', 'mtu', '9000', 'type', 'veth', 'peer', 'name', 'peer1']);
    execFileSync('ip', ['-n', HOST, 'addr', 'add', '192.168.11.3/24', 'dev', 'eth1']);
    dp = new NetlinkDataplane(ROUTER, { hostNetns: HOST });
    expect(dp.ensureRouterNamespace()).toBe('created');
    expect(dp.ensureRouterNamespace()).toBe('existed');
  });
  afterAll(() => {
    dp?.close();
    deleteNamedNetns(ROUTER);
    deleteNamedNetns(HOST);
  });

  it('builds the objects, and a second apply makes no netlink write', async () => {
    const first = await reconcileKernel(dp, planKernel(plan([110, 120])));
    expect(first.errors).toEqual([]);
    expect(first.writes).toBeGreaterThan(0);
    const r = new Map(links(ROUTER).map((l) => [l.ifname, l]));
    expect(r.get('eth1')?.mtu).toBe(9000);
    expect(r.get('vni110')?.linkinfo?.info_data?.id).toBe(110);
    expect(r.get('vni110')?.linkinfo?.info_data?.learning).toBe(false);
    expect(r.get('vni110')?.master).toBe('br-pe-110');
    expect(r.get('vni110')?.linkinfo?.info_slave_data?.neigh_suppress).toBe(true);
    expect(r.get('pe-e-110')?.master).toBe('br-pe-110');
    expect(r.get('pe-e-110')?.mtu).toBe(8950); // underlay MTU − 50
    expect(r.get('br-pe-110')?.address).toBe('00:f3:00:00:00:6f');
    const h = new Map(links(HOST).map((l) => [l.ifname, l]));
    expect(h.get('host-e-110')?.master).toBe('br-hs-110');
    expect(h.has('eth1')).toBe(false);
    const addrs = execFileSync('ip', ['-n', ROUTER, '-br', 'addr'], { encoding: 'utf8' });
    expect(addrs).toMatch(/eth1(@\S+)? .*192\.168\.11\.3\/24/); // the NIC kept its address across the move
    expect(addrs).toMatch(/lo .*100\.65\.0\.1\/32/);
    expect(addrs).toMatch(/br-pe-110 .*192\.170\.110\.1\/24/);

    const before = links(ROUTER).map((l) => `${l.ifname}:${l.ifindex}`);
    const second = await reconcileKernel(dp, planKernel(plan([110, 120])));
    expect(second.writes).toBe(0);
    expect(links(ROUTER).map((l) => `${l.ifname}:${l.ifindex}`)).toEqual(before);
  });

  it('removing a VNI removes exactly its objects; removing the underlay gives the NIC back', async () => {
    const r1 = await reconcileKernel(dp, planKernel(plan([110])));
    expect(r1.errors).toEqual([]);
    const names = links(ROUTER).map((l) => l.ifname);
    expect(names).not.toContain('vni120');
    expect(names).not.toContain('br-pe-120');
    expect(names).not.toContain('pe-e-120');
    expect(names).toContain('vni110');
    expect(links(HOST).map((l) => l.ifname)).not.toContain('host-e-120');
    expect(links(HOST).map((l) => l.ifname)).not.toContain('br-hs-120');

    const none: RouterPlan = { ...plan([]), underlay: undefined } as unknown as RouterPlan;
    delete (none as { underlay?: unknown }).underlay;
    const r2 = await reconcileKernel(dp, planKernel(none));
    expect(r2.errors).toEqual([]);
    expect(links(HOST).map((l) => l.ifname)).toContain('eth1');
    expect(execFileSync('ip', ['-n', HOST, '-br', 'addr'], { encoding: 'utf8' })).toMatch(/eth1(@\S+)? .*192\.168\.11\.3\/24/);
    expect(
      links(ROUTER)
        .map((l) => l.ifname)
        .sort(),
    ).toEqual(['lo']);
  });

  it('builds a VXLAN over an IPv6 VTEP', async () => {
    const p6 = plan([130]);
    p6.underlay!.vtepIPv6 = '2001:db8:65::1';
    p6.l2vnis[0]!.vtep = '2001:db8:65::1';
    const r = await reconcileKernel(dp, planKernel(p6));
    expect(r.errors).toEqual([]);
    const vx = JSON.parse(execFileSync('ip', ['-n', ROUTER, '-d', '-j', 'link', 'show', 'vni130'], { encoding: 'utf8' })) as Array<{
      linkinfo: { info_data: { local6?: string; id: number } };
    }>;
    expect(vx[0]?.linkinfo.info_data.local6).toBe('2001:db8:65::1');
    expect(execFileSync('ip', ['-n', ROUTER, '-br', '-6', 'addr', 'show', 'lo'], { encoding: 'utf8' })).toContain('2001:db8:65::1/128');
    expect((await reconcileKernel(dp, planKernel(p6))).writes).toBe(0);
  });
  it('after a clean apply, +1 and -1 look up only what changed and leave what a full look finds nothing to do', async () => {
    const tracker = new KernelTracker(dp);
    const base = planKernel(plan([150, 160]));
    expect((await reconcileTracked(dp, tracker, base)).how.scope).toBe('full');
    const plus = await reconcileTracked(dp, tracker, planKernel(plan([150, 160, 170])));
    expect(plus.how).toEqual({ scope: 'scoped', links: 5 });
    expect(plus.errors).toEqual([]);
    expect(links(ROUTER).find((l) => l.ifname === 'br-pe-170')?.address).toBe('00:f3:00:00:00:6f');
    expect((await reconcileKernel(dp, planKernel(plan([150, 160, 170])))).writes).toBe(0);
    // A link of the change deleted behind its back is seen by the lookup; the -1 removes the rest.
    execFileSync('ip', ['-n', ROUTER, 'link', 'del', 'vni170']);
    const minus = await reconcileTracked(dp, tracker, planKernel(plan([150, 160])));
    expect(minus.how.scope).toBe('scoped');
    expect(minus.ops.filter((o) => o.op === 'delete-link').map((o) => (o.op === 'delete-link' ? o.name : ''))).not.toContain('vni170');
    expect((await reconcileKernel(dp, base)).writes).toBe(0);
  });

  it('a router namespace deleted behind its back is re-attached, not rebuilt', async () => {
    const p = planKernel(plan([140]));
    await reconcileKernel(dp, p);
    const before = links(ROUTER).map((l) => `${l.ifname}:${l.ifindex}`);
    execFileSync('ip', ['netns', 'delete', ROUTER]); // the objects live on: this process holds the namespace
    expect(dp.ensureRouterNamespace()).toBe('reattached');
    expect(links(ROUTER).map((l) => `${l.ifname}:${l.ifindex}`)).toEqual(before);
    const again = await reconcileKernel(dp, p);
    expect(again.writes).toBe(0);
    expect(again.missingNics).toEqual([]);
  });

  it('a fresh process re-attaches it from a process living in it (FRR PID file)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pd-frr-'));
    const holder = spawn('ip', ['netns', 'exec', ROUTER, 'sleep', '30'], { stdio: 'ignore' });
    try {
      writeFileSync(join(dir, 'zebra.pid'), `${holder.pid}\n`);
      const inode = statSync(`/run/netns/${ROUTER}`).ino;
      // Until `ip netns exec` has switched, the holder is still in the test's namespace.
      for (let i = 0; i < 200 && statSync(`/proc/${holder.pid}/ns/net`).ino !== inode; i++) execFileSync('sleep', ['0.01']);
      dp.close();
      execFileSync('ip', ['netns', 'delete', ROUTER]);
      const fresh = new NetlinkDataplane(ROUTER, { hostNetns: HOST, frrPidDir: dir });
      expect(fresh.ensureRouterNamespace()).toBe('reattached');
      expect(statSync(`/run/netns/${ROUTER}`).ino).toBe(inode);
      dp = fresh;
    } finally {
      holder.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
