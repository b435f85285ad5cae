// Every scenario under examples/ stays valid: the pipeline accepts it with no problem and
// no failed resource, `perouterd validate` exits 0 without a warning, and
// `perouterd render -o json` plans the kernel objects and frr.conf lines the example's
// README promises.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildDesiredState } from '../../src/daemon/desired-state.js';
import { ensureDist, exampleNames, EXAMPLES, runCli } from '../fuzz/cli-helper.js';
import { frrBlockErrors } from '../fuzz/frr-blocks.js';

type Ns = 'router' | 'host';

interface Expectation {
  /** Links that must be planned: `ns/name`, optionally with kind, master and addresses. */
  links: Array<{ id: `${Ns}/${string}`; kind?: string; master?: string; addresses?: string[]; mac?: string; vxlanLocal?: string }>;
  /** Links that must not be planned. */
  absent?: Array<`${Ns}/${string}`>;
  nics: string[];
  loopback: string[];
  /** Lines (trimmed) that frr.conf must contain. */
  frr: string[];
  /** Lines (trimmed) that frr.conf must not contain. */
  noFrr?: string[];
}

const UNDERLAY_FRR = [
  'router bgp 64514',
  'bgp router-id 10.0.0.1',
  'neighbor 192.168.11.2 remote-as 64512',
  'neighbor 192.168.11.2 activate',
];

