# Jiny: the two commands of the README. Everything else is CMake (build/).
#   make run    install missing dependencies, build the SDK, boot samples/hello under QEMU
#   make test   the same set-up, then the whole test suite (ctest), but for
#               the long fuzz run (ctest -L fuzz-long)
BUILD ?= build
JOBS ?= $(shell nproc)
SDK := $(abspath $(BUILD))/sdk
export PKG_CONFIG_PATH := $(SDK)/lib/pkgconfig

.PHONY: all deps sdk run test clean

all: sdk

deps:
	@tools/bootstrap-deps

# JINY_DEPS_CACHE (bootstrap-deps' cache of upstream tarballs) is the build's too.
$(BUILD)/CMakeCache.txt: | deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release \
		$(if $(JINY_DEPS_CACHE),-DJINY_DEPS_DIR=$(abspath $(JINY_DEPS_CACHE))) >/dev/null

sdk: deps $(BUILD)/CMakeCache.txt
	@cmake --build $(BUILD) -j$(JOBS)

run: sdk
	@$(MAKE) --no-print-directory -C samples/hello CC=gcc
	@$(SDK)/bin/jiny-run samples/hello/hello -- world

test: sdk
	@cd $(BUILD) && ctest --output-on-failure -j$(JOBS) -LE fuzz-long $(CTEST_ARGS)

clean:
	rm -rf $(BUILD)
	@$(MAKE) --no-print-directory -C samples/hello clean
