// Cases of upstream's host-session, passthrough and webhook tests, and of features perouterd has
// not built; see validation-cases.ts.
import { H, hs, l2, l3, NS, P, U, underlay, V, type Spec, type ValidationCase } from './validation-builders.js';

export function hostSessionCases(): ValidationCase[] {
  const c = (name: string, objects: ValidationCase['objects'], verdict: 'valid' | 'invalid', rule?: string): ValidationCase => ({
    upstream: `${H}/"${name}"`,
    objects: { underlays: [underlay()], ...objects },
    verdict,
    ...(rule !== undefined ? { rule } : {}),
  });
  return [
    c(
      'valid host sessions',
      { l3vnis: [l3('a', 'a', 100, hs({ ipv4: '10.0.0.0/24' })), l3('b', 'b', 101, hs({ ipv4: '10.0.1.0/24' }))] },
      'valid',
    ),
    c(
      'overlapping IPv4 CIDRs',
      { l3vnis: [l3('a', 'a', 100, hs({ ipv4: '10.0.0.0/24' })), l3('b', 'b', 101, hs({ ipv4: '10.0.0.0/16' }))] },
      'invalid',
      'overlapping localCIDRs',
    ),
    c(
      'overlapping IPv6 CIDRs',
      { l3vnis: [l3('a', 'a', 100, hs({ ipv6: '2001:db8::/64' })), l3('b', 'b', 101, hs({ ipv6: '2001:db8::/48' }))] },
      'invalid',
      'overlapping localCIDRs',
    ),
    c('invalid IPv4 localcidr', { l3vnis: [l3('a', 'a', 100, hs({ ipv4: '10.0.0.0/33' }))] }, 'invalid', 'invalid localCIDR'),
    c('invalid IPv6 localcidr', { l3vnis: [l3('a', 'a', 100, hs({ ipv6: '2001:db8::/129' }))] }, 'invalid', 'invalid localCIDR'),
    // The conversion function alone accepts it; upstream's L3VNI CRD refuses it, which is the verdict a cluster gives.
    c(
      'same local and remote ASN (iBGP)',
      { l3vnis: [l3('a', 'a', 100, hs({ ipv4: '10.0.0.0/24' }, { hostASN: 65001 }))] },
      'invalid',
      'hostASN must be different from asn (L3VNI CRD)',
    ),
    c(
      'remote ASN 0 and type external)',
      { l3vnis: [l3('a', 'a', 100, { hostSession: { asn: 65001, hostType: 'External', localCIDR: { ipv4: '10.0.0.0/24' } } })] },
      'valid',
    ),
    c(
      'remote ASN 0 and type internal',
      { l3vnis: [l3('a', 'a', 100, { hostSession: { asn: 65001, hostType: 'Internal', localCIDR: { ipv4: '10.0.0.0/24' } } })] },
      'valid',
    ),
    c('no host session', { l3vnis: [l3('a', 'a', 100)] }, 'valid'),
    c('dual stack host session', { l3vnis: [l3('a', 'a', 100, hs({ ipv4: '10.0.0.0/24', ipv6: '2001:db8::/64' }))] }, 'valid'),
    c('l3passthrough with host session', { l3passthroughs: [hs({ ipv4: '10.0.5.0/24' })] }, 'valid'),
    c(
      'mixed l3vni and l3passthrough',
      { l3vnis: [l3('a', 'a', 100, hs({ ipv4: '10.0.0.0/24' }))], l3passthroughs: [hs({ ipv4: '10.0.5.0/24' })] },
      'valid',
    ),
    c(
      'overlapping CIDRs between l3vni and l3passthrough',
      { l3vnis: [l3('a', 'a', 100, hs({ ipv4: '10.0.0.0/24' }))], l3passthroughs: [hs({ ipv4: '10.0.0.0/16' })] },
      'invalid',
      'overlapping localCIDRs',
    ),
  ];
}

export function passthroughCases(): ValidationCase[] {
  const pt = hs({ ipv4: '10.0.5.0/24' });
  return [
    {
      upstream: `${P}: TestValidatePassthroughsForNodes/"single node single passthrough with nil selector"`,
      objects: { underlays: [underlay()], l3passthroughs: [pt] },
      verdict: 'valid',
    },
    {
      upstream: `${P}: TestValidatePassthroughsForNodes/"single node two passthroughs matching the same node"`,
      objects: { underlays: [underlay()], l3passthroughs: [pt, hs({ ipv4: '10.0.6.0/24' })] },
      verdict: 'invalid',
      rule: "can't have more than one l3passthrough per node",
    },
    {
      upstream: `${P}: TestValidatePassthroughsForNodes/"invalid node selector expression"`,
      objects: {
        underlays: [underlay()],
        l3passthroughs: [{ ...pt, nodeSelector: { matchExpressions: [{ key: 'a', operator: 'InvalidOp' }] } }],
      },
      verdict: 'invalid',
      rule: 'is not a valid label selector operator',
    },
  ];
}

