// Walking skeleton, proven on a real kernel and real FRR: two nodes, each running
// perouterd from static YAML, one L3VNI (VRF red, VNI 100) across a ToR.
//
//   node1 ns (host)            tor ns (FRR, AS 64512)            node2 ns (host)
//   speaker FRR AS 64515  eth1 ---- 192.168.11/24 / 192.168.12/24 ---- eth1  speaker FRR AS 64515
//   10.100.1.1/32 on lo     \                                         /    10.100.2.1/32 on lo
//   host-e-100 ↔ pe-e-100 in router ns pe1 (perouterd + FRR -N pe1)   pe2 ...
import { existsSync } from 'node:fs';
import { check, log, measure, onFinish, runScenario } from '../harness/results.js';
import { Topology, ipJson, ping, waitFor, sleep } from '../harness/fabric.js';
import { startFrr, killFrr, vtysh, vtyshJson, logTail } from '../harness/frr.js';
import {
  perouterdNode,
  readStatus,
  removeConfig,
  startPerouterd,
  waitForReconcile,
  writeConfig,
  type PerouterdProcess,
} from '../harness/perouterd.js';

const TOR_CONFIG = `frr defaults datacenter
hostname tor
log stdout informational
!
router bgp 64512
 bgp router-id 10.0.0.100
 no bgp ebgp-requires-policy
 no bgp default ipv4-unicast
 neighbor 192.168.11.3 remote-as 64514
 neighbor 192.168.12.3 remote-as 64514
 !
 address-family ipv4 unicast
  neighbor 192.168.11.3 activate
  neighbor 192.168.12.3 activate
 exit-address-family
 !
 address-family l2vpn evpn
  neighbor 192.168.11.3 activate
  neighbor 192.168.12.3 activate
 exit-address-family
exit
!
`;

const speakerConfig = (name: string, service: string, peer: string): string => `frr defaults datacenter
hostname ${name}
!
router bgp 64515
 bgp router-id ${service}
 no bgp ebgp-requires-policy
 no bgp default ipv4-unicast
 neighbor ${peer} remote-as 64514
 neighbor ${peer} timers connect 5
 !
 address-family ipv4 unicast
  network ${service}/32
  neighbor ${peer} activate
  neighbor ${peer} allowas-in
 exit-address-family
exit
!
`;

const underlayYaml = (torAddr: string): string => `underlays:
  - asn: 64514
    routerIDCIDR: 10.0.0.0/24
    neighbors:
      - asn: 64512
        address: ${torAddr}
    interfaces:
      - type: NetworkDevice
        networkDevice:
          interfaceName: eth1
    tunnelEndpoint:
      cidrs:
        - 100.65.0.0/24
`;

const RED_YAML = `l3vnis:
  - name: red
    vrf: red
    vni: 100
    vxlanPort: 4789
    hostSession:
      asn: 64514
      hostASN: 64515
      localCIDR:
        ipv4: 192.169.10.0/24
`;

interface LinkJ {
  ifname: string;
  ifindex: number;
  master?: string;
  linkinfo?: { info_kind?: string; info_data?: { id?: number; port?: number; local?: string; learning?: boolean; table?: number } };
}

async function links(ns: string): Promise<LinkJ[]> {
  return ipJson<LinkJ[]>(ns, ['-d', 'link', 'show']);
}

async function routeTo(ns: string, vrf: string, prefix: string): Promise<boolean> {
  const j = await vtyshJson<Record<string, unknown>>(ns, `show ip route vrf ${vrf} ${prefix} json`);
  return Object.keys(j).includes(prefix);
}

/**
 * Next hops of the EVPN type-5 route for `addr`/`len` at the ToR. FRR keys
 * type-5 prefixes like `[5]:[0]:[32]:[10.100.1.1]` under each RD.
 */
async function torType5NextHops(addr: string, len: number): Promise<string[]> {
  const j = await vtyshJson<Record<string, unknown>>('tor', 'show bgp l2vpn evpn route type prefix json');
  const hops = new Set<string>();
  const collect = (o: unknown): void => {
    if (!o || typeof o !== 'object') return;
    if (Array.isArray(o)) return o.forEach(collect);
    const r = o as Record<string, unknown>;
    if (Array.isArray(r.nexthops)) for (const nh of r.nexthops as Array<{ ip?: string }>) if (nh.ip) hops.add(nh.ip);
    for (const v of Object.values(r)) collect(v);
  };
  const walk = (o: unknown): void => {
    if (!o || typeof o !== 'object') return;
    for (const [k, v] of Object.entries(o as Record<string, unknown>)) {
      if (k.endsWith(`:[${len}]:[${addr}]`)) collect(v);
      else walk(v);
    }
  };
  walk(j);
  return [...hops];
}

