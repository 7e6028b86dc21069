# Lanner: the two commands of README.md and the development targets.
#   sudo make run    install what is missing, build, run Lanner on this machine
#   sudo make test   install what is missing, build, run every test
#   sudo make install  binaries to $(PREFIX)/bin, config to /etc/lanner, units to
#                      /lib/systemd/system (DESTDIR=... stages it elsewhere)
BUILD ?= build
JOBS ?= $(shell nproc)
CMAKE_FLAGS ?=
PREFIX ?= /usr

.PHONY: all deps deps-test build run test bench install check-deploy format format-check clean

all: build

deps:
	@sh scripts/deps.sh run

deps-test:
	@sh scripts/deps.sh test

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

run: deps build
	@sh scripts/run.sh $(BUILD) $(ARGS)

test: deps-test
	@$(MAKE) --no-print-directory build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS) $(CTEST_ARGS)

bench: deps-test build
	@sh scripts/bench.sh $(BUILD) $(BENCH)

# DESTDIR from the environment or the command line (make install DESTDIR=/tmp/x).
install: build
	DESTDIR="$(DESTDIR)" cmake --install $(BUILD) --prefix $(PREFIX)

# Deployment checks (compose, Dockerfile, Kubernetes, systemd, entry points).
check-deploy: build
	@bash scripts/check-deploy.sh $(BUILD)

format:
	@git ls-files '*.c' '*.h' | xargs clang-format -i

format-check:
	@git ls-files '*.c' '*.h' | xargs clang-format --dry-run --Werror

clean:
	rm -rf $(BUILD)
