# `make run`: install missing packages, build Release, start the server with defaults.
# `make test`: the same set-up, then every unit and integration test.
BUILD ?= build/release
JOBS  ?= $(shell nproc)

.PHONY: run test deps test-deps build unit integration bench clean

run: deps build
	$(BUILD)/coffer server $(ARGS)

test: test-deps build unit integration

deps:
	@scripts/deps.sh

test-deps:
	@scripts/deps.sh --test
	cd tests/js && npm ci --no-audit --no-fund

build:
	@[ -f $(BUILD)/build.ninja ] || cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release
	cmake --build $(BUILD) -j $(JOBS)

unit:
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

integration:
	COFFER_BIN=$(abspath $(BUILD))/coffer tests/integration/run.sh

# Throughput of every SSE mode and the Bucket Key figure (bench/results/); minutes.
bench: deps build
	bench/sse.sh

clean:
	rm -rf build
