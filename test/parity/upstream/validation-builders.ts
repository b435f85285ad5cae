// Builders and types of the validation-test cases (validation-cases.ts, validation-cases-sessions.ts).
export type Spec = Record<string, unknown>;

export interface ValidationCase {
  /** Upstream test file and the test / table entry. */
  upstream: string;
  /** Specs by kind; a `name` / `namespace` key is the object's (default: generated / openperouter-system). */
  objects: { underlays?: Spec[]; l3vnis?: Spec[]; l2vnis?: Spec[]; l3passthroughs?: Spec[]; rawfrrconfigs?: Spec[] };
  verdict: 'valid' | 'invalid';
  /** Upstream's rule (its expected error, shortened) for an invalid case. */
  rule?: string;
  /** perouterd's deliberate difference, with the reason (README differences). */
  difference?: { verdict: 'valid' | 'invalid'; why: string };
  /** Text perouterd's message must contain. */
  expect?: string;
}

export const NS = 'not supported yet';

export function underlay(over: Spec = {}): Spec {
  return {
    asn: 65001,
    tunnelEndpoint: { cidrs: ['192.168.1.0/24'] },
    interfaces: [{ type: 'NetworkDevice', networkDevice: { interfaceName: 'eth0' } }],
    neighbors: [{ asn: 65002, address: '192.168.1.1' }],
    ...over,
  };
}
export const nic = (name: string): Spec => ({ type: 'NetworkDevice', networkDevice: { interfaceName: name } });
export const l3 = (name: string, vrf: string, vni: number, over: Spec = {}): Spec => ({ name, vrf, vni, ...over });
export const l2 = (name: string, vni: number, over: Spec = {}): Spec => ({ name, vni, ...over });
export const rd = (l3vni: string): Spec => ({ routingDomain: { type: 'L3VNI', l3vni: { name: l3vni } } });
export const hs = (localCIDR: Spec, over: Spec = {}): Spec => ({ hostSession: { asn: 65001, hostASN: 65010, localCIDR, ...over } });

export const U = 'internal/conversion/validate_underlay_test.go: TestValidateUnderlay';
export const UN = 'internal/conversion/validate_underlay_test.go: TestValidateUnderlaysForNodes';
export const V = 'internal/conversion/validate_vni_test.go';
export const H = 'internal/conversion/validate_hostsession_test.go: TestValidateHostSessions';
export const P = 'internal/conversion/validate_passthrough_test.go';
