# Thin wrapper around CMake. The two commands a newcomer needs:
#   make demo    install missing packages, build, compile an example, train it
#   make check   build and run the whole test suite through ctest
BUILD ?= build
JOBS ?= $(shell nproc)

.PHONY: all deps build demo check clean

all: build

deps:
	@bash scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

demo: build
	@bash scripts/demo.sh $(BUILD)

check: build
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

clean:
	rm -rf $(BUILD)
