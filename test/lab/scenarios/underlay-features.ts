// Underlay features on the real kernel, real FRR and the real perouterd:
//
//   * node1: bgppassthrough. The host speaker (AS 64515, 10.200.1.1/32 on lo)
//     peers over pt-host/pt-ns with the underlay BGP instance itself; no VTEP,
//     no VXLAN, no EVPN: plain IPv4 unicast to and from the ToR.
//   * node2: an underlay neighbour with a BFD profile (200 ms x 4), BGP timers
//     5/15 and graceful restart (restart time 60 s); the ToR runs bfdd too.
//
//   ext (172.30.0.2) ── to-ext 172.30.0.1 ── ToR (AS 64512, zebra+bfdd+bgpd, network 172.30.0.0/24)
//   node1 ns: pt-host 192.169.10.3 + speaker ── pe1: pt-ns 192.169.10.1, eth1 192.168.11.3 ── ToR
//   node2 ns ── pe2: eth1 192.168.12.3 (BFD, GR) ── ToR
//
// PE FRR runs zebra, bfdd and bgpd, as packaging/frr/daemons does.
import { check, measure, onFinish, runScenario } from '../harness/results.js';
import { ipJson, ping, sh, waitFor } from '../harness/fabric.js';
import { startFrr, vtysh, vtyshJson } from '../harness/frr.js';
import { writeConfig, type PerouterdProcess, bringUpNodes } from '../harness/perouterd.js';
import {
  addrsOf,
  Budget,
  diagnoser,
  expectLinks,
  finishNodes,
  linkMap,
  links,
  waitEstablished,
  withDiag,
  zebraMissingAddrs,
} from '../harness/evpn.js';
import { speakerConfig, torConfig } from '../fixtures/frr-configs.js';
import { perouterdNodes, twoNodeTopology } from '../fixtures/two-nodes.js';

const PASSTHROUGH_YAML = `underlays:
  - asn: 64514
    routerIDCIDR: 10.0.0.0/24
    neighbors:
      - asn: 64512
        address: 192.168.11.2
    interfaces:
      - type: NetworkDevice
        networkDevice:
          interfaceName: eth1
bgppassthrough:
  hostSession:
    asn: 64514
    hostASN: 64515
    localCIDR:
      ipv4: 192.169.10.0/24
`;

const BFD = { receiveInterval: 200, transmitInterval: 200, detectMultiplier: 4 } as const;
const BFD_YAML = `underlays:
  - asn: 64514
    routerIDCIDR: 10.0.0.0/24
    neighbors:
      - asn: 64512
        address: 192.168.12.2
        keepaliveTimeSeconds: 5
        holdTimeSeconds: 15
        bfd:
          receiveInterval: ${BFD.receiveInterval}
          transmitInterval: ${BFD.transmitInterval}
          detectMultiplier: ${BFD.detectMultiplier}
    interfaces:
      - type: NetworkDevice
        networkDevice:
          interfaceName: eth1
    tunnelEndpoint:
      cidrs:
        - 100.65.0.0/24
    gracefulRestart:
      restartTimeSeconds: 60
`;

interface BfdPeer {
  peer: string;
  status: string;
  'receive-interval'?: number;
  'transmit-interval'?: number;
  'detect-multiplier'?: number;
  'remote-receive-interval'?: number;
  'remote-transmit-interval'?: number;
  'remote-detect-multiplier'?: number;
}

async function bfdPeer(ns: string, peer: string): Promise<BfdPeer | undefined> {
  const j = await vtyshJson<BfdPeer[]>(ns, 'show bfd peers json');
  return j.find((p) => p.peer === peer);
}

const fmtBfd = (p: BfdPeer | undefined): string =>
  p
    ? `${p.peer} ${p.status} rx ${p['receive-interval']} tx ${p['transmit-interval']} x${p['detect-multiplier']} (remote rx ${p['remote-receive-interval']} tx ${p['remote-transmit-interval']} x${p['remote-detect-multiplier']})`
    : 'absent';

