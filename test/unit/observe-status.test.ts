// The status document (src/observe/status-model.ts) and its three outputs: health decided in
// one place, resources with their origins, and no secret in any output format.
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { desiredFrom, type DesiredState } from '../../src/daemon/desired-state.js';
import type { ReconcileRecord } from '../../src/daemon/ports.js';
import type { FrrState } from '../../src/observe/frr-state.js';
import { columns, formatStatus, formatTable } from '../../src/observe/status-format.js';
import { buildStatus, statusFromFile, type StatusInputs } from '../../src/observe/status-model.js';
import { apiOrigin, l2vni, l3vni, routerConfig, underlay } from '../support/builders.js';

const SECRET = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJub2RlIn0.c2lnbmF0dXJl';

function desired(): DesiredState {
  const cfg = routerConfig({
    underlays: [underlay()],
    l3vnis: [
      l3vni('red', 100, { hostSession: { asn: 64514, hostASN: 64515, localCIDR: { ipv4: '192.169.10.0/24' } } }),
      l3vni(
        'blue',
        200,
        { hostSession: { asn: 64514, hostASN: 64515, localCIDR: { ipv4: '192.169.11.0/24' } } },
        { name: 'blue', origin: apiOrigin },
      ),
    ],
    l2vnis: [l2vni(110, 'red')],
  });
  const r = desiredFrom({ nodeName: 'node1', nodeIndex: 1, logLevel: 'info' }, cfg, []);
  if (!r.ok) throw new Error(r.reason);
  return r.desired;
}

const record = (over: Partial<ReconcileRecord> = {}): ReconcileRecord => ({
  startedAt: '2026-12-02T00:00:00.000Z',
  triggers: ['start'],
  outcome: 'applied',
  state: 'ready',
  message: 'all configuration applied',
  durationMs: 812,
  netlinkWrites: 34,
  kernelOps: ['create router/red (vrf)'],
  kernelErrors: [],
  frr: { result: 'applied', linesAdded: 40, linesRemoved: 0, durationMs: 610 },
  failed: [],
  ...over,
});

const FRR: FrrState = {
  bgp: [
    {
      vrf: 'default',
      peer: '192.168.11.2',
      afi: 'l2vpn',
      safi: 'evpn',
      state: 'Established',
      uptime: '00:01:02',
      prefixesReceived: 4,
      prefixesSent: 3,
    },
    { vrf: 'red', peer: '192.169.10.3', afi: 'ipv4', safi: 'unicast', state: 'Established', prefixesReceived: 1, prefixesSent: 2 },
  ],
  vnis: [
    { vni: 100, type: 'L3', vrf: 'red', vxlanInterface: 'vni100', remoteVteps: ['100.65.0.2'] },
    { vni: 110, type: 'L2', vrf: 'red', vxlanInterface: 'vni110', remoteVteps: ['100.65.0.2'] },
  ],
  bfd: [{ peer: '192.168.11.2', vrf: 'default', interface: 'eth1', status: 'up', uptimeSeconds: 60 }],
};

const inputs = (over: Partial<StatusInputs> = {}): StatusInputs => ({
  now: new Date('2026-12-02T00:01:00.000Z'),
  daemon: { state: 'ready', message: 'all configuration applied', reconciles: 1 },
  source: { kind: 'static-only' },
  last: record(),
  desired: desired(),
  failed: [],
  frr: FRR,
  kernel: { changes: [] },
  ...over,
});

describe('status model', () => {
  it('healthy: daemon ready, FRR answers, sessions Established, kernel as desired', () => {
    const d = buildStatus(inputs());
    expect(d).toMatchObject({ health: 'healthy', reasons: [], node: { name: 'node1', index: 1 }, from: 'daemon' });
    expect(d.lastReconcile).toMatchObject({ triggers: ['start'], netlinkWrites: 34, frr: { result: 'applied', linesAdded: 40 } });
    expect(d.lastReconcile).not.toHaveProperty('kernelOps');
  });

  it('every resource with its origin: file:line for static ones, namespace/name for API ones; skipped ones with the reason', () => {
    const failed = [{ kind: 'L3VNI' as const, name: 'green', reason: 'ValidationFailed' as const, message: 'duplicate vni 100' }];
    const d = buildStatus(inputs({ failed }));
    const byName = Object.fromEntries(d.resources.map((r) => [r.name, r]));
    expect(byName['static-node1-red']).toMatchObject({ kind: 'L3VNI', origin: 'openpe_test.yaml:1', state: 'applied' });
    expect(byName.blue).toMatchObject({ kind: 'L3VNI', origin: 'openperouter-system/blue', state: 'applied' });
    expect(byName.green).toMatchObject({ origin: 'api', state: 'skipped', reason: 'ValidationFailed', message: 'duplicate vni 100' });
    expect(d.resources.map((r) => r.kind).sort()).toEqual(['L2VNI', 'L3VNI', 'L3VNI', 'L3VNI', 'Underlay']);
  });

  it('never healthy when something is broken, and says what', () => {
    const down = { ...FRR, bgp: [{ ...FRR.bgp[0]!, state: 'Active' }], bfd: [{ ...FRR.bfd[0]!, status: 'down' }] };
    const d = buildStatus(inputs({ frr: down, kernel: { changes: ['create router/vni100 (vxlan)'] } }));
    expect(d.health).toBe('degraded');
    expect(d.reasons).toEqual([
      'BGP l2vpn evpn neighbour 192.168.11.2 (vrf default) is Active',
      'BFD peer 192.168.11.2 is down',
      'kernel differs from the desired state (1 change(s) pending)',
    ]);
    expect(buildStatus(inputs({ frr: { error: 'vtysh: timeout' } })).reasons).toEqual(['FRR state unavailable: vtysh: timeout']);
    const pending = buildStatus(
      inputs({ daemon: { state: 'degraded', message: 'FRR reload failed', reconciles: 2 }, last: record({ outcome: 'frr-failed' }) }),
    );
    expect(pending.health).toBe('degraded');
    expect(pending.resources.every((r) => r.state === 'pending' && r.reason === 'frr-failed')).toBe(true);
    expect(buildStatus(inputs({ kernel: { unknown: 'a reconcile is running' } })).health).toBe('degraded');
  });

  it('from status.json when the daemon is down: health down, daemon state down', () => {
    const d = statusFromFile(
      { state: 'ready', message: 'all configuration applied', reconciles: 7, lastReconcileAt: '2026-12-01T23:00:00Z' },
      new Date(0),
    );
    expect(d).toMatchObject({ from: 'status-file', health: 'down', daemon: { state: 'down', reconciles: 7 } });
    expect(d.reasons[0]).toMatch(/not running; last state ready at 2026-12-01T23:00:00Z/);
    expect(statusFromFile('garbage', new Date(0)).health).toBe('down');
  });
});

