// `perouterd teardown` on the host kernel, in throw-away namespaces (HOST stands
// in for the host): the NIC goes back with its address, host-side overlay links
// go, the router namespace is deleted; with FRR still running it refuses.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { teardownNode } from '../../src/cli/teardown.js';
import { NetlinkDataplane, reconcileKernel } from '../../src/dataplane/dataplane.js';
import { createNamedNetns, deleteNamedNetns, netnsExists } from '../../src/dataplane/netlink/index.js';
import { planKernel } from '../../src/plan/kernel-plan.js';
import { acquireInstanceLock } from '../../src/service/instance-lock.js';
import type { RouterPlan } from '../../src/plan/router-plan.js';

const root = process.getuid?.() === 0;
const ROUTER = `pd-td-r-${process.pid}`;
const HOST = `pd-td-h-${process.pid}`;
const STATE = fs.mkdtempSync('/tmp/pd-td-state-');

const plan: RouterPlan = {
  nodeName: 'n',
  nodeIndex: 1,
  logLevel: 'info',
  underlay: { asn: 64514, routerId: '10.0.0.2', nics: ['eth1'], neighbors: [], vtepIPv4: '100.65.0.1', listenLimit: 65535 },
  l3vnis: [],
  l2vnis: [
    {
      name: 'l2-110',
      vni: 110,
      vxlanPort: 4789,
      vtep: '100.65.0.1',
      gatewayIPs: ['192.170.110.1/24'],
      gatewayMac: '00:f3:00:00:00:6f',
      hostBridge: { name: 'br-hs-110', managed: true },
    },
  ],
  rawSnippets: [],
};

const names = (ns: string): string[] =>
  (JSON.parse(execFileSync('ip', ['-n', ns, '-j', 'link', 'show'], { encoding: 'utf8' })) as Array<{ ifname: string }>).map(
    (l) => l.ifname,
  );

describe.skipIf(!root)('perouterd teardown', () => {
  afterAll(() => {
    for (const ns of [ROUTER, HOST]) if (netnsExists(ns)) deleteNamedNetns(ns);
    fs.rmSync(STATE, { recursive: true, force: true });
  });

  it('refuses while FRR runs, then gives the NIC back with its address and deletes the namespace', async () => {
    createNamedNetns(HOST);
    execFileSync('ip', ['-n', HOST, 'link', 'add', 'eth1', 'type', 'veth', 'peer', 'name', 'peer1']);
    execFileSync('ip', ['-n', HOST, 'addr', 'add', '192.168.11.3/24', 'dev', 'eth1']);
    const dp = new NetlinkDataplane(ROUTER, { hostNetns: HOST });
    dp.ensureRouterNamespace();
    expect((await reconcileKernel(dp, planKernel(plan))).errors).toEqual([]);
    dp.close();
    expect(names(HOST)).toEqual(expect.arrayContaining(['host-e-110', 'br-hs-110']));
    expect(names(HOST)).not.toContain('eth1');

    // A live pid file in the FRR path space's run directory: FRR "runs".
    const ps = `pd-td-ps-${process.pid}`;
    fs.mkdirSync(`/var/run/frr/${ps}`, { recursive: true });
    fs.writeFileSync(`/var/run/frr/${ps}/zebra.pid`, `${process.pid}\n`);
    const lines: string[] = [];
    try {
      expect(await teardownNode({ netns: ROUTER, frrPathspace: ps, hostNetns: HOST, stateDir: STATE }, (l) => lines.push(l))).toBe(1);
    } finally {
      fs.rmSync(`/var/run/frr/${ps}`, { recursive: true, force: true });
    }
    expect(lines.join('\n')).toMatch(/FRR still runs .*zebra/);
    expect(netnsExists(ROUTER)).toBe(true);

    // A running daemon (its instance lock held): refused too.
    const held = acquireInstanceLock(STATE, ROUTER);
    try {
      expect(await teardownNode({ netns: ROUTER, frrPathspace: 'none', hostNetns: HOST, stateDir: STATE }, (l) => lines.push(l))).toBe(1);
    } finally {
      fs.closeSync(held);
    }
    expect(lines.join('\n')).toMatch(/already runs for router namespace/);

    lines.length = 0;
    expect(await teardownNode({ netns: ROUTER, frrPathspace: ps, hostNetns: HOST, stateDir: STATE }, (l) => lines.push(l))).toBe(0);
    expect(lines.join('\n')).toContain('move-nic-out eth1');
    expect(netnsExists(ROUTER)).toBe(false);
    expect(names(HOST)).toContain('eth1');
    expect(names(HOST)).not.toContain('host-e-110');
    expect(names(HOST)).not.toContain('br-hs-110');
    expect(execFileSync('ip', ['-n', HOST, '-br', 'addr'], { encoding: 'utf8' })).toMatch(/eth1(@\S+)? .*192\.168\.11\.3\/24/);

    // Nothing left: a second teardown says so and succeeds.
    expect(await teardownNode({ netns: ROUTER, hostNetns: HOST, stateDir: STATE }, () => {})).toBe(0);
  });
});
