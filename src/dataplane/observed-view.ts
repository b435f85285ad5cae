// One namespace's observation indexed for the diff: links by name and by index,
// addresses by link, so nothing is scanned per object.
import { CHUNK, type Steps } from '../util/steps.js';
import { managedCidrs } from './diff-addresses.js';
import type { ObservedNamespace } from './diff.js';
import type { AddrInfo, LinkInfo } from './netlink/index.js';

const NO_ADDRS: AddrInfo[] = [];

/** One namespace's observation, looked up by name and by index instead of scanned. */
export class NsView {
  readonly byName = new Map<string, LinkInfo>();
  readonly byIndex = new Map<number, LinkInfo>();
  private readonly addrsByIndex = new Map<number, AddrInfo[]>();

  private constructor(readonly observed: ObservedNamespace) {}

  /** Indexes `observed`, pausing every CHUNK objects. */
  static *of(observed: ObservedNamespace): Steps<NsView> {
    const v = new NsView(observed);
    let n = 0;
    for (const l of observed.links) {
      v.byName.set(l.name, l);
      v.byIndex.set(l.index, l);
      if (++n % CHUNK === 0) yield;
    }
    for (const a of observed.addrs) {
      const list = v.addrsByIndex.get(a.index);
      if (list) list.push(a);
      else v.addrsByIndex.set(a.index, [a]);
      if (++n % CHUNK === 0) yield;
    }
    return v;
  }

  link(name: string): LinkInfo | undefined {
    return this.byName.get(name);
  }

  nameOf(index: number | undefined): string | undefined {
    return index === undefined || index === 0 ? undefined : this.byIndex.get(index)?.name;
  }

  addrs(link: LinkInfo): AddrInfo[] {
    return this.addrsByIndex.get(link.index) ?? NO_ADDRS;
  }

  /** The link's managed addresses, normalized. */
  managedCidrs(link: LinkInfo): ReadonlySet<string> {
    return managedCidrs(this.addrs(link));
  }
}
