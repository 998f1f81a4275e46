# Embargo build, test and lint. Go 1.26 from the machine; no toolchain download.
export GOTOOLCHAIN := local
GO ?= go
GOBIN ?= $(shell $(GO) env GOPATH)/bin
STATICCHECK_VERSION := v0.8.2
STATICCHECK := $(GOBIN)/staticcheck

.PHONY: all build test test-short lint fmt schema run fuzz bench clean tools

all: lint test

## build: compile the embargo binary into ./bin
build:
	$(GO) build -o bin/embargo ./cmd/embargo

## run: start Embargo with its embedded default (SQLite in ./embargo-data)
run:
	$(GO) run ./cmd/embargo serve

## test: the whole suite, with the race detector. The PostgreSQL half runs
## when EMBARGO_TEST_POSTGRES_URL is set (bash .ci/run sets it).
test:
	bash .ci/tools.sh
	$(GO) test -race -count=1 -timeout 15m ./...

## lint: gofmt, go vet, staticcheck
lint: $(STATICCHECK)
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) vet -tags embargobench ./internal/store ./bench/...
	$(STATICCHECK) ./...

$(STATICCHECK):
	$(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

tools: $(STATICCHECK)
	bash .ci/tools.sh

fmt:
	gofmt -w $$(git ls-files '*.go')

## schema: copy the embedded policy schema to docs/
schema:
	cp internal/policy/policy.schema.json docs/policy.schema.json

## fuzz: run each fuzz target for a while (FUZZTIME=30s by default)
FUZZTIME ?= 30s
fuzz:
	$(GO) test -run XXX -fuzz FuzzCheck -fuzztime $(FUZZTIME) -fuzzminimizetime 1x ./internal/policy
	$(GO) test -run XXX -fuzz FuzzParseDuration -fuzztime $(FUZZTIME) ./internal/embargo
	$(GO) test -run XXX -fuzz FuzzParseVersionRange -fuzztime $(FUZZTIME) ./internal/embargo

## bench: Go benchmarks and the start-up script
bench:
	$(GO) test -run XXX -bench . -benchmem ./internal/...
	bash bench/startup.sh

clean:
	rm -rf bin
