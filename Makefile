# wsbind: `make test` is what CI runs (bash .ci/run calls it).
GO        ?= go
FUZZTIME  ?= 30s
NPM_DIR   := .ci/asyncapi
SPECS     := $(shell $(GO) run ./gen/cmd/wsbind-gen --list specs 2>/dev/null || ls specs/astro.yaml specs/dlive.yaml specs/neuro.yaml specs/octave.yaml)
REGISTRY  := github.com/wsbind/wsbind/generated

DEMO      ?= astro

.PHONY: all help generate check-generated check-specs npm-deps fmt vet staticcheck lint test test-go test-bridge fuzz bench bench-validate bench-bridge soak-bridge demo hostile-full random-full

all: test

## help: list these targets and what they do
help:
	@awk '/^## [a-z-]+:/ { sub(/^## /, ""); n = index($$0, ":"); printf "  %-16s %s\n", substr($$0, 1, n - 1), substr($$0, n + 2); next } \
	      /^## / { sub(/^## /, ""); printf "  %-16s %s\n", "", $$0 }' $(MAKEFILE_LIST)

## demo: the README's main job on a mock server, no account or network
## (DEMO=dlive, neuro or octave for another provider; default astro)
demo:
	$(GO) run ./cmd/wsbind demo $(DEMO)

## generate: regenerate generated/ from specs/ (go generate ./...)
generate:
	$(GO) generate ./...

## check-generated: regenerate into a scratch tree and fail on any difference
check-generated:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	$(GO) run ./gen/cmd/wsbind-gen --out "$$tmp" --registry $(REGISTRY) specs && \
	if ! diff -r -x example_test.go "$$tmp" generated; then \
		echo "generated/ is stale or edited by hand: run 'make generate' and commit the result" >&2; exit 1; \
	fi && echo "generated/ matches specs/" && \
	$(GO) run ./internal/suite/suitegen -out "$$tmp/draft7" 2>/dev/null && \
	if ! diff -r "$$tmp/draft7" internal/suite/draft7 >/dev/null; then \
		echo "internal/suite/draft7 is stale or edited by hand: run 'make generate' and commit the result" >&2; exit 1; \
	fi && echo "internal/suite/draft7 matches the vendored test suite" && \
	$(GO) run ./internal/suite/randgen -seed 1 -n 300 -dir "$$tmp/random" && \
	if ! diff -r "$$tmp/random" internal/suite/random; then \
		echo "internal/suite/random is stale or edited by hand: run 'make generate' and commit the result" >&2; exit 1; \
	fi && echo "internal/suite/random matches its seed" && \
	$(GO) run ./gen/cmd/wsbind-gen --out "$$tmp/openset" internal/openset/testdata/openset.yaml && \
	if ! diff -r "$$tmp/openset/openset" internal/openset/openset; then \
		echo "internal/openset/openset is stale or edited by hand: run 'make generate' and commit the result" >&2; exit 1; \
	fi && echo "internal/openset matches its document"

## npm-deps: install the official AsyncAPI parser (pinned by package-lock.json)
npm-deps:
	npm ci --prefix $(NPM_DIR) --no-audit --no-fund --loglevel=error

## check-specs: every spec passes the official AsyncAPI parser with no error or warning
check-specs: npm-deps
	node $(NPM_DIR)/check.mjs $(SPECS)
	node $(NPM_DIR)/examples.mjs $(SPECS)

## fmt: fail on any Go file gofmt would change
fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

## vet: go vet ./...
vet:
	$(GO) vet ./...

## staticcheck: staticcheck ./..., at the version go.mod pins
staticcheck:
	$(GO) run honnef.co/go/tools/cmd/staticcheck ./...

## lint: fmt, vet and staticcheck
lint: fmt vet staticcheck

## test-go: go test -race ./... (the recipe test in internal/recipe included)
test-go:
	$(GO) test -race -count=1 ./...

## test-bridge: vet, staticcheck and go test -race of the nested module
## cmd/wsbind-bridge (NATS and Prometheus live there, outside go.mod)
test-bridge:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && sc="$$tmp/staticcheck" && \
	$(GO) build -o "$$sc" honnef.co/go/tools/cmd/staticcheck && \
	cd cmd/wsbind-bridge && $(GO) vet ./... && "$$sc" ./... && $(GO) test -race -count=1 -timeout 10m ./...

## test: everything CI checks
test: lint check-generated check-specs test-go test-bridge

## fuzz: run every fuzz target for FUZZTIME each (default 30s)
fuzz:
	@set -e; for pkg in $$($(GO) list ./...); do \
		for t in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz' || true); do \
			echo "== $$pkg $$t ($(FUZZTIME))"; \
			$(GO) test -run '^$$' -fuzz "^$$t\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 5s $$pkg; \
		done; \
	done

