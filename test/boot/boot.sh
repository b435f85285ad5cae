#!/usr/bin/env bash
# The boot test for one Debian release (run as root on the CI machine):
#   boot.sh <release> <perouterd.deb> <newer.deb>
# Boots a stock Debian root (debootstrap, cached) with systemd as PID 1 in
# systemd-nspawn, the .deb installed with apt, and checks three cases: the
# underlay NIC managed by systemd-networkd, by ifupdown, and no perouterd
# configuration at all. Prints "RESULT <case>.<key>=<value>" lines for the
# vitest wrapper (test/boot/boot.boot.test.ts) and keeps logs in $BOOT_WORK.
set -euo pipefail
rel=$1 deb=$2 newer=$3
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${BOOT_CACHE:-/var/cache/perouterd-test}
work=${BOOT_WORK:-/var/tmp/perouterd-boot}/$rel
base=$cache/$rel
peer=pbt-peer
NIC=pbu0 PEER_IF=pbp0
NODE_IP=192.168.11.3 PEER_IP=192.168.11.2 PT_NS=192.169.10.1 PT_HOST=192.169.10.3

result() { echo "RESULT $case.$1=$2"; }
log() { echo "[$rel/${case:-prep} $(date +%T)] $*" >&2; }

nspawn_pid="" leader="" merged="" case=""
cleanup() {
  set +e
  stop_container
  [ -n "$merged" ] && mountpoint -q "$merged" && umount "$merged"
  stop_peer
}
trap cleanup EXIT

# ---- the stock root and the installed layer -------------------------------
"$here/make-root.sh" "$rel" "$base"
# BOOT_REUSE_INSTALLED=1 (development only) keeps the installed layer of the previous run.
if [ "${BOOT_REUSE_INSTALLED:-}" = 1 ] && [ -d "$work/installed/upper" ]; then
  find "$work" -mindepth 1 -maxdepth 1 ! -name installed ! -name apt-install.log -exec rm -rf {} +
else
  rm -rf "$work"
fi
mkdir -p "$work"

overlay() { # overlay <upper-name> <lowerdirs> -> mounts $work/<name>/root
  local d=$work/$1
  mkdir -p "$d/upper" "$d/work" "$d/root"
  mount -t overlay overlay -o "lowerdir=$2,upperdir=$d/upper,workdir=$d/work" "$d/root"
  merged=$d/root
}

install_layer() {
  local t0=$SECONDS
  overlay installed "$base"
  cp "$deb" "$merged/tmp/"
  mount -t proc proc "$merged/proc"
  # apt resolves nodejs, frr… from Debian's archive only (no other source is configured).
  DEBIAN_FRONTEND=noninteractive chroot "$merged" apt-get install -y -q --no-install-recommends "/tmp/$(basename "$deb")" \
    >"$work/apt-install.log" 2>&1 || { tail -30 "$work/apt-install.log" >&2; umount "$merged/proc"; return 1; }
  umount "$merged/proc"
  rm -f "$merged/tmp/$(basename "$deb")"
  # What the package's maintainer scripts did: perouterd must come enabled.
  case=prep result enabled_by_package "$(systemctl --root="$merged" is-enabled perouterd.service 2>/dev/null || true)"
  if ! systemctl --root="$merged" is-enabled -q perouterd.service 2>/dev/null; then
    systemctl --root="$merged" enable perouterd.service perouterd-netns.service >/dev/null 2>&1
  fi
  cp "$newer" "$merged/root/"
  umount "$merged"
  merged=""
  case=prep result apt_install_s $((SECONDS - t0))
}

# ---- the BGP peer: a namespace outside the container, Debian's FRR ----------
start_peer() {
  stop_peer
  ip netns add $peer
  ip -n $peer link set lo up
  local etc=/etc/frr/$peer run=/var/run/frr/$peer
  mkdir -p "$etc" "$run" /var/log/frr
  cat >"$etc/frr.conf" <<CONF
frr defaults datacenter
router bgp 64512
 bgp router-id $PEER_IP
 no bgp ebgp-requires-policy
 neighbor $NODE_IP remote-as 64514
 address-family l2vpn evpn
  neighbor $NODE_IP activate
 exit-address-family
CONF
  : >"$etc/vtysh.conf"
  chown -R frr:frr "$etc" "$run"
  for d in zebra bgpd; do
    ip netns exec $peer /usr/lib/frr/$d -N $peer -d -F datacenter -f "$etc/frr.conf" --log "file:/var/log/frr/$peer-$d.log"
  done
}

