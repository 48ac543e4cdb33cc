#!/usr/bin/env bash
# Federation drill: start two instances (A and B) in separate throwaway homes, pair them (A asks,
# B's operator approves the AITL request), share a thread and sync it both ways (a record written
# on A shows on B after `spl federation sync`, and B's answer on that thread shows on A), then
# revoke the pair on A and prove pulls stop: `spl federation sync` fails on both sides, naming
# PAIR_REVOKED. Runs the real `spl`; prints PASS/FAIL lines; exits non-zero on failure.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
spl_bin="$repo/apps/cli/dist/main.js"
[ -f "$spl_bin" ] || { echo "FAIL: $spl_bin missing; run npm run setup first"; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/spl-drill-XXXXXX")
mkdir -p "$work/a" "$work/b" "$work/bin"
ln -s "$spl_bin" "$work/bin/spl"
export PATH="$work/bin:$PATH"
# Nothing from the caller's shell may point either instance elsewhere.
unset SPL_URL SPL_TOKEN SPL_BOOTSTRAP_TOKEN SPL_PUBLIC_URL SPL_STORE SYNCROPEL_HOME XDG_DATA_HOME XDG_CONFIG_HOME
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
secret() { head -c 32 /dev/urandom | base64 | tr -d '/+=' | head -c 32; }
port_a=$(free_port) port_b=$(free_port)
secret_a=$(secret) secret_b=$(secret)
pid_a="" pid_b=""

cleanup() {
  for pid in "$pid_a" "$pid_b"; do
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  done
  rm -rf "$work"
}
trap cleanup EXIT

fail() { echo "FAIL: $*"; for n in a b; do [ -f "$work/$n.log" ] && { echo "-- $n.log"; tail -5 "$work/$n.log"; }; done; exit 1; }
pass() { echo "PASS: $*"; }
# The environment of instance a's or b's operator (its home, URL and admin token), in `vars`.
vars_of() {
  local n=$1 port secret
  if [ "$n" = a ]; then port=$port_a secret=$secret_a; else port=$port_b secret=$secret_b; fi
  vars=(HOME="$work/$n" SYNCROPEL_HOME="$work/$n/.syncro" XDG_DATA_HOME="$work/$n/.local/share"
    SPL_URL="http://127.0.0.1:$port" SPL_BOOTSTRAP_TOKEN="$secret" SPL_TOKEN="spl_prod_sa-bootstrap-env_${secret}")
}
# `on a spl …` runs a command as the operator of instance a.
on() {
  local n=$1
  shift
  vars_of "$n"
  env "${vars[@]}" "$@"
}
start() {
  local n=$1 port pid
  if [ "$n" = a ]; then port=$port_a; else port=$port_b; fi
  vars_of "$n"
  # Started here, not through `on`: a backgrounded function is a subshell, and its pid is not
  # the daemon's (killing it left the daemon running). env execs spl, so $! is the daemon.
  env "${vars[@]}" spl serve --foreground --port "$port" >"$work/$n.log" 2>&1 &
  pid=$!
  if [ "$n" = a ]; then pid_a=$pid; else pid_b=$pid; fi
  # /health answers as soon as the port opens; readiness is /v1/engine/health leaving 503.
  for _ in $(seq 1 300); do
    on "$n" spl status >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || fail "instance $n exited while starting"
    sleep 0.1
  done
  fail "instance $n did not start"
}
json() { node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s);console.log(eval(process.argv[1]))})' "$1"; }

on a spl init >/dev/null
on b spl init >/dev/null
start a
start b
did_a=$(on a spl status --json | json 'v.instance_did')
pass "started A on :$port_a and B on :$port_b"

pair=$(on a spl federation pair "http://127.0.0.1:$port_b" --json | json 'v.state + " " + v.pair_id')
[ "${pair%% *}" = establishing ] || fail "A's pair request should wait for B's operator, got: $pair"
pair=${pair#* }
request=$(on b spl federation show "$pair" --json | json 'v.aitl_request')
on b spl aitl list --json | json 'v.map(d=>d.id).join("\n")' | grep -qx "$request" || fail "B's operator does not see the request $request in spl aitl list"
on b spl aitl approve "$request" >/dev/null || fail "approving on B"
for _ in $(seq 1 150); do
  state_a=$(on a spl federation show "$pair" --json | json 'v.state + "/" + v.peer_credential')
  state_b=$(on b spl federation show "$did_a" --json | json 'v.state + "/" + v.peer_credential') # by the peer's DID
  [ "$state_a" = active/true ] && [ "$state_b" = active/true ] && break
  sleep 0.2
done
[ "$state_a" = active/true ] && [ "$state_b" = active/true ] || fail "the pair did not become active on both sides: A $state_a, B $state_b"
pass "paired: A asked, B's operator approved (spl aitl approve), active on both sides"

thread=$(on a spl intend --thread drill-federation --body '{"note":"written on A"}' --json | json 'v.thread + " " + v.id')
from_a=${thread#* } thread=${thread%% *}
on a spl federation share "$pair" --thread drill-federation >/dev/null || fail "sharing the thread on A"
on b spl federation sync "$pair" >/dev/null || fail "syncing on B"
on b spl thread records "$thread" --json | json 'v.map(r=>r.id).join("\n")' | grep -qx "$from_a" || fail "A's record $from_a is not on B after sync"
pass "A -> B: the record written on A is on B after spl federation sync"

from_b=$(on b spl know --thread drill-federation --parents "$from_a" --body '{"note":"answered on B"}' --json | json 'v.id')
on a spl federation sync "$pair" >/dev/null || fail "syncing on A"
on a spl thread records "$thread" --json | json 'v.map(r=>r.id).join("\n")' | grep -qx "$from_b" || fail "B's record $from_b is not on A after sync"
pass "B -> A: B's record on the shared thread is on A after spl federation sync"

notified=$(on a spl federation revoke "$pair" --reason drill --json | json 'v.state + "/" + v.peer_notified')
[ "$notified" = revoked/true ] || fail "revoke on A: $notified"
[ "$(on b spl federation show "$pair" --json | json 'v.state + "/" + v.revoked_by')" = revoked/peer ] || fail "B was not told of the revocation"
late=$(on a spl know --thread drill-federation --body '{"note":"after the revocation"}' --json | json 'v.id')
for n in a b; do
  if out=$(on "$n" spl federation sync "$pair" 2>&1); then fail "sync on $n still works after the revocation: $out"; fi
  [ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] && printf '%s' "$out" | grep -q PAIR_REVOKED || fail "sync on $n should fail in one line naming PAIR_REVOKED, got: $out"
done
if on b spl thread records "$thread" --json | json 'v.map(r=>r.id).join("\n")' | grep -qx "$late"; then fail "B received $late, written on A after the revocation"; fi
pass "revoked: the peer was told; spl federation sync fails on both sides with PAIR_REVOKED, and nothing more reaches B"
echo "drill passed"