async function main(): Promise<void> {
  const [n1, n2] = perouterdNodes();
  const procs: PerouterdProcess[] = [];
  onFinish(() => finishNodes(procs, [n1, n2], ['pe1', 'pe2', 'tor']));
  const diag = diagnoser({
    pes: ['pe1', 'pe2'],
    nodes: ['node1'],
    extra: [
      ['pe1 routes', () => sh('ip', ['-n', 'pe1', 'route', 'show'])],
      ['tor routes', () => sh('ip', ['-n', 'tor', 'route', 'show'])],
      ['bfd', async () => `pe2:\n${await vtysh('pe2', 'show bfd peers')}\ntor:\n${await vtysh('tor', 'show bfd peers')}`],
    ],
  });

  await check(
    'fabric: ToR (with bfdd), two nodes and a network behind the ToR wired',
    async () => {
      await twoNodeTopology()
        .ns('ext')
        .veth({ ns: 'tor', dev: 'to-ext', addrs: ['172.30.0.1/24'] }, { ns: 'ext', dev: 'eth0', addrs: ['172.30.0.2/24'] })
        .ip('ext', 'route add default via 172.30.0.1')
        .ip('node1', 'addr add 10.200.1.1/32 dev lo')
        .apply();
      await startFrr('tor', {
        daemons: ['zebra', 'bfdd', 'bgpd'],
        config: torConfig({
          peers: [
            { addr: '192.168.11.3', asn: 64514 },
            { addr: '192.168.12.3', asn: 64514, bfd: true },
          ],
          networks: ['172.30.0.0/24'],
          gracefulRestart: true,
        }),
      });
    },
    { critical: true },
  );

  writeConfig(n1, 'openpe_passthrough.yaml', PASSTHROUGH_YAML);
  writeConfig(n2, 'openpe_underlay.yaml', BFD_YAML);

  await check(
    'perouterd applies: pt-host/pt-ns for the passthrough (no VTEP, no VXLAN), BFD profile and graceful restart in pe2’s FRR',
    async () => {
      measure('perouterd_first_apply_ms', await bringUpNodes([n1, n2], procs));
      const pe1 = await linkMap('pe1');
      expectLinks(pe1, ['pt-ns', 'eth1'], 'pe1');
      const pe1Addrs = await addrsOf('pe1', 'pt-ns');
      if (!pe1Addrs.includes('192.169.10.1/24')) throw new Error(`pe1 pt-ns addresses ${pe1Addrs}`);
      if (pe1.get('pt-ns')?.master) throw new Error(`pt-ns is enslaved to ${pe1.get('pt-ns')?.master}: it belongs to the default VRF`);
      const overlay = [...pe1.values()].filter((l) => ['vxlan', 'vrf', 'bridge'].includes(l.linkinfo?.info_kind ?? ''));
      if (overlay.length) throw new Error(`pe1 has overlay devices: ${overlay.map((l) => l.ifname)}`);
      const lo = await addrsOf('pe1', 'lo');
      if (lo.some((a) => a.startsWith('100.65.'))) throw new Error(`pe1 has a VTEP on lo: ${lo}`);
      const hostAddrs = await addrsOf('node1', 'pt-host');
      if (!hostAddrs.includes('192.169.10.3/24')) throw new Error(`node1 pt-host addresses ${hostAddrs}`);
      const r2 = await vtysh('pe2', 'show running-config');
      const want = [
        'profile neighbor-192.168.12.2',
        `receive-interval ${BFD.receiveInterval}`,
        `transmit-interval ${BFD.transmitInterval}`,
        `detect-multiplier ${BFD.detectMultiplier}`,
        'neighbor 192.168.12.2 bfd',
        'neighbor 192.168.12.2 bfd profile neighbor-192.168.12.2',
        'neighbor 192.168.12.2 timers 5 15',
        'bgp graceful-restart',
        'bgp graceful-restart restart-time 60',
      ];
      const missing = want.filter((w) => !r2.includes(w));
      if (missing.length) throw new Error(`pe2 running-config lacks: ${missing.join(' | ')}`);
      return `pe1: pt-ns 192.169.10.1/24, node1: pt-host 192.169.10.3/24, no overlay devices; pe2 running-config has ${want.length} BFD/GR lines`;
    },
    { critical: true },
  );

  // ---------------------------------------------------------------- passthrough
  const pt = new Budget();
  pt.track(
    await check(
      'passthrough: host speaker session with the underlay instance and the ToR session Established',
      withDiag(diag, async () => {
        await startFrr('node1', {
          daemons: ['zebra', 'bgpd'],
          config: speakerConfig('node1', '10.200.1.1', [{ addr: '192.169.10.1', announce: ['10.200.1.1/32'] }]),
        });
        const t = Date.now();
        const a = await waitEstablished('pe1', '192.169.10.3', 'ipv4Unicast', pt.ms(90_000));
        const b = await waitEstablished('tor', '192.168.11.3', 'ipv4Unicast', pt.ms(90_000));
        measure('passthrough_sessions_ms', Date.now() - t);
        measure('zebra_missing_addrs', { pe1: await zebraMissingAddrs('pe1'), pe2: await zebraMissingAddrs('pe2') });
        // No EVPN on the passthrough node: pe1 never negotiates l2vpn evpn.
        const evpn = await vtyshJson<Record<string, unknown>>('pe1', 'show bgp l2vpn evpn summary json').catch(() => ({}));
        const peers = (evpn as { peers?: Record<string, unknown> }).peers ?? {};
        if (Object.keys(peers).length) throw new Error(`pe1 has EVPN peers: ${Object.keys(peers)}`);
        return `${a}; ${b}`;
      }),
    ),
  );

  await check(
    'passthrough: the ToR learns the host’s /32s (speaker 10.200.1.1/32, pt-host 192.169.10.3/32) in ipv4 unicast, unencapsulated',
    withDiag(diag, async () => {
      const out: string[] = [];
      for (const prefix of ['10.200.1.1/32', '192.169.10.3/32']) {
        const r = await waitFor(
          async () => {
            const j = await vtyshJson<{
              paths?: Array<{ valid?: boolean; aspath?: { string?: string }; nexthops?: Array<{ ip?: string }> }>;
            }>('tor', `show bgp ipv4 unicast ${prefix} json`);
            const p = j.paths?.find((x) => x.valid && x.nexthops?.some((n) => n.ip === '192.168.11.3'));
            return p ? `${prefix} via 192.168.11.3 path "${p.aspath?.string ?? ''}"` : undefined;
          },
          pt.ms(60_000),
          `ToR ipv4 unicast ${prefix} via 192.168.11.3`,
        );
        out.push(r);
      }
      // Kernel: the ToR forwards to the host's /32 straight to the node's underlay address.
      const rt = (await sh('ip', ['-n', 'tor', 'route', 'get', '10.200.1.1'])).trim();
      if (!rt.includes('via 192.168.11.3 dev to-node1')) throw new Error(`ToR kernel route to 10.200.1.1: ${rt}`);
      out.push(`tor kernel: ${rt}`);
      return out.join('; ');
    }),
  );

  await check(
    'passthrough: the host speaker learns the ToR-announced prefix 172.30.0.0/24 and installs it towards pt-ns',
    withDiag(diag, async () => {
      const r = await waitFor(
        async () => {
          const rs = await ipJson<Array<{ dst: string; gateway?: string; dev?: string; protocol?: string }>>('node1', [
            'route',
            'show',
            '172.30.0.0/24',
          ]);
          const x = rs.find((y) => y.gateway === '192.169.10.1' && y.dev === 'pt-host');
          return x ? `node1 kernel: ${x.dst} via ${x.gateway} dev ${x.dev} proto ${x.protocol}` : undefined;
        },
        pt.ms(60_000),
        'node1 kernel route 172.30.0.0/24 via 192.169.10.1 dev pt-host',
      );
      const j = await vtyshJson<{ paths?: Array<{ aspath?: { string?: string } }> }>('node1', 'show bgp ipv4 unicast 172.30.0.0/24 json');
      return `${r}; speaker path "${j.paths?.[0]?.aspath?.string ?? '?'}"`;
    }),
  );

  await check(
    'passthrough: ping from the host (10.200.1.1) to 172.30.0.2 behind the ToR, routed by pe1 without encapsulation',
    withDiag(diag, async () => {
      const p = await waitFor(
        () => ping('node1', '172.30.0.2', { source: '10.200.1.1', count: 3 }),
        pt.ms(60_000),
        'node1 → 172.30.0.2',
        2000,
      );
      const rt = (await sh('ip', ['-n', 'pe1', 'route', 'get', '172.30.0.2'])).trim();
      if (!rt.includes('via 192.168.11.2 dev eth1')) throw new Error(`pe1 route to 172.30.0.2 is not plain IP via the ToR: ${rt}`);
      const back = (await sh('ip', ['-n', 'pe1', 'route', 'get', '10.200.1.1'])).trim();
      if (!back.includes('via 192.169.10.3 dev pt-ns')) throw new Error(`pe1 route back to 10.200.1.1: ${back}`);
      const kinds = (await links('pe1')).map((l) => l.linkinfo?.info_kind).filter((k) => k === 'vxlan');
      if (kinds.length) throw new Error('pe1 has VXLAN devices');
      return `${p}; pe1: ${rt} / ${back}`;
    }),
  );

  // ---------------------------------------------------------------- BFD + graceful restart
  await check(
    `bfd: session up on both sides with the profile’s intervals (${BFD.receiveInterval}/${BFD.transmitInterval} ms x${BFD.detectMultiplier})`,
    withDiag(diag, async () => {
      const t = Date.now();
      const [pe, tor] = await waitFor(
        async () => {
          const a = await bfdPeer('pe2', '192.168.12.2');
          const b = await bfdPeer('tor', '192.168.12.3');
          return a?.status === 'up' && b?.status === 'up' ? ([a, b] as const) : undefined;
        },
        90_000,
        'BFD peers up on pe2 and the ToR',
      );
      measure('bfd_up_ms', Date.now() - t);
      const bad: string[] = [];
      if (
        pe['receive-interval'] !== BFD.receiveInterval ||
        pe['transmit-interval'] !== BFD.transmitInterval ||
        pe['detect-multiplier'] !== BFD.detectMultiplier
      )
        bad.push(`pe2 local timers ${fmtBfd(pe)}`);
      if (
        tor['remote-receive-interval'] !== BFD.receiveInterval ||
        tor['remote-transmit-interval'] !== BFD.transmitInterval ||
        tor['remote-detect-multiplier'] !== BFD.detectMultiplier
      )
        bad.push(`ToR sees remote timers ${fmtBfd(tor)}`);
      // BGP registered with BFD for the session.
      const nb = await vtyshJson<Record<string, { peerBfdInfo?: { status?: string; type?: string } }>>(
        'pe2',
        'show bgp neighbors 192.168.12.2 json',
      );
      const bfdInfo = nb['192.168.12.2']?.peerBfdInfo;
      if (bfdInfo?.status?.toLowerCase() !== 'up') bad.push(`pe2 BGP peerBfdInfo ${JSON.stringify(bfdInfo)}`);
      if (bad.length) throw new Error(bad.join('; '));
      return `pe2: ${fmtBfd(pe)}; tor: ${fmtBfd(tor)}; bgp peerBfdInfo ${JSON.stringify(bfdInfo)}`;
    }),
  );

  await check(
    'bfd: BGP timers 5/15 configured and graceful restart (restart time 60 s) negotiated with the ToR',
    withDiag(diag, async () => {
      await waitEstablished('pe2', '192.168.12.2', 'ipv4Unicast', 60_000);
      type Nb = Record<
        string,
        Record<string, unknown> & { gracefulRestartInfo?: Record<string, unknown>; neighborCapabilities?: Record<string, unknown> }
      >;
      const pe = (await vtyshJson<Nb>('pe2', 'show bgp neighbors 192.168.12.2 json'))['192.168.12.2'] ?? {};
      const tor = (await vtyshJson<Nb>('tor', 'show bgp neighbors 192.168.12.3 json'))['192.168.12.3'] ?? {};
      const bad: string[] = [];
      if (pe.bgpTimerConfiguredHoldTimeMsecs !== 15000 || pe.bgpTimerConfiguredKeepAliveIntervalMsecs !== 5000)
        bad.push(
          `pe2 configured timers hold ${pe.bgpTimerConfiguredHoldTimeMsecs} keepalive ${pe.bgpTimerConfiguredKeepAliveIntervalMsecs}`,
        );
      const gr = pe.gracefulRestartInfo ?? {};
      const grTor = tor.gracefulRestartInfo ?? {};
      if (!String(gr.localGrMode).startsWith('Restart')) bad.push(`pe2 localGrMode ${JSON.stringify(gr.localGrMode)}`);
      if (!String(grTor.remoteGrMode).startsWith('Restart')) bad.push(`ToR sees remoteGrMode ${JSON.stringify(grTor.remoteGrMode)}`);
      const torTimers = (grTor.timers ?? {}) as Record<string, unknown>;
      if (torTimers.receivedRestartTimer !== 60) bad.push(`ToR received restart timer ${JSON.stringify(torTimers)}`);
      const caps = JSON.stringify(pe.neighborCapabilities?.gracefulRestart ?? pe.neighborCapabilities ?? {});
      if (bad.length) throw new Error(`${bad.join('; ')} | pe2 gracefulRestartInfo ${JSON.stringify(gr)} | tor ${JSON.stringify(grTor)}`);
      return `pe2 hold ${pe.bgpTimerHoldTimeMsecs} (configured ${pe.bgpTimerConfiguredHoldTimeMsecs}), keepalive ${pe.bgpTimerKeepAliveIntervalMsecs}; GR local ${gr.localGrMode} / ToR sees ${grTor.remoteGrMode}, restart timer at ToR ${torTimers.receivedRestartTimer}; caps ${caps.slice(0, 200)}`;
    }),
  );
}

runScenario(main);
