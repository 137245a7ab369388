# A thin wrapper over CMake presets, so a learner never needs to know CMake.
#
#   make help                     this text
#   make                          build every step (and check the tools are installed)
#   sudo make run [STEP=NN] [CMD="..."]
#                                 run a step (default: the last one) with CMD (default /bin/sh)
#   sudo make test [STEP=NN]      build, then run the tests (of one step with STEP=NN)
#   sudo make test-hosts [LAYOUTS="unified legacy"]
#                                 the tests on the cgroup layouts learners have (pure v2,
#                                 v2 from a leaf, v1, hybrid), each in a guest kernel
#   sudo make mutants [STEP=NN]   mutate each step's code (tests/mutants/mutants.txt) and
#                                 check that its tests notice; prints every survivor
#   make docs-mutants             plant each site defect back (tests/mutants/docs_mutants.txt)
#                                 and check that the site check notices
#   make diff STEP=NN             what step NN changes in the previous step's main.cpp
#   make docs                     the course site (Doxygen) in build/default/docs/html/
#   sudo make bench [RUNS=N]      time each step against unshare, bwrap and runc (release build)
#   make rootfs                   build the busybox root filesystem the steps chroot into
#   sudo make apparmor            on Ubuntu 23.10+: let the steps make user namespaces without
#                                 root (an AppArmor profile; says how to remove it)
#   make clean                    delete build/ (keeps the rootfs)
#
# Labs (README.md, "For teachers"): a student turns step NN-1 into step NN.
#   make lab STEP=NN [RESET=1]    start a lab in .lab/NN_topic/main.cpp (never overwrites)
#   sudo make check STEP=NN       build the lab and grade it with step NN's tests, properties and doors
#   make hint STEP=NN [ALL=1]     the chapter's next hint (or all of them)
#
# Steps from 05 on create namespaces, chroot and mount: they need root (sudo).
# PRESET=release or PRESET=asan picks another build (see CMakePresets.json).

# The sub-makes CMake runs would otherwise print every folder they enter.
MAKEFLAGS += --no-print-directory

PRESET ?= default
BUILD  := build/$(PRESET)
BIN    := $(BUILD)/bin
STEPS  := $(sort $(notdir $(wildcard steps/[0-9][0-9]_*)))
# STEP=06 -> 06_pid_namespace; without STEP, run and diff use the last step and
# test runs every test.
STEP_GIVEN := $(STEP)
STEP   ?= $(firstword $(subst _, ,$(lastword $(STEPS))))
# STEP=7 means 07.
override STEP := $(if $(filter 1 2 3 4 5 6 7 8 9,$(STEP)),0$(STEP),$(STEP))
STEP_DIR  = $(filter $(STEP)_%,$(STEPS))
# The step before STEP_DIR in the sorted list.
PREV_DIR  = $(lastword $(shell printf '%s\n' $(STEPS) | sed '/^$(STEP_DIR)$$/,$$d'))
CMD    ?= /bin/sh
LAB_DIR ?= .lab
RUNS   ?= 30

# Debian/Ubuntu package for each tool the build needs.
NEEDED := cmake:cmake g++:g++ make:make diff:diffutils dpkg-deb:dpkg doxygen:doxygen
GTEST_HEADER := /usr/include/gtest/gtest.h

.PHONY: apparmor all help build leftover-mounts need-root deps rootfs run test test-hosts mutants docs-mutants diff docs bench lab check hint clean check-step need-step

all: build

# The comment block at the top of this file is the help.
help:
	@sed -n '3,/^$$/s/^# \{0,1\}//p' $(firstword $(MAKEFILE_LIST))

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
	    echo "deps: elsewhere install CMake >= 3.21, a C++20 compiler, GNU make, diffutils, GoogleTest and Doxygen"; \
	    exit 1; \
	  fi; \
	fi

$(BUILD)/CMakeCache.txt:
	cmake --preset $(PRESET)

build: deps $(BUILD)/CMakeCache.txt
	cmake --build --preset $(PRESET) -j $$(nproc)

rootfs:
	@sh rootfs/build-busybox.sh

need-root:
	@[ "$$(id -u)" = 0 ] || { echo "$(MAKECMDGOALS): needs root (steps 05-19, unshare, runc): sudo make $(MAKECMDGOALS)"; exit 1; }

check-step:
	@[ -n "$(STEP_DIR)" ] || { echo "no step $(STEP); steps are: $(STEPS)"; exit 1; }

# Step 08 leaves /proc mounted in the rootfs on purpose (and kill -9 of step 11 can): the
# steps and tests never descend into it, but a learner should know it is there.
leftover-mounts:
	@awk -v root="$(abspath rootfs/busybox)/" 'index($$5, root) == 1 { print $$5 }' /proc/self/mountinfo | \
	  while read -r point; do echo "note: $$point is still mounted (step 08 leaves its /proc on purpose); sudo umount $$point removes it"; done

# Only the step it runs: common/ and one program, with CMake's progress lines.
run: check-step deps $(BUILD)/CMakeCache.txt rootfs leftover-mounts
	@cmake --build --preset $(PRESET) --target step$(STEP_DIR) -j $$(nproc)
	$(BIN)/step$(STEP_DIR) $(value CMD)

