# kost: the README's two commands are `go run . plan` and `make test`.
GO     ?= go
STACK  ?= dev
GOLANGCI_LINT_VERSION ?= v2.6.2
ACTIONLINT_VERSION    ?= v1.7.9

.PHONY: plan test lint golden bench fuzz

plan:
	$(GO) run . plan --stack $(STACK)

# What CI runs (.ci/run): formatting, vet, the linters, every test.
test: lint
	$(GO) test ./...

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
