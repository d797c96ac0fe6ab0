# Thin front door: the real build is CMake + Ninja.
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo

.PHONY: deps configure build run test bench clean

deps:
	@scripts/install-deps.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS)

configure: deps $(BUILD)/build.ninja

build: configure
	cmake --build $(BUILD) -j $(JOBS)

run: build
	$(BUILD)/bin/skyhauld $(ARGS)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) --timeout 600

bench: build
	cmake --build $(BUILD) --target benchmarks -j $(JOBS)

# --- sanitizers ---------------------------------------------------------------
# The whole tree under ASan and UBSan in a build of its own, then the whole
# suite; any report fails it. Leak reports are off: CAF and libtorrent keep
# process-wide state to the end. test_embed_install is left out: it builds
# an outside program, without the sanitizers, against the installed
# (instrumented) libraries.
SANITIZE_BUILD ?= build-sanitize
# -O1 -g1: lighter to build than -O2 -g, and reports keep their lines.
SANITIZE_FLAGS ?= -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO='-O1 -g1' -DCMAKE_C_FLAGS_RELWITHDEBINFO='-O1 -g1'
SANITIZE_ENV := ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:strict_string_checks=1:verify_asan_link_order=0 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:suppressions=$(CURDIR)/tests/sanitize/ubsan.supp

.PHONY: sanitize
sanitize: deps
	cmake -S . -B $(SANITIZE_BUILD) -G Ninja $(SANITIZE_FLAGS) -DSKYHAUL_SANITIZE=ON
	cmake --build $(SANITIZE_BUILD) -j $(JOBS)
	cd $(SANITIZE_BUILD) && $(SANITIZE_ENV) ctest --output-on-failure -j $(JOBS) \
	  --timeout 900 -E '^test_embed_install$$'

clean:
	rm -rf $(BUILD)

# --- fuzzing ------------------------------------------------------------------
# libFuzzer targets (fuzz/) in a build of their own, with clang; only the
# parsers they need are compiled. fuzz/run.sh SECONDS runs each of them.
FUZZ_BUILD ?= build-fuzz

.PHONY: fuzz
fuzz: deps
	cmake -S . -B $(FUZZ_BUILD) -G Ninja -DSKYHAUL_FUZZ=ON \
	  -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(FUZZ_BUILD) --target fuzz_all -j $(JOBS)
