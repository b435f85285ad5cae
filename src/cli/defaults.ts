// Defaults of every setting: upstream's host-mode paths, so an existing node config works
// unchanged. Its own module (no imports) so that building the command line loads nothing else.
export const DEFAULTS = {
  nodeConfig: '/var/lib/openperouter/node-config.yaml',
  configDir: '/var/lib/openperouter/configs',
  netns: 'perouter',
  stateDir: '/run/perouterd',
  namespace: 'openperouter-system',
  resyncSeconds: 30,
  /** Files must read the same twice this far apart before a change is applied. */
  quietMs: 1000,
  debounceMs: 500,
  frrPollMs: 2000,
  /** EVPN data-plane health check period (router MAC and FDB of remote VTEPs). */
  evpnHealthMs: 500,
  /**
   * Bridge refresher period: STALE neighbours on L2VNI bridges re-confirmed. Below the shortest
   * time the kernel keeps a STALE entry before dropping it, gc_stale_time minus the longest
   * reachable_time (60 - 45 = 15 s with its defaults); upstream's 30 s can miss an entry.
   */
  bridgeRefreshMs: 10_000,
  /**
   * /metrics, /healthz, /readyz. Port 9080 and the paths are upstream's (its reloader answers
   * /healthz and /readyz on :9080 in the router pod), so probes and runbooks keep them;
   * loopback, because nothing of perouterd is for the network unless the operator says so.
   */
  httpListen: '127.0.0.1:9080',
  /** FRR `bgp listen limit` on listen-range neighbours: upstream's --bgplistenlimit default (FRR's own is 100). */
  bgpListenLimit: 65535,
} as const;