const EXPECTED: Record<string, Expectation> = {
  'l3vni-metallb': {
    links: [
      { id: 'router/red', kind: 'vrf' },
      { id: 'router/blue', kind: 'vrf' },
      { id: 'router/br-pe-100', kind: 'bridge', master: 'red' },
      { id: 'router/vni100', kind: 'vxlan', master: 'br-pe-100', vxlanLocal: '100.65.0.1' },
      { id: 'router/pe-e-100', master: 'red', addresses: ['192.169.10.1/24'] },
      { id: 'host/host-e-100', kind: 'veth', addresses: ['192.169.10.3/24'] },
      { id: 'router/br-pe-200', kind: 'bridge', master: 'blue' },
      { id: 'router/vni200', kind: 'vxlan', master: 'br-pe-200' },
      { id: 'router/pe-e-200', master: 'blue', addresses: ['192.169.11.1/24'] },
      { id: 'host/host-e-200', kind: 'veth', addresses: ['192.169.11.3/24'] },
    ],
    nics: ['toswitch'],
    loopback: ['100.65.0.1/32'],
    frr: [
      ...UNDERLAY_FRR,
      'advertise-all-vni',
      'vrf red',
      'vni 100',
      'vrf blue',
      'vni 200',
      'router bgp 64514 vrf red',
      'neighbor 192.169.10.3 remote-as 64515',
      'router bgp 64514 vrf blue',
      'neighbor 192.169.11.3 remote-as 64515',
    ],
  },
  'l2vni-gateway': {
    links: [
      { id: 'router/red', kind: 'vrf' },
      { id: 'router/br-pe-100', kind: 'bridge', master: 'red' },
      { id: 'router/vni100', kind: 'vxlan' },
      { id: 'host/host-e-100', addresses: ['192.169.10.3/24'] },
      { id: 'router/br-pe-110', kind: 'bridge', master: 'red', addresses: ['192.170.1.1/24'], mac: '00:f3:00:00:00:6f' },
      { id: 'router/vni110', kind: 'vxlan', master: 'br-pe-110' },
      { id: 'router/pe-e-110', master: 'br-pe-110' },
      { id: 'host/br-hs-110', kind: 'bridge' },
      { id: 'host/host-e-110', kind: 'veth', master: 'br-hs-110', addresses: [] },
    ],
    nics: ['toswitch'],
    loopback: ['100.65.0.1/32'],
    frr: [
      ...UNDERLAY_FRR,
      'advertise-all-vni',
      'router bgp 64514 vrf red',
      'neighbor 192.169.10.3 remote-as 64515',
      'network 192.170.1.0/24',
    ],
  },
  'l2vni-pure': {
    links: [
      { id: 'router/br-pe-300', kind: 'bridge', addresses: [] },
      { id: 'router/vni300', kind: 'vxlan', master: 'br-pe-300' },
      { id: 'router/pe-e-300', master: 'br-pe-300' },
      { id: 'host/br-hs-300', kind: 'bridge' },
      { id: 'host/host-e-300', master: 'br-hs-300' },
      { id: 'router/br-pe-310', kind: 'bridge' },
      { id: 'router/vni310', kind: 'vxlan', master: 'br-pe-310' },
      { id: 'host/host-e-310', master: 'br-backup' },
    ],
    // External bridges exist already: perouterd never creates (or deletes) them.
    absent: ['host/br-backup', 'host/br-hs-310'],
    nics: ['toswitch'],
    loopback: ['100.65.0.1/32'],
    frr: [...UNDERLAY_FRR, 'address-family l2vpn evpn', 'advertise-all-vni'],
    noFrr: ['exit-vrf'],
  },
  passthrough: {
    links: [
      { id: 'host/pt-host', kind: 'veth', addresses: ['192.169.10.3/24'] },
      { id: 'router/pt-ns', addresses: ['192.169.10.1/24'] },
    ],
    nics: ['toswitch'],
    loopback: [],
    frr: [...UNDERLAY_FRR, 'neighbor 192.169.10.3 remote-as 64515', 'neighbor 192.169.10.3 activate', 'network 192.169.10.3/32'],
    noFrr: ['address-family l2vpn evpn', 'advertise-all-vni'],
  },
  'dual-stack': {
    links: [
      { id: 'router/red', kind: 'vrf' },
      { id: 'router/blue', kind: 'vrf' },
      { id: 'router/vni100', kind: 'vxlan', vxlanLocal: '100.65.0.1' },
      { id: 'router/vni200', kind: 'vxlan', vxlanLocal: 'fd00:100:65::1' },
      { id: 'host/host-e-100', addresses: ['192.169.10.3/24', 'fd00:169:10::3/64'] },
      { id: 'router/pe-e-100', master: 'red', addresses: ['192.169.10.1/24', 'fd00:169:10::1/64'] },
      { id: 'host/host-e-200', addresses: ['fd00:169:11::3/64'] },
      { id: 'router/br-pe-110', master: 'red', addresses: ['192.170.1.1/24', 'fd00:170:1::1/64'] },
      { id: 'host/br-hs-110', kind: 'bridge' },
    ],
    nics: ['toswitch'],
    loopback: ['100.65.0.1/32', 'fd00:100:65::1/128'],
    frr: [
      ...UNDERLAY_FRR,
      'network 100.65.0.1/32',
      'network fd00:100:65::1/128',
      'neighbor 192.169.10.3 remote-as 64515',
      'neighbor fd00:169:10::3 remote-as 64515',
      'neighbor fd00:169:11::3 remote-as 64515',
      'network 192.170.1.0/24',
      'network fd00:170:1::/64',
    ],
  },
  'bfd-graceful-restart': {
    links: [
      { id: 'router/red', kind: 'vrf' },
      { id: 'router/vni100', kind: 'vxlan' },
      { id: 'host/host-e-100', addresses: ['192.169.10.3/24'] },
    ],
    nics: ['toswitch', 'toswitch2'],
    loopback: ['100.65.0.1/32'],
    frr: [
      ...UNDERLAY_FRR,
      'bfd',
      'profile neighbor-192.168.11.2',
      'receive-interval 100',
      'transmit-interval 100',
      'detect-multiplier 4',
      'neighbor 192.168.11.2 bfd',
      'neighbor 192.168.11.2 bfd profile neighbor-192.168.11.2',
      'neighbor 192.168.11.2 timers 3 9',
      'neighbor 192.168.12.2 bfd',
      'bgp graceful-restart',
      'bgp graceful-restart preserve-fw-state',
      'bgp graceful-restart restart-time 60',
      'neighbor 192.168.12.2 timers connect 5',
    ],
    // Values equal to FRR's defaults are never rendered.
    noFrr: ['bgp graceful-restart stalepath-time 360', 'minimum-ttl 254', 'neighbor 192.168.12.2 bfd profile neighbor-192.168.12.2'],
  },
  'multi-file': {
    links: [
      { id: 'router/red', kind: 'vrf' },
      { id: 'router/blue', kind: 'vrf' },
      { id: 'router/vni100', kind: 'vxlan' },
      { id: 'router/vni200', kind: 'vxlan' },
      { id: 'router/br-pe-110', master: 'red', addresses: ['192.170.1.1/24'] },
      { id: 'host/br-hs-110', kind: 'bridge' },
      { id: 'router/br-pe-300', kind: 'bridge' },
      { id: 'host/host-e-100', addresses: ['192.169.10.3/24'] },
      { id: 'host/host-e-200', addresses: ['192.169.11.3/24'] },
      { id: 'host/host-e-300', addresses: [] },
    ],
    // openpe_40_green.yaml.disabled is not read.
    absent: ['router/green', 'router/vni400', 'host/host-e-400'],
    nics: ['toswitch'],
    loopback: ['100.65.0.1/32'],
    frr: [...UNDERLAY_FRR, 'router bgp 64514 vrf red', 'router bgp 64514 vrf blue', 'network 192.170.1.0/24'],
    noFrr: ['router bgp 64514 vrf green'],
  },
};

interface JsonLink {
  ns: Ns;
  name: string;
  type: { kind: string; local?: string };
  master?: string;
  addresses: string[];
  mac?: string;
}
interface RenderJson {
  node: { nodeName: string; nodeIndex: number };
  kernel: { underlayNics: string[]; loopbackAddresses: string[]; links: JsonLink[] };
  frrConfig: string;
  failedResources: unknown[];
}

