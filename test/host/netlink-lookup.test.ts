// Route lookups (RTM_GETROUTE fibmatch, in a VRF, ECMP) and neighbour / FDB dumps against
// the host kernel, in a throw-away namespace set up with `ip`. Needs root; skipped otherwise.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamedNetns, deleteNamedNetns, netnsDir, openRtNetlink, type RtNetlink } from '../../src/dataplane/netlink/index.js';

const isRoot = process.getuid?.() === 0;
const NS = `nll-${process.pid.toString(36)}${Math.random().toString(36).slice(2, 6)}`;
const ip = (...args: string[]): string => execFileSync('ip', ['-n', NS, ...args], { encoding: 'utf8' });
const bridge = (...args: string[]): string => execFileSync('bridge', ['-n', NS, ...args], { encoding: 'utf8' });

describe.skipIf(!isRoot)('netlink lookups against the host kernel', () => {
  let rt: RtNetlink;
  let hasVrf = false;
  beforeAll(() => {
    createNamedNetns(NS);
    // Veths (this host kernel may lack dummy and vrf; the lab has both).
    ip('link', 'add', 'u1', 'type', 'veth', 'peer', 'name', 'u1p');
    ip('link', 'add', 'u2', 'type', 'veth', 'peer', 'name', 'u2p');
    ip('link', 'add', 'br-pe-100', 'type', 'bridge');
    try {
      ip('link', 'add', 'red', 'type', 'vrf', 'table', '1000');
      ip('link', 'set', 'br-pe-100', 'master', 'red');
      ip('link', 'set', 'red', 'up');
      hasVrf = true;
    } catch {
      hasVrf = false;
    }
    ip('link', 'add', 'vni100', 'type', 'vxlan', 'id', '100', 'local', '100.65.0.1', 'dstport', '4789', 'nolearning');
    ip('link', 'set', 'vni100', 'master', 'br-pe-100');
    for (const l of ['u1', 'u1p', 'u2', 'u2p', 'br-pe-100', 'vni100']) ip('link', 'set', l, 'up');
    ip('addr', 'add', '192.168.11.1/24', 'dev', 'u1');
    ip('addr', 'add', '192.168.12.1/24', 'dev', 'u2');
    ip('route', 'add', '100.65.0.2/32', 'nexthop', 'via', '192.168.11.2', 'dev', 'u1', 'nexthop', 'via', '192.168.12.2', 'dev', 'u2');
    if (hasVrf) ip('route', 'add', 'unreachable', 'default', 'vrf', 'red', 'metric', '4278198272');
    ip('route', 'add', '10.100.0.5/32', 'via', '100.65.0.2', 'dev', 'br-pe-100', 'onlink', ...(hasVrf ? ['vrf', 'red'] : []));
    ip('neigh', 'add', '100.65.0.2', 'lladdr', '00:aa:bb:cc:dd:02', 'dev', 'br-pe-100', 'nud', 'noarp');
    bridge('fdb', 'append', '00:aa:bb:cc:dd:02', 'dev', 'vni100', 'dst', '100.65.0.2', 'self', 'permanent');
    rt = openRtNetlink({ netnsPath: `${netnsDir()}/${NS}` });
  });
  afterAll(() => {
    rt?.close();
    deleteNamedNetns(NS);
  });

  it('getRoute: the ECMP route with every next hop, a VRF route on-link, the VRF default, no route', async () => {
    const links = new Map((await rt.dumpLinks()).map((l) => [l.name, l]));
    const u = await rt.getRoute('100.65.0.2');
    expect(u).toMatchObject({ dst: '100.65.0.2/32', table: 254, type: 1 });
    expect(u?.nexthops).toEqual([
      { gateway: '192.168.11.2', oif: links.get('u1')?.index },
      { gateway: '192.168.12.2', oif: links.get('u2')?.index },
    ]);
    const vrf = links.get('red')?.index;
    expect(await rt.getRoute('10.100.0.5', vrf !== undefined ? { vrfIndex: vrf } : {})).toMatchObject({
      dst: '10.100.0.5/32',
      table: hasVrf ? 1000 : 254,
      gateway: '100.65.0.2',
      oif: links.get('br-pe-100')?.index,
      onlink: true,
    });
    if (vrf !== undefined)
      expect(await rt.getRoute('10.200.0.1', { vrfIndex: vrf })).toMatchObject({ dst: '0.0.0.0/0', table: 1000, type: 7 });
    expect(await rt.getRoute('10.200.0.1')).toBeUndefined();
  });

  it('dumpNeighbours: the VTEP neighbour on the L3VNI bridge and the VXLAN FDB entry toward it', async () => {
    const links = new Map((await rt.dumpLinks()).map((l) => [l.name, l]));
    const neigh = await rt.dumpNeighbours(4);
    expect(neigh).toContainEqual(
      expect.objectContaining({ family: 4, ifindex: links.get('br-pe-100')?.index, dst: '100.65.0.2', mac: '00:aa:bb:cc:dd:02' }),
    );
    const fdb = await rt.dumpNeighbours('bridge');
    expect(fdb).toContainEqual(
      expect.objectContaining({ family: 'bridge', ifindex: links.get('vni100')?.index, dst: '100.65.0.2', mac: '00:aa:bb:cc:dd:02' }),
    );
  });
});
