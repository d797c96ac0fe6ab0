#!/usr/bin/env bash
# Many slow transfers at once: N downloads from a local nginx that sends
# each connection 1 KiB/s (`limit_rate 1k`, files large enough never to
# finish), all active together: skyhauld with `--max-active N` (submitted
# with one batch) and, in the same run, aria2c with
# --max-concurrent-downloads=N. Once all N are transferring, each process's
# resident memory and its CPU over WINDOW seconds are read from /proc, and
# skyhauld's status replies for the live tasks are timed with loadgen.
# Usage: benchmarks/scale_bench.sh [N] [WINDOW]
# aria2c holds two descriptors per download (socket and file): when 2N do
# not fit in one process's RLIMIT_NOFILE it runs as several processes with
# a share of the list each, and their RSS and CPU are summed (the output
# says so).
# Prints: transfers=… skyhaul_rss_kib=… skyhaul_cpu_s=… aria2_rss_kib=…
#         aria2_cpu_s=… per-transfer figures, status p50/p99, and ratios
source "$(dirname "$0")/common.sh"
need nginx aria2c
need_loadgen
N=${1:-10000}
WINDOW=${2:-20}
# Every transfer is a socket on each side.
ulimit -n "$(ulimit -Hn)"
LIMIT=$(ulimit -n)
# skyhauld holds one descriptor per slow transfer (its socket: the output
# files share a bounded pool, a descriptor borrowed per write), nginx one
# (the file is shared through open_file_cache).
[ "$LIMIT" -ge $((N + 1024)) ] || { echo "need ulimit -n >= $((N + 1024)) for $N transfers (have $LIMIT)" >&2; exit 1; }

mkdir -p "$WORK/www"
head -c 64M /dev/zero > "$WORK/www/big.bin"
start_nginx "$WORK/www" "limit_rate 1k; access_log off; open_file_cache max=64;"
BASE=http://127.0.0.1:$NGX_PORT

rss_kib() { awk '/^VmRSS/ {print $2}' "/proc/$1/status"; }
cpu_s() { # utime+stime of PID in seconds
  python3 -c 'import os,sys;f=open(f"/proc/{sys.argv[1]}/stat").read().rsplit(")",1)[1].split();print((int(f[11])+int(f[12]))/os.sysconf("SC_CLK_TCK"))' "$1"
}
established() { # established TCP connections to nginx's port
  ss -Htn state established "( sport = :$NGX_PORT )" | wc -l
}
await_connections() { # await_connections N LIMIT_S
  for _ in $(seq $(($2 * 10))); do [ "$(established)" -ge "$1" ] && return 0; sleep 0.1; done
  echo "only $(established) of $1 transfers connected" >&2; return 1
}

# --- skyhaul -----------------------------------------------------------------
start_skyhauld "$WORK/sky" --max-active "$N" --low-speed-time 600
python3 - "$API" "$KEY" "$BASE" "$N" "$WORK/tids.txt" <<'PY'
import http.client, json, sys, urllib.parse
api, key, base, n, out = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5]
u = urllib.parse.urlparse(api)
c = http.client.HTTPConnection(u.hostname, u.port, timeout=600)
h = {"Authorization": "Bearer " + key, "Content-Type": "application/json"}
tids = []
for start in range(0, n, 10000):
    # One connection each, as aria2c's -x1 -s1 below: the same transfers.
    specs = [{"url": "%s/big.bin?n=%d" % (base, i), "bucket": "scale", "key": "k/%d" % i,
              "connections": 1}
             for i in range(start, min(n, start + 10000))]
    c.request("POST", "/task/batch/create", json.dumps({"tasks": specs}), h)
    r = json.loads(c.getresponse().read())
    assert r.get("failed") == 0, r
    tids += [d["tid"] for d in r["detail"]]
