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

clean:
	rm -rf $(BUILD)

# --- fuzzing ------------------------------------------------------------------
# libFuzzer targets (fuzz/) in a build of their own, with clang; only the
# parsers they need are compiled. fuzz/run.sh SECONDS runs each of them.
FUZZ_BUILD ?= build-fuzz

.PHONY: fuzz
fuzz:
	cmake -S . -B $(FUZZ_BUILD) -G Ninja -DSKYHAUL_FUZZ=ON \
	  -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo
	cmake --build $(FUZZ_BUILD) --target fuzz_all -j $(JOBS)