# The underlay link: nspawn creates the veth pair (pbu0 in the container, pbp0
# here; --network-interface= would want udev, which this machine does not run);
# its outer end goes into the peer's namespace.
attach_peer_link() {
  for _ in $(seq 1 100); do ip link show $PEER_IF >/dev/null 2>&1 && break; sleep 0.05; done
  ip link set $PEER_IF netns $peer
  ip -n $peer addr add $PEER_IP/24 dev $PEER_IF
  ip -n $peer link set $PEER_IF up
  # Return path for the ping test: the passthrough subnet lies behind the node.
  ip -n $peer route add 192.169.10.0/24 via $NODE_IP
}

stop_peer() {
  local p
  for p in /var/run/frr/$peer/*.pid; do [ ! -e "$p" ] || kill "$(cat "$p")" 2>/dev/null || true; done
  ip netns del $peer 2>/dev/null || true
  ip link del $PEER_IF 2>/dev/null || true
}

# ---- the container ---------------------------------------------------------
in_ct() { nsenter -t "$leader" -a -- "$@"; }
in_ct_net() { nsenter -t "$leader" -n -- "$@"; }

boot_container() {
  local console=$work/$case/console.log
  systemd-nspawn --register=no --keep-unit -q -D "$merged" -M "pbt-$rel" --network-veth-extra=$PEER_IF:$NIC \
    --console=read-only -b >"$console" 2>&1 &
  nspawn_pid=$!
  attach_peer_link
  leader=""
  local i p q
  for i in $(seq 1 200); do
    for p in $(pgrep -x systemd); do
      q=$p
      while [ "$q" -gt 1 ]; do
        [ "$q" = "$nspawn_pid" ] && { leader=$p; break 2; }
        q=$(awk '/^PPid:/ {print $2}' /proc/$q/status 2>/dev/null || echo 1)
      done
    done
    sleep 0.1
  done
  [ -n "$leader" ] || { log "container did not start"; cat "$console" >&2; return 1; }
  local state
  state=$(timeout 150 nsenter -t "$leader" -a -- systemctl is-system-running --wait 2>/dev/null || true)
  result system_state "${state:-timeout}"
  if [ "$state" != running ]; then
    in_ct systemctl --failed --no-legend >&2 || true
    result failed_units "$(in_ct systemctl --failed --no-legend --plain 2>/dev/null | awk '{print $1}' | paste -sd, -)"
  fi
  echo "$leader" >"$work/$case/leader"
  local us fin
  us=$(in_ct systemctl show -p UserspaceTimestampMonotonic --value)
  fin=$(in_ct systemctl show -p FinishTimestampMonotonic --value)
  result boot_finished_ms $(((fin - us) / 1000))
  USERSPACE_US=$us
}

stop_container() {
  [ -n "$nspawn_pid" ] || return 0
  kill -TERM "$nspawn_pid" 2>/dev/null || true # nspawn asks systemd to power off
  for _ in $(seq 1 300); do kill -0 "$nspawn_pid" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$nspawn_pid" 2>/dev/null || true
  wait "$nspawn_pid" 2>/dev/null || true
  nspawn_pid="" leader=""
}

case_layer() { # case_layer <case>: a fresh overlay on the installed root
  case=$1
  overlay "$case" "$work/installed/upper:$base"
  install -m 644 "$here/node/kubelet.service" "$merged/etc/systemd/system/kubelet.service"
  ln -sf /etc/systemd/system/kubelet.service "$merged/etc/systemd/system/multi-user.target.wants/kubelet.service"
}

with_perouterd_config() {
  mkdir -p "$merged/var/lib/openperouter/configs"
  cp "$here/node/node-config.yaml" "$merged/var/lib/openperouter/"
  cp "$here/node/configs/"*.yaml "$merged/var/lib/openperouter/configs/"
}

use_networkd() {
  install -m 644 "$here/node/underlay.network" "$merged/etc/systemd/network/10-underlay.network"
  systemctl --root="$merged" enable systemd-networkd.service >/dev/null 2>&1
}

use_ifupdown() {
  install -m 644 "$here/node/interfaces" "$merged/etc/network/interfaces"
}

end_case() {
  stop_container
  umount "$merged"
  merged=""
  stop_peer
}

# ---- checks ----------------------------------------------------------------
us_of() { in_ct systemctl show -p "$2" --value "$1"; }

check_overlay_up() {
  result nic "$(in_ct ip -n perouter -br -4 addr show dev $NIC 2>&1 | awk '{print $1 "," $3}')"
  result nic_in_host "$(in_ct ip -br link show dev $NIC >/dev/null 2>&1 && echo yes || echo no)"
  local ready kubelet
  ready=$(us_of perouterd.service ActiveEnterTimestampMonotonic)
  kubelet=$(us_of kubelet.service ExecMainStartTimestampMonotonic)
  result boot_to_ready_ms $(((ready - USERSPACE_US) / 1000))
  result ready_to_kubelet_ms $(((kubelet - ready) / 1000))
  result kubelet_saw "$(in_ct cat /run/kubelet-stub.txt | paste -sd'|' -)"
  local state=""
  for _ in $(seq 1 60); do
    state=$(in_ct vtysh -N perouter -c 'show bgp neighbors json' 2>/dev/null |
      python3 -c 'import json,sys; print(json.load(sys.stdin).get(sys.argv[1],{}).get("bgpState",""))' $PEER_IP 2>/dev/null || true)
    [ "$state" = Established ] && break
    sleep 0.5
  done
  result bgp "${state:-none}"
  in_ct systemd-analyze critical-chain kubelet.service >"$work/$case/critical-chain.txt" 2>&1 || true
  result critical_chain "$(grep -E 'perouterd|kubelet|network-online|wait-online|networking' "$work/$case/critical-chain.txt" | sed 's/^[^a-z]*//' | paste -sd'|' -)"
  in_ct journalctl -b -o short-monotonic --no-pager -u perouterd -u frr@perouter -u perouterd-netns -u kubelet \
    >"$work/$case/journal.txt" 2>&1 || true
  result err_lines "$(in_ct journalctl -b -p err -u perouterd --no-pager -q | wc -l)"
}

