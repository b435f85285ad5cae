import { describe, expect, it } from 'vitest';
import {
  isManagedHostBridgeName,
  isManagedName,
  isReservedLinkName,
  names,
  parseVniName,
  routerPeerOfHostVeth,
} from '../../src/net/names.js';

describe('the naming scheme', () => {
  it('builds upstream names and parses them back', () => {
    expect([names.vxlan(100), names.peBridge(100), names.hostBridge(100), names.hostVeth(100), names.peVeth(100)]).toEqual([
      'vni100',
      'br-pe-100',
      'br-hs-100',
      'host-e-100',
      'pe-e-100',
    ]);
    expect(parseVniName('peBridge', 'br-pe-100')).toBe(100);
    expect(parseVniName('peBridge', 'br-pe-x')).toBeUndefined();
    expect(parseVniName('vxlan', 'br-pe-100')).toBeUndefined();
  });

  it('says which names the dataplane garbage-collects, per namespace', () => {
    expect(['vni7', 'br-pe-7', 'pe-e-7', 'pt-ns'].every((n) => isManagedName('router', n))).toBe(true);
    expect(['host-e-7', 'pt-host'].every((n) => isManagedName('host', n))).toBe(true);
    expect(['eth0', 'br-hs-7', 'host-e-7', 'red'].some((n) => isManagedName('router', n))).toBe(false);
    expect(isManagedHostBridgeName('br-hs-7')).toBe(true);
    expect(isManagedHostBridgeName('br-hs-')).toBe(false);
  });

  it('pairs host veths with their router side, and reserves every own name', () => {
    expect(routerPeerOfHostVeth('host-e-12')).toBe('pe-e-12');
    expect(routerPeerOfHostVeth('pt-host')).toBe('pt-ns');
    expect(routerPeerOfHostVeth('eth0')).toBeUndefined();
    expect(['lo', 'default', 'vni1', 'br-pe-1', 'br-hs-1', 'pe-e-1', 'host-e-1', 'pt-ns', 'pt-host'].every(isReservedLinkName)).toBe(true);
    expect(['red', 'eth0', 'vnix', 'br-pe'].some(isReservedLinkName)).toBe(false);
  });
});
