// Route-reflector clients (issue 13 item 1): upstream writes address-family properties as
// objects (`properties: [{type: routeReflectorClient}]`); perouterd 0.1 wrote bare strings.
// Both are read the same way; mirrors are written in upstream's form; an Underlay stored under
// perouterd 0.1's CRD keeps working.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadStaticFile } from '../../src/config/load.js';
import type { NodeSettings } from '../../src/config/model.js';
import { convertApiObjects } from '../../src/k8s/convert.js';
import { desiredMirrors, mirrorMatches } from '../../src/k8s/mirror.js';
import { renderFrrConfig } from '../../src/frr/render.js';
import { planRouter } from '../../src/plan/router-plan.js';

const tmp = mkdtempSync(join(tmpdir(), 'legacy-spelling-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const node: NodeSettings = { nodeName: 'node-a', nodeIndex: 1, logLevel: 'info' };

function underlayFile(name: string, properties: string): string {
  const file = join(tmp, `openpe_${name}.yaml`);
  writeFileSync(
    file,
    [
      'underlays:',
      '  - asn: 64514',
      '    routeReflector: {clusterID: 192.0.2.1}',
      '    interfaces: [{type: NetworkDevice, networkDevice: {interfaceName: eth1}}]',
      '    tunnelEndpoint: {cidrs: [100.65.0.0/24]}',
      '    neighbors:',
      '      - type: Internal',
      '        listenRange: 192.168.11.0/24',
      '        addressFamilies:',
      `          - {type: ipv4unicast, properties: ${properties}}`,
      `          - {type: evpn, properties: ${properties}}`,
    ].join('\n'),
  );
  return file;
}

const objectForm = loadStaticFile(underlayFile('objects', '[{type: routeReflectorClient}]'), node);
const stringForm = loadStaticFile(underlayFile('strings', '[routeReflectorClient]'), node);

describe('address-family properties: object form canonical, bare string still read', () => {
  it('both spellings give the same resources, so the same plan and frr.conf', () => {
    expect(objectForm.problems).toEqual([]);
    expect(stringForm.problems.filter((p) => p.severity === 'error')).toEqual([]);
    expect(stringForm.problems.map((p) => p.severity)).toEqual(['warning', 'warning']);
    const spec = (c: typeof objectForm): unknown => c.config.underlays[0]?.spec;
    expect(spec(stringForm)).toEqual(spec(objectForm));
    const frr = (c: typeof objectForm): string => renderFrrConfig(planRouter(c.config, node));
    const text = frr(objectForm);
    expect(frr(stringForm)).toBe(text);
    expect(text).toContain('neighbor');
    expect(text).toContain('route-reflector-client');
  });

  it("mirrors are written in upstream's form, and a mirror in perouterd 0.1's form is rewritten", () => {
    const { objects } = desiredMirrors(stringForm.config, 'node-a', 'openperouter-system');
    const u = objects[0];
    if (!u) throw new Error('no mirror');
    const afs = (u.spec as { neighbors: Array<{ addressFamilies: unknown }> }).neighbors[0]?.addressFamilies;
    expect(afs).toEqual([
      { type: 'ipv4unicast', properties: [{ type: 'routeReflectorClient' }] },
      { type: 'evpn', properties: [{ type: 'routeReflectorClient' }] },
    ]);
    const old = structuredClone(u.spec) as { neighbors: Array<{ addressFamilies: Array<{ properties: unknown[] }> }> };
    for (const af of old.neighbors[0]?.addressFamilies ?? []) af.properties = ['routeReflectorClient'];
    expect(mirrorMatches({ metadata: { name: u.metadata.name, labels: u.metadata.labels }, spec: old }, u)).toBe(false);
  });

  it("an Underlay CR stored under perouterd 0.1's CRD (bare strings) still converts, in upstream's form", () => {
    const spec = structuredClone(objectForm.config.underlays[0]?.spec) as unknown as Record<string, unknown>;
    delete spec.nodeSelector;
    const legacy = structuredClone(spec) as { neighbors: Array<{ addressFamilies: Array<{ properties: unknown[] }> }> };
    for (const af of legacy.neighbors[0]?.addressFamilies ?? []) af.properties = ['routeReflectorClient'];
    const obj = { apiVersion: 'network.openperouter.io/v1alpha1', kind: 'Underlay', metadata: { name: 'u', namespace: 'x' }, spec: legacy };
    const before = structuredClone(obj);
    const r = convertApiObjects({ Underlay: [obj] }, {}, { namespace: 'x' });
    expect(r.rejected).toEqual([]);
    expect(r.config.underlays[0]?.spec.neighbors[0]?.addressFamilies).toEqual(
      (spec as { neighbors: Array<{ addressFamilies: unknown }> }).neighbors[0]?.addressFamilies,
    );
    expect(obj, 'the informer object is not modified').toEqual(before);
  });
});