# Packets lost by a 10 ms ping host -> pt-host -> router namespace -> underlay peer while "$@" runs.
ping_loss_during() {
  local out=$work/$case/ping-$1.txt
  shift
  in_ct_net ping -q -i 0.01 -w 25 -c 1500 -I $PT_HOST $PEER_IP >"$out" 2>&1 &
  local ping=$!
  sleep 2
  "$@" >>"$work/$case/actions.log" 2>&1
  local rc=$?
  wait $ping
  local tx rx
  tx=$(grep -oE '[0-9]+ packets transmitted' "$out" | grep -oE '^[0-9]+')
  rx=$(grep -oE '[0-9]+ received' "$out" | grep -oE '^[0-9]+')
  echo "$rc $tx $rx"
}

check_lifecycle() {
  in_ct_net ip route add $PEER_IP/32 via $PT_NS dev pt-host
  result ping_before "$(in_ct_net ping -c 3 -i 0.2 -W 1 -q $PEER_IP | grep -oE '[0-9]+ received')"
  local pid_before r
  pid_before=$(us_of perouterd MainPID)
  r=($(ping_loss_during restart in_ct systemctl restart perouterd))
  result restart_rc "${r[0]}"
  result restart_sent "${r[1]:-0}"
  result restart_lost $(( ${r[1]:-0} - ${r[2]:-0} ))
  result restart_new_pid "$([ "$(us_of perouterd MainPID)" != "$pid_before" ] && echo yes || echo no)"
  pid_before=$(us_of perouterd MainPID)
  r=($(ping_loss_during upgrade in_ct env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "/root/$(basename "$newer")"))
  result upgrade_rc "${r[0]}"
  result upgrade_sent "${r[1]:-0}"
  result upgrade_lost $(( ${r[1]:-0} - ${r[2]:-0} ))
  result upgrade_version "$(in_ct dpkg-query -W -f '${Version}' perouterd)"
  result upgrade_restarted "$([ "$(us_of perouterd MainPID)" != "$pid_before" ] && echo yes || echo no)"
  result active_after_upgrade "$(us_of perouterd ActiveState)"
}

