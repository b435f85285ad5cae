// Generated configurations for the scale benchmark: N L3VNIs (one file each,
// with a host session) plus N/10 L2VNIs routed by them, on one underlay.
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { underlayYaml } from '../fixtures/config/harness.js';

export const VNI_BASE = 1000;

const cidr = (i: number): string => `10.${100 + (i >> 8)}.${i & 255}.0/24`;
const gw = (i: number): string => `172.${16 + (i >> 8)}.${i & 255}.1/24`;

function l3File(i: number): string {
  const vni = VNI_BASE + i;
  const l2 =
    i % 10 === 0
      ? `l2vnis:
  - name: l2-${vni}
    vni: ${VNI_BASE + 50_000 + i}
    routingDomain:
      type: L3VNI
      l3vni:
        name: t${vni}
    gatewayIPs: [${gw(i)}]
`
      : '';
  return `l3vnis:
  - name: t${vni}
    vrf: t${vni}
    vni: ${vni}
    hostSession:
      asn: 64514
      hostASN: 64515
      localCIDR:
        ipv4: ${cidr(i)}
${l2}`;
}

const UNDERLAY = underlayYaml('    routerIDCIDR: 10.0.0.0/24\n', 'toswitch');

export interface GeneratedConfig {
  dir: string;
  configDir: string;
  nodeConfigPath: string;
}

/** A config directory with VNIs 0..n-1 (files openpe_v<i>.yaml). */
export function writeConfig(n: number): GeneratedConfig {
  const dir = mkdtempSync(path.join(tmpdir(), `perouterd-scale-${n}-`));
  const configDir = path.join(dir, 'configs');
  mkdirSync(configDir);
  const nodeConfigPath = path.join(dir, 'node-config.yaml');
  writeFileSync(nodeConfigPath, 'nodeIndex:\n  index: 1\nnodeName: bench\nlogLevel: info\n');
  writeFileSync(path.join(configDir, 'openpe_underlay.yaml'), UNDERLAY);
  for (let i = 0; i < n; i++) addVni(configDir, i);
  return { dir, configDir, nodeConfigPath };
}

export function addVni(configDir: string, i: number): void {
  writeFileSync(path.join(configDir, `openpe_v${String(i).padStart(5, '0')}.yaml`), l3File(i));
}
