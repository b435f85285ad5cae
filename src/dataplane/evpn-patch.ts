// The EVPN patch: what perouterd writes itself when zebra has lost a remote VTEP's
// router-MAC neighbour or its FDB entry (FRR issue 12391, see evpn-health.ts) while
// routes of the VRF still go through that VTEP. Pure: the adapter (evpn-patcher.ts)
// observes, asks this, and writes.
//
// - The router MAC is the one the kernel held for that VNI and VTEP at the last
//   healthy observation (zebra's own entry): exactly what zebra would install
//   again, known at once without asking FRR. A VTEP never seen healthy since
//   perouterd started gets no patch (the VNI re-sync is the repair then).
// - perouterd's entries are NUD_PERMANENT without NTF_EXT_LEARNED; zebra's are
//   NUD_NOARP (+ NTF_EXT_LEARNED on the neighbour). The state tells them apart:
//   zebra installs with REPLACE, so when it comes back its entry takes ours over
//   and perouterd stops holding that VTEP; zebra's 8.4 ignores neighbours on an
//   L3VNI bridge and FDB entries on an L3VNI's VXLAN device it does not know.
// - Held entries are deleted once no route of the VRF goes through that VTEP
//   (zebra, which does not know them, would never delete them).
import { names } from '../net/names.js';
import { vtepOf, type EvpnObservation } from './evpn-health.js';
import { evpnIndex, type EvpnIndex } from './evpn-index.js';
import * as K from './netlink/constants.js';
import type { NeighEntry, NeighInfo } from './netlink/index.js';

/** A remote VTEP of an L3VNI whose entries perouterd wrote and still holds. */
export interface HeldPatch {
  vni: number;
  vrf: string;
  vtep: string;
  mac: string;
  /** Neighbour addresses written on br-pe-<vni> (the VTEP, and ::ffff:<vtep> for IPv6 routes). */
  gateways: string[];
}

export interface EvpnPatchInput {
  l3vnis: Array<{ vni: number; vrf: string }>;
  observed: EvpnObservation;
  /** Router MAC per `vni/vtep`, from earlier healthy observations. */
  known: ReadonlyMap<string, string>;
  /** What perouterd holds now, per `vni/vtep`. */
  held: ReadonlyMap<string, HeldPatch>;
  /** false: learn only (the patch is switched off). */
  enabled: boolean;
}

export interface EvpnPatchPlan {
  /** Entries to write (CREATE|REPLACE), each with what it is for and its `vni/vtep`. */
  write: Array<{ entry: NeighEntry; why: string; key: string }>;
  /** perouterd's own entries to delete. */
  remove: Array<{ entry: NeighEntry; why: string }>;
  /** `vni/vtep` of the faults the writes repair. */
  fixes: string[];
  /** The router MACs known after this observation, and what perouterd holds once the plan is applied. */
  known: Map<string, string>;
  held: Map<string, HeldPatch>;
  /** `vni/vtep` zebra took back (its own entries are in place again). */
  released: string[];
}

export const patchKey = (vni: number, vtep: string): string => `${vni}/${vtep}`;

const usable = (n: NeighInfo | undefined): n is NeighInfo & { mac: string } =>
  n?.mac !== undefined && (n.state & (K.NUD_INCOMPLETE | K.NUD_FAILED)) === 0;
const ours = (n: NeighInfo | undefined): boolean => n !== undefined && (n.state & K.NUD_PERMANENT) !== 0;

/** The remote VTEPs each route of `table` through `oif` uses, with the neighbour addresses (gateways) per VTEP. */
function vtepGateways(idx: EvpnIndex, table: number, oif: number): Map<string, Set<string>> {
  const out = new Map<string, Set<string>>();
  for (const r of idx.routesOf(table)) {
    for (const p of r.nexthops ?? [{ gateway: r.gateway, oif: r.oif }]) {
      if (p.oif !== oif || p.gateway === undefined) continue;
      const vtep = vtepOf(p.gateway);
      out.set(vtep, (out.get(vtep) ?? new Set()).add(p.gateway));
    }
  }
  return out;
}

export function planEvpnPatch(input: EvpnPatchInput): EvpnPatchPlan {
  const { observed: o } = input;
  const plan: EvpnPatchPlan = { write: [], remove: [], fixes: [], known: new Map(), held: new Map(input.held), released: [] };
  const byName = new Map(o.links.map((l) => [l.name, l]));
  const idx = evpnIndex(o);
  const heldByVni = groupBy(input.held.values(), (h) => h.vni);
  const seen = new Set<string>();
  // VNIs checked here (configured, devices present): their known router MACs are kept.
  const checked = new Set<number>();
  for (const { vni, vrf } of input.l3vnis) {
    const bridge = byName.get(names.peBridge(vni));
    const vxlan = byName.get(names.vxlan(vni));
    const table = byName.get(vrf)?.vrf?.table;
    if (!bridge || !vxlan || table === undefined) continue;
    checked.add(vni);
    const dev = { bridge: bridge.index, vxlan: vxlan.index };
    for (const [vtep, gateways] of vtepGateways(idx, table, bridge.index)) {
      const key = patchKey(vni, vtep);
      seen.add(key);
      planVtep(plan, idx, input, { vni, vrf, vtep, key, gateways: [...gateways], dev });
    }
    // Held VTEPs no route uses any more: perouterd's entries go.
    for (const h of heldByVni.get(vni) ?? []) if (!seen.has(patchKey(vni, h.vtep))) unhold(plan, idx, h, dev, 'no route uses it any more');
  }
  for (const [key, mac] of input.known) if (checked.has(vniOfKey(key)) && !plan.known.has(key)) plan.known.set(key, mac);
  // VNIs no longer configured, or whose devices are gone: nothing left to delete there.
  const configured = new Set(input.l3vnis.map((v) => v.vni));
  for (const [key, h] of input.held)
    if (!seen.has(key) && plan.held.get(key) !== undefined && !configured.has(h.vni)) plan.held.delete(key);
  return plan;
}