check_reload_invalid() {
  local before after rc
  snapshot() { in_ct sh -c 'ip -n perouter -d -br link; ip -n perouter -br addr; ip -br addr; vtysh -N perouter -c "show running-config" | grep -v "^Building\|^Current"'; }
  before=$(snapshot)
  cp "$here/node/openpe_broken.yaml" "$merged/var/lib/openperouter/configs/openpe_broken.yaml"
  local since
  since=$(in_ct date '+%Y-%m-%d %H:%M:%S')
  rc=0
  in_ct systemctl reload perouterd >"$work/$case/reload.txt" 2>&1 || rc=$?
  result reload_rc $rc
  sleep 3 # the file watcher's 500 ms debounce and a reconcile
  after=$(snapshot)
  result reload_changed "$([ "$before" = "$after" ] && echo no || echo yes)"
  [ "$before" = "$after" ] || diff <(echo "$before") <(echo "$after") >&2 || true
  result reload_err "$(in_ct journalctl -p err -u perouterd --since "$since" --no-pager -q -o cat | grep -m1 -oE 'openpe_broken.yaml:[0-9]+:[0-9]+: [^ ]+' || echo none)"
  result active_after_reload "$(us_of perouterd ActiveState)"
  result status_after_reload "$(us_of perouterd StatusText)"
  rm -f "$merged/var/lib/openperouter/configs/openpe_broken.yaml"
}

check_service_shape() {
  local f
  f=$(in_ct sh -c 'ls /usr/lib/systemd/system/perouterd.service /lib/systemd/system/perouterd.service 2>/dev/null | head -1')
  result units_as_shipped "$(for u in perouterd.service perouterd-netns.service frr@perouter.service.d/perouterd.conf; do
    cmp -s "$repo/systemd/$u" "$merged$(dirname "$f")/$u" || echo "$u"; done | paste -sd, - | sed 's/^$/yes/')"
  result exposure "$(in_ct systemd-analyze security perouterd.service 2>/dev/null | tail -1 | grep -oE '[0-9]+\.[0-9]+')"
  result exposure_netns "$(in_ct systemd-analyze security perouterd-netns.service 2>/dev/null | tail -1 | grep -oE '[0-9]+\.[0-9]+')"
  local rc=0 msg
  msg=$(in_ct timeout 20 perouterd run --netns perouter --state-dir /run/perouterd 2>&1) || rc=$?
  result second_instance_rc $rc
  result second_instance_msg "$(echo "$msg" | tr -d '\\' | grep -oE 'already runs for router namespace "[a-z]+"' | head -1)"
}

# ---- the cases ---------------------------------------------------------------
[ -d "$work/installed/upper" ] || install_layer

case_layer networkd
with_perouterd_config
use_networkd
start_peer
boot_container
[ -z "${BOOT_HOLD:-}" ] || sleep "$BOOT_HOLD" # development: inspect with nsenter -t $(cat $work/<case>/leader) -a
check_overlay_up
check_service_shape
check_lifecycle
check_reload_invalid
end_case

case_layer ifupdown
with_perouterd_config
use_ifupdown
start_peer
boot_container
check_overlay_up
end_case

case_layer noconfig
use_networkd
start_peer
boot_container
result perouterd_condition "$(us_of perouterd ConditionResult)"
result perouterd_state "$(us_of perouterd ActiveState)"
result frr_state "$(us_of frr@perouter ActiveState)"
end_case
