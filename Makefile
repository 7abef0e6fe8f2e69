# kost: the README's two commands are `go run . plan` and `make test`.
GO     ?= go
STACK  ?= dev
GOLANGCI_LINT_VERSION ?= v2.6.2
ACTIONLINT_VERSION    ?= v1.7.9

.PHONY: plan test unit e2e e2e-tools lint golden bench fuzz buildcost

plan:
	$(GO) run . plan --stack $(STACK)

# What CI runs (.ci/run): formatting, vet, the linters, every unit test, then the end-to-end run.
test: unit e2e

# The fast loop: formatting, vet, the linters and every unit test (mocks, CRD validation, policies).
unit: lint
	$(GO) test ./...

# The real engine and Kubernetes provider against a real API server with kwok nodes, in a network
# namespace of its own (tests/e2e/run.sh). The tools build once into a cache keyed by version.
e2e:
	bash tests/e2e/run.sh

# Only the tools of the end-to-end run, into their cache (CI warms it in a step of its own).
e2e-tools:
	bash tests/e2e/tools.sh

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) run github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$(GOLANGCI_LINT_VERSION) run ./...
	$(GO) run github.com/rhysd/actionlint/cmd/actionlint@$(ACTIONLINT_VERSION)

golden:
	UPDATE_GOLDEN=1 $(GO) test ./tests/

bench:
	$(GO) test -run '^$$' -bench BenchmarkPlan -benchmem ./tests/

fuzz:
	$(GO) test -run '^$$' -fuzz FuzzLoad -fuzztime 60s ./stacks/config/

# What every `pulumi up` pays to compile the program (relink time, peak RSS, binary size).
buildcost:
	bash scripts/buildcost.sh
