#!/usr/bin/env bash
# Builds the tools the end-to-end run needs, once, into a cache outside the checkout keyed by
# version (ENVIRONMENT.md: none of them can be downloaded as binaries here, all build from Go
# modules). Prints nothing but progress; the binaries are linked into "$KOST_E2E_CACHE/bin".
#
#   KOST_E2E_CACHE   cache folder (default: ${XDG_CACHE_HOME:-$HOME/.cache}/kost-e2e)
#   KOST_SHARED_DIR  the shared folder with src/ (pulumi-random sources) (default: ../shared)
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
cache=${KOST_E2E_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kost-e2e}
shared=${KOST_SHARED_DIR:-$repo/../shared}

# The versions. Each one is a cache key: changing it builds that tool again, once.
# - Pulumi CLI at the SDK version in go.mod (the engine the program's SDK speaks to).
PULUMI_VERSION=v3.255.0
# - pulumi-kubernetes provider: the only served provider module is this pseudo-version, which is
#   exactly tag v4.25.0 (ENVIRONMENT.md); its go.mod replaces the SDK with ../sdk, so the SDK is
#   required here at the same tag.
K8S_PROVIDER_MODULE_VERSION=v4.0.0-20260115033456-f47bc2d6f199
K8S_PROVIDER_VERSION=4.25.0
# - pulumi-random provider at the SDK version in go.mod, from the sources in shared/src.
RANDOM_VERSION=4.19.0
RANDOM_TF_COMMIT=1a47b641ab25
# - Kubernetes control plane at the default supported minor (stacks/config/versions.go).
KUBERNETES_VERSION=${KOST_E2E_KUBERNETES_VERSION:-v1.36.4}
ETCD_VERSION=v3.5.16
KWOK_VERSION=v0.7.0
# - promtool, for kost's alert rules (check and unit-test them). kube-prometheus-stack 88.3.0 runs
#   Prometheus v3.13.2, whose Go module (v0.313.2) carries replace directives and so cannot be built
#   with go install; v0.316.0 (Prometheus 3.16.0) can, and reads the same rule and test formats.
PROMETHEUS_VERSION=v0.316.0

mkdir -p "$cache/bin"
export GOFLAGS=-mod=mod GOTOOLCHAIN=local

log() { printf 'e2e tools: %s\n' "$*" >&2; }

# This run's scratch folders; those of builds that failed are removed on the way out.
scratches=()
trap 'rm -rf "${scratches[@]}"' EXIT

# scratch MODULE_NAME: a fresh module folder for one build, in $scratch_dir.
scratch() {
	scratch_dir=$(mktemp -d "$cache/build.XXXXXX")
	scratches+=("$scratch_dir")
	(cd "$scratch_dir" && go mod init "$1" >/dev/null 2>&1)
}