/** What an operator would look at first, printed when a routing check fails. */
async function diagnostics(): Promise<string> {
  const out: string[] = [];
  const grab = async (what: string, fn: () => Promise<string>): Promise<void> => {
    try {
      out.push(`--- ${what}\n${(await fn()).trim()}`);
    } catch (e) {
      out.push(`--- ${what}: ${e instanceof Error ? e.message : String(e)}`);
    }
  };
  for (const [pe, node] of [
    ['pe1', 'node1'],
    ['pe2', 'node2'],
  ] as const) {
    await grab(`${pe} bgp vrf all summary`, () => vtysh(pe, 'show bgp vrf all summary'));
    await grab(`${pe} running-config`, () => vtysh(pe, 'show running-config'));
    await grab(`${pe} evpn vni / vrf red routes`, () =>
      vtysh(pe, ['show evpn vni', 'show vrf', 'show ip route vrf red', 'show interface pe-e-100']),
    );
    await grab(`${node} bgp`, () => vtysh(node, ['show bgp summary', 'show ip route']));
    await grab(`${pe} links`, async () =>
      (await links(pe)).map((l) => `${l.ifname} ${l.linkinfo?.info_kind ?? ''} master=${l.master ?? ''}`).join('\n'),
    );
    await grab(`${pe} addrs`, async () => JSON.stringify(await ipJson(pe, ['-br', 'addr'])));
    await grab(`${node} addrs`, async () => JSON.stringify(await ipJson(node, ['-br', 'addr'])));
    await grab(`${pe} bgpd log`, async () => logTail(pe, 40, 'bgpd'));
    await grab(`${pe} zebra log`, async () => logTail(pe, 40, 'zebra'));
  }
  await grab('tor evpn', () => vtysh('tor', 'show bgp l2vpn evpn'));
  return out.join('\n');
}

let diagnosed = false;
async function diagnoseOnce(): Promise<void> {
  if (diagnosed) return;
  diagnosed = true;
  // One line per log call: the lab console only prefixes the first line.
  for (const line of (await diagnostics()).split('\n')) log(`DIAG ${line}`);
}

