#!/usr/bin/env bash
# The quick-start demo: builds gateway-proxy and mock-gateway, starts both on
# free loopback ports, and calls UpdateUser three times with the Python
# example client (examples/python/update_user.py):
#   1. acme/alice -> role admin, display name "Alice Liddell"     (OK)
#   2. no role                   -> INVALID_ARGUMENT, BadRequest user.role,
#                                   answered by the proxy itself
#   3. acme/zed (no such user)   -> NOT_FOUND, ErrorInfo USER_NOT_FOUND,
#                                   answered by the mock REST API
# Both servers are stopped on exit, whatever happens; the exit status is
# non-zero when any step does not go as described.
#
# Needs root (or sudo) the first time, for scripts/install-deps.sh.
# BUILD_DIR (default ./build) picks the build directory.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD_DIR=${BUILD_DIR:-build}
PYTHON=/usr/bin/python3  # Debian's, which has python3-grpcio.
API_KEY=demo-key-0000     # A throwaway key the mock accepts; not a secret.

if [[ -t 1 ]]; then bold=$'\033[1m' plain=$'\033[0m'; else bold="" plain=""; fi
step() { printf '\n%s== %s%s\n' "$bold" "$*" "$plain"; }
fail() { printf 'demo: %s\n' "$*" >&2; exit 1; }

step "Installing build dependencies (Debian packages)"
bash scripts/install-deps.sh

step "Building gateway-proxy, mock-gateway and the Python stubs in $BUILD_DIR"
cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$BUILD_DIR" --target gateway-proxy mock-gateway python_stubs

work_dir=$(mktemp -d)
pids=()
# SIGTERM to every server started, up to 5 s each for a graceful exit, then
# SIGKILL: no orphans either way.
stop_servers() {
  local pid
  for pid in "${pids[@]}"; do
    kill -TERM "$pid" 2>/dev/null || true
  done
  for pid in "${pids[@]}"; do
    for _ in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  pids=()
}
cleanup() {
  local status=$?
  stop_servers
  rm -rf "$work_dir"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Starts "$@" with stdout and stderr in $work_dir/NAME.{out,log}, waits (up to
# 20 s) for its "listening on HOST:PORT" line and puts HOST:PORT in $address.
start_server() {
  local name=$1
  shift
  "$@" >"$work_dir/$name.out" 2>"$work_dir/$name.log" &
  pids+=($!)
  local pid=$! line=""
  for _ in $(seq 200); do
    line=$(head -n 1 "$work_dir/$name.out")
    [[ $line == "listening on "* ]] && break
    if ! kill -0 "$pid" 2>/dev/null; then
      cat "$work_dir/$name.log" >&2
      fail "$name exited before it was listening"
    fi
    sleep 0.1
  done
  [[ $line == "listening on "* ]] || fail "$name did not start listening within 20 s"
  address=${line#listening on }
  echo "$name listening on $address (log: $name.log)"
}

printf '%s\n' "$API_KEY" >"$work_dir/api_key"

step "Starting mock-gateway and gateway-proxy"
start_server mock-gateway "$BUILD_DIR/tools/mock_gateway/mock-gateway" \
  --api_key="$API_KEY" --listen=127.0.0.1:0
mock_address=$address
start_server gateway-proxy "$BUILD_DIR/proxy/gateway-proxy" \
  --listen=127.0.0.1:0 --upstream="http://$mock_address" \
  --api_key_file="$work_dir/api_key"
proxy_address=$address

# Runs the example client against the proxy; its output goes to stdout and
# to $output, its exit status to $client_status.
client() {
  set +e
  output=$(PYTHONPATH="$BUILD_DIR/gen/python" "$PYTHON" \
    examples/python/update_user.py --target "$proxy_address" "$@" 2>&1)
  client_status=$?
  set -e
  printf '%s\n' "$output"
}

# Fails unless the last client output contains every argument.
expect_output() {
  local want
  for want in "$@"; do
    [[ $output == *"$want"* ]] || fail "expected \"$want\" in the client's output"
  done
}

step "1. UpdateUser acme/alice: role admin, display name \"Alice Liddell\""
client --account acme --user alice --role admin --display-name "Alice Liddell"
((client_status == 0)) || fail "the update failed"
expect_output '"name": "accounts/acme/users/alice"' \
  '"displayName": "Alice Liddell"' '"role": "admin"' '"state": "READY"'

step "2. UpdateUser without a role: rejected by the proxy before any REST call"
client --account acme --user alice --display-name "Alice Liddell"
((client_status == 1)) || fail "expected the call to fail"
expect_output "UpdateUser failed: INVALID_ARGUMENT" "field user.role"

step "3. UpdateUser acme/zed: NOT_FOUND from the REST API, with its ErrorInfo"
client --account acme --user zed --role user
((client_status == 1)) || fail "expected the call to fail"
expect_output "UpdateUser failed: NOT_FOUND" "reason=USER_NOT_FOUND" \
  "account_id=acme" "user_id=zed"

step "REST calls mock-gateway received"
stop_servers  # So its log is complete.
grep -v '^mock-gateway: ' "$work_dir/mock-gateway.log"
# Step 2 never reached it: the mock would have answered 400.
! grep -q ' 400$' "$work_dir/mock-gateway.log" ||
  fail "the proxy sent the call without a role to the REST API"

step "Demo finished: every step went as expected"
