#!/usr/bin/env bash
# make e2e: the real engine against a real API server, with nothing leaving the machine.
#  1. tools.sh builds the tools once into a cache outside the checkout (keyed by version);
#  2. the test binary is compiled here, outside the namespace;
#  3. it runs inside a network namespace of its own with only loopback up, where it starts the
#     control plane and kwok, runs the stacks and stops every process it started.
# Logs of every process and of the engine stay in $KOST_E2E_OUT (printed at the start).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${KOST_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kost-e2e}
shared=${KOST_SHARED_DIR:-$repo/../shared}
# A clone of a local checkout (git clone . /tmp/x) finds them beside the checkout it came from.
origin=$(git -C "$repo" config --get remote.origin.url 2>/dev/null || true)
if [ -z "${KOST_SHARED_DIR:-}" ] && [ ! -d "$shared/charts" ] && [ -d "$origin" ] && [ -d "$origin/../shared/charts" ]; then
	shared=$(cd "$origin/../shared" && pwd)
fi
keep=${KOST_E2E_OUT:+yes}
out=${KOST_E2E_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/kost-e2e.XXXXXX")}
mkdir -p "$out"
echo "e2e: logs in $out"
# etcd dies on a full disk and the API server then times out mid-run, which reads like a kost bug:
# refuse up front instead. A run writes about 1 GiB there (test binary, two stacks' state, engine
# and Pulumi logs, etcd); 2 GiB leaves room.
free_kib=$(df -Pk "$out" | awk 'NR == 2 { print $4 }')
if [ "$free_kib" -lt $((2 * 1024 * 1024)) ]; then
	echo "e2e: FAILED: only $((free_kib / 1024)) MiB free in $out; the run needs 2 GiB (free space, or point KOST_E2E_OUT elsewhere)" >&2
	exit 1
fi

if [ ! -d "$shared/charts" ] || [ ! -d "$shared/src" ]; then
	# On a developer's machine the run is optional; in CI a silent skip would pass without evidence.
	if [ -n "${CI:-}" ]; then
		echo "e2e: FAILED: CI is set but $shared has no published charts and provider sources (set KOST_SHARED_DIR)" >&2
		exit 1
	fi
	echo "e2e: SKIPPED: no published charts and provider sources in $shared (set KOST_SHARED_DIR); nothing was run"
	exit 0
fi
if [ "$(id -u)" != 0 ] && ! unshare --user --map-root-user true 2>/dev/null; then
	echo "e2e: needs root or unprivileged user namespaces to make its network namespace" >&2
	exit 1
fi

KOST_E2E_CACHE=$cache KOST_SHARED_DIR=$shared bash "$here/tools.sh"
# The run's bin: the cached tools, and the stand-in for the pulumi-tls plugin (kost's own code in
# tlsstandin/, since the real provider cannot be built here; see its doc).
mkdir -p "$out/bin"
ln -sfn "$cache"/bin/* "$out/bin/"
(cd "$repo" && go build -o "$out/bin/pulumi-resource-tls" ./tests/e2e/tlsstandin && go test -c -o "$out/e2e.test" ./tests/e2e)

userns=()
[ "$(id -u)" = 0 ] || userns=(--user --map-root-user)
cd "$here"
KOST_E2E_BIN=$out/bin KOST_E2E_OUT=$out KOST_SHARED_DIR=$shared \
	unshare "${userns[@]}" --net -- bash -c 'ip link set lo up && exec "$@"' e2e \
	"$out/e2e.test" -test.v -test.timeout "${KOST_E2E_TIMEOUT:-45m}" -test.run "${KOST_E2E_RUN:-.}" 2>&1 | tee "$out/e2e.log" ||
	status=$?
status=${status:-0}
if [ "$status" = 0 ] && [ -z "$keep" ]; then
	# A passing run's files are of no further use and every CI run would leave ~1 GiB behind; a
	# failing run, or one with KOST_E2E_OUT set, keeps everything.
	rm -rf "$out"
	echo "e2e: passed; removed $out (set KOST_E2E_OUT to keep a passing run's logs)"
elif [ "$status" != 0 ]; then
	echo "e2e: FAILED; everything the run wrote is in $out" >&2
fi
exit "$status"
