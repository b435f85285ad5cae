// rtnetlink for perouterd: own codec + koffi transport (see socket.ts for the
// threading model). No `ip`/`bridge` processes.

export { NetlinkError, errorText, isNetlinkError } from './error.js';
export { errnoName, errnoNumber, errnoMessage } from './errno.js';
export type {
  AddrInfo,
  LinkChange,
  LinkInfo,
  NeighEntry,
  NeighInfo,
  NewLink,
  NewLinkSpec,
  RouteInfo,
  RouteNexthop,
  RouteSpec,
} from './types.js';
export { openRtNetlink, type OpenRtNetlinkOptions, type RtNetlink } from './rtnetlink.js';
export {
  attachNamedNetns,
  closeFd,
  createNamedNetns,
  deleteNamedNetns,
  netnsDir,
  netnsExists,
  netnsInode,
  openNetnsFd,
  runInNetnsSync,
} from './netns.js';
export { readSysctl, writeSysctl } from './sysctl.js';
export { setRequestListener, type RequestListener } from './socket.js';
export {
  subscribeRtNetlink,
  type RtEvent,
  type RtEventGroup,
  type RtSubscription,
  type RtSubscriptionHandlers,
  type RtSubscriptionOptions,
} from './subscription.js';
