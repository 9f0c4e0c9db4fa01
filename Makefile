# PropBot — the commands of README.md.
#   make run    install deps, build, start the daemon (paper profile) in the foreground
#   make test   install deps, build, run the whole test suite
#   make build  build only;  make deps  install Debian packages only
BUILD_DIR  ?= build
BUILD_TYPE ?= Release
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
DATA_DIR   ?= data
PORT       ?= 8000
CTEST_ARGS ?=

# ccache keys on absolute paths unless told otherwise: this lets a fresh clone in
# another directory reuse the cache (TOOLCHAIN.md).
export CCACHE_BASEDIR   := $(CURDIR)
export CCACHE_NOHASHDIR := true

.PHONY: all deps configure build test run clean

all: build

deps:
	@bash deploy/bootstrap-deps.sh

configure: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) >/dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

test: build
	@cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

run: build
	@mkdir -p $(DATA_DIR)
	@exec ./$(BUILD_DIR)/propbot run --profile paper --data-dir $(DATA_DIR) --port $(PORT)

clean:
	rm -rf $(BUILD_DIR)