open(out, "w").write("\n".join(tids) + "\n")
PY
await_connections "$N" 300
sleep 2
s_rss=$(rss_kib "$SKY_PID"); c0=$(cpu_s "$SKY_PID")
status=$("$LOADGEN" --url "$API" --mode status --key "$KEY" --ids "$WORK/tids.txt" --connections 8 --duration "$WINDOW")
c1=$(cpu_s "$SKY_PID"); s_rss_end=$(rss_kib "$SKY_PID")
s_cpu=$(python3 -c 'import sys;print(f"{float(sys.argv[2])-float(sys.argv[1]):.2f}")' "$c0" "$c1")
s_fds=$(ls "/proc/$SKY_PID/fd" | wc -l)
# The status load takes CPU too: measure the transfers alone as well.
c2=$(cpu_s "$SKY_PID"); sleep "$WINDOW"; c3=$(cpu_s "$SKY_PID")
# Bounded: a slow transfer holds at most a few pages of its bytes.
s_rss_last=$(rss_kib "$SKY_PID")
s_idle=$(python3 -c 'import sys;print(f"{float(sys.argv[2])-float(sys.argv[1]):.2f}")' "$c2" "$c3")
counts=$(curl -s -H "Authorization: Bearer $KEY" "$API/task/state_counter")
active=$(python3 -c 'import json,sys;print(json.loads(sys.argv[1])["detail"]["downloading"])' "$counts")
failed=$(python3 -c 'import json,sys;print(json.loads(sys.argv[1])["detail"]["failed"])' "$counts")
stop_pid "$SKY_PID"
# aria2c's connections are counted alone: skyhauld's must be gone first.
for _ in $(seq 600); do [ "$(established)" -eq 0 ] && break; sleep 0.1; done
[ "$(established)" -eq 0 ] || { echo "skyhauld's transfers did not close" >&2; exit 1; }

# --- aria2c ------------------------------------------------------------------
# Each download its own file: with one name for all, aria2c runs one.
# Two descriptors per download, and some for aria2c itself: as many
# processes as it takes for each to fit in LIMIT.
PROCS=$(( (2 * N + 512 + LIMIT - 1024 - 1) / (LIMIT - 1024) ))
mkdir -p "$WORK/aria"
ARIAS=()
for p in $(seq 0 $((PROCS - 1))); do
  for i in $(seq "$p" "$PROCS" $((N - 1))); do printf '%s\n  out=f%d\n' "$BASE/big.bin?n=$i" "$i"; done > "$WORK/list$p.txt"
  share=$(grep -c '^http' "$WORK/list$p.txt")
  aria2c -q --no-conf -j "$share" --max-concurrent-downloads="$share" -x1 -s1 --file-allocation=none \
    --lowest-speed-limit=0 --timeout=600 --auto-file-renaming=false --allow-overwrite=true \
    -d "$WORK/aria" -i "$WORK/list$p.txt" >"$WORK/aria2.$p.log" 2>&1 &
  ARIAS+=($!); PIDS+=($!)
done
await_connections "$N" 300
sleep 2
sum_of() { python3 -c 'import sys;print(f"{sum(map(float,sys.argv[1:])):.2f}")' "$@"; }
a_rss=$(sum_of $(for p in "${ARIAS[@]}"; do rss_kib "$p"; done))
a_rss=${a_rss%.*}
a0=$(sum_of $(for p in "${ARIAS[@]}"; do cpu_s "$p"; done))
sleep "$WINDOW"
a1=$(sum_of $(for p in "${ARIAS[@]}"; do cpu_s "$p"; done))
a_cpu=$(python3 -c 'import sys;print(f"{float(sys.argv[2])-float(sys.argv[1]):.2f}")' "$a0" "$a1")
a_fds=$(sum_of $(for p in "${ARIAS[@]}"; do ls "/proc/$p/fd" | wc -l; done))
a_fds=${a_fds%.*}
for p in "${ARIAS[@]}"; do stop_pid "$p"; done

echo "transfers=$N window_s=$WINDOW skyhaul_active=$active skyhaul_failed=$failed"
echo "skyhaul_rss_kib=$s_rss (after the status load $s_rss_end, after the idle window $s_rss_last) skyhaul_cpu_s=$s_idle (transfers alone) skyhaul_cpu_with_status_s=$s_cpu skyhaul_fds=$s_fds (limit $LIMIT)"
echo "aria2_rss_kib=$a_rss aria2_cpu_s=$a_cpu aria2_fds=$a_fds aria2_processes=$PROCS"
[ "$PROCS" -eq 1 ] || echo "aria2c ran as $PROCS processes of about $((N / PROCS)) downloads each (2 descriptors per download do not fit in $LIMIT): RSS and CPU are their sums"
echo "status under load: $status"
python3 - "$N" "$WINDOW" "$s_rss" "$s_idle" "$a_rss" "$a_cpu" <<'PY'
import sys
n, w, srss, scpu, arss, acpu = int(sys.argv[1]), float(sys.argv[2]), *map(float, sys.argv[3:])
print(f"per transfer: skyhaul {srss/n:.1f} KiB, {scpu/w/n*1e6:.1f} us CPU/s; aria2c {arss/n:.1f} KiB, {acpu/w/n*1e6:.1f} us CPU/s")
print(f"ratio_rss={srss/arss:.2f} ratio_cpu={scpu/max(acpu,1e-9):.2f} (skyhaul/aria2c, lower is better)")
PY