describe('status output', () => {
  const doc = buildStatus(inputs({ source: { kind: 'merged', since: '2026-12-02T00:00:30.000Z' } }));

  it('table: a summary, then one aligned line per resource, neighbour, VNI and BFD peer', () => {
    const t = formatTable(doc);
    expect(t).toContain('HEALTH     healthy\n');
    expect(t).toContain('SOURCE     static files merged with the API since 2026-12-02T00:00:30.000Z');
    expect(t).toContain(
      'RECONCILE  2026-12-02T00:00:00.000Z (start): applied in 812 ms, 34 netlink write(s), FRR reloaded +40 -0 lines in 610 ms',
    );
    expect(t).toContain('KERNEL     as desired');
    const lines = t.split('\n');
    const header = lines.find((l) => l.startsWith('VRF '))!;
    expect(header).toBe('VRF      NEIGHBOR      AF            STATE        UP        PFX-RCVD  PFX-SENT');
    expect(lines).toContain('default  192.168.11.2  l2vpn evpn    Established  00:01:02  4         3');
    expect(lines).toContain('red      192.169.10.3  ipv4 unicast  Established  -         1         2');
    expect(lines).toContain('110  L2    red  vni110  100.65.0.2');
    expect(lines).toContain('192.168.11.2  default  eth1       up      60');
    expect(t).not.toContain('NOT HEALTHY');
  });

  it('table of a degraded node ends with the reasons; a daemon that is down is said so', () => {
    const t = formatTable(buildStatus(inputs({ kernel: { changes: ['create router/vni100 (vxlan)'] } })));
    expect(t).toContain('KERNEL     1 difference(s): create router/vni100 (vxlan)');
    expect(t.trimEnd().split('\n').slice(-2)).toEqual([
      'NOT HEALTHY BECAUSE',
      '  kernel differs from the desired state (1 change(s) pending)',
    ]);
    expect(formatTable(statusFromFile({ state: 'ready' }, new Date(0)))).toContain(
      'HEALTH     down (from status.json: perouterd is not running)',
    );
  });

  it('EVPN entries perouterd holds for zebra are notices: shown, the node still healthy (forwarding works)', () => {
    const held =
      'EVPN VNI 100 (VRF red): remote VTEP 100.65.0.2: router MAC 02:aa:00:00:00:02 held by perouterd on br-pe-100 and vni100 (zebra lost it)';
    const d = buildStatus(inputs({ notices: [held] }));
    expect(d).toMatchObject({ health: 'healthy', reasons: [], notices: [held] });
    expect(formatTable(d).trimEnd().split('\n').slice(-2)).toEqual(['NOTICES', `  ${held}`]);
    expect(formatTable(doc)).not.toContain('NOTICES');
  });

  it('json and yaml carry the whole document', () => {
    expect(JSON.parse(formatStatus(doc, 'json'))).toEqual(doc);
    expect(parseYaml(formatStatus(doc, 'yaml'))).toEqual(doc);
  });

  it('columns: aligned, two spaces apart, no trailing blanks', () => {
    expect(
      columns([
        ['A', 'BB', 'C'],
        ['aaa', 'b', ''],
      ]),
    ).toEqual(['A    BB  C', 'aaa  b']);
  });

  it('no secret reaches any output, wherever it was quoted', () => {
    const leaky = buildStatus(
      inputs({
        daemon: { state: 'degraded', message: `API said token=${SECRET}`, reconciles: 3 },
        last: record({
          message: `Authorization: Bearer ${SECRET}`,
          frr: { result: 'failed', linesAdded: 0, linesRemoved: 0, durationMs: 1, error: `password: ${SECRET}` },
        }),
        failed: [{ kind: 'RawFRRConfig', name: 'x', reason: 'FrrConfigurationFailed', message: `neighbor 1.2.3.4 password ${SECRET}` }],
        frr: { error: `vtysh: ${SECRET}` },
        kernel: { unknown: SECRET },
      }),
    );
    for (const f of ['table', 'json', 'yaml'] as const) expect(formatStatus(leaky, f)).not.toContain(SECRET.slice(0, 20));
    expect(formatStatus(statusFromFile({ state: 'degraded', message: `token: ${SECRET}` }, new Date(0)), 'json')).not.toContain(
      SECRET.slice(0, 20),
    );
  });
});