const names = exampleNames();
const paths = (name: string): { configDir: string; nodeConfig: string } => ({
  configDir: join(EXAMPLES, name, 'configs'),
  nodeConfig: join(EXAMPLES, name, 'node-config.yaml'),
});
const relArgs = (name: string): string[] => [
  '--config-dir',
  `examples/${name}/configs`,
  '--node-config',
  `examples/${name}/node-config.yaml`,
];

/** `render -o json` of an example, run once per example. */
const rendered = new Map<string, { status: number | null; stderr: string; json: RenderJson }>();
function renderJson(name: string): { status: number | null; stderr: string; json: RenderJson } {
  let r = rendered.get(name);
  if (!r) {
    const out = runCli(['render', ...relArgs(name), '-o', 'json']);
    r = { status: out.status, stderr: out.stderr, json: JSON.parse(out.stdout) as RenderJson };
    rendered.set(name, r);
  }
  return r;
}

describe('examples/', () => {
  beforeAll(() => ensureDist(), 200_000);

  it('holds the documented scenarios, each with a README and openpe_*.yaml files', () => {
    expect(names).toEqual(Object.keys(EXPECTED).sort());
    for (const name of names) {
      const readme = join(EXAMPLES, name, 'README.md');
      expect(existsSync(readme), readme).toBe(true);
      const text = readFileSync(readme, 'utf8');
      expect(text).toContain(`validate --config-dir examples/${name}/configs --node-config examples/${name}/node-config.yaml`);
      expect(text).toContain('render');
    }
  });

  describe.each(names)('%s', (name) => {
    const exp = EXPECTED[name] as Expectation;

    it('is accepted by the pipeline with no problem and no failed resource', () => {
      const { configDir, nodeConfig } = paths(name);
      const r = buildDesiredState({ configDir, nodeConfigPath: nodeConfig });
      if (!r.ok) expect.fail(`${r.reason}\n${JSON.stringify([...r.problems, ...r.failed], null, 2)}`);
      expect(r.desired.problems).toEqual([]);
      expect(r.desired.failed).toEqual([]);
      expect(frrBlockErrors(r.desired.frrConfig)).toEqual([]);
    });

    it('passes `perouterd validate` (exit 0, no warning)', () => {
      const r = runCli(['validate', ...relArgs(name)]);
      expect(r.stdout + r.stderr).not.toMatch(/warning|error/);
      expect(r.stdout).toMatch(/^read \d+ file\(s\) from .*\nconfiguration is valid\n$/);
      expect(r.status).toBe(0);
    });

    it('renders the kernel objects and frr.conf lines it documents (render -o json)', () => {
      const r = renderJson(name);
      expect(r.stderr).toBe('');
      expect(r.status).toBe(0);
      const out = r.json;
      expect(out.node).toMatchObject({ nodeName: 'worker-1', nodeIndex: 1 });
      expect(out.failedResources).toEqual([]);
      expect(out.kernel.underlayNics).toEqual(exp.nics);
      expect(out.kernel.loopbackAddresses).toEqual(exp.loopback);
      const byId = new Map(out.kernel.links.map((l) => [`${l.ns}/${l.name}`, l]));
      expect(byId.size, 'link names are unique per namespace').toBe(out.kernel.links.length);
      for (const want of exp.links) {
        const l = byId.get(want.id);
        expect(l, `${want.id} planned; have ${[...byId.keys()].join(', ')}`).toBeDefined();
        if (!l) continue;
        if (want.kind) expect(l.type.kind === 'veth-peer' ? 'veth' : l.type.kind, want.id).toBe(want.kind);
        if (want.master) expect(l.master, want.id).toBe(want.master);
        if (want.addresses) expect(l.addresses, want.id).toEqual(want.addresses);
        if (want.mac) expect(l.mac, want.id).toBe(want.mac);
        if (want.vxlanLocal) expect(l.type.local, want.id).toBe(want.vxlanLocal);
      }
      for (const id of exp.absent ?? []) expect(byId.has(id), `${id} must not be planned`).toBe(false);
      const lines = new Set(out.frrConfig.split('\n').map((l) => l.trim()));
      for (const want of exp.frr) expect(lines.has(want), `frr.conf line "${want}"\n${out.frrConfig}`).toBe(true);
      for (const bad of exp.noFrr ?? []) expect(lines.has(bad), `frr.conf must not hold "${bad}"`).toBe(false);
      expect(frrBlockErrors(out.frrConfig)).toEqual([]);
    });

    it('prints exactly what the pipeline computes (render -o json = buildDesiredState)', () => {
      const { configDir, nodeConfig } = paths(name);
      const r = buildDesiredState({ configDir, nodeConfigPath: nodeConfig });
      const out = renderJson(name).json;
      if (!r.ok) expect.fail(r.reason);
      expect(out.frrConfig).toBe(r.desired.frrConfig);
      expect(out.kernel.links).toEqual(JSON.parse(JSON.stringify(r.desired.kernel.links)));
    });
  });
});
