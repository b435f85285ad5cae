import { describe, expect, it } from 'vitest';
import { distributedGatewayMac, hostAddress, routerID, vethIPs, vtepIP, vtepIPs } from '../../src/net/ipam.js';
import {
  canonicalIP,
  cidrContains,
  family,
  formatIP,
  formatNetwork,
  hostPart,
  isGlobalUnicast,
  isIPv6LinkLocalPrefix,
  overlaps,
  parseCidr,
  parseIP,
  tryParseCidr,
  tryParseIP,
} from '../../src/net/ipnet.js';

describe('ipam worked example (node index 3)', () => {
  it('VTEP from the tunnel endpoint CIDR', () => {
    expect(vtepIP('100.65.0.0/24', 3)).toBe('100.65.0.3/32');
  });
  it('router-id from the default routerIDCIDR is index + 1', () => {
    expect(routerID('10.0.0.0/24', 3)).toBe('10.0.0.3');
    expect(routerID(undefined, 3)).toBe('10.0.0.3');
  });
  it('IPv4 veth pair: PE .1, host .(index + 2), pool prefix kept', () => {
    expect(vethIPs('192.169.10.0/24', 3)).toEqual({ pe: '192.169.10.1/24', host: '192.169.10.5/24' });
  });
  it('IPv6 veth pair', () => {
    expect(vethIPs('2001:db8:1::/64', 3)).toEqual({ pe: '2001:db8:1::1/64', host: '2001:db8:1::5/64' });
  });
  it('passthrough pool', () => {
    expect(vethIPs('192.169.100.0/24', 3)).toEqual({ pe: '192.169.100.1/24', host: '192.169.100.5/24' });
  });
});

describe('ipam edge cases', () => {
  it('node index 0 gets the network address as VTEP', () => {
    expect(vtepIP('100.65.0.0/24', 0)).toBe('100.65.0.0/32');
    expect(vtepIP('fd00:100::/64', 0)).toBe('fd00:100::/128');
    expect(vtepIP('fd00:100::/64', 3)).toBe('fd00:100::3/128');
  });
  it('VTEP per family', () => {
    expect(vtepIPs(['100.65.0.0/24', 'fd00:100::/64'], 2)).toEqual({ ipv4: '100.65.0.2/32', ipv6: 'fd00:100::2/128' });
  });
  it('PE at the network address when its last byte is not 0', () => {
    expect(vethIPs('10.0.0.4/30', 0)).toEqual({ pe: '10.0.0.4/30', host: '10.0.0.5/30' });
    expect(vethIPs('10.0.0.4/30', 2)).toEqual({ pe: '10.0.0.4/30', host: '10.0.0.7/30' });
    expect(() => vethIPs('10.0.0.4/30', 3)).toThrow(/does not accommodate/);
  });
  it('a pool written with host bits is masked first', () => {
    expect(vethIPs('192.169.10.77/24', 0)).toEqual({ pe: '192.169.10.1/24', host: '192.169.10.2/24' });
  });
  it('host numbers beyond the prefix are refused', () => {
    expect(hostAddress('10.0.0.0/30', 3)).toBe('10.0.0.3');
    expect(() => hostAddress('10.0.0.0/30', 4)).toThrow();
    expect(() => vtepIP('100.65.0.0/32', 1)).toThrow();
    expect(() => routerID('10.0.0.0/30', 4)).toThrow();
    expect(() => hostAddress('10.0.0.0/24', -1)).toThrow();
  });
  it('router-id needs an IPv4 CIDR', () => {
    expect(() => routerID('2001:db8::/64', 1)).toThrow(/IPv4/);
  });
  it('large IPv6 offsets use BigInt', () => {
    expect(hostAddress('2001:db8::/32', 2n ** 64n)).toBe('2001:db8:0:1::');
  });
  it('distributed gateway MAC is 00:f3 + (vni+1) big-endian', () => {
    expect(distributedGatewayMac(110)).toBe('00:f3:00:00:00:6f');
    expect(distributedGatewayMac(0x123456)).toBe('00:f3:00:12:34:57');
    expect(distributedGatewayMac(16777215)).toBe('00:f3:01:00:00:00');
  });
});

