// The metrics' names, labels and text format, read the way Prometheus reads them: a scrape.
import { describe, expect, it } from 'vitest';
import { PerouterdMetrics, frrLiveFacts, triggerLabel, type FrrLiveFacts, type ReconcileFacts } from '../../src/observe/metrics.js';

const record = (o: Partial<ReconcileFacts> = {}): ReconcileFacts => ({
  triggers: ['start'],
  outcome: 'applied',
  durationMs: 1200,
  frr: { result: 'applied', durationMs: 300 },
  failed: [],
  ...o,
});
const desired = { plan: { underlay: {}, l3vnis: [1, 2], l2vnis: [3], rawSnippets: [] } };

/** The sample lines of a scrape (no HELP/TYPE), for exact matching. */
async function samples(m: PerouterdMetrics): Promise<string[]> {
  const { body } = await m.scrape();
  return body.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
}

describe('metrics', () => {
  it('counts reconciles by first trigger and outcome, with duration and last success time', async () => {
    const m = new PerouterdMetrics({ now: () => 1_700_000_000_000 }, { processMetrics: false });
    m.reconciled(record(), desired);
    m.reconciled(
      record({ triggers: ['file-change', 'sighup'], outcome: 'config-invalid', frr: { result: 'not-needed', durationMs: 0 } }),
      undefined,
    );
    m.reconciled(record({ triggers: ['retry: kernel-failed'], outcome: 'kernel-failed' }), desired);
    const s = await samples(m);
    expect(s).toContain('perouterd_reconciles_total{trigger="start",outcome="applied"} 1');
    expect(s).toContain('perouterd_reconciles_total{trigger="file-change",outcome="config-invalid"} 1');
    expect(s).toContain('perouterd_reconciles_total{trigger="retry",outcome="kernel-failed"} 1');
    expect(s).toContain('perouterd_reconcile_duration_seconds_count 3');
    expect(s).toContain('perouterd_reconcile_duration_seconds_bucket{le="2.5"} 3');
    expect(s).toContain('perouterd_reconcile_duration_seconds_bucket{le="1"} 0');
    expect(s).toContain('perouterd_last_successful_reconcile_timestamp_seconds 1700000000');
    expect(s).toContain('perouterd_frr_reloads_total{result="applied"} 2');
    expect(s).toContain('perouterd_frr_reload_duration_seconds_sum 0.6');
  });

  it("names address families from the FRR collector's afi and safi", () => {
    const s = frrLiveFacts({
      bgp: [{ vrf: 'red', afi: 'l2vpn', safi: 'evpn', state: 'Established' }],
      vnis: [{ vni: 100, type: 'L3', remoteVteps: ['192.168.1.2', '192.168.1.3'] }],
      bfd: [{ vrf: 'default', status: 'up' }],
    });
    expect(s).toEqual({
      bgpSessions: [{ vrf: 'red', addressFamily: 'l2vpn-evpn', state: 'Established' }],
      evpnVnis: [{ vni: 100, type: 'L3', remoteVteps: 2 }],
      bfdPeers: [{ vrf: 'default', status: 'up' }],
    });
  });

  it('labels triggers from a fixed set', () => {
    expect(['start', 'sighup', 'retry: frr-failed', 'files changed during reconcile', undefined].map(triggerLabel)).toEqual([
      'start',
      'sighup',
      'retry',
      'other',
      'other',
    ]);
  });

  it('reports resources by kind and state, source state as an enum, netlink requests and errors by kind', async () => {
    const m = new PerouterdMetrics({}, { processMetrics: false });
    m.reconciled(record({ failed: [{ kind: 'L3VNI' }, { kind: 'RawFRRConfig' }] }), desired);
    m.sourceChanged({ kind: 'api-lost' });
    m.netlinkRequest('RTM_NEWLINK');
    m.netlinkRequest('RTM_NEWLINK');
    m.netlinkRequest('RTM_DELLINK', 'ENODEV');
    const s = await samples(m);
    expect(s).toContain('perouterd_resources{kind="L3VNI",state="applied"} 2');
    expect(s).toContain('perouterd_resources{kind="L3VNI",state="skipped"} 1');
    expect(s).toContain('perouterd_resources{kind="L2VNI",state="applied"} 1');
    expect(s).toContain('perouterd_resources{kind="Underlay",state="applied"} 1');
    expect(s).toContain('perouterd_resources{kind="RawFRRConfig",state="skipped"} 1');
    expect(s).toContain('perouterd_source_state{state="api-lost"} 1');
    expect(s).toContain('perouterd_source_state{state="static-only"} 0');
    expect(s).toContain('perouterd_netlink_requests_total{kind="RTM_NEWLINK"} 2');
    expect(s).toContain('perouterd_netlink_requests_total{kind="RTM_DELLINK"} 1');
    expect(s).toContain('perouterd_netlink_errors_total{kind="RTM_DELLINK",errno="ENODEV"} 1');
    // No API source: its series are absent rather than a misleading 0.
    expect(s.filter((l) => l.startsWith('perouterd_api_'))).toEqual([]);
  });

  it('reads the API state and FRR state at scrape time; one FRR read per scrape', async () => {
    let restarts = 0;
    let reads = 0;
    let frr: FrrLiveFacts | Error = {
      bgpSessions: [
        { vrf: 'default', addressFamily: 'ipv4Unicast', state: 'Established' },
        { vrf: 'default', addressFamily: 'l2VpnEvpn', state: 'Established' },
        { vrf: 'red', addressFamily: 'ipv4Unicast', state: 'Active' },
      ],
      evpnVnis: [
        { vni: 100, type: 'L3', remoteVteps: 2 },
        { vni: 200, type: 'L2', remoteVteps: 1 },
        { vni: 300, type: 'L3', remoteVteps: 0 },
      ],
      bfdPeers: [
        { vrf: 'default', status: 'up' },
        { vrf: 'default', status: 'down' },
        { vrf: 'red', status: 'up' },
      ],
    };
    let t = 0;
    const m = new PerouterdMetrics(
      {
        now: () => t,
        api: () => ({ connected: true, synced: false, watchRestarts: restarts }),
        frr: () => {
          reads++;
          return frr instanceof Error ? Promise.reject(frr) : Promise.resolve(frr);
        },
      },
      { processMetrics: false },
    );
    restarts = 2;
    let s = await samples(m);
    expect(reads).toBe(1);
    expect(s).toContain('perouterd_api_connected 1');
    expect(s).toContain('perouterd_api_synced 0');
    expect(s).toContain('perouterd_api_watch_restarts_total 2');
    expect(s).toContain('perouterd_frr_state_up 1');
    expect(s).toContain('perouterd_bgp_sessions{vrf="default",address_family="ipv4Unicast",state="Established"} 1');
    expect(s).toContain('perouterd_bgp_sessions{vrf="red",address_family="ipv4Unicast",state="Active"} 1');
    expect(s).toContain('perouterd_evpn_vnis{type="L3"} 2');
    expect(s).toContain('perouterd_evpn_remote_vteps{vni="100",type="L3"} 2');
    expect(s).toContain('perouterd_evpn_remote_vteps{vni="300",type="L3"} 0');
    expect(s).toContain('perouterd_bfd_peers{vrf="default",status="up"} 1');
    expect(s).toContain('perouterd_bfd_peers{vrf="default",status="down"} 1');
    restarts = 5;
    frr = new Error('vtysh: connection refused');
    t = 60_000; // past the cache
    s = await samples(m);
    expect(s).toContain('perouterd_api_watch_restarts_total 5');
    expect(s).toContain('perouterd_frr_state_up 0');
    expect(s.filter((l) => l.startsWith('perouterd_bgp_sessions'))).toEqual([]);
    expect(s.filter((l) => l.startsWith('perouterd_bfd_peers'))).toEqual([]);
  });

  it('counts the FRR restarts run because FRR did not answer', async () => {
    let n = 0;
    const m = new PerouterdMetrics({ frrUnansweredRestarts: () => n }, { processMetrics: false });
    expect(await samples(m)).toContain('perouterd_frr_unanswered_restarts_total 0');
    n = 2;
    expect(await samples(m)).toContain('perouterd_frr_unanswered_restarts_total 2');
  });

  it("counts the EVPN health check's faults and repairs from the daemon's counters", async () => {
    let e = { faults: 0, faultsDetected: 0, repairsByStep: {} as Record<string, number> };
    const m = new PerouterdMetrics({ evpn: () => e }, { processMetrics: false });
    let s = await samples(m);
    expect(s).toContain('perouterd_evpn_dataplane_faults 0');
    expect(s).toContain('perouterd_evpn_dataplane_faults_total 0');
    e = { faults: 2, faultsDetected: 3, repairsByStep: { 'resync-vni': 2 } };
    s = await samples(m);
    expect(s).toContain('perouterd_evpn_dataplane_faults 2');
    expect(s).toContain('perouterd_evpn_dataplane_faults_total 3');
    expect(s).toContain('perouterd_evpn_repairs_total{step="resync-vni"} 2');
    e = { faults: 0, faultsDetected: 3, repairsByStep: { 'resync-vni': 3, 'restart-frr': 1 } };
    s = await samples(m);
    expect(s).toContain('perouterd_evpn_dataplane_faults 0');
    expect(s).toContain('perouterd_evpn_repairs_total{step="resync-vni"} 3');
    expect(s).toContain('perouterd_evpn_repairs_total{step="restart-frr"} 1');
  });

  it('serves the Prometheus text format with HELP and TYPE, process metrics included', async () => {
    const m = new PerouterdMetrics();
    const { contentType, body } = await m.scrape();
    expect(contentType).toMatch(/^text\/plain; version=0\.0\.4/);
    expect(body).toContain('# TYPE perouterd_reconciles_total counter');
    expect(body).toContain('# TYPE perouterd_reconcile_duration_seconds histogram');
    expect(body).toContain('# HELP perouterd_last_successful_reconcile_timestamp_seconds');
    expect(body).toContain('process_resident_memory_bytes');
    // Every perouterd metric name follows the conventions: prefix, snake case, base units.
    const names = [...body.matchAll(/^# TYPE (perouterd_\w+) (\w+)/gm)].map((x) => [x[1]!, x[2]!] as const);
    for (const [name, type] of names) {
      expect(name).toMatch(/^perouterd_[a-z0-9_]+$/);
      if (type === 'counter') expect(name).toMatch(/_total$/);
      expect(name).not.toMatch(/_(ms|milliseconds)$/);
    }
  });
});
