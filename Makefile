# Rosetta. `make test` installs the real peers the tests need and runs every
# test; `make ci` is what .ci/run (and CI) runs.

GO        ?= go
PKGS      ?= ./...
FUZZTIME  ?= 60s
VERSION   ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
REVISION  ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
LDFLAGS   := -s -w \
	-X github.com/prometheus/common/version.Version=$(VERSION) \
	-X github.com/prometheus/common/version.Revision=$(REVISION) \
	-X github.com/prometheus/common/version.Branch=main \
	-X github.com/prometheus/common/version.BuildUser=rosetta \
	-X github.com/prometheus/common/version.BuildDate=$(shell date -u +%Y%m%d-%H:%M:%S)

.PHONY: all build run test test-only go-test mapping-tests peers peer-check vet fmt-check generate ci bench bench-report bench-go bench-ingest bench-jmx bench-json json-exporter record-json-golden check-json-examples check-jmx-examples fuzz record-jmx-golden

all: build

build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o rosetta ./cmd/rosetta

run: build
	./rosetta

peers:
	.ci/install-peers

# peer-check tests the peer check itself (a package dropped from the list
# must be named).
peer-check:
	.ci/check-peers-test

# test: install peers, then run every test with the race detector.
test: peers test-only

test-only: peer-check vet fmt-check lint go-test mapping-tests chart-test image-test

go-test:
	$(GO) test -race -count=1 -timeout 25m $(PKGS)

# test-short is the edit-test loop: every test that needs no peer (no
# JVM, no Debian server, no binary built from source), without -race, in
# well under a minute once built. `make test` still runs everything.
.PHONY: lint
# lint runs golangci-lint with .golangci.yml (the version is pinned in
# .ci/tools.go.txt; `make peers` installs it).
lint:
	PATH="$$($(GO) env GOPATH)/bin:$$PATH" golangci-lint run ./...

.PHONY: test-short
test-short:
	$(GO) test -short -count=1 -timeout 5m $(PKGS)

# mapping-tests runs `rosetta test` over the curated library and the
# example test files, as a user would in their own CI.
mapping-tests:
	$(GO) run ./cmd/rosetta test mappings/library testdata/mappingtests

vet:
	$(GO) vet $(PKGS)

fmt-check:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './testdata/node/*')); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

generate:
	PATH="$$($(GO) env GOPATH)/bin:$$PATH" $(GO) generate ./...

# bench is issue 15's report: every row of its table (idle footprint, RSS
# per series, /metrics render, StatsD ingest, JMX), Rosetta beside
# statsd_exporter and the JDK client, as one markdown table with ratios,
# targets and the machine (cmd/bench-report; about 10 minutes). A
# measurement, not a test. bench-go runs the Go benchmarks.
bench bench-report:
	$(GO) run ./cmd/bench-report

bench-go:
	$(GO) test -run '^$$' -bench . -benchmem $(PKGS)

# bench-ingest measures Rosetta against the real statsd_exporter (built
# from the module cache) side by side: lossless UDP ingest and CPU per
# million lines (at 200k lines/s and at the highest rate both take) with
# an ordinary sender (one sendto per packet) and the cheap GSO sender, on
# issue 15's traffic (counters over 10k series, ~1,400-byte packets, 4 MiB
# socket buffers); RSS and render time at 100k series. A measurement, not
# a test. The README's 20-line traffic: go run ./cmd/ingest-bench -v -read-buffer 4194304
bench-ingest:
	$(GO) run ./cmd/ingest-bench -v -read-buffer 4194304 -counters 10000 -lines-per-packet 37 -sender plain,gso

# bench-jmx measures the rosetta binary polling a real JVM (5,000 beans,
# 20k attributes) against the JDK's JMX client and Jolokia's in-JVM bulk
# read, interleaved: peak RSS and poll time. A measurement, not a test.
bench-jmx:
	$(GO) run ./cmd/jmx-bench

# bench-json measures the json input against json_exporter, which is not on
# the module proxy and is never committed: its source is fetched into
# $(JSON_EXPORTER_SRC) (outside the repository) and built there.
JSON_EXPORTER_SRC ?= /tmp/json_exporter
JSON_EXPORTER_REPO ?= https://github.com/prometheus-community/json_exporter
json-exporter:
	test -d $(JSON_EXPORTER_SRC) || git clone --depth 1 $(JSON_EXPORTER_REPO) $(JSON_EXPORTER_SRC)
	cd $(JSON_EXPORTER_SRC) && $(GO) build -o json_exporter .

