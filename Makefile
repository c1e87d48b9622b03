# Fleetguard. The documented entry points: build, test, demo, bench, lint,
# fleet-binaries, fleet-up, fleet-down. See README.md.
SHELL := /bin/bash
GO ?= go
export GOFLAGS ?= -buildvcs=false
POLICY := bin/policy
FLEET_CACHE := $(CURDIR)/.cache/fleet
OPA := $(GO) run github.com/open-policy-agent/opa@v1.22.0
# Fuzz runs are counted in executions, not seconds: with a time limit the
# fuzzer can fail with "context deadline exceeded" when its deadline races its
# own shutdown (seen here while the cached corpus was still being replayed).
# A count sets no deadline; a worker stuck for 10 s on one input still fails.
FUZZTIME ?= 20000x
# Minimising each new input is bounded too; it otherwise takes up to a minute.
FUZZFLAGS = -run '^$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 5s

.PHONY: build test race fuzz lint demo bench bench-scan bench-webhook bench-fetch fleet-binaries fleet-up fleet-down deps clean

build:
	$(GO) build -o $(POLICY) ./cmd/policy

fleet-binaries:
	@hack/fleet-binaries.sh $(FLEET_CACHE)

# Three local clusters (dev, staging-eu on v1.36, prod-us on v1.33), seeded
# from testdata/fleet; safe to run twice. State and logs in .fleet/.
fleet-up: fleet-binaries
	@$(GO) run ./internal/testfleet/cmd/fleet up --dir .fleet

fleet-down:
	@$(GO) run ./internal/testfleet/cmd/fleet down --dir .fleet

deps:
	@hack/deps.sh

test: fleet-binaries deps build
	@before=$$(hack/leftovers.sh count); \
	$(GO) test -count=1 -timeout 15m ./... ; rc=$$?; \
	hack/leftovers.sh check $$before || rc=1; \
	exit $$rc
	$(POLICY) test policies/
	$(MAKE) --no-print-directory race
	$(MAKE) --no-print-directory fuzz

# The packages that promise safety for concurrent use, under the race
# detector (-short leaves out the tests that start local clusters).
race:
	$(GO) test -race -short -count=1 ./engine ./audit ./webhook ./gatekeeper ./serve ./store ./manifest ./fetchers ./cmd/policy

# A short run of every fuzz target; the seed corpora in testdata/fuzz also
# run as plain tests in go test ./...
fuzz:
	$(GO) test $(FUZZFLAGS) -fuzz FuzzParse ./manifest
	$(GO) test $(FUZZFLAGS) -fuzz FuzzLoad ./snapshot
	$(GO) test $(FUZZFLAGS) -fuzz FuzzDecodeValue ./snapshot
	$(GO) test $(FUZZFLAGS) -fuzz FuzzDecodeReview ./webhook
	$(GO) test $(FUZZFLAGS) -fuzz FuzzReadFinding ./audit
	$(GO) test $(FUZZFLAGS) -fuzz FuzzExceptions ./engine
	$(GO) test $(FUZZFLAGS) -fuzz FuzzConfig ./fetchers
	$(GO) test $(FUZZFLAGS) -fuzz FuzzReadDocs ./gatekeeper
	$(GO) test $(FUZZFLAGS) -fuzz FuzzToJSON ./internal/yamlsafe

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [[ -n "$$out" ]]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(OPA) fmt --list --fail policies/
	$(OPA) check --strict policies/

demo: build fleet-binaries deps
	@hack/demo.sh

# Benchmarks; figures go to bench/RESULTS.md with the command and the date.
bench: bench-scan bench-webhook bench-fetch

bench-scan: build
	bench/scan.sh
	$(GO) test ./bench -run '^$$' -bench . -benchtime 3x

bench-webhook: build
	$(GO) run ./bench/webhook -rate 1000 -duration 10s -max-duration 5s

bench-fetch: fleet-binaries
	$(GO) run ./bench/fetch -objects 20000 -runs 3

clean:
	rm -rf bin out .cache
