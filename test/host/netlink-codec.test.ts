import { describe, expect, it } from 'vitest';
import {
  align4,
  attr,
  attrBe16,
  attrNest,
  attrStr,
  attrU32,
  attrU8,
  decodeAddr,
  decodeLink,
  decodeNlMsgs,
  decodeRoute,
  encodeAddr,
  encodeBridgePortFlags,
  encodeIfInfoMsg,
  encodeLinkChange,
  encodeLinkInfo,
  encodeNewLink,
  encodeNlMsg,
  encodeRoute,
  formatIp,
  getBe16,
  getStr,
  getU32,
  parseAttrs,
  parseCidr,
  parseDonePayload,
  parseErrorPayload,
  parseIp,
} from '../../src/dataplane/netlink/codec.js';
import * as K from '../../src/dataplane/netlink/constants.js';
import { errnoName, errnoNumber } from '../../src/dataplane/netlink/errno.js';
import { NetlinkError } from '../../src/dataplane/netlink/index.js';

describe('netlink codec: attributes', () => {
  it('pads payloads to 4 bytes but records the unpadded length', () => {
    const a = attrStr(K.IFLA_IFNAME, 'br0'); // 'br0\0' = 4 bytes
    expect(a.length).toBe(8);
    expect(a.readUInt16LE(0)).toBe(8);
    const b = attrU8(K.IFLA_VXLAN_LEARNING, 0);
    expect(b.length).toBe(8);
    expect(b.readUInt16LE(0)).toBe(5);
    const c = attrStr(K.IFLA_IFNAME, 'vxlan100'); // 9 bytes + 4 header = 13 -> 16
    expect(c.length).toBe(16);
    expect(c.readUInt16LE(0)).toBe(13);
    expect(align4(13)).toBe(16);
    expect(c.subarray(13).equals(Buffer.alloc(3))).toBe(true);
  });

  it('round-trips a run of attributes with odd lengths', () => {
    const buf = Buffer.concat([attrStr(1, 'a'), attrU8(2, 7), attrU32(3, 0xdeadbeef), attr(4, Buffer.from([1, 2, 3]))]);
    const m = parseAttrs(buf);
    expect(getStr(m.get(1))).toBe('a');
    expect(m.get(2)?.[0]).toBe(7);
    expect(getU32(m.get(3))).toBe(0xdeadbeef);
    expect([...(m.get(4) ?? [])]).toEqual([1, 2, 3]);
  });

  it('nests, and masks NLA_F_NESTED when parsing', () => {
    const inner = [attrU32(1, 42), attrStr(2, 'x')];
    const plain = attrNest(9, inner);
    const flagged = attrNest(9, inner, true);
    expect(plain.readUInt16LE(2)).toBe(9);
    expect(flagged.readUInt16LE(2)).toBe(9 | K.NLA_F_NESTED);
    for (const n of [plain, flagged]) {
      const outer = parseAttrs(n);
      const body = outer.get(9);
      expect(body).toBeDefined();
      const m = parseAttrs(body!);
      expect(getU32(m.get(1))).toBe(42);
      expect(getStr(m.get(2))).toBe('x');
    }
  });

  it('writes IFLA_VXLAN_PORT big-endian', () => {
    const a = attrBe16(K.IFLA_VXLAN_PORT, 4789);
    expect([...a.subarray(4, 6)]).toEqual([0x12, 0xb5]);
    expect(getBe16(a.subarray(4, 6))).toBe(4789);
  });
});

