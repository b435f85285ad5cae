// The address part of the kernel diff on its own: kernel form, managed addresses only,
// foreign addresses kept where asked, every address again after a master change.
import { describe, expect, it } from 'vitest';
import { addressChange, managedCidrs } from '../../src/dataplane/diff-addresses.js';
import type { AddrInfo } from '../../src/dataplane/netlink/index.js';

const addr = (address: string, prefixLen: number, scope = 0): AddrInfo => ({
  index: 5,
  family: address.includes(':') ? 6 : 4,
  address,
  prefixLen,
  scope,
  flags: 0,
});

describe('address diff', () => {
  it('manages global addresses only, in the kernel form', () => {
    const have = managedCidrs([addr('10.0.0.1', 24), addr('FD00::1', 64), addr('fe80::1', 64), addr('127.0.0.2', 8, 254)]);
    expect([...have]).toEqual(['10.0.0.1/24', 'fd00::1/64']);
  });

  it('adds what is missing and deletes what nobody wants, unless foreign addresses stay', () => {
    const have = new Set(['10.0.0.1/24', '192.0.2.9/32']);
    expect(addressChange(have, ['10.0.0.1/24', 'FD00::1/64'])).toEqual({ add: ['fd00::1/64'], remove: ['192.0.2.9/32'] });
    expect(addressChange(have, ['10.0.0.1/24'], { keepForeign: true })).toEqual({ add: [], remove: [] });
  });

  it('adds every wanted address again when asked (a master change flushed them)', () => {
    expect(addressChange(new Set(['fd00::1/64']), ['fd00::1/64'], { addAll: true })).toEqual({ add: ['fd00::1/64'], remove: [] });
  });
});