/** Features perouterd has not built: upstream accepts, perouterd refuses with "not supported yet". */
export function unsupportedCases(): ValidationCase[] {
  const why = (f: string): { verdict: 'invalid'; why: string } => ({
    verdict: 'invalid',
    why: `${f}: "not supported yet", never ignored (README differences)`,
  });
  return [
    {
      upstream: `${U}/"valid SRv6 Locator Format"`,
      objects: {
        underlays: [
          underlay({
            isis: { baseNet: '49.0001.0000.0000.0001.00' },
            srv6: { locator: { basePrefix: 'fd00:0:32::/48', format: 'usid-f3216' } },
          }),
        ],
      },
      verdict: 'valid',
      difference: why('IS-IS and SRv6'),
      expect: NS,
    },
    {
      upstream: `${V}: TestFilterValidL2VNIs/"valid L2VNIs with L3VPN"`,
      objects: { underlays: [underlay()], l2vnis: [l2('l2', 200, { routingDomain: { type: 'L3VPN', l3vpn: { name: 'vpn' } } })] },
      verdict: 'valid',
      difference: why('L3VPN routing domains'),
      expect: NS,
    },
  ];
}

const W = 'internal/webhooks';

/** The webhooks' own tests: each validates the new object with what the cluster holds. */
export function webhookCases(): ValidationCase[] {
  const u = underlay();
  const raw = (rawConfig: string, namespace = 'openperouter-system'): Spec => ({ name: 'rawfrrconfig', namespace, rawConfig });
  return [
    {
      upstream: `${W}/l3vni_webhook_test.go: "webhook passes"`,
      objects: { underlays: [u], l3vnis: [l3('red', 'red', 100)] },
      verdict: 'valid',
    },
    {
      upstream: `${W}/l3vni_webhook_test.go: "testing conversion.ValidateVRFs is hit"`,
      objects: { underlays: [u], l3vnis: [l3('existing', 'vrfa', 100), l3('new', 'vrfa', 101)] },
      verdict: 'invalid',
      rule: 'more than one L3VNI detected in VRF',
    },
    {
      upstream: `${W}/l2vni_webhook_test.go: "testing conversion.ValidateL2VNIsForNodes is hit - duplicate VNI"`,
      objects: { underlays: [u], l2vnis: [l2('existing', 300), l2('new', 300)] },
      verdict: 'invalid',
      rule: 'duplicate VNI',
    },
    {
      upstream: `${W}/l3passthrough_webhook_test.go: "testing conversion.ValidatePassthroughsForNodes is hit - more than one passthrough per node"`,
      objects: { underlays: [u], l3passthroughs: [hs({ ipv4: '10.0.5.0/24' }), hs({ ipv4: '10.0.6.0/24' })] },
      verdict: 'invalid',
      rule: "can't have more than one l3passthrough per node",
    },
    {
      upstream: `${W}/underlay_webhook_test.go: "testing conversion.ValidateUnderlaysForNodes is hit - more than one underlay per node"`,
      objects: { underlays: [u, underlay({ asn: 65005 })] },
      verdict: 'invalid',
      rule: "can't have more than one underlay per node",
    },
    { upstream: `${W}/rawfrrconfig_webhook_test.go: "webhook passes"`, objects: { rawfrrconfigs: [raw('some config')] }, verdict: 'valid' },
    {
      upstream: `${W}/rawfrrconfig_webhook_test.go: "empty rawConfig"`,
      objects: { rawfrrconfigs: [raw('')] },
      verdict: 'invalid',
      rule: 'rawConfig must not be empty',
    },
    {
      upstream: `${W}/rawfrrconfig_webhook_test.go: "wrong namespace is rejected"`,
      objects: { underlays: [u], rawfrrconfigs: [raw('some config', 'other-namespace')] },
      verdict: 'invalid',
      rule: 'RawFRRConfig must be created in the operator namespace',
      difference: {
        verdict: 'valid',
        why: 'perouterd has no admission webhook: a RawFRRConfig outside its namespace is admitted by the CRD and not applied (upstream: refused by its webhook)',
      },
    },
  ];
}