describe('netlink codec: messages', () => {
  it('frames nlmsghdr and splits a multi-message datagram', () => {
    const m1 = encodeNlMsg(K.RTM_NEWLINK, K.NLM_F_REQUEST | K.NLM_F_ACK, 7, 1234, Buffer.from([1, 2, 3, 4, 5]));
    const m2 = encodeNlMsg(K.NLMSG_DONE, K.NLM_F_MULTI, 8, 1234, Buffer.alloc(4));
    expect(m1.readUInt32LE(0)).toBe(21);
    expect(m1.length).toBe(24);
    const msgs = decodeNlMsgs(Buffer.concat([m1, m2]));
    expect(msgs.map((m) => [m.type, m.flags, m.seq, m.pid, m.payload.length])).toEqual([
      [K.RTM_NEWLINK, K.NLM_F_REQUEST | K.NLM_F_ACK, 7, 1234, 5],
      [K.NLMSG_DONE, K.NLM_F_MULTI, 8, 1234, 4],
    ]);
    expect(() => decodeNlMsgs(m1.subarray(0, 20))).toThrow(/malformed/);
  });

  it('parses an extended ACK from a hand-built capped NLMSG_ERROR', () => {
    const errPayload = Buffer.concat([
      (() => {
        const b = Buffer.alloc(4);
        b.writeInt32LE(-95, 0);
        return b;
      })(),
      // the request's header only (NLM_F_CAPPED)
      encodeNlMsg(K.RTM_NEWLINK, K.NLM_F_REQUEST, 5, 99, Buffer.alloc(0)).subarray(0, 16),
      attrStr(K.NLMSGERR_ATTR_MSG, 'Cannot change port'),
      attrU32(K.NLMSGERR_ATTR_OFFS, 36),
    ]);
    const wire = encodeNlMsg(K.NLMSG_ERROR, K.NLM_F_CAPPED | K.NLM_F_ACK_TLVS, 5, 99, errPayload);
    const [m] = decodeNlMsgs(wire);
    expect(m).toBeDefined();
    const info = parseErrorPayload(m!.payload, m!.flags);
    expect(info).toEqual({ errno: 95, extack: 'Cannot change port', badAttrOffset: 36 });
    const e = new NetlinkError('RTM_NEWLINK vx0', info.errno, info.extack);
    expect(e.code).toBe('EOPNOTSUPP');
    expect(e.message).toContain('Cannot change port');
  });

  it('finds extack TLVs after an uncapped (full) echoed request', () => {
    const req = encodeNlMsg(K.RTM_NEWADDR, K.NLM_F_REQUEST, 3, 1, Buffer.alloc(10, 0xaa)); // len 26, padded 28
    const e = Buffer.alloc(4);
    e.writeInt32LE(-17, 0);
    const payload = Buffer.concat([e, req, attrStr(K.NLMSGERR_ATTR_MSG, 'ipv4: Address already assigned')]);
    expect(parseErrorPayload(payload, K.NLM_F_ACK_TLVS)).toEqual({
      errno: 17,
      extack: 'ipv4: Address already assigned',
    });
    expect(parseErrorPayload(Buffer.alloc(20), K.NLM_F_CAPPED)).toEqual({ errno: 0 });
  });

  it('parses NLMSG_DONE errors with extack', () => {
    const b = Buffer.alloc(4);
    b.writeInt32LE(-2, 0);
    const p = Buffer.concat([b, attrStr(K.NLMSGERR_ATTR_MSG, 'FIB table does not exist')]);
    expect(parseDonePayload(p, K.NLM_F_MULTI | K.NLM_F_ACK_TLVS)).toEqual({
      errno: 2,
      extack: 'FIB table does not exist',
    });
    expect(parseDonePayload(Buffer.alloc(4), K.NLM_F_MULTI)).toEqual({ errno: 0 });
  });
});

