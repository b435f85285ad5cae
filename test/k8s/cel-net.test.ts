// Kubernetes' IP and CIDR CEL libraries in the API server stand-in (apiserver-standin/cel-net.ts)
// give kube-apiserver's answers. The expectations restate, as facts, the documented examples and
// test cases of k8s.io/apiserver/pkg/cel/library (ip.go, cidr.go and their tests) and the parsing
// rules of Go's net/netip they rely on.
import { describe, expect, it } from 'vitest';
import { CelError, compileCel, evalCel } from './apiserver-standin/cel.js';

function run(expr: string): unknown {
  return evalCel(compileCel(expr), {});
}

describe('Kubernetes IP library', () => {
  it.each([
    ["isIP('127.0.0.1')", true],
    ["isIP('::1')", true],
    ["isIP('127.0.0.256')", false],
    ["isIP(':::1')", false],
    ["isIP('1.2.3.04')", false], // leading zero
    ["isIP('1.2.3')", false],
    ["isIP('1.2.3.4.5')", false],
    ["isIP('fe80::1%eth0')", false], // zone
    ["isIP('::ffff:1.2.3.4')", false], // IPv4-mapped
    ["isIP('64:ff9b::1.2.3.4')", true], // embedded IPv4, not mapped
    ["isIP('1::2::3')", false],
    ["isIP('1:2:3:4:5:6:7:8')", true],
    ["isIP('1:2:3:4:5:6:7::8')", false], // :: standing for no field
    ["isIP('1:2:3:4:5:6:7:8:9')", false],
    ["isIP('12345::1')", false],
    ["isIP('10.0.0.0/8')", false],
    ["isIP('')", false],
    ["ip('127.0.0.1').family() == 4", true],
    ["ip('::1').family()", 6],
    ["ip('0.0.0.0').isUnspecified()", true],
    ["ip('::').isUnspecified()", true],
    ["ip('::1').isUnspecified()", false],
    ["ip('127.0.0.1').isLoopback()", true],
    ["ip('192.168.0.1').isLoopback()", false],
    ["ip('::1').isLoopback()", true],
    ["ip('2001:db8::abcd').isLoopback()", false],
    ["ip('224.0.0.1').isLinkLocalMulticast()", true],
    ["ip('224.0.1.1').isLinkLocalMulticast()", false],
    ["ip('ff02::1').isLinkLocalMulticast()", true],
    ["ip('fd00::1').isLinkLocalMulticast()", false],
    ["ip('169.254.169.254').isLinkLocalUnicast()", true],
    ["ip('192.168.0.1').isLinkLocalUnicast()", false],
    ["ip('fe80::1').isLinkLocalUnicast()", true],
    ["ip('febf::1').isLinkLocalUnicast()", true],
    ["ip('fec0::1').isLinkLocalUnicast()", false],
    ["ip('fd80::1').isLinkLocalUnicast()", false],
    ["ip('192.168.0.1').isGlobalUnicast()", true],
    ["ip('255.255.255.255').isGlobalUnicast()", false],
    ["ip('2001:db8::abcd').isGlobalUnicast()", true],
    ["ip('ff00::1').isGlobalUnicast()", false],
    ["ip.isCanonical('127.0.0.1')", true],
    ["ip.isCanonical('2001:db8::abcd')", true],
    ["ip.isCanonical('2001:DB8::ABCD')", false],
    ["ip.isCanonical('2001:db8::0:0:0:abcd')", false],
    ["ip('::1') == ip('0:0::1')", true],
    ["ip('::1') == ip('::2')", false],
    ["string(ip('2001:DB8:0:0:0:0:0:ABCD'))", '2001:db8::abcd'],
    ["string(ip('1:0:0:2:0:0:0:3'))", '1:0:0:2::3'],
    ["string(ip('1:0:0:2:0:0:3:4'))", '1::2:0:0:3:4'],
    ["string(ip('1:0:2:3:4:5:6:7'))", '1:0:2:3:4:5:6:7'],
  ] as const)('%s', (expr, want) => {
    expect(run(expr)).toBe(want);
  });

  it('ip() of an invalid address is an error, as are unknown overloads', () => {
    expect(() => run("ip('1.2.3.04').family()")).toThrow(CelError);
    expect(() => run("ip('::ffff:1.2.3.4')")).toThrow(/IPv4-mapped/);
    expect(() => compileCel('ip(1).family()').program({})).not.toThrow(); // resolved at run time …
    expect(() => run('ip(1).family()')).toThrow(CelError); // … and refused there
  });
});

