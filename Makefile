# bannin — the two commands a newcomer needs:
#   make run    installs what is missing (apt), builds, runs bannin on its embedded defaults
#   make test   installs, builds with ASan+UBSan, runs every test (ctest), prints the summary
# and the others:
#   make demo   the daemon on a generated incident day, replayed at 600x (observe mode)
#   make build  release build, binary at build/bannin
#   make bench  release build + micro-benchmarks + bench/parse_vs_peers.sh
#   make fuzz   clang + libFuzzer fuzz targets (build/fuzz/tests/fuzz/*_fuzz)
#   make quality  detection quality on 100 generated days (make test runs a sample)
#   make format / make lint   (lint: clang-tidy with the static analyzer, one run per file)
#   make check  the style gate alone: clang-format, clang-tidy, banned calls (make test runs it too)
SHELL := /bin/bash
JOBS ?= $(shell nproc)

.PHONY: all setup build run demo test check bench fuzz format lint clean quality

all: build

setup:
	@tools/setup.sh

build: setup
	cmake --preset release >/dev/null
	cmake --build --preset release -j $(JOBS)
	@ln -sfn release/bin/bannin build/bannin
	@echo "built: build/bannin"

# The daemon on its built-in defaults (config/bannin.yaml): observe mode, store in ./var,
# API on 127.0.0.1:8730, the standard Debian log paths. Ctrl-C stops it.
run: build
	build/bannin run

demo: build
	tools/demo.sh

test: setup
	cmake --preset dev >/dev/null
	cmake --build --preset dev -j $(JOBS)
	cd build/dev && ctest --output-on-failure -j $(JOBS) --timeout 600

# The style gate: the ctest tests labelled "style" (tools/lint/; make test runs them with the
# rest). clang-tidy needs the compile database and the generated headers, not a full build.
check: setup
	cmake --preset dev >/dev/null
	cmake --build --preset dev --target bannin_codegen >/dev/null
	cd build/dev && ctest -L style --output-on-failure -j $(JOBS)

bench: build
	cmake --build --preset release -j $(JOBS) --target bench_micro
	build/release/bench/bench_micro --benchmark_min_time=0.2
	bench/parse_vs_peers.sh
	bench/replay_vs_peers.sh

# The detection quality bar on all 100 generated seeds (make test samples every 5th).
quality: build
	tests/quality/detect_quality.sh 1 100 1

fuzz: setup
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz -j $(JOBS)
	@echo "fuzzers in build/fuzz/tests/fuzz/; e.g. build/fuzz/tests/fuzz/combined_fuzz tests/fuzz/corpus/combined"

format:
	git ls-files '*.cpp' '*.h' | xargs clang-format -i

lint: setup
	cmake --preset dev >/dev/null
	cmake --build --preset dev --target bannin_codegen >/dev/null
	JOBS=$(JOBS) tools/lint/clang_tidy.py build/dev --analyzer

clean:
	rm -rf build
