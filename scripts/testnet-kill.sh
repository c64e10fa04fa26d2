#!/usr/bin/env bash
# Crash tests on a real 4-process testnet (loopback, TLS links):
#   1. kill -9 one node while transactions flow: the other three keep committing;
#      restart it: it catches up by block sync to the same block hashes;
#   2. kill -9 two nodes: progress stops and nothing forks; restart them: progress resumes.
# Every node's blocks 1..H are compared at the end (same hash at every height on all 4).
#
# Usage: scripts/testnet-kill.sh            (uses .build/debug/medchain; MEDCHAIN=path to override)
#        KEEP=1 scripts/testnet-kill.sh     (keep the testnet folder and logs)
# Needs curl and python3. Exit status 0 = every check passed.
set -euo pipefail

BIN=${MEDCHAIN:-.build/debug/medchain}
BASE=${BASE_PORT:-29100}
DIR=$(mktemp -d /tmp/medchain-kill.XXXXXX)
[ -x "$BIN" ] || { echo "no medchain binary at $BIN; run swift build first (or set MEDCHAIN)" >&2; exit 2; }

declare -a PIDS
say() { echo "[testnet-kill] $*"; }
fail() { say "FAIL: $*"; KEEP=1; exit 1; }

cleanup() {
    for pid in "${PIDS[@]:-}"; do [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if [ "${KEEP:-0}" = 1 ]; then say "files kept in $DIR"; else rm -rf "$DIR"; fi
}
trap cleanup EXIT

port() { echo $((BASE + 2 * $1 + 1)); }
json() { python3 -c "import json,sys; print(json.load(sys.stdin)$1)"; }
height() { curl -sf "http://127.0.0.1:$(port "$1")/status" | json "['height']" 2>/dev/null || echo -1; }
peers() { curl -sf "http://127.0.0.1:$(port "$1")/status" | json "['peers_connected'].__len__()" 2>/dev/null || echo -1; }
hash_at() { curl -sf "http://127.0.0.1:$(port "$1")/blocks/$2" | json "['hash']" 2>/dev/null || echo missing; }

start_node() {
    "$BIN" node --home "$DIR/node-$1" >>"$DIR/node-$1/node.log" 2>&1 &
    PIDS[$1]=$!
}

wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND...
    local deadline=$((SECONDS + $1)) what=$2
    shift 2
    until "$@"; do
        [ $SECONDS -lt $deadline ] || fail "timed out waiting for $what"
        sleep 0.2
    done
}

all_connected() { for i in 0 1 2 3; do [ "$(peers $i)" = 3 ] || return 1; done; }
at_least() { [ "$(height "$1")" -ge "$2" ]; }

"$BIN" testnet --nodes 4 --home "$DIR" --base-port "$BASE" --no-start >/dev/null
for i in 0 1 2 3; do start_node $i; done
wait_for 60 "all four nodes to connect" all_connected
say "4 nodes connected"
"$BIN" testnet submit --home "$DIR" --count 20 --node 0 --wait 60 >/dev/null || fail "the first 20 transactions did not commit"
say "20 transactions committed; height $(height 0)"

# 1. kill -9 node-3 while transactions are flowing.
"$BIN" testnet submit --home "$DIR" --count 30 --node 1 --wait 0 >/dev/null &
sleep 0.3
kill -9 "${PIDS[3]}"
wait "${PIDS[3]}" 2>/dev/null || true
PIDS[3]=""
killed_at=$(height 0)
say "node-3 killed (kill -9) at height ~$killed_at"
"$BIN" testnet submit --home "$DIR" --count 20 --node 2 --wait 60 >/dev/null || fail "the three live nodes did not commit 20 transactions"
wait_for 20 "three more blocks without node-3" at_least 0 $((killed_at + 3))
target=$(height 0)
say "three nodes kept committing: height $killed_at -> $target"

start_node 3
wait_for 90 "node-3 to catch up to height $target" at_least 3 "$target"
[ "$(hash_at 3 "$target")" = "$(hash_at 0 "$target")" ] || fail "node-3 holds a different block at height $target"
say "node-3 restarted and caught up: same block hash at height $target ($(hash_at 0 "$target" | cut -c1-16)…)"
wait_for 60 "node-3 to reconnect" all_connected

# 2. kill -9 two nodes: no quorum (3 of 4 needed), so no progress and no fork.
kill -9 "${PIDS[2]}" "${PIDS[3]}"
wait "${PIDS[2]}" "${PIDS[3]}" 2>/dev/null || true
PIDS[2]=""; PIDS[3]=""
sleep 1
stalled=$(height 0)
"$BIN" testnet submit --home "$DIR" --count 5 --node 0 --wait 0 >/dev/null
sleep 5
now0=$(height 0); now1=$(height 1)
[ "$now0" -le $((stalled + 1)) ] && [ "$now1" -le $((stalled + 1)) ] || fail "progress without a quorum: $stalled -> $now0/$now1"
say "two nodes down: progress stopped at height $now0"
start_node 2; start_node 3
"$BIN" testnet submit --home "$DIR" --count 10 --node 1 --wait 90 >/dev/null || fail "no progress after restarting the two nodes"
final=$(height 0)
[ "$final" -gt "$now0" ] || fail "height did not grow after the restart"
for i in 1 2 3; do wait_for 60 "node-$i to reach height $final" at_least $i "$final"; done
say "both restarted: progress resumed, height $final"

# Same block at every height on every node (no fork, nothing lost).
for h in $(seq 1 "$final"); do
    reference=$(hash_at 0 "$h")
    [ "$reference" != missing ] || fail "node-0 has no block $h"
    for i in 1 2 3; do [ "$(hash_at $i "$h")" = "$reference" ] || fail "node-$i differs from node-0 at height $h"; done
done
say "PASS: all 4 nodes hold the same $final blocks"
