#!/usr/bin/env bash
# wscat-mock.sh: talk to `wsbind mock astro` with wscat, a generic WebSocket
# client that knows nothing of wsbind: subscribe to channel.tips with the
# mock's demo token and print what arrives for a few seconds.
#
# It exits 0 only if the reply to the subscribe (same nonce, no error) and at
# least one channel.tips notification arrive; non-zero otherwise.
#
# Needs Go and Node.js with npm. wscat (npm package wscat) is installed into a
# temporary directory with `npm install --prefix`, never globally.
#
# Usage: scripts/wscat-mock.sh [SECONDS]   (how long wscat listens, default 5)
# cmd/wsbind/wscat_test.go runs it when WSBIND_WSCAT=1, and replays the same
# SUBSCRIBE text with a plain Go WebSocket client on every test run.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
listen=${1:-5}

NONCE=wscat-1
SUBSCRIBE='{"type":"subscribe","nonce":"wscat-1","data":{"topic":"channel.tips","token":"demo-token","token_type":"jwt"}}'

work=$(mktemp -d "${TMPDIR:-/tmp}/wscat-mock.XXXXXX")
mock_pid=
cleanup() {
	if [[ -n $mock_pid ]]; then
		# The mock runs in its own process group: go run and the server both
		# get the interrupt, and the server stops cleanly.
		kill -INT -- "-$mock_pid" 2>/dev/null || true
		wait "$mock_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

# A free loopback port: nothing answers on it.
port=
for _ in $(seq 1 50); do
	p=$((20000 + RANDOM % 40000))
	if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
		port=$p
		break
	fi
done
if [[ -z $port ]]; then
	echo "wscat-mock: no free loopback port found" >&2
	exit 1
fi

echo "wscat-mock: installing wscat into $work" >&2
npm install --prefix "$work" --no-audit --no-fund --loglevel=error wscat >&2

echo "wscat-mock: starting wsbind mock astro on 127.0.0.1:$port" >&2
set -m # a process group of its own, see cleanup
(cd "$root" && exec go run ./cmd/wsbind mock astro --addr "127.0.0.1:$port" --every 300ms --for 5m) >"$work/mock.log" 2>&1 &
mock_pid=$!
set +m

# Wait for it (go run may compile first).
for i in $(seq 1 600); do
	if grep -q "listening on" "$work/mock.log" 2>/dev/null; then
		break
	fi
	if ! kill -0 "$mock_pid" 2>/dev/null || [[ $i == 600 ]]; then
		echo "wscat-mock: the mock did not start:" >&2
		cat "$work/mock.log" >&2
		exit 1
	fi
	sleep 0.2
done

echo "wscat-mock: wscat -c ws://127.0.0.1:$port/ -x '$SUBSCRIBE' -w $listen" >&2
set +e
# wscat quits when its standard input ends: keep that open while it listens.
out=$(cd "$work" && sleep $((listen + 1)) | npx --no -- wscat --no-color -c "ws://127.0.0.1:$port/" -x "$SUBSCRIBE" -w "$listen" 2>"$work/wscat.err")
rc=$?
set -e
printf '%s\n' "$out"
if [[ $rc != 0 ]]; then
	echo "wscat-mock: wscat exited with $rc" >&2
	grep -v "^npm warn" "$work/wscat.err" >&2 || true
	exit 1
fi

status=0
reply=$(printf '%s\n' "$out" | grep -F "\"nonce\":\"$NONCE\"" | head -n 1 || true)
if [[ -z $reply ]]; then
	echo "wscat-mock: FAIL: no reply with nonce $NONCE" >&2
	status=1
elif printf '%s' "$reply" | grep -q '"error"'; then
	echo "wscat-mock: FAIL: the subscribe was refused: $reply" >&2
	status=1
fi
if ! printf '%s\n' "$out" | grep -F '"type":"message"' | grep -qF '"topic":"channel.tips"'; then
	echo "wscat-mock: FAIL: no channel.tips notification within ${listen}s" >&2
	status=1
fi
if [[ $status == 0 ]]; then
	echo "wscat-mock: ok: the reply and at least one notification arrived" >&2
fi
exit $status