# ctest lists skipped tests without their reasons: tests/skipped.sh prints those. As many
# tests at a time as CPUs: they are safe side by side, and mostly wait for containers.
test: build rootfs leftover-mounts
	@status=0; ctest --preset $(PRESET) -j $$(nproc) $(if $(STEP_GIVEN),-L '^step$(STEP)$$') || status=$$?; \
	sh tests/skipped.sh $(BUILD); exit $$status

# Each layout in a User-mode Linux guest that shares this machine's files (tests/hosts/).
test-hosts: build rootfs
	@sh tests/hosts/run.sh $(PRESET) $(LAYOUTS)

# Each mutant is a compiled copy of a step with one slip, judged by that step's tests
# (tests/mutants/run.sh): it needs the step programs, their tests and the property and
# escape tests, nothing else.
MUTANT_TARGETS = $(foreach step,$(STEPS),step$(step)_test) escape_test \
                 $(if $(wildcard tests/property_test.cpp),property_test)
mutants: need-root deps rootfs $(BUILD)/CMakeCache.txt
	@cmake --build --preset $(PRESET) -j $$(nproc) --target $(MUTANT_TARGETS) >$(BUILD)/build.log 2>&1 \
	  || { cat $(BUILD)/build.log; exit 1; }
	@bash tests/mutants/run.sh $(PRESET) $(if $(STEP_GIVEN),$(STEP))

# Each site defect planted back in a copy of the project (tests/mutants/docs_run.py): only
# the site is built, no step is compiled, and no root is needed.
docs-mutants: deps
	@python3 tests/mutants/docs_run.py $(PRESET)

diff: check-step
	@[ -n "$(PREV_DIR)" ] || { echo "step $(STEP) is the first step: nothing to diff against"; exit 1; }
	@sh docs/step_page.sh diff steps $(PREV_DIR) $(STEP_DIR)

# The site's pages show the same diffs, made by the same script.
docs: build
	cmake --build --preset $(PRESET) --target docs

# Always the release build: debug flags would measure the compiler, not the kernel.
bench: need-root deps rootfs
	cmake --preset release >/dev/null
	cmake --build --preset release -j $$(nproc) --target container_bench
	@mkdir -p build/bench
	build/release/bin/container_bench --bin build/release/bin --rootfs rootfs/busybox --runs $(RUNS) \
	  --svg build/bench/bench.svg --markdown build/bench/results.md
	@echo "Table: build/bench/results.md, chart: build/bench/bench.svg (make docs shows both)"

need-step: check-step
	@[ -n "$(STEP_GIVEN)" ] || { echo "say which step: make $(MAKECMDGOALS) STEP=NN"; exit 1; }

lab: need-step
	@sh tests/lab/lab.sh prepare $(STEP) $(LAB_DIR) $(if $(filter 1,$(RESET)),reset)

hint: need-step
	@sh tests/lab/lab.sh hint $(STEP) $(LAB_DIR) $(if $(filter 1,$(ALL)),all)

# Builds .lab/NN_topic/main.cpp with the steps' flags and common/, then runs step NN's
# own tests against it, and step NN's rows of the property and escape tests (what every
# step keeps from those before it); the test programs print a report for the student.
check: need-step deps rootfs
	@[ -f $(LAB_DIR)/$(STEP_DIR)/main.cpp ] || { echo "no lab for step $(STEP) yet: make lab STEP=$(STEP)"; exit 1; }
	@cmake --preset $(PRESET) -DCONTAINER_LAB_DIR=$(abspath $(LAB_DIR)) >/dev/null
	@cmake --build --preset $(PRESET) --target lab$(STEP_DIR) step$(STEP_DIR)_test property_test escape_test -j $$(nproc) >/dev/null \
	  || { echo; echo "Your lab does not compile: the compiler's messages are above."; exit 1; }
	@sh tests/lab/lab.sh check $(STEP) $(abspath $(BIN)) $(abspath $(BIN))/lab$(STEP_DIR)

# Ubuntu 23.10 on lets AppArmor give unprivileged user namespaces no capabilities
# (kernel.apparmor_restrict_unprivileged_userns=1), and allows them to programs whose
# profile says `userns`, as Ubuntu's own profiles do for bwrap and browsers. This profile
# says it for the course's step programs, in every build of this checkout.
APPARMOR_PROFILE := /etc/apparmor.d/container-course
apparmor: need-root
	@command -v apparmor_parser >/dev/null 2>&1 || { echo "apparmor: no apparmor_parser: this host has no AppArmor to configure"; exit 1; }
	@printf '%s\n' 'abi <abi/4.0>,' 'include <tunables/global>' '' \
	  '# Lets the programs of the container course ($(CURDIR)) create user namespaces.' \
	  'profile container-course $(CURDIR)/build/*/bin/{step,lab,untouched_lab}* flags=(unconfined) {' \
	  '  userns,' '}' >$(APPARMOR_PROFILE)
	apparmor_parser -r $(APPARMOR_PROFILE)
	@echo "apparmor: loaded $(APPARMOR_PROFILE); to remove it: sudo apparmor_parser -R $(APPARMOR_PROFILE) && sudo rm $(APPARMOR_PROFILE)"

clean:
	rm -rf build