async function main(): Promise<void> {
  const n1 = perouterdNode('node1', 'node1', 'pe1', 1);
  const n2 = perouterdNode('node2', 'node2', 'pe2', 2);
  const procs: PerouterdProcess[] = [];
  onFinish(async () => {
    for (const p of procs) {
      log(`--- perouterd ${p.node.name} log tail\n${p.logTail(60)}`);
      await p.stop().catch(() => undefined);
    }
    for (const ns of ['pe1', 'pe2', 'tor']) log(logTail(ns, 15));
  });

  await check(
    'fabric: ToR and two node namespaces wired',
    async () => {
      await new Topology()
        .ns('tor', { forwarding: true })
        .ns('node1')
        .ns('node2')
        .veth({ ns: 'tor', dev: 'to-node1', addrs: ['192.168.11.2/24'] }, { ns: 'node1', dev: 'eth1', addrs: ['192.168.11.3/24'] })
        .veth({ ns: 'tor', dev: 'to-node2', addrs: ['192.168.12.2/24'] }, { ns: 'node2', dev: 'eth1', addrs: ['192.168.12.3/24'] })
        .ip('node1', 'addr add 10.100.1.1/32 dev lo')
        .ip('node2', 'addr add 10.100.2.1/32 dev lo')
        .apply();
      await startFrr('tor', { daemons: ['zebra', 'bgpd'], config: TOR_CONFIG });
    },
    { critical: true },
  );

  for (const [n, tor] of [
    [n1, '192.168.11.2'],
    [n2, '192.168.12.2'],
  ] as const) {
    writeConfig(n, 'openpe_underlay.yaml', underlayYaml(tor));
    writeConfig(n, 'openpe_red.yaml', RED_YAML);
  }

  // perouterd starts before FRR exists in its namespace: it must create the
  // namespace, wait for FRR, then apply.
  await check(
    'perouterd creates the router namespaces and waits for FRR',
    async () => {
      procs.push(startPerouterd(n1), startPerouterd(n2));
      await waitFor(() => existsSync('/run/netns/pe1') && existsSync('/run/netns/pe2'), 90_000, 'router namespaces', 200);
      await waitFor(
        () => readStatus(n1)?.state === 'waiting-for-frr' && readStatus(n2)?.state === 'waiting-for-frr',
        30_000,
        'perouterd to report waiting-for-frr',
        200,
      );
      return `${readStatus(n1)?.message}`;
    },
    { critical: true },
  );

  await check(
    'FRR started in each router namespace; perouterd applies config and kernel objects',
    async () => {
      await startFrr('pe1', { daemons: ['zebra', 'bgpd'] });
      await startFrr('pe2', { daemons: ['zebra', 'bgpd'] });
      const t = Date.now();
      await waitForReconcile(n1, 0, 120_000);
      await waitForReconcile(n2, 0, 120_000);
      measure('perouterd_first_apply_ms', Date.now() - t);
      const pe1 = await links('pe1');
      const byName = new Map(pe1.map((l) => [l.ifname, l]));
      const vx = byName.get('vni100');
      if (
        vx?.linkinfo?.info_kind !== 'vxlan' ||
        vx.linkinfo.info_data?.id !== 100 ||
        vx.linkinfo.info_data.local !== '100.65.0.1' ||
        vx.linkinfo.info_data.learning !== false
      ) {
        throw new Error(`vni100 wrong: ${JSON.stringify(vx)}`);
      }
      if (vx.master !== 'br-pe-100') throw new Error(`vni100 master ${vx.master}`);
      if (byName.get('br-pe-100')?.master !== 'red') throw new Error('br-pe-100 not in VRF red');
      if (byName.get('red')?.linkinfo?.info_kind !== 'vrf') throw new Error('VRF red missing');
      if (byName.get('pe-e-100')?.master !== 'red') throw new Error('pe-e-100 not in VRF red');
      if (!byName.has('eth1')) throw new Error('underlay NIC not moved into pe1');
      const host = await links('node1');
      if (!host.some((l) => l.ifname === 'host-e-100')) throw new Error('host-e-100 missing in node1');
      if (host.some((l) => l.ifname === 'eth1')) throw new Error('eth1 still in node1');
      const addrs = await ipJson<Array<{ ifname: string; addr_info: Array<{ local: string; prefixlen: number }> }>>('pe1', [
        'addr',
        'show',
      ]);
      const lo = addrs.find((a) => a.ifname === 'lo')?.addr_info.map((a) => `${a.local}/${a.prefixlen}`) ?? [];
      const eth1 = addrs.find((a) => a.ifname === 'eth1')?.addr_info.map((a) => `${a.local}/${a.prefixlen}`) ?? [];
      if (!lo.includes('100.65.0.1/32')) throw new Error(`VTEP not on lo: ${lo}`);
      if (!eth1.includes('192.168.11.3/24')) throw new Error(`eth1 lost its address: ${eth1}`);
      return `pe1 links: ${pe1.map((l) => l.ifname).join(',')}`;
    },
    { critical: true },
  );

  await check('host BGP speakers (MetalLB stand-ins) start in the node namespaces', async () => {
    await startFrr('node1', { daemons: ['zebra', 'bgpd'], config: speakerConfig('node1', '10.100.1.1', '192.169.10.1') });
    await startFrr('node2', { daemons: ['zebra', 'bgpd'], config: speakerConfig('node2', '10.100.2.1', '192.169.10.1') });
  });

  await check('both underlay sessions Established at the ToR', async () => {
    return waitFor(
      async () => {
        const s = await vtyshJson<{ ipv4Unicast?: { peers?: Record<string, { state: string }> } }>('tor', 'show bgp summary json');
        const peers = s.ipv4Unicast?.peers ?? {};
        return peers['192.168.11.3']?.state === 'Established' && peers['192.168.12.3']?.state === 'Established'
          ? JSON.stringify(Object.fromEntries(Object.entries(peers).map(([k, v]) => [k, v.state])))
          : undefined;
      },
      90_000,
      'ToR sessions',
    );
  });

  await check('host sessions Established in each VRF', async () => {
    for (const ns of ['pe1', 'pe2']) {
      await waitFor(
        async () => {
          const s = await vtyshJson<{ ipv4Unicast?: { peers?: Record<string, { state: string }> } }>(ns, 'show bgp vrf red summary json');
          return Object.values(s.ipv4Unicast?.peers ?? {}).some((p) => p.state === 'Established');
        },
        60_000,
        `${ns} VRF red host session`,
      ).catch(async (e) => {
        await diagnoseOnce();
        throw e;
      });
    }
  });

  await check('ToR holds each node’s EVPN type-5 route for its service /32 with the node’s VTEP as next hop', async () => {
    const t = Date.now();
    const got = await waitFor(
      async () => {
        const a = await torType5NextHops('10.100.1.1', 32);
        const b = await torType5NextHops('10.100.2.1', 32);
        return a.includes('100.65.0.1') && b.includes('100.65.0.2') ? { '10.100.1.1/32': a, '10.100.2.1/32': b } : undefined;
      },
      90_000,
      'type-5 routes at the ToR',
    ).catch(async (e) => {
      await diagnoseOnce();
      throw e;
    });
    measure('type5_at_tor_ms', Date.now() - t);
    return JSON.stringify(got);
  });

  await check('each node’s VRF holds the other node’s service /32', async () => {
    await waitFor(() => routeTo('pe1', 'red', '10.100.2.1/32'), 90_000, 'pe1 VRF red route to 10.100.2.1/32');
    await waitFor(() => routeTo('pe2', 'red', '10.100.1.1/32'), 90_000, 'pe2 VRF red route to 10.100.1.1/32');
  });

  await check('ping node1 service → node2 service crosses the VXLAN', async () => {
    return waitFor(() => ping('node1', '10.100.2.1', { source: '10.100.1.1', count: 3 }), 60_000, 'ping answers', 2000);
  });

  await check('a second apply (SIGHUP) makes no netlink write and no FRR reload', async () => {
    const before = readStatus(n1)!;
    const idxBefore = (await links('pe1')).map((l) => `${l.ifname}:${l.ifindex}`).sort();
    const hostBefore = (await links('node1')).map((l) => `${l.ifname}:${l.ifindex}`).sort();
    procs[0]!.signal('SIGHUP');
    const after = await waitForReconcile(n1, before.reconciles, 60_000);
    const idxAfter = (await links('pe1')).map((l) => `${l.ifname}:${l.ifindex}`).sort();
    const hostAfter = (await links('node1')).map((l) => `${l.ifname}:${l.ifindex}`).sort();
    if (after.kernel.writesLast !== 0) throw new Error(`netlink writes on second apply: ${after.kernel.writesLast}`);
    if (after.kernel.writesTotal !== before.kernel.writesTotal) throw new Error('write counter moved');
    if (after.frr.reloads !== before.frr.reloads) throw new Error(`FRR reloaded: ${before.frr.reloads} → ${after.frr.reloads}`);
    if (JSON.stringify(idxBefore) !== JSON.stringify(idxAfter) || JSON.stringify(hostBefore) !== JSON.stringify(hostAfter))
      throw new Error('kernel objects were recreated');
    return `writes ${after.kernel.writesLast}, reloads ${after.frr.reloads}, ${idxAfter.length} router links unchanged`;
  });

  await check('FRR killed and restarted: perouterd pushes its configuration again, routes come back', async () => {
    const before = readStatus(n2)!;
    await killFrr('pe2');
    await sleep(500);
    await startFrr('pe2', { daemons: ['zebra', 'bgpd'] });
    await waitForReconcile(n2, before.reconciles, 120_000);
    await waitFor(() => routeTo('pe2', 'red', '10.100.1.1/32'), 120_000, 'pe2 route back after FRR restart');
    const s = await vtysh('pe2', 'show running-config');
    if (!s.includes('vni 100') || !s.includes('router bgp 64514 vrf red')) throw new Error('running config lacks the VRF after restart');
    return `status ${readStatus(n2)?.state}, frr outcome ${readStatus(n2)?.frr.lastOutcome}`;
  });

  await check('removing the L3VNI file removes exactly its objects', async () => {
    const before = readStatus(n1)!;
    removeConfig(n1, 'openpe_red.yaml');
    await waitForReconcile(n1, before.reconciles, 120_000);
    await waitFor(
      async () => {
        const names = (await links('pe1')).map((l) => l.ifname);
        return !['vni100', 'br-pe-100', 'pe-e-100', 'red'].some((n) => names.includes(n));
      },
      30_000,
      'VNI objects gone from pe1',
    );
    const pe1 = (await links('pe1')).map((l) => l.ifname).sort();
    const host = (await links('node1')).map((l) => l.ifname);
    if (host.includes('host-e-100')) throw new Error('host-e-100 still in node1');
    if (!pe1.includes('eth1')) throw new Error('underlay NIC disappeared');
    const running = await vtysh('pe1', 'show running-config');
    // FRR 10 keeps an empty `vrf red` / `exit-vrf` block once the VRF was configured
    // (frr-reload.py does not remove empty blocks); what matters is that nothing is in it.
    const leftover = running.replace(/^vrf red\nexit-vrf\n/m, '');
    if (/vrf red|vni 100/.test(leftover)) throw new Error(`FRR still has VRF red:\n${running}`);
    // The underlay still works: the session to the ToR stays up.
    const s = await vtyshJson<{ ipv4Unicast?: { peers?: Record<string, { state: string }> } }>('pe1', 'show bgp summary json');
    if (s.ipv4Unicast?.peers?.['192.168.11.2']?.state !== 'Established') throw new Error('underlay session dropped');
    return `pe1 links now: ${pe1.join(',')}`;
  });

  await check('perouterd exits cleanly on SIGTERM and leaves the dataplane in place', async () => {
    const code = await procs[1]!.stop();
    if (code !== 0) throw new Error(`exit code ${code}`);
    const names = (await links('pe2')).map((l) => l.ifname);
    if (!names.includes('vni100')) throw new Error('dataplane was torn down');
    return `exit ${code}`;
  });
}

runScenario(main);