bench-json: json-exporter
	$(GO) run ./cmd/json-bench -json-exporter $(JSON_EXPORTER_SRC)/json_exporter

# record-jmx-golden builds the real jmx_exporter collector from its source
# (pinned in testdata/jmx/oracle/build.sh, cloned into $(JMX_ORACLE_DIR),
# outside the repository, never committed; JMX_EXPORTER_REPO and
# CLIENT_JAVA_REPO may name mirrors, JMX_ORACLE_SRC existing checkouts)
# and records its output on the test JVMs as the golden files that
# `make test` compares Rosetta with (inputs/jmx/oracle), and what it reads
# from the YAML quirk configs (testdata/jmx/oracle/configquirks.*).
JMX_ORACLE_DIR    ?= /tmp/rosetta-jmx-oracle
JMX_ORACLE_SRC    ?= $(JMX_ORACLE_DIR)/src
JMX_EXPORTER_REPO ?= https://github.com/prometheus/jmx_exporter
CLIENT_JAVA_REPO  ?= https://github.com/prometheus/client_java
record-jmx-golden:
	JMX_ORACLE_SRC=$(JMX_ORACLE_SRC) JMX_EXPORTER_REPO=$(JMX_EXPORTER_REPO) CLIENT_JAVA_REPO=$(CLIENT_JAVA_REPO) \
		testdata/jmx/oracle/build.sh $(JMX_ORACLE_DIR)
	$(GO) test -count=1 -timeout 20m ./inputs/jmx/oracle -record=$(JMX_ORACLE_DIR)
	$(GO) test -count=1 -run TestJMXExporterYAMLQuirks ./mappings -args -jmxoracle=$(JMX_ORACLE_DIR)

# record-json-golden re-records testdata/app/json/jsonexporter/*.prom: what
# the real json_exporter (built as for bench-json) serves for each module
# of the project's own configs there; `make test` compares Rosetta's series
# with them offline. It also checks Rosetta against the live json_exporter.
record-json-golden: json-exporter
	$(GO) run ./cmd/json-oracle -json-exporter $(JSON_EXPORTER_SRC)/json_exporter record testdata/app/json/jsonexporter

# check-json-examples loads every config of json_exporter's examples/
# unchanged and compares Rosetta with json_exporter on its example data.
check-json-examples:
	JSON_EXPORTER_SRC=$(JSON_EXPORTER_SRC) JSON_EXPORTER_REPO=$(JSON_EXPORTER_REPO) .ci/check-json-exporter-examples

# check-jmx-examples runs `rosetta check` on every config of jmx_exporter's
# examples/ (fetched outside the repository; JMX_EXPORTER_SRC may name a
# checkout).
check-jmx-examples:
	JMX_EXPORTER_REPO=$(JMX_EXPORTER_REPO) .ci/check-jmx-exporter-examples

# fuzz runs every fuzz target for FUZZTIME each (the seed corpora also run
# in `make test`).
fuzz:
	FUZZTIME=$(FUZZTIME) .ci/fuzz

ci: test
	@git diff --exit-code -- . ':(exclude)testdata/node/package-lock.json' || (echo "tree changed by the build"; exit 1)

# Container image and Kubernetes deployment (deploy/, a module of its own).
# image builds the image from the binary built here with the Dockerfile's
# prebuilt target, which pulls no base image; the tests build their own.
IMAGE   ?= localhost/rosetta:$(VERSION)
BUILDAH ?= buildah --storage-driver vfs
.PHONY: image image-test chart-test

image: build
	cp /etc/ssl/certs/ca-certificates.crt deploy/image/ca-certificates.crt
	$(BUILDAH) bud --isolation chroot --target prebuilt \
		--build-arg VERSION=$(VERSION) --build-arg REVISION=$(REVISION) -t $(IMAGE) .

image-test:
	cd deploy && $(GO) test -count=1 -timeout 20m ./imagetest/

chart-test:
	cd deploy && $(GO) vet ./... && $(GO) test -count=1 -timeout 20m ./chartcheck/
