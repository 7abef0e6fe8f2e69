#!/usr/bin/env bash
# make buildcost: what every `pulumi preview` and `pulumi up` pays to compile the program.
# pulumi-language-go runs `go build -trimpath -ldflags "-w -s"` on each run; this builds the same way
# in a copy of the checkout, once to warm the cache, then again after a one-line change to the
# contract every component imports (an exported constant in components/cluster: the components, the
# stacks and the program recompile, the cloud SDKs come from the cache), and reports that build's
# wall time and peak RSS (of its largest process: a compile or the link) and the binary's size.
# Measurements only: it asserts nothing.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/kost-buildcost.XXXXXX")
trap 'rm -rf "$work"' EXIT
git -C "$repo" ls-files -z | (cd "$repo" && xargs -0 tar -cf -) | tar -xf - -C "$work"
cd "$work"
build() { /usr/bin/time -f "%e %M" -o "$work/time" go build -trimpath -ldflags "-w -s" -o "$work/kost" . ; }
build
echo "const BuildcostMarker = 1 // buildcost: a one-line change" >> components/cluster/cluster.go
build
read -r secs kb < "$work/time"
size=$(stat -c %s "$work/kost")
echo "buildcost: rebuild after a one-line change to components/cluster: ${secs} s wall, peak RSS $((kb / 1024)) MiB; binary $((size / 1024 / 1024)) MiB (-trimpath -w -s)"
echo "buildcost: Kubernetes API-group packages in the program: $(go list -deps . | grep -c 'pulumi-kubernetes/sdk/v4/go/kubernetes/[a-z0-9]*/v[0-9a-z]*$' || true)"