describe('ipnet', () => {
  it('parses and formats IPv4 and IPv6', () => {
    expect(parseIP('192.168.1.1')).toEqual({ family: 4, value: 0xc0a80101n });
    expect(tryParseIP('192.168.01.1')).toBeUndefined();
    expect(tryParseIP('256.1.1.1')).toBeUndefined();
    expect(tryParseIP('1.2.3')).toBeUndefined();
    expect(canonicalIP('2001:DB8:0:0:0:0:0:1')).toBe('2001:db8::1');
    expect(canonicalIP('::')).toBe('::');
    expect(canonicalIP('::ffff:1.2.3.4')).toBe('::ffff:102:304');
    expect(canonicalIP('1:0:0:1:0:0:0:1')).toBe('1:0:0:1::1');
    expect(canonicalIP('1:0:0:2:0:0:3:4')).toBe('1::2:0:0:3:4');
    expect(formatIP(6, 1n)).toBe('::1');
    expect(tryParseIP('1::2::3')).toBeUndefined();
    expect(tryParseIP('fe80::1%eth0')).toBeUndefined();
    expect(tryParseIP('1:2:3:4:5:6:7:8:9')).toBeUndefined();
  });
  it('parses CIDRs like Go (host bits allowed, masked network)', () => {
    const c = parseCidr('10.5.3.7/16');
    expect(formatNetwork(c)).toBe('10.5.0.0/16');
    expect(tryParseCidr('10.0.0.0/33')).toBeUndefined();
    expect(tryParseCidr('10.0.0.0')).toBeUndefined();
    expect(tryParseCidr('10.0.0.0/024')).toBeUndefined();
    expect(formatNetwork(parseCidr('2001:db8:1::5/64'))).toBe('2001:db8:1::/64');
    expect(family('10.0.0.0/8')).toBe(4);
    expect(family('2001:db8::1')).toBe(6);
    expect(family('nope')).toBeUndefined();
  });
  it('containment and overlap', () => {
    expect(cidrContains('10.0.0.0/8', '10.1.2.3')).toBe(true);
    expect(cidrContains('10.0.0.0/8', '11.0.0.0')).toBe(false);
    expect(cidrContains('10.0.0.0/8', '::1')).toBe(false);
    expect(overlaps('10.0.0.0/8', '10.2.0.0/16')).toBe(true);
    expect(overlaps('10.2.0.0/16', '10.0.0.0/8')).toBe(true);
    expect(overlaps('10.0.0.0/24', '10.0.1.0/24')).toBe(false);
    expect(overlaps('10.0.0.0/24', '2001:db8::/32')).toBe(false);
  });
  it('host part and global unicast', () => {
    expect(hostPart(parseIP('10.5.3.7'), 16)).toBe(775n);
    expect(isGlobalUnicast(parseIP('fe80::1'))).toBe(false);
    expect(isGlobalUnicast(parseIP('2001:db8::1'))).toBe(true);
    expect(isGlobalUnicast(parseIP('ff02::1'))).toBe(false);
    expect(isIPv6LinkLocalPrefix(parseCidr('fe80::/64'))).toBe(true);
    expect(isIPv6LinkLocalPrefix(parseCidr('febf::1/128'))).toBe(true);
    expect(isIPv6LinkLocalPrefix(parseCidr('fe80::/9'))).toBe(true); // the address decides, as upstream's rule
    expect(isIPv6LinkLocalPrefix(parseCidr('::/0'))).toBe(false); // covers fe80::/10, is not link-local
    expect(isIPv6LinkLocalPrefix(parseCidr('fec0::/10'))).toBe(false);
    expect(isIPv6LinkLocalPrefix(parseCidr('2001:db8::/64'))).toBe(false);
  });
});