describe('netlink codec: addresses', () => {
  it.each([
    ['10.1.2.3', '10.1.2.3'],
    ['2001:db8::1', '2001:db8::1'],
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['::', '::'],
    ['::1', '::1'],
    ['fe80::1:0:0:1', 'fe80::1:0:0:1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['1:0:0:2:0:0:0:3', '1:0:0:2::3'],
    ['::ffff:192.0.2.1', '::ffff:192.0.2.1'],
    ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
    ['1::', '1::'],
  ])('parse/format %s', (input, canonical) => {
    expect(formatIp(parseIp(input).bytes)).toBe(canonical);
  });

  it('rejects junk', () => {
    for (const bad of ['1.2.3', '256.1.1.1', '1::2::3', 'abc', '1:2:3:4:5:6:7:8:9', '']) {
      expect(() => parseIp(bad)).toThrow(TypeError);
    }
    expect(() => parseCidr('10.0.0.0/33')).toThrow(TypeError);
    expect(parseCidr('10.0.0.1').prefixLen).toBe(32);
    expect(parseCidr('::/0')).toMatchObject({ family: 6, prefixLen: 0 });
  });

  it('round-trips an address message', () => {
    const p = encodeAddr(5, '192.0.2.1/24', { noPrefixRoute: true });
    expect(decodeAddr(p)).toEqual({
      index: 5,
      family: 4,
      address: '192.0.2.1',
      prefixLen: 24,
      scope: 0,
      flags: K.IFA_F_NOPREFIXROUTE,
    });
    expect(decodeAddr(encodeAddr(1, '127.0.0.2/8'))?.scope).toBe(K.RT_SCOPE_HOST);
  });

  it('round-trips routes, big tables via RTA_TABLE', () => {
    const p = encodeRoute({ family: 6, dst: '2001:db8:1::/48', gateway: 'fe80::1', oif: 3, table: 1000, metric: 7 }, false);
    expect(p[4]).toBe(K.RT_TABLE_COMPAT);
    expect(decodeRoute(p)).toEqual({
      table: 1000,
      family: 6,
      dst: '2001:db8:1::/48',
      gateway: 'fe80::1',
      oif: 3,
      protocol: K.RTPROT_STATIC,
      type: K.RTN_UNICAST,
      metric: 7,
    });
    const d = encodeRoute({ family: 4, dst: '0.0.0.0/0', oif: 2, table: 10 }, true);
    expect(decodeRoute(d)).toMatchObject({ table: 10, dst: '0.0.0.0/0', protocol: 0, type: 0 });
    expect(d[6]).toBe(K.RT_SCOPE_NOWHERE);
    expect(parseAttrs(d, K.RTMSG_LEN).has(K.RTA_DST)).toBe(false);
    expect(() => encodeRoute({ family: 4, dst: '::/0' }, false)).toThrow(TypeError);
  });
});

describe('netlink codec: links', () => {
  const linkInfo = (payload: Buffer): Map<number, Buffer> => {
    const li = parseAttrs(payload, K.IFINFOMSG_LEN).get(K.IFLA_LINKINFO);
    expect(li).toBeDefined();
    return parseAttrs(li!);
  };

  it('encodes a vxlan with local, port and nolearning', () => {
    const p = encodeNewLink({
      name: 'vx100',
      spec: { kind: 'vxlan', vni: 100, local: '10.0.0.1', port: 4789, learning: false, dev: 4 },
      master: 7,
      up: true,
      group: 42,
      mtu: 1450,
    });
    const h = p.subarray(0, K.IFINFOMSG_LEN);
    expect(h.readUInt32LE(8)).toBe(K.IFF_UP);
    expect(h.readUInt32LE(12)).toBe(K.IFF_UP);
    const top = parseAttrs(p, K.IFINFOMSG_LEN);
    expect(getStr(top.get(K.IFLA_IFNAME))).toBe('vx100');
    expect(getU32(top.get(K.IFLA_MASTER))).toBe(7);
    expect(getU32(top.get(K.IFLA_GROUP))).toBe(42);
    const info = linkInfo(p);
    expect(getStr(info.get(K.IFLA_INFO_KIND))).toBe('vxlan');
    const data = parseAttrs(info.get(K.IFLA_INFO_DATA)!);
    expect(getU32(data.get(K.IFLA_VXLAN_ID))).toBe(100);
    expect([...data.get(K.IFLA_VXLAN_LOCAL)!]).toEqual([10, 0, 0, 1]);
    expect([...data.get(K.IFLA_VXLAN_PORT)!]).toEqual([0x12, 0xb5]);
    expect([...data.get(K.IFLA_VXLAN_LEARNING)!]).toEqual([0]);
    expect(getU32(data.get(K.IFLA_VXLAN_LINK))).toBe(4);

    // decodeLink understands what we encode (the kernel replies in the same format)
    const d = decodeLink(p);
    expect(d).toMatchObject({
      name: 'vx100',
      kind: 'vxlan',
      up: true,
      master: 7,
      group: 42,
      mtu: 1450,
      vxlan: { vni: 100, port: 4789, learning: false, local: '10.0.0.1', dev: 4 },
    });
  });

  it('uses IFLA_VXLAN_LOCAL6 for an IPv6 source', () => {
    const data = parseAttrs(
      linkInfo(encodeNewLink({ name: 'v', spec: { kind: 'vxlan', vni: 1, local: '2001:db8::5', port: 4789, learning: true } })).get(
        K.IFLA_INFO_DATA,
      )!,
    );
    expect(data.has(K.IFLA_VXLAN_LOCAL)).toBe(false);
    expect(formatIp(data.get(K.IFLA_VXLAN_LOCAL6)!)).toBe('2001:db8::5');
  });

  it('encodes the veth peer as ifinfomsg + attributes', () => {
    const info = linkInfo(encodeNewLink({ name: 'a', mtu: 9000, spec: { kind: 'veth', peerName: 'b', peerNetnsFd: 12 } }));
    const peer = parseAttrs(info.get(K.IFLA_INFO_DATA)!).get(K.VETH_INFO_PEER)!;
    expect(peer.subarray(0, K.IFINFOMSG_LEN).equals(encodeIfInfoMsg({}))).toBe(true);
    const pa = parseAttrs(peer, K.IFINFOMSG_LEN);
    expect(getStr(pa.get(K.IFLA_IFNAME))).toBe('b');
    expect(getU32(pa.get(K.IFLA_NET_NS_FD))).toBe(12);
    expect(getU32(pa.get(K.IFLA_MTU))).toBe(9000); // peer MTU follows ours unless given
  });

  it('encodes vrf, bridge and dummy', () => {
    const vrf = parseAttrs(encodeLinkInfo({ kind: 'vrf', table: 1001 }));
    const li = parseAttrs(vrf.get(K.IFLA_LINKINFO)!);
    expect(getStr(li.get(K.IFLA_INFO_KIND))).toBe('vrf');
    expect(getU32(parseAttrs(li.get(K.IFLA_INFO_DATA)!).get(K.IFLA_VRF_TABLE))).toBe(1001);
    expect(decodeLink(encodeNewLink({ name: 'vrf1', spec: { kind: 'vrf', table: 1001 } })).vrf).toEqual({ table: 1001 });
    for (const kind of ['bridge', 'dummy'] as const) {
      const l = parseAttrs(parseAttrs(encodeLinkInfo({ kind })).get(K.IFLA_LINKINFO)!);
      expect(getStr(l.get(K.IFLA_INFO_KIND))).toBe(kind);
      expect(l.has(K.IFLA_INFO_DATA)).toBe(false);
    }
  });

  it('encodes link changes and bridge port flags', () => {
    const c = encodeLinkChange(9, { up: false, master: 0, ipv6AddrGenMode: 1, mac: '02:00:00:00:00:01' });
    expect(c.readInt32LE(4)).toBe(9);
    expect(c.readUInt32LE(8)).toBe(0);
    expect(c.readUInt32LE(12)).toBe(K.IFF_UP);
    const a = parseAttrs(c, K.IFINFOMSG_LEN);
    expect(getU32(a.get(K.IFLA_MASTER))).toBe(0);
    expect([...a.get(K.IFLA_ADDRESS)!]).toEqual([2, 0, 0, 0, 0, 1]);
    const inet6 = parseAttrs(parseAttrs(a.get(K.IFLA_AF_SPEC)!).get(K.AF_INET6)!);
    expect([...inet6.get(K.IFLA_INET6_ADDR_GEN_MODE)!]).toEqual([1]);
    // "don't care" about IFF_UP when up is not given
    expect(encodeLinkChange(9, { mtu: 1400 }).readUInt32LE(12)).toBe(0);

    const bp = encodeBridgePortFlags(4, { neighSuppress: true, learning: false });
    expect(bp[0]).toBe(K.AF_BRIDGE);
    expect(bp.readUInt16LE(K.IFINFOMSG_LEN + 2)).toBe(K.IFLA_PROTINFO | K.NLA_F_NESTED);
    const port = parseAttrs(parseAttrs(bp, K.IFINFOMSG_LEN).get(K.IFLA_PROTINFO)!);
    expect([...port.get(K.IFLA_BRPORT_NEIGH_SUPPRESS)!]).toEqual([1]);
    expect([...port.get(K.IFLA_BRPORT_LEARNING)!]).toEqual([0]);
  });

  it('decodes in one pass what parseAttrs would: last of a repeated attribute, short ones absent, truncated tail ignored', () => {
    const port = attrNest(K.IFLA_INFO_SLAVE_DATA, [attrU8(K.IFLA_BRPORT_NEIGH_SUPPRESS, 0), attrU8(K.IFLA_BRPORT_LEARNING, 1)]);
    const info = attrNest(K.IFLA_LINKINFO, [attrStr(K.IFLA_INFO_KIND, 'veth'), attrStr(K.IFLA_INFO_SLAVE_KIND, 'bridge'), port]);
    const p = Buffer.concat([
      encodeIfInfoMsg({ index: 9, flags: K.IFF_UP | K.IFF_LOWER_UP }),
      attrStr(K.IFLA_IFNAME, 'old'),
      attrStr(K.IFLA_IFNAME, 'pe-e-1'),
      attrU32(K.IFLA_MTU, 1450),
      attr(K.IFLA_GROUP, Buffer.from([1, 2])), // too short for a u32: absent
      attrU8(K.IFLA_OPERSTATE, K.IF_OPER_UNKNOWN),
      attr(K.IFLA_ADDRESS, Buffer.from([2, 0, 0, 0, 0, 0xab])),
      attrU32(K.IFLA_LINK, 4),
      attrU32(K.IFLA_LINK_NETNSID, 0),
      info,
      Buffer.from([0x40, 0x00, 0x04, 0x00]), // an attribute claiming 64 bytes at the end: ignored
    ]);
    expect(decodeLink(p)).toStrictEqual({
      index: 9,
      name: 'pe-e-1',
      up: true,
      mtu: 1450,
      group: 0,
      operUp: true,
      mac: '02:00:00:00:00:ab',
      linkIndex: 4,
      linkNetnsId: 0,
      kind: 'veth',
      bridgePort: { neighSuppress: false, learning: true },
    });
    expect(() => decodeLink(Buffer.alloc(8))).toThrow('short ifinfomsg');
  });

  it('decodes an address: IFA_LOCAL before IFA_ADDRESS (point-to-point peer), ifa_flags without IFA_FLAGS, unknown families skipped', () => {
    const local = parseIp('192.0.2.1').bytes;
    const peer = parseIp('192.0.2.2').bytes;
    const msg = (family: number, ...attrs: Buffer[]): Buffer => Buffer.concat([Buffer.from([family, 32, 0x80, 0, 7, 0, 0, 0]), ...attrs]);
    expect(decodeAddr(msg(K.AF_INET, attr(K.IFA_ADDRESS, peer), attr(K.IFA_LOCAL, local)))).toStrictEqual({
      index: 7,
      family: 4,
      address: '192.0.2.1',
      prefixLen: 32,
      scope: 0,
      flags: 0x80,
    });
    expect(decodeAddr(msg(K.AF_INET, attr(K.IFA_ADDRESS, peer)))?.address).toBe('192.0.2.2');
    expect(decodeAddr(msg(K.AF_INET))).toBeUndefined();
    expect(decodeAddr(msg(K.AF_BRIDGE, attr(K.IFA_LOCAL, local)))).toBeUndefined();
  });
});

describe('errno table', () => {
  it('knows Linux names beyond the common ones', () => {
    expect(errnoName(17)).toBe('EEXIST');
    expect(errnoName(95)).toBe('EOPNOTSUPP');
    expect(errnoName(3)).toBe('ESRCH');
    expect(errnoName(105)).toBe('ENOBUFS');
    expect(errnoName(133)).toBe('EHWPOISON');
    expect(errnoName(9999)).toBe('E9999');
    expect(errnoNumber('EWOULDBLOCK')).toBe(11);
    const e = new NetlinkError('RTM_DELROUTE', 3);
    expect([e.errno, e.code, e.op, e.extack]).toEqual([3, 'ESRCH', 'RTM_DELROUTE', undefined]);
    expect(e).toBeInstanceOf(Error);
  });
});
