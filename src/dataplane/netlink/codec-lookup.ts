// RTM_GETROUTE for one destination (as `ip route get … fibmatch`), read-only, for `perouterd trace`.
import { attr, attrU32, encodeRtMsg, familyToAf, parseIp } from './codec-core.js';
import * as K from './constants.js';

/**
 * RTM_GETROUTE for one address. `oif` set to a VRF device's index looks the address up in
 * that VRF (as `ip route get X vrf V`); fibMatch returns the matching route with every next
 * hop; RTM_F_LOOKUP_TABLE makes the reply name the table it was found in (else: main).
 */
export function encodeGetRoute(dst: string, opts: { oif?: number; fibMatch?: boolean } = {}): Buffer {
  const ip = parseIp(dst);
  const flags = K.RTM_F_LOOKUP_TABLE | (opts.fibMatch ? K.RTM_F_FIB_MATCH : 0);
  const parts = [encodeRtMsg({ family: familyToAf(ip.family), dstLen: ip.family === 4 ? 32 : 128, flags }), attr(K.RTA_DST, ip.bytes)];
  if (opts.oif !== undefined) parts.push(attrU32(K.RTA_OIF, opts.oif));
  return Buffer.concat(parts);
}
