# A thin wrapper over CMake presets, so a learner never needs to know CMake.
#
#   make                          build every step (and check the tools are installed)
#   sudo make run [STEP=NN] [CMD="..."]
#                                 run a step (default: the last one) with CMD (default /bin/sh)
#   sudo make test [STEP=NN]      build, then run the tests (of one step with STEP=NN)
#   make diff STEP=NN             what step NN changes in the previous step's main.cpp
#   make docs                     the course site (Doxygen) in build/default/docs/html/
#   make rootfs                   build the busybox root filesystem the steps chroot into
#   make clean                    delete build/ (keeps the rootfs)
#
# Steps from 05 on create namespaces, chroot and mount: they need root (sudo).
# PRESET=release or PRESET=asan picks another build (see CMakePresets.json).

PRESET ?= default
BUILD  := build/$(PRESET)
BIN    := $(BUILD)/bin
STEPS  := $(sort $(notdir $(wildcard steps/[0-9][0-9]_*)))
# STEP=06 -> 06_pid_namespace; without STEP, run and diff use the last step and
# test runs every test.
STEP_GIVEN := $(STEP)
STEP   ?= $(firstword $(subst _, ,$(lastword $(STEPS))))
STEP_DIR  = $(filter $(STEP)_%,$(STEPS))
# The step before STEP_DIR in the sorted list.
PREV_DIR  = $(lastword $(shell printf '%s\n' $(STEPS) | sed '/^$(STEP_DIR)$$/,$$d'))
CMD    ?= /bin/sh

# Debian/Ubuntu package for each tool the build needs.
NEEDED := cmake:cmake g++:g++ make:make diff:diffutils dpkg-deb:dpkg doxygen:doxygen
GTEST_HEADER := /usr/include/gtest/gtest.h

.PHONY: all build deps rootfs run test diff docs clean check-step

all: build

# The prerequisite check: quiet when everything is there. As root on Debian/Ubuntu it
# installs what is missing; elsewhere it prints exactly what to install.
deps:
	@missing=""; \
	for pair in $(NEEDED); do \
	  command -v $${pair%%:*} >/dev/null 2>&1 || missing="$$missing $${pair#*:}"; \
	done; \
	[ -f $(GTEST_HEADER) ] || missing="$$missing libgtest-dev"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "deps: installing$$missing"; \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	  else \
	    echo "deps: missing packages:$$missing"; \
	    echo "deps: on Debian/Ubuntu run: sudo apt-get install$$missing"; \
	    echo "deps: elsewhere install CMake >= 3.25, a C++20 compiler, GNU make, diffutils, GoogleTest and Doxygen"; \
	    exit 1; \
	  fi; \
	fi

$(BUILD)/CMakeCache.txt:
	cmake --preset $(PRESET)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build --preset $(PRESET) -j $$(nproc)

rootfs:
	@sh rootfs/build-busybox.sh

check-step:
	@[ -n "$(STEP_DIR)" ] || { echo "no step $(STEP); steps are: $(STEPS)"; exit 1; }

run: check-step build rootfs
	$(BIN)/step$(STEP_DIR) $(CMD)

test: build rootfs
	ctest --preset $(PRESET) $(if $(STEP_GIVEN),-L '^step$(STEP)$$')

diff: check-step
	@[ -n "$(PREV_DIR)" ] || { echo "step $(STEP) is the first step: nothing to diff against"; exit 1; }
	@sh docs/step_page.sh diff steps $(PREV_DIR) $(STEP_DIR)

# The site's pages show the same diffs, made by the same script.
docs: build
	cmake --build --preset $(PRESET) --target docs

clean:
	rm -rf build