# done_or_build NAME VERSION FUNCTION: runs FUNCTION DEST unless DEST/.ok exists, then links the
# binaries of DEST into bin/.
done_or_build() {
	local name=$1 version=$2 fn=$3 dest="$cache/$1-$2"
	if [ ! -f "$dest/.ok" ]; then
		log "building $name $version (once; cached in $dest)"
		rm -rf "$dest" && mkdir -p "$dest"
		local start=$SECONDS
		"$fn" "$dest"
		touch "$dest/.ok"
		log "built $name $version in $((SECONDS - start)) s"
	fi
	local f
	for f in "$dest"/*; do
		ln -sfn "$f" "$cache/bin/$(basename "$f")"
	done
}

build_pulumi() {
	local d
	scratch kost.e2e/pulumi
	d=$scratch_dir
	(
		cd "$d"
		go mod edit -require "github.com/pulumi/pulumi/pkg/v3@$PULUMI_VERSION" -require "github.com/pulumi/pulumi/sdk/v3@$PULUMI_VERSION"
		# pkg/v3 replaces the clipboard module with this fork in its own go.mod; replaces of a
		# dependency do not apply to the main module, so it is repeated here.
		go mod edit -replace github.com/atotto/clipboard=github.com/tgummerer/clipboard@v0.0.0-20241001131231-d02d263e614e
		printf 'package tools\n\nimport _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"\n' >tools.go
		go mod tidy >/dev/null 2>&1 || true
		go build -trimpath -ldflags "-s -w -X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$PULUMI_VERSION" \
			-o "$1/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
	)
	rm -rf "$d"
}

build_k8s_provider() {
	local d
	scratch kost.e2e/kubernetes
	d=$scratch_dir
	(
		cd "$d"
		go mod edit -require "github.com/pulumi/pulumi-kubernetes/provider/v4@$K8S_PROVIDER_MODULE_VERSION" \
			-require "github.com/pulumi/pulumi-kubernetes/sdk/v4@v$K8S_PROVIDER_VERSION"
		go mod download "github.com/pulumi/pulumi-kubernetes/provider/v4@$K8S_PROVIDER_MODULE_VERSION"
		# The command embeds its schema in a form the module does not carry (its release build
		# writes it with generate.go), so the command folder is copied here and generated.
		local src
		src=$(go list -m -f '{{.Dir}}' "github.com/pulumi/pulumi-kubernetes/provider/v4")/cmd/pulumi-resource-kubernetes
		mkdir -p cmd/pulumi-resource-kubernetes
		cp "$src"/*.go "$src"/*.json cmd/pulumi-resource-kubernetes/
		chmod -R u+w cmd
		go mod tidy >/dev/null 2>&1 || true
		(cd cmd/pulumi-resource-kubernetes && VERSION=$K8S_PROVIDER_VERSION go run generate.go)
		go build -trimpath -ldflags "-s -w -X github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version.Version=$K8S_PROVIDER_VERSION" \
			-o "$1/pulumi-resource-kubernetes" ./cmd/pulumi-resource-kubernetes
	)
	rm -rf "$d"
}

build_random_provider() {
	local src="$shared/src" d
	if [ ! -d "$src/pulumi-random-v$RANDOM_VERSION" ]; then
		log "no pulumi-random sources in $src (see its README); set KOST_SHARED_DIR"
		return 1
	fi
	d=$(mktemp -d "$cache/build.XXXXXX")
	scratches+=("$d")
	cp -r "$src/pulumi-random-v$RANDOM_VERSION" "$src/terraform-provider-random-$RANDOM_TF_COMMIT" "$d/"
	chmod -R u+w "$d"
	(
		tf="$d/terraform-provider-random-$RANDOM_TF_COMMIT"
		cd "$d/pulumi-random-v$RANDOM_VERSION/provider"
		go mod edit -replace "github.com/terraform-providers/terraform-provider-random=$tf"
		(cd shim && go mod edit -replace "github.com/terraform-providers/terraform-provider-random=$tf")
		(cd cmd/pulumi-resource-random && VERSION=$RANDOM_VERSION GONOSUMDB=github.com/pulumi go run generate.go)
		GONOSUMDB=github.com/pulumi go build -trimpath -ldflags "-s -w -X github.com/pulumi/pulumi-random/provider/v4/pkg/version.Version=$RANDOM_VERSION" \
			-o "$1/pulumi-resource-random" ./cmd/pulumi-resource-random
	)
	rm -rf "$d"
}

build_kubernetes() {
	local d v=${KUBERNETES_VERSION#v} args=()
	scratch kost.e2e/kubernetes-control-plane
	d=$scratch_dir
	(
		cd "$d"
		go mod edit -require "k8s.io/kubernetes@$KUBERNETES_VERSION"
		# k8s.io/kubernetes replaces each staging module with ./staging/...; here each is the
		# published v0.<minor>.<patch> of the same release.
		go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" >/dev/null
		local gomod
		gomod=$(go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
		for m in $(sed -n 's#^\s*\(k8s.io/[a-z0-9-]*\) => ./staging/.*#\1#p' "$gomod"); do
			args+=(-replace "$m=$m@v0.${v#1.}")
		done
		go mod edit "${args[@]}"
		printf 'package tools\n\nimport (\n\t_ "k8s.io/kubernetes/cmd/kube-apiserver"\n\t_ "k8s.io/kubernetes/cmd/kube-controller-manager"\n\t_ "k8s.io/kubernetes/cmd/kube-scheduler"\n)\n' >tools.go
		go mod tidy >/dev/null 2>&1 || true
		# One go build for the three: they share most packages, so they compile once.
		# The version the servers report (/version): Helm charts compare it (semverCompare on
		# .Capabilities.KubeVersion), and an unset one ("v0.0.0-master") is not valid semver.
		local minor=${v#1.}
		minor=${minor%%.*}
		local pkg=k8s.io/component-base/version
		go build -trimpath -ldflags "-s -w -X $pkg.gitVersion=$KUBERNETES_VERSION -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean" \
			-o "$1/" k8s.io/kubernetes/cmd/kube-apiserver k8s.io/kubernetes/cmd/kube-controller-manager k8s.io/kubernetes/cmd/kube-scheduler
	)
	rm -rf "$d"
}

build_etcd() {
	local d
	scratch kost.e2e/etcd
	d=$scratch_dir
	(
		cd "$d"
		go mod edit -require "go.etcd.io/etcd/server/v3@$ETCD_VERSION"
		printf 'package tools\n\nimport _ "go.etcd.io/etcd/server/v3"\n' >tools.go
		go mod tidy >/dev/null 2>&1 || true
		go build -trimpath -ldflags "-s -w" -o "$1/etcd" go.etcd.io/etcd/server/v3
	)
	rm -rf "$d"
}

build_kwok() {
	local d
	scratch kost.e2e/kwok
	d=$scratch_dir
	(
		cd "$d"
		go mod edit -require "sigs.k8s.io/kwok@$KWOK_VERSION"
		printf 'package tools\n\nimport _ "sigs.k8s.io/kwok/cmd/kwok"\n' >tools.go
		go mod tidy >/dev/null 2>&1 || true
		go build -trimpath -ldflags "-s -w" -o "$1/kwok" sigs.k8s.io/kwok/cmd/kwok
	)
	rm -rf "$d"
}

build_promtool() {
	# The module has no replace directives, so go install builds it at the version as published.
	GOBIN=$1 GOFLAGS= go install -trimpath -ldflags "-s -w" "github.com/prometheus/prometheus/cmd/promtool@$PROMETHEUS_VERSION"
}

tools=${*:-pulumi kubernetes-provider random-provider kubernetes etcd kwok promtool}
for t in $tools; do
	case $t in
	pulumi) done_or_build pulumi "$PULUMI_VERSION" build_pulumi ;;
	kubernetes-provider) done_or_build pulumi-resource-kubernetes "$K8S_PROVIDER_VERSION" build_k8s_provider ;;
	random-provider) done_or_build pulumi-resource-random "$RANDOM_VERSION" build_random_provider ;;
	kubernetes) done_or_build kubernetes "$KUBERNETES_VERSION-versioned" build_kubernetes ;;
	etcd) done_or_build etcd "$ETCD_VERSION" build_etcd ;;
	kwok) done_or_build kwok "$KWOK_VERSION" build_kwok ;;
	promtool) done_or_build promtool "$PROMETHEUS_VERSION" build_promtool ;;
	*) log "unknown tool $t"; exit 2 ;;
	esac
done
