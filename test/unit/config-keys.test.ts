// Keys of the static files: unknown ones suggested and dropped (warnings), matched
// ignoring case like upstream, anchors and merge keys, label keys left alone.
import { describe, expect, it } from 'vitest';
import { editDistance, suggestKey } from '../../src/config/keys.js';
import { loadText, underlayYaml } from '../fixtures/config/harness.js';

describe('key normalisation', () => {
  it('suggests the nearest known key for an unknown one, then drops it (warning)', () => {
    const r = loadText(underlayYaml().replace('    neighbors:', '    neighbours: []\n    neighbors:'));
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([
      {
        severity: 'warning',
        message: 'neighbours: unknown field, did you mean neighbors?',
        location: { file: r.file, line: 3, column: 5, field: 'underlays[0].neighbours' },
      },
    ]);
    expect(r.config.underlays[0]?.spec).not.toHaveProperty('neighbours');
  });

  it('unknown key without a close match', () => {
    const r = loadText('rawfrrconfigs:\n  - rawConfig: "!"\n    colour: blue\n');
    expect(r.warnings[0]?.message).toBe('colour: unknown field, ignored');
    expect(r.warnings[0]?.location).toMatchObject({ line: 3, column: 5, field: 'rawfrrconfigs[0].colour' });
    expect(r.config.rawFrrConfigs[0]?.spec).not.toHaveProperty('colour');
  });

  it('unknown keys inside static list items (name + inline spec) are found too', () => {
    const r = loadText('l3vnis:\n  - name: red\n    vrf: red\n    vni: 100\n    vnii: 3\n');
    expect(r.errors).toEqual([]);
    expect(r.warnings[0]).toMatchObject({
      message: 'vnii: unknown field, did you mean vni?',
      location: { line: 5, field: 'l3vnis[0].vnii' },
    });
    expect(r.config.l3vnis[0]?.spec).toEqual({
      vrf: 'red',
      vni: 100,
      vxlanPort: 4789,
      nodeSelector: { matchLabels: { 'kubernetes.io/hostname': 'node1' } },
    });
  });

  it('anchors under an unknown key still resolve', () => {
    const r = loadText(
      'x-peer: &peer {asn: 64512, address: 192.168.11.2}\nunderlays:\n  - asn: 64514\n    neighbors: [*peer]\n    interfaces: [{type: NetworkDevice, networkDevice: {interfaceName: eth1}}]\n',
    );
    expect(r.errors).toEqual([]);
    expect(r.warnings.map((w) => w.message)).toEqual(['x-peer: unknown field, ignored']);
    expect(r.config.underlays[0]?.spec.neighbors).toEqual([{ asn: 64512, address: '192.168.11.2' }]);
  });

  it('merge keys work', () => {
    const r = loadText('l3vnis:\n  - &base {name: red, vrf: red, vni: 100}\n  - <<: *base\n    name: blue\n    vrf: blue\n    vni: 200\n');
    expect(r.errors).toEqual([]);
    expect(r.config.l3vnis.map((v) => [v.name, v.spec.vni])).toEqual([
      ['static-node1-red', 100],
      ['static-node1-blue', 200],
    ]);
  });

  it('hints at the replacement of fields from older versions', () => {
    const r = loadText(underlayYaml().replace('address: 192.168.11.2', 'address: 192.168.11.2\n        bfd: {passiveMode: true}'));
    expect(r.errors).toEqual([]);
    expect(r.warnings[0]?.message).toBe('passiveMode: unknown field, ignored (use sessionMode: Passive)');
  });

  it('matches keys ignoring case, like upstream, with a warning', () => {
    const r = loadText(
      'L3VNIs:\n  - Name: red\n    VRF: red\n    vni: 100\n    HostSession: {ASN: 1, hostAsn: 2, localCidr: {IPv4: 192.169.10.0/24}}\n',
    );
    expect(r.errors).toEqual([]);
    expect(r.warnings.map((w) => w.message)).toEqual([
      'L3VNIs: matched to l3vnis ignoring case; write l3vnis',
      'Name: matched to name ignoring case; write name',
      'VRF: matched to vrf ignoring case; write vrf',
      'HostSession: matched to hostSession ignoring case; write hostSession',
      'ASN: matched to asn ignoring case; write asn',
      'hostAsn: matched to hostASN ignoring case; write hostASN',
      'localCidr: matched to localCIDR ignoring case; write localCIDR',
      'IPv4: matched to ipv4 ignoring case; write ipv4',
    ]);
    expect(r.warnings[2]?.location).toMatchObject({ line: 3, column: 5, field: 'l3vnis[0].VRF' });
    expect(r.config.l3vnis[0]?.name).toBe('static-node1-red');
    expect(r.config.l3vnis[0]?.spec).toMatchObject({
      vrf: 'red',
      hostSession: { asn: 1, hostASN: 2, localCIDR: { ipv4: '192.169.10.0/24' } },
    });
  });

  it('an old minimumTtl spelling is the same field as minimumTTL', () => {
    const r = loadText(underlayYaml().replace('address: 192.168.11.2', 'address: 192.168.11.2\n        bfd: {minimumTtl: 5}'));
    expect(r.errors).toEqual([]);
    expect(r.config.underlays[0]?.spec.neighbors[0]?.bfd).toEqual({ minimumTTL: 5 });
  });

  it('the same key twice in different case is an error', () => {
    const r = loadText('l3vnis:\n  - name: red\n    vrf: red\n    VRF: blue\n    vni: 1\n');
    expect(r.errors[0]?.message).toBe('VRF: given twice (also as vrf); keys are matched ignoring case');
    expect(r.errors[0]?.location).toMatchObject({ line: 4, column: 5 });
  });

  it('never touches label keys', () => {
    const r = loadText(underlayYaml('    nodeSelector:\n      matchLabels: {Zone: A, kubernetes.io/Hostname: x}\n'));
    expect(r.errors).toEqual([]);
    expect(r.warnings.map((w) => w.message)).toEqual([
      'nodeSelector: ignored in static files (static objects always apply to this node only)',
    ]);
  });

  it('a key with no value counts as absent', () => {
    const r = loadText(`${underlayYaml()}l2vnis:\nl3vnis:\n  - {name: red, vrf: red, vni: 1, hostSession: }\n`);
    expect(r.problems).toEqual([]);
    expect(r.config.l3vnis[0]?.spec.hostSession).toBeUndefined();
  });

  it('edit distance and suggestions', () => {
    expect(editDistance('neighbours', 'neighbors')).toBe(1);
    expect(editDistance('abc', 'ABC')).toBe(0);
    expect(suggestKey('neighbours', ['asn', 'neighbors', 'interfaces'])).toBe('neighbors');
    expect(suggestKey('intrefaces', ['asn', 'neighbors', 'interfaces'])).toBe('interfaces');
    expect(suggestKey('zzzzzz', ['asn', 'neighbors'])).toBeUndefined();
  });
});