const vniOfKey = (key: string): number => Number(key.slice(0, key.indexOf('/')));

function groupBy<T, K>(items: Iterable<T>, keyOf: (t: T) => K): Map<K, T[]> {
  const out = new Map<K, T[]>();
  for (const t of items) {
    const k = keyOf(t);
    const list = out.get(k);
    if (list) list.push(t);
    else out.set(k, [t]);
  }
  return out;
}

interface VtepCtx {
  vni: number;
  vrf: string;
  vtep: string;
  key: string;
  gateways: string[];
  dev: { bridge: number; vxlan: number };
}

function planVtep(plan: EvpnPatchPlan, idx: EvpnIndex, input: EvpnPatchInput, c: VtepCtx): void {
  const neigh = new Map(c.gateways.map((g) => [g, idx.neighbour(c.dev.bridge, g)]));
  const fdbOf = (mac: string): NeighInfo | undefined => idx.fdb(c.dev.vxlan, mac, c.vtep);
  const zebraMacs = [...neigh.values()].filter((n) => usable(n) && !ours(n)).map((n) => n!.mac!);
  const held = input.held.get(c.key);
  const macs = new Set([...neigh.values()].filter(usable).map((n) => n.mac));
  const healthyMac = macs.size === 1 && [...neigh.values()].every(usable) ? [...macs][0]! : undefined;
  if (healthyMac !== undefined && fdbOf(healthyMac)) {
    plan.known.set(c.key, healthyMac);
    if (held && zebraMacs.length === c.gateways.length) {
      // zebra's entries are back: they replaced ours; a stale FDB entry of ours (other MAC) goes.
      plan.held.delete(c.key);
      plan.released.push(c.key);
      const stale = held.mac !== healthyMac ? fdbOf(held.mac) : undefined;
      if (stale && ours(stale))
        plan.remove.push({ entry: fdbEntry(c, held.mac), why: `zebra holds ${c.vtep} with router MAC ${healthyMac} again` });
    }
    return;
  }
  // A fault. zebra's own neighbour (the FDB entry alone lost) names the MAC best; else the memory.
  const mac = zebraMacs[0] ?? input.known.get(c.key) ?? held?.mac;
  if (!input.enabled || mac === undefined) return;
  const why = `zebra lost the router MAC of ${c.vtep} on VNI ${c.vni} (VRF ${c.vrf})`;
  const wrote: string[] = [];
  for (const [gw, n] of neigh) {
    if (usable(n) && n.mac === mac) continue;
    plan.write.push({
      entry: { family: gw.includes(':') ? 6 : 4, ifindex: c.dev.bridge, dst: gw, mac, state: K.NUD_PERMANENT },
      why,
      key: c.key,
    });
    wrote.push(gw);
  }
  if (!fdbOf(mac)) plan.write.push({ entry: fdbEntry(c, mac), why, key: c.key });
  plan.fixes.push(c.key);
  plan.known.set(c.key, mac);
  const gateways = [...new Set([...(held?.gateways ?? []), ...wrote])];
  plan.held.set(c.key, { vni: c.vni, vrf: c.vrf, vtep: c.vtep, mac, gateways });
}

function fdbEntry(c: { vtep: string; dev: { vxlan: number } }, mac: string): NeighEntry {
  return { family: 'bridge', ifindex: c.dev.vxlan, dst: c.vtep, mac, state: K.NUD_PERMANENT, flags: K.NTF_SELF };
}

/** Deletes what perouterd wrote for `h` that is still its own (NUD_PERMANENT), and stops holding it. */
function unhold(plan: EvpnPatchPlan, idx: EvpnIndex, h: HeldPatch, dev: { bridge: number; vxlan: number }, why: string): void {
  plan.held.delete(patchKey(h.vni, h.vtep));
  const reason = `${h.vtep} on VNI ${h.vni}: ${why}`;
  for (const gw of h.gateways) {
    const n = idx.neighbour(dev.bridge, gw);
    if (ours(n)) plan.remove.push({ entry: { family: gw.includes(':') ? 6 : 4, ifindex: dev.bridge, dst: gw }, why: reason });
  }
  const f = idx.fdb(dev.vxlan, h.mac, h.vtep);
  if (ours(f)) plan.remove.push({ entry: fdbEntry({ vtep: h.vtep, dev }, h.mac), why: reason });
}

export function describeHeldPatch(h: HeldPatch): string {
  return `EVPN VNI ${h.vni} (VRF ${h.vrf}): remote VTEP ${h.vtep}: router MAC ${h.mac} held by perouterd on ${names.peBridge(h.vni)} and ${names.vxlan(h.vni)} (zebra lost it)`;
}
