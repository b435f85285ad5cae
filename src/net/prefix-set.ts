// A set of prefixes that answers "does this prefix overlap one already in the set?" in
// time independent of the set's size (a few map look-ups per distinct prefix length), so
// overlap checks over n prefixes cost O(n) instead of comparing every pair.

import { type Cidr, type Family, maskOf } from './ipnet.js';

interface Entry<T> {
  cidr: Cidr;
  value: T;
}

class FamilySet<T> {
  /** Stored prefixes by length, keyed by network. */
  private readonly exact = new Map<number, Map<bigint, Entry<T>>>();
  /** For a queried length L: network of every stored prefix of length >= L, masked to L. */
  private readonly covering = new Map<number, Map<bigint, Entry<T>>>();

  constructor(private readonly family: Family) {}

  find(c: Cidr): Entry<T> | undefined {
    for (const [len, nets] of this.exact) {
      if (len > c.prefixLen) continue;
      const hit = nets.get(c.network & maskOf(this.family, len));
      if (hit) return hit; // a stored prefix contains c
    }
    return this.coveringAt(c.prefixLen).get(c.network); // c contains a stored prefix
  }

  add(c: Cidr, value: T): void {
    const entry = { cidr: c, value };
    let nets = this.exact.get(c.prefixLen);
    if (!nets) this.exact.set(c.prefixLen, (nets = new Map()));
    if (!nets.has(c.network)) nets.set(c.network, entry);
    for (const [len, index] of this.covering) {
      const key = c.network & maskOf(this.family, len);
      if (len <= c.prefixLen && !index.has(key)) index.set(key, entry);
    }
  }

  private coveringAt(len: number): Map<bigint, Entry<T>> {
    let index = this.covering.get(len);
    if (index) return index;
    index = new Map();
    const mask = maskOf(this.family, len);
    for (const [l, nets] of this.exact) {
      if (l < len) continue;
      for (const e of nets.values()) if (!index.has(e.cidr.network & mask)) index.set(e.cidr.network & mask, e);
    }
    this.covering.set(len, index);
    return index;
  }
}

/** Prefixes of both families, each with a value (typically what claimed it). */
export class PrefixSet<T> {
  private readonly v4 = new FamilySet<T>(4);
  private readonly v6 = new FamilySet<T>(6);

  /** A stored prefix that overlaps `c` (contains it or lies inside it), with its value. */
  find(c: Cidr): { cidr: Cidr; value: T } | undefined {
    return (c.family === 4 ? this.v4 : this.v6).find(c);
  }

  add(c: Cidr, value: T): void {
    (c.family === 4 ? this.v4 : this.v6).add(c, value);
  }
}