describe('Kubernetes CIDR library', () => {
  it.each([
    ["isCIDR('192.168.0.0/16')", true],
    ["isCIDR('::1/128')", true],
    ["isCIDR('192.168.0.0/33')", false],
    ["isCIDR('::1/129')", false],
    ["isCIDR('192.168.0.1/16')", true], // host bits are kept, not refused
    ["isCIDR('192.168.0.0/')", false],
    ["isCIDR('192.168.0.0/016')", false], // leading zero in the length
    ["isCIDR('192.168.0.0/+16')", false],
    ["isCIDR('192.168.0.0')", false],
    ["isCIDR('::ffff:1.2.3.0/120')", false],
    ["isCIDR('fe80::%eth0/64')", false],
    ["cidr('192.168.0.0/24').containsIP(ip('192.168.0.1'))", true],
    ["cidr('192.168.0.0/24').containsIP(ip('192.168.1.1'))", false],
    ["cidr('192.168.0.0/24').containsIP('192.168.0.1')", true],
    ["cidr('192.168.0.0/24').containsIP('192.168.1.1')", false],
    ["cidr('192.168.0.1/24').containsIP('192.168.0.10')", true],
    ["cidr('0.0.0.0/0').containsIP('::1')", false], // across families
    ["cidr('192.168.0.0/24').containsCIDR(cidr('192.168.0.0/25'))", true],
    ["cidr('192.168.0.0/24').containsCIDR(cidr('192.168.0.0/23'))", false],
    ["cidr('192.168.0.0/24').containsCIDR('192.168.0.0/25')", true],
    ["cidr('2001:db8::/32').containsCIDR('2001:db8::/33')", true],
    ["cidr('2001:db8::/32').containsCIDR('2001:db8::/31')", false],
    ["cidr('2001:db8::/32').containsIP('2001:db8::1')", true],
    ["cidr('2001:db8::/32').containsIP('2001:dc8::1')", false],
    ["cidr('192.168.0.0/24').ip() == ip('192.168.0.0')", true],
    ["cidr('192.168.0.1/24').ip().family()", 4],
    ["cidr('::1/128').ip().family()", 6],
    ["cidr('192.168.0.1/24').masked() == cidr('192.168.0.0/24')", true],
    ["cidr('192.168.0.1/24') == cidr('192.168.0.1/24').masked()", false],
    ["cidr('2001:db8:1::/32').masked() == cidr('2001:db8::/32')", true],
    ["cidr('192.168.0.0/16').prefixLength()", 16],
    ["cidr('::1/128').prefixLength()", 128],
    ["string(cidr('192.168.0.0/24'))", '192.168.0.0/24'],
    ["cidr('fe80::/10').ip().isLinkLocalUnicast()", true],
  ] as const)('%s', (expr, want) => {
    expect(run(expr)).toBe(want);
  });

  it('containsCIDR computes as kube-apiserver does (the contained address keeps its host bits)', () => {
    // p.Masked() == PrefixFrom(q.Addr(), p.Bits()): 192.168.10.0/16 is not 192.168.0.0/16.
    expect(run("cidr('192.168.0.0/16').containsCIDR('192.168.10.0/24')")).toBe(false);
  });

  it('cidr() of an invalid prefix is an error, in containsIP/containsCIDR arguments too', () => {
    expect(() => run("cidr('192.168.0.0/')")).toThrow(CelError);
    expect(() => run("cidr('10.0.0.0/8').containsIP('10.0.0.256')")).toThrow(CelError);
    expect(() => run("cidr('10.0.0.0/8').containsCIDR('10.0.0.0/40')")).toThrow(CelError);
  });
});
