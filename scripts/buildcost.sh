#!/usr/bin/env bash
# make buildcost: what every `pulumi preview` and `pulumi up` pays to compile the program.
# pulumi-language-go runs `go build -trimpath -ldflags "-w -s"` on each run; this builds the same way
# in a copy of the checkout, once to warm the cache, then again after a one-line change to the
# contract every component imports (an exported constant in components/cluster: the components, the
# stacks and the program recompile, the cloud SDKs come from the cache), and reports that build's
# wall time and peak RSS (of its largest process: a compile or the link) and the binary's size.
# In the same run it measures the floor: a bare program that imports exactly the Pulumi SDK packages
# kost's program links (blank imports, so every type they register is kept) and does nothing, rebuilt
# after a one-line change the same way. Measurements only: it asserts nothing.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/kost-buildcost.XXXXXX")
trap 'rm -rf "$work"' EXIT
git -C "$repo" ls-files -z | (cd "$repo" && xargs -0 tar -cf -) | tar -xf - -C "$work"
cd "$work"
build() { /usr/bin/time -f "%e %M" -o "$work/time" go build -trimpath -ldflags "-w -s" -o "$work/kost" . ; }
build
# A value new on every run, so the change is never in the build cache.
echo "const BuildcostMarker = $(date +%s%N) // buildcost: a one-line change" >> components/cluster/cluster.go
build
read -r secs kb < "$work/time"
size=$(stat -c %s "$work/kost")
echo "buildcost: rebuild after a one-line change to components/cluster: ${secs} s wall, peak RSS $((kb / 1024)) MiB; binary $((size / 1024 / 1024)) MiB (-trimpath -w -s)"
# A one-line change to the main package only: what relinking the program costs (compare the floor).
echo "const buildcostMainMarker = $(date +%s%N) // buildcost: a one-line change" >> main.go
build
read -r msecs mkb < "$work/time"
echo "buildcost: rebuild after a one-line change to the main package: ${msecs} s wall, peak RSS $((mkb / 1024)) MiB"
echo "buildcost: Kubernetes API-group packages in the program: $(go list -deps . | grep -c 'pulumi-kubernetes/sdk/v4/go/kubernetes/[a-z0-9]*/v[0-9a-z]*$' || true)"

# The floor: the same SDK packages, none of kost's code.
mkdir -p floor
{
	echo "package main"
	echo
	echo "import ("
	echo '	"github.com/pulumi/pulumi/sdk/v3/go/pulumi"'
	go list -deps . | grep -E '^github\.com/pulumi/pulumi-[a-z-]+(-sdk)?/' | grep -v '/internal$' | sed 's/.*/	_ "&"/'
	echo ")"
	echo
	echo 'func main() { pulumi.Run(func(*pulumi.Context) error { return nil }) }'
} > floor/main.go
build_floor() { /usr/bin/time -f "%e %M" -o "$work/time" go build -trimpath -ldflags "-w -s" -o "$work/floor-bin" ./floor ; }
build_floor
echo "const buildcostMarker = $(date +%s%N) // buildcost: a one-line change" >> floor/main.go
build_floor
read -r fsecs fkb < "$work/time"
fsize=$(stat -c %s "$work/floor-bin")
echo "buildcost: floor (the same $(grep -c '^	_ ' floor/main.go) SDK packages, no kost code): ${fsecs} s wall, peak RSS $((fkb / 1024)) MiB; binary $((fsize / 1024 / 1024)) MiB"
