# shikumi - Linux internals, measured.  `make help` lists the targets.
#
# Every chapter's NAME.c becomes ./NAME in place, linked with lib/libshikumi.a.
# A chapter may add special builds (static, non-PIE, ...) in its own build.mk.
# `make asan` builds the same programs with ASan+UBSan under build/asan/.

CHAPTERS := ch01-syscall ch02-process ch03-sched ch04-memory ch05-cow \
            ch08-cache ch09-block ch11-container ch12-cgroup

CC      ?= cc
CFLAGS  ?= -O2 -g
WARN    := -Wall -Wextra -Wformat=2 -Wshadow -Wno-missing-field-initializers
STD     := -std=gnu11
CPPFLAGS += -Ilib
LDLIBS  += -lpthread -lm
SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined

LIB_SRCS  := $(wildcard lib/*.c)
LIB       := build/lib/libshikumi.a
LIB_OBJS  := $(LIB_SRCS:lib/%.c=build/lib/%.o)
ASAN_LIB  := build/asan/lib/libshikumi.a
ASAN_OBJS := $(LIB_SRCS:lib/%.c=build/asan/lib/%.o)

PROG_SRCS := $(wildcard $(addsuffix /*.c,$(CHAPTERS))) $(wildcard lib/tests/*.c)
PROGS     := $(PROG_SRCS:.c=)
ASAN_PROGS := $(addprefix build/asan/,$(PROGS))
EXTRA_PROGS :=        # chapters' build.mk files add their special builds here

# Is a static libc there? (Debian: libc6-dev ships libc.a; some distros do not.)
HAVE_STATIC := $(shell printf 'int main(void){return 0;}\n' | $(CC) -static -x c - -o /dev/null 2>/dev/null && echo yes)

TESTS := $(wildcard lib/tests/*.t $(addsuffix /tests/*.t,$(CHAPTERS)) tests/*.t)
SHELL_SCRIPTS = $(wildcard scripts/*.sh $(addsuffix /*.sh,$(CHAPTERS)) tests/*.sh) \
                $(wildcard $(TESTS)) \
                $(shell grep -l '^\#!.*bash' scripts/* 2>/dev/null)

.PHONY: all asan check run report plots lint clean help deps bench
all: $(PROGS) extra

-include $(wildcard $(addsuffix /build.mk,$(CHAPTERS)))

.PHONY: extra
extra: $(EXTRA_PROGS)

build/lib/%.o: lib/%.c lib/shikumi.h
	@mkdir -p $(@D)
	$(CC) $(STD) $(CPPFLAGS) $(CFLAGS) $(WARN) -c -o $@ $<

$(LIB): $(LIB_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

build/asan/lib/%.o: lib/%.c lib/shikumi.h
	@mkdir -p $(@D)
	$(CC) $(STD) $(CPPFLAGS) -O1 -g $(SAN) $(WARN) -c -o $@ $<

$(ASAN_LIB): $(ASAN_OBJS)
	@rm -f $@
	$(AR) rcs $@ $^

# A program also depends on its chapter's own headers (chNN-x/*.h).
.SECONDEXPANSION:
$(PROGS): %: %.c $(LIB) lib/shikumi.h $$(wildcard $$(@D)/*.h)
	$(CC) $(STD) $(CPPFLAGS) $(CFLAGS) $(WARN) $(PROG_CFLAGS) -o $@ $< $(LIB) $(LDLIBS) $(PROG_LDLIBS)

$(ASAN_PROGS): build/asan/%: %.c $(ASAN_LIB) lib/shikumi.h $$(wildcard $$(dir $$*)*.h)
	@mkdir -p $(@D)
	$(CC) $(STD) $(CPPFLAGS) -O1 -g $(SAN) $(WARN) $(PROG_CFLAGS) -o $@ $< $(ASAN_LIB) $(LDLIBS) $(PROG_LDLIBS)

asan: $(ASAN_PROGS)

deps:
	@scripts/install-deps --check >/dev/null 2>&1 || scripts/install-deps

# One prove call, so the last lines are prove's summary. Tests run one at a
# time: they measure phenomena on a 2-CPU machine and must not disturb each other.
check: deps all asan
	prove --timer $(TESTS)

# vm: boot Debian 12's Linux 6.1 (CFS, pure cgroup v2) in a throwaway VM and run every test file
# marked '# shikumi: vm' inside it (tests/vm/); make check does the same through tests/vm.t.
.PHONY: check-vm
check-vm: deps all
	prove -v tests/vm.t
SHELL_SCRIPTS += tests/vm/run-in-vm tests/vm/check-vm $(wildcard tests/vm/*.t)

# arm64: cross-compile (gcc-aarch64-linux-gnu) in a copy of the tree, then the
# library's unit tests and every program's -h / bad option under qemu-user.
.PHONY: check-arm64
check-arm64:
	scripts/check-arm64

# make run [CH=ch01-syscall] [FULL=1] [LABEL=name] [STUDENT=id]
# make run installs every missing package first (as root with apt; otherwise it
# says what is missing and goes on), and ends with a line when there are no graphs.
run: run-deps
	@$(MAKE) --no-print-directory all   # again: the Makefile sees what run-deps installed
	@rc=0; scripts/run-all $(if $(FULL),--full) $(if $(LABEL),--label $(LABEL)) $(if $(STUDENT),--student $(STUDENT)) $(CH) || rc=$$?; \
		scripts/install-deps --graphs || true; exit $$rc

.PHONY: run-deps
run-deps:
	@scripts/install-deps --run </dev/null

report:
	scripts/report $(RUN)

plots:
	scripts/replot $(RUN)

# report kit: grade a run (RUN=dir, default latest; CH="ch01-syscall ..." required chapters), prune old runs
.PHONY: lab-check clean-results
lab-check:
	scripts/lab-check $(or $(RUN),results/latest) $(CH)

clean-results:
	scripts/clean-results $(KEEP)

# make bench installs the missing peers first (fio, hyperfine, perf; as root with apt), as make run
bench: run-deps
	@$(MAKE) --no-print-directory all   # again: io gains io_uring if liburing-dev was just installed
	scripts/bench $(CH)

lint:
	shellcheck -x -S warning $(sort $(SHELL_SCRIPTS))
	$(MAKE) --no-print-directory -B all WARN="$(WARN) -Werror"

clean:
	rm -rf build $(PROGS) $(EXTRA_PROGS)

help:
	@echo 'shikumi - Linux internals, measured'
	@echo
	@echo '  make            build every program in place (-O2 -Wall -Wextra; CC=clang works)'
	@echo '  make run        install missing packages, build, run every chapter in quick mode,'
	@echo '                  write results/<stamp>-<host>/ with data, graphs and report.html'
	@echo '                  CH=ch01-syscall  only that chapter;  FULL=1  full sizes;  LABEL=x'
	@echo '                  STUDENT=id  per-student parameters (a lab; see docs/instructor.md)'
	@echo '  make check      build (also with ASan+UBSan) and run all tests through prove'
	@echo '  make check-vm   the tests that need a real pure-cgroup-v2 6.1 kernel, in a throwaway VM'
	@echo '  make check-arm64  cross-compile for aarch64; unit tests and -h/bad options under qemu-user'
	@echo '  make report     (re)write report.html and report.md for RUN=dir (default: latest)'
	@echo '  make plots      redraw every graph of RUN=dir (default: latest) from its data'
	@echo '  make lab-check  grade RUN=dir (default: latest): complete, untampered, verdicts hold'
	@echo '  make clean-results KEEP=N  remove all but the newest N runs (default 5)'
	@echo '  make bench      our numbers next to the peer tools (perf bench, hyperfine; fio where a bench.sh runs it)'
	@echo '  make lint       shellcheck every script, build with -Werror'
	@echo '  make clean      remove binaries and build/'
