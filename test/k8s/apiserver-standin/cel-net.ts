// Kubernetes' IP and CIDR CEL libraries (k8s.io/apiserver/pkg/cel/library ip.go, cidr.go) for
// @bufbuild/cel: the types net.IP and net.CIDR (declared as protobuf messages, the way
// @bufbuild/cel knows object types), their constructors and tests (ip, isIP, ip.isCanonical,
// cidr, isCIDR), their methods (family, isUnspecified, isLoopback, isLinkLocalMulticast,
// isLinkLocalUnicast, isGlobalUnicast; containsIP, containsCIDR, ip, masked, prefixLength) and
// string(). Parsing is Go's net/netip (netip.ts); IPv4-mapped IPv6 addresses are refused as
// Kubernetes refuses them. An invalid argument to ip()/cidr()/containsIP()/containsCIDR() is a
// CEL error (the rule then fails), as in kube-apiserver.

import { create, createFileRegistry, type DescMessage } from '@bufbuild/protobuf';
import { reflect, type ReflectMessage } from '@bufbuild/protobuf/reflect';
import { FieldDescriptorProto_Label, FieldDescriptorProto_Type, FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { type CelFunc, CelScalar, celFunc, celMethod, objectType } from '@bufbuild/cel';
import * as netip from './netip.js';

const field = (name: string, number: number, type: FieldDescriptorProto_Type) => ({
  name,
  number,
  type,
  label: FieldDescriptorProto_Label.OPTIONAL,
  jsonName: name,
});

// Values hold the canonical text of the address (and the prefix length), so CEL's message
// equality is Go's Addr / Prefix equality.
const registry = createFileRegistry(
  create(FileDescriptorProtoSchema, {
    name: 'perouterd/test/k8s-net.proto',
    package: 'net',
    syntax: 'proto3',
    messageType: [
      { name: 'IP', field: [field('addr', 1, FieldDescriptorProto_Type.STRING)] },
      { name: 'CIDR', field: [field('addr', 1, FieldDescriptorProto_Type.STRING), field('bits', 2, FieldDescriptorProto_Type.INT32)] },
    ],
  }),
  () => undefined,
);

function message(name: string): DescMessage {
  const d = registry.getMessage(name);
  if (!d) throw new Error(`no message ${name}`);
  return d;
}

const IP_DESC = message('net.IP');
const CIDR_DESC = message('net.CIDR');
const IP = objectType(IP_DESC);
const CIDR = objectType(CIDR_DESC);
const { STRING, BOOL, INT } = CelScalar;

/** Kubernetes' parseIPAddr: netip.ParseAddr, no zone, no IPv4-mapped IPv6. */
function parseIP(s: string): netip.Addr {
  const a = netip.parseAddr(s);
  if (!a) throw new Error(`IP Address "${s}" parse error during conversion from string`);
  if (netip.is4In6(a)) throw new Error(`IPv4-mapped IPv6 address "${s}" is not allowed`);
  return a;
}

/** Kubernetes' parseCIDR: netip.ParsePrefix, no IPv4-mapped IPv6. */
function parseCIDR(s: string): netip.Prefix {
  const p = netip.parsePrefix(s);
  if (!p) throw new Error(`network address parse error during conversion from string: "${s}"`);
  if (netip.is4In6(p.addr)) throw new Error(`IPv4-mapped IPv6 address "${s}" is not allowed`);
  return p;
}

function ipValue(a: netip.Addr): ReflectMessage {
  return reflect(IP_DESC, create(IP_DESC, { addr: netip.addrString(a) }));
}

function cidrValue(p: netip.Prefix): ReflectMessage {
  return reflect(CIDR_DESC, create(CIDR_DESC, { addr: netip.addrString(p.addr), bits: p.bits }));
}

function addrOf(v: ReflectMessage): netip.Addr {
  return parseIP((v.message as unknown as { addr: string }).addr);
}

function prefixOf(v: ReflectMessage): netip.Prefix {
  const m = v.message as unknown as { addr: string; bits: number };
  return { addr: parseIP(m.addr), bits: m.bits };
}

function succeeds(f: () => unknown): boolean {
  try {
    f();
    return true;
  } catch {
    return false;
  }
}

/**
 * cidr.containsCIDR exactly as kube-apiserver computes it: `p.Masked() == PrefixFrom(q.Addr(),
 * p.Bits())` and p no longer than q. PrefixFrom keeps q's host bits, so a q whose address has
 * bits set past p's length is not contained (cidr('10.0.0.0/8').containsCIDR('10.1.0.0/16') is
 * false there, and so here).
 */
function containsCIDR(p: netip.Prefix, q: netip.Prefix): boolean {
  const m = netip.masked(p).addr.bytes;
  const qa = q.addr.bytes;
  return q.bits >= p.bits && m.length === qa.length && m.every((x, i) => x === qa[i]);
}

const ipTest = (name: string, test: (a: netip.Addr) => boolean): CelFunc =>
  celMethod(name, IP, [], BOOL, function (this: ReflectMessage) {
    return test(addrOf(this));
  });

/** Every function of the two libraries, for celEnv({ funcs }). */
export const K8S_NET_FUNCS: CelFunc[] = [
  celFunc('ip', [STRING], IP, (s) => ipValue(parseIP(s))),
  celFunc('isIP', [STRING], BOOL, (s) => succeeds(() => parseIP(s))),
  celFunc('ip.isCanonical', [STRING], BOOL, (s) => netip.addrString(parseIP(s)) === s),
  celFunc('string', [IP], STRING, (v) => netip.addrString(addrOf(v))),
  celMethod('family', IP, [], INT, function (this: ReflectMessage) {
    return BigInt(netip.family(addrOf(this)));
  }),
  ipTest('isUnspecified', netip.isUnspecified),
  ipTest('isLoopback', netip.isLoopback),
  ipTest('isLinkLocalMulticast', netip.isLinkLocalMulticast),
  ipTest('isLinkLocalUnicast', netip.isLinkLocalUnicast),
  ipTest('isGlobalUnicast', netip.isGlobalUnicast),

  celFunc('cidr', [STRING], CIDR, (s) => cidrValue(parseCIDR(s))),
  celFunc('isCIDR', [STRING], BOOL, (s) => succeeds(() => parseCIDR(s))),
  celFunc('string', [CIDR], STRING, (v) => {
    const p = prefixOf(v);
    return `${netip.addrString(p.addr)}/${p.bits}`;
  }),
  celMethod('containsIP', CIDR, [STRING], BOOL, function (this: ReflectMessage, s) {
    return netip.prefixContains(prefixOf(this), parseIP(s));
  }),
  celMethod('containsIP', CIDR, [IP], BOOL, function (this: ReflectMessage, v) {
    return netip.prefixContains(prefixOf(this), addrOf(v));
  }),
  celMethod('containsCIDR', CIDR, [STRING], BOOL, function (this: ReflectMessage, s) {
    return containsCIDR(prefixOf(this), parseCIDR(s));
  }),
  celMethod('containsCIDR', CIDR, [CIDR], BOOL, function (this: ReflectMessage, v) {
    return containsCIDR(prefixOf(this), prefixOf(v));
  }),
  celMethod('ip', CIDR, [], IP, function (this: ReflectMessage) {
    return ipValue(prefixOf(this).addr);
  }),
  celMethod('masked', CIDR, [], CIDR, function (this: ReflectMessage) {
    return cidrValue(netip.masked(prefixOf(this)));
  }),
  celMethod('prefixLength', CIDR, [], INT, function (this: ReflectMessage) {
    return BigInt(prefixOf(this).bits);
  }),
];