## bench: every benchmark behind BENCHMARKS.md in one run, one package at a
## time so they do not share the cores. The per-frame and loopback anchors
## (sonic, goccy/go-json, jsonschema v6 and v5, encoding/json on plain
## structs, raw gorilla loops) live in the nested module
## internal/bench/anchors, so that they never enter go.mod; they run
## BENCH_ROUNDS interleaved rounds of BENCH_TIME each so BENCHMARKS.md can
## quote medians on a noisy machine. The raw output is kept in BENCH_OUT;
## the tables BENCHMARKS.md quotes are printed after it (cmd/benchtable).
BENCH_OUT ?= internal/bench/testdata/last-run.txt
BENCH_ROUNDS ?= 5
BENCH_TIME ?= 700ms
bench:
	@mkdir -p $(dir $(BENCH_OUT))
	@out=$$(cd $(dir $(BENCH_OUT)) && pwd)/$(notdir $(BENCH_OUT)); \
	{ (cd internal/bench/anchors && $(GO) vet ./... && $(GO) test -count=1 ./... && \
	   $(GO) test -run '^$$' -bench 'ServerFrame|LoopbackDelivery' -benchmem -benchtime $(BENCH_TIME) -timeout 30m . -args -rounds=$(BENCH_ROUNDS)) && \
	   $(GO) test -p 1 -run '^$$' -bench . -benchmem -timeout 30m ./...; } > "$$out" 2>&1; \
		status=$$?; cat "$$out"; \
		if [ $$status -eq 0 ]; then (cd internal/bench/anchors && $(GO) run ./cmd/benchtable < "$$out"); fi; exit $$status

## soak-bridge: the bridge's acceptance run at full size: a 3-node NATS
## cluster in-process, an R3 stream, 3 replicas, 300 subscriptions over the
## four mocks, a replica and a NATS node killed, everything restarted
## (make test runs it with 30 subscriptions)
soak-bridge:
	cd cmd/wsbind-bridge && WSBIND_BRIDGE_SOAK=1 $(GO) test -count=1 -timeout 20m -run TestCluster -v ./internal/bridge

## bench-bridge: events/s from a loopback mock through the bridge into an
## embedded R1 file-backed stream against a plain nats.go async publish
## loop of the same payloads (median of 3 interleaved rounds), publish
## latency p50/p99, memory per bridged subscription (BENCHMARKS.md)
bench-bridge:
	cd cmd/wsbind-bridge && $(GO) test -count=1 -run '^$$' -bench Bridge -benchtime 1x -v -timeout 20m ./internal/bridge

## bench-validate: wsbind validate throughput (issue 14): builds the binary and
## a capture of BENCH_VALIDATE_MB MB (default 200) from testdata/captures in a
## temporary directory, removed after, then times validate --format json and
## text (output to /dev/null) and the jx read-and-skip floor on it, the median
## of BENCH_VALIDATE_RUNS interleaved runs (internal/bench/validatebench)
BENCH_VALIDATE_MB ?= 200
BENCH_VALIDATE_RUNS ?= 3
bench-validate:
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	$(GO) build -o "$$tmp/wsbind" ./cmd/wsbind && \
	$(GO) build -o "$$tmp/validatebench" ./internal/bench/validatebench && \
	"$$tmp/validatebench" -dir "$$tmp/capture" -samples testdata/captures -size $(BENCH_VALIDATE_MB) \
		-runs $(BENCH_VALIDATE_RUNS) -wsbind "$$tmp/wsbind"

## hostile-full: the full-size hostile-peer scenarios (the mock under two
## non-reading clients for 30 s, validate on a 400 MB HAR) with their RSS
## figures; the CI-size versions run in make test.
hostile-full:
	WSBIND_HOSTILE_FULL=1 $(GO) test -count=1 -timeout 20m -run Full -v ./internal/hostile

## random-full: the differential test at full size: RANDOM_SCHEMAS random
## draft-07 schemas (default 20,000) in batches of 1,000, each generated
## into a package and every verdict held to santhosh-tekuri. make test runs
## the 300 of internal/suite/random.
RANDOM_SCHEMAS ?= 20000
random-full:
	@set -e; batches=$$(( $(RANDOM_SCHEMAS) / 1000 )); \
	for seed in $$(seq 101 $$((100 + batches))); do \
		dir=internal/suite/randbig/rand$$seed; \
		$(GO) run ./internal/suite/randgen -seed $$seed -n 1000 -dir $$dir; \
		if ! $(GO) test -count=1 -v -run Verdict ./$$dir > $$dir.log 2>&1; then cat $$dir.log; exit 1; fi; \
		echo "seed $$seed: $$(grep -o '[0-9]* verdicts.*' $$dir.log)"; \
		rm -rf $$dir $$dir.log; \
	done
