# jail: plain Makefile.  Sources are picked up by directory, so adding a file
# to lib/LAYER/, jailctl/, jailsh/, pam_jail/ or tests/unit/ needs no edit here.
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
SBINDIR    ?= $(PREFIX)/sbin
LIBDIR     ?= $(PREFIX)/lib
DATADIR    ?= $(PREFIX)/share/jail
MANDIR     ?= $(PREFIX)/share/man
# Where systemd reads units for this prefix (/usr/local/lib/systemd/system
# and /usr/lib/systemd/system are in its search path; elsewhere set it).
SYSTEMDUNITDIR ?= $(LIBDIR)/systemd/system
SYSCONFDIR ?= /etc
PAMDIR     ?= /usr/lib/x86_64-linux-gnu/security
TMPFILESDIR ?= $(LIBDIR)/tmpfiles.d
COMPLETIONDIR ?= $(PREFIX)/share/bash-completion/completions
DESTDIR    ?=

CC      ?= cc
comma   := ,
PKGS     = libcap libseccomp libapparmor pam
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null) -liniparser
# pam_jail.so opens libseccomp when it compiles a filter (lib/confine/seccomp.c)
# and needs no libapparmor (lib/confine/apparmor.h): neither is loaded with the module into
# every PAM session.  jailsh and jailctl keep libseccomp as DT_NEEDED, linked
# even though they call it through dlopen: jailctl copies jailsh's into each
# jail, and neither ever looks the library up once inside a jail.
PAM_LIBS   := $(shell pkg-config --libs libcap pam 2>/dev/null) -liniparser
SCMP_NEEDED := -Wl,--push-state,--no-as-needed -lseccomp -Wl,--pop-state

WARN     = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
           -Wformat=2 -Wformat-security -Wswitch-enum -Wno-error=deprecated-declarations
HARDEN   = -D_FORTIFY_SOURCE=2 -fstack-protector-strong
OPT     ?= -O2 -g
SANITIZE ?=
ifeq ($(SANITIZE),1)
OPT      = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined
HARDEN   = -fstack-protector-strong
endif
# One version, debian/changelog's upstream part: jailctl --version, metrics'
# jail_build_info and the package agree.
VERSION := $(shell head -n1 debian/changelog 2>/dev/null | cut -d' ' -f2 | tr -d '()' | cut -d- -f1)
CFLAGS  += -std=gnu11 $(OPT) $(WARN) $(HARDEN) -fPIC -fvisibility=hidden -Ilib $(PKG_CFLAGS) \
           -DJAIL_DATADIR='"$(DATADIR)"' -DJAIL_SYSCONFDIR='"$(SYSCONFDIR)/jail"' -DJAIL_SBINDIR='"$(SBINDIR)"' \
           -DJAIL_VERSION='"$(VERSION)"'
SAN_LDFLAGS := $(if $(filter 1,$(SANITIZE)),-fsanitize=address$(comma)undefined)
LDFLAGS += $(SAN_LDFLAGS) -Wl,-z,relro,-z,now

# libjail in layers (lib/README.md).  Dependencies point one way:
#   base <- confine <- config <- session;  base <- tree;  audit uses any.
# tests/layers.sh checks every #include against this; the link enforces the
# rest: pam_jail.so (loaded into sshd) gets only the core archive, so no tree
# or audit code can be linked into it (-z defs fails on a missing symbol).
CORE_LAYERS  := base confine config session
LIB_LAYERS   := $(CORE_LAYERS) tree audit
LIB_SRCS     := $(foreach l,$(LIB_LAYERS),$(wildcard lib/$(l)/*.c))
LIB_OBJS     := $(LIB_SRCS:.c=.o)
CORE_SRCS    := $(foreach l,$(CORE_LAYERS),$(wildcard lib/$(l)/*.c))
CORE_OBJS    := $(CORE_SRCS:.c=.o)
JAILCTL_OBJS := $(patsubst %.c,%.o,$(wildcard jailctl/*.c))
JAILSH_OBJS  := $(patsubst %.c,%.o,$(wildcard jailsh/*.c))
PAM_OBJS     := $(patsubst %.c,%.o,$(wildcard pam_jail/*.c))
UNIT_SRCS    := $(wildcard tests/unit/test_*.c)
UNIT_BINS    := $(UNIT_SRCS:.c=)
PROBE_SRCS   := $(wildcard tests/probe/*.c)
PROBE_BINS   := $(patsubst tests/probe/%.c,tests/bin/%,$(PROBE_SRCS))
HELPER_SRCS  := $(wildcard tests/helpers/*.c)
HELPER_BINS  := $(patsubst tests/helpers/%.c,tests/bin/%,$(HELPER_SRCS))

PROGRAMS = jailctl/jailctl jailsh/jailsh pam_jail/pam_jail.so

.PHONY: FORCE deb all check check-guest unit-tests test-bins demo install bench bench-scale sanitize lint fuzz fuzz-run fuzz-smoke clean format deps
all: $(PROGRAMS)

# Made anew each time: `ar r` on an old archive would keep members of
# removed files and, since members are named by their basename only,
# replace lib/config/config.o by lib/audit/config.o (two members of one
# name are fine when both are added in one run).
lib/libjail.a: $(LIB_OBJS)
	rm -f $@ && $(AR) rcs $@ $^

lib/libjail-core.a: $(CORE_OBJS)
	rm -f $@ && $(AR) rcs $@ $^

# The programs have PREFIX, SBINDIR, DATADIR and SYSCONFDIR compiled in.
# build/config.mk records the ones the objects were built with and changes
# (its mtime too) only when they do, so `make; make install PREFIX=/usr`
# rebuilds for /usr instead of installing a jailctl that looks in /usr/local.
BUILD_CONFIG := PREFIX=$(PREFIX) SBINDIR=$(SBINDIR) DATADIR=$(DATADIR) SYSCONFDIR=$(SYSCONFDIR) VERSION=$(VERSION)
build/config.mk: FORCE
	@mkdir -p build
	@if [ "$$(cat $@ 2>/dev/null)" != '$(BUILD_CONFIG)' ]; then \
		[ ! -e $@ ] || echo "build: paths changed ($$(cat $@) -> $(BUILD_CONFIG)): rebuilding" >&2; \
		echo '$(BUILD_CONFIG)' >$@; fi

%.o: %.c build/config.mk
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

jailctl/jailctl: $(JAILCTL_OBJS) lib/libjail.a
	$(CC) $(LDFLAGS) -o $@ $(JAILCTL_OBJS) lib/libjail.a $(SCMP_NEEDED) $(PKG_LIBS)

# jailsh is execute-only (0711): a program the user cannot read is made
# non-dumpable by the kernel from exec on, which closes the window between
# exec and jailsh's seccomp filter to /proc/PID/mem writes from the user's
# other processes (tests/escape/README.md, race-mem).  jailctl init/cp keep
# the mode when they copy it into a jail.
jailsh/jailsh: $(JAILSH_OBJS) lib/libjail.a
	$(CC) $(LDFLAGS) -o $@ $(JAILSH_OBJS) lib/libjail.a $(SCMP_NEEDED) $(PKG_LIBS)
	chmod 0711 $@

pam_jail/pam_jail.so: $(PAM_OBJS) lib/libjail-core.a pam_jail/pam_jail.map
	$(CC) $(LDFLAGS) -shared -Wl,--version-script=pam_jail/pam_jail.map -Wl,-z,defs \
		-o $@ $(PAM_OBJS) lib/libjail-core.a $(PAM_LIBS)

tests/unit/test_%: tests/unit/test_%.c tests/tap.h lib/libjail.a build/config.mk
	$(CC) $(CFLAGS) -Itests -o $@ $< lib/libjail.a $(PKG_LIBS) $(LDFLAGS)

# Probes run inside jails: static, no dependency on the jail's libraries.
tests/bin/%: tests/probe/%.c $(wildcard tests/probe/*.h)
	@mkdir -p tests/bin
	$(CC) -std=gnu11 -O2 -Wall -Wextra -Werror -static -o $@ $<

# Test helpers (e.g. a libpam driver): dynamic, linked like the programs.
tests/bin/%: tests/helpers/%.c lib/libjail.a
	@mkdir -p tests/bin
	$(CC) $(CFLAGS) -Itests -o $@ $< lib/libjail.a $(PKG_LIBS) -lpam_misc $(LDFLAGS)

# pamdrive stands in for sshd: it links libpam and nothing of ours, so that
# what a PAM module brings into the process shows (pamdrive -L, 41-pam.t),
# in sanitizer builds too (there the linker keeps every -l it is given).
tests/bin/pamdrive: tests/helpers/pamdrive.c
	@mkdir -p tests/bin
	$(CC) $(CFLAGS) -Itests -o $@ $< -lpam $(LDFLAGS)

# The fault-injection build of the PAM module (lib/base/fault.h): the same
# sources compiled with -DJAIL_FAULT_INJECTION into objects of their own, so
# that they never mix with the production ones.  Only tests load it.
FAULT_DIR        := tests/bin/faults
FAULT_LIB_OBJS   := $(patsubst %.c,$(FAULT_DIR)/%.o,$(CORE_SRCS))
FAULT_PAM_OBJS   := $(patsubst %.c,$(FAULT_DIR)/%.o,$(wildcard pam_jail/*.c))
$(FAULT_DIR)/%.o: %.c build/config.mk
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DJAIL_FAULT_INJECTION -MMD -MP -c -o $@ $<
$(FAULT_DIR)/libjail.a: $(FAULT_LIB_OBJS)
	rm -f $@ && $(AR) rcs $@ $^
tests/bin/pam_jail_faults.so: $(FAULT_PAM_OBJS) $(FAULT_DIR)/libjail.a pam_jail/pam_jail.map
	$(CC) $(LDFLAGS) -shared -Wl,--version-script=pam_jail/pam_jail.map -Wl,-z,defs \
		-o $@ $(FAULT_PAM_OBJS) $(FAULT_DIR)/libjail.a $(PAM_LIBS)

# Test-only PAM modules (tests/modules/NAME.c -> tests/bin/NAME.so), built
# like pam_jail.so (same flags: sanitizers under SANITIZE=1).
TESTMOD_SRCS := $(wildcard tests/modules/*.c)
TESTMOD_BINS := $(patsubst tests/modules/%.c,tests/bin/%.so,$(TESTMOD_SRCS))
tests/bin/%.so: tests/modules/%.c
	@mkdir -p tests/bin
	$(CC) $(CFLAGS) $(LDFLAGS) -shared -Wl,-z,defs -o $@ $< $(PKG_LIBS)

unit-tests: $(UNIT_BINS) test-bins

# What the integration tests run besides the programs (the guest lane builds
# only these: the unit tests run on the development host).
test-bins: $(PROBE_BINS) $(HELPER_BINS) tests/bin/pam_jail_faults.so $(TESTMOD_BINS)

deps:
	@tests/deps.sh

# The README's test command.  Installs the Debian packages it needs (as
# root, only those missing), builds, then runs every test through prove.
check: deps
	$(MAKE) -j$$(nproc) all unit-tests
	$(MAKE) fuzz-smoke
	tests/run.sh

# The guest lane (tests/guest/lane.sh): the integration suite in a Debian 12
# guest with systemd, cgroup v2 and AppArmor under qemu, its TAP replayed
# through prove.  Installs qemu and mmdebstrap (as root, when missing).
check-guest:
	@tests/deps.sh --guest
	tests/guest/lane.sh tests/guest/results
	prove --exec '' tests/guest/results/*.t

# The whole suite under ASan+UBSan (tests/sanitize.env: any report fails),
# then a normal build (left in place) and pam_jail.so under valgrind through
# libpam (70-valgrind-pam.t: valgrind cannot run ASan programs).
sanitize: deps
	$(MAKE) clean
	$(MAKE) -j$$(nproc) SANITIZE=1 all unit-tests
	JAIL_SANITIZE=1 tests/run.sh; rc=$$?; $(MAKE) clean && $(MAKE) -j$$(nproc) all unit-tests && \
		prove tests/integration/70-valgrind-pam.t || rc=1; exit $$rc

demo: deps
	$(MAKE) all tests/bin/logsink tests/bin/svcd
	tests/demo.sh

bench: deps
	$(MAKE) all
	bench/run.sh

# 10,000 users in one jail (issue 15): several minutes, so not in `make bench`.
bench-scale: deps
	$(MAKE) all
	bench/scale.sh

lint:
	# cleanup attributes free on scope exit: cppcheck cannot see it, so its leak
	# checks are off here and LeakSanitizer (make sanitize) covers leaks instead.
	tests/layers.sh
	clang-format --dry-run --Werror $(wildcard lib/*/*.[ch] jailctl/*.[ch] jailsh/*.[ch] pam_jail/*.[ch] tests/unit/*.[ch] tests/probe/*.[ch] tests/*.h tests/fuzz/*.c)
	cppcheck --quiet --error-exitcode=1 --enable=warning,portability --inline-suppr \
		--suppress=missingIncludeSystem --suppress=memleak --suppress=resourceLeak --suppress=leakReturnValNotUsed -Ilib lib jailctl jailsh pam_jail
	mandoc -Tlint -Wwarning $(wildcard man/*.[1-8])

format:
	clang-format -i $(wildcard lib/*/*.[ch] jailctl/*.[ch] jailsh/*.[ch] pam_jail/*.[ch] tests/unit/*.[ch] tests/probe/*.[ch] tests/*.h tests/fuzz/*.c)

INSTALL_SED = sed -e 's|/usr/local/share/jail|$(DATADIR)|g' -e 's|/usr/local/sbin|$(SBINDIR)|g' \
	-e 's|/usr/local/lib/systemd/system|$(SYSTEMDUNITDIR)|g' -e 's|/etc/jail\b|$(SYSCONFDIR)/jail|g'
install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(PAMDIR) $(DESTDIR)$(DATADIR) \
		$(DESTDIR)$(DATADIR)/apparmor $(DESTDIR)$(SYSCONFDIR)/jail/profiles \
		$(DESTDIR)$(SYSCONFDIR)/jail/users.d $(DESTDIR)$(SYSCONFDIR)/jail/services.d \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(SYSTEMDUNITDIR) $(DESTDIR)$(TMPFILESDIR) $(DESTDIR)$(COMPLETIONDIR)
	install -m 0755 jailctl/jailctl $(DESTDIR)$(SBINDIR)/jailctl
	install -m 0711 jailsh/jailsh $(DESTDIR)$(SBINDIR)/jailsh
	install -m 0644 pam_jail/pam_jail.so $(DESTDIR)$(PAMDIR)/pam_jail.so
	# Templates and jail.ini name the default install paths; rewrite them
	# for this PREFIX (the programs were built for it: build/config.mk).
	for f in templates/*; do \
		n=$${f##*/}; \
		case $$f in *apparmor*) d=$(DESTDIR)$(DATADIR)/apparmor ;; *.service) d=$(DESTDIR)$(SYSTEMDUNITDIR) ;; \
		*.tmpfiles) d=$(DESTDIR)$(TMPFILESDIR) n=jail.conf ;; *) d=$(DESTDIR)$(DATADIR) ;; esac; \
		$(INSTALL_SED) $$f > $$d/$$n && chmod 0644 $$d/$$n || exit 1; \
	done
	for f in profiles/*.ini; do install -m 0644 $$f $(DESTDIR)$(SYSCONFDIR)/jail/profiles/; done
	test -e $(DESTDIR)$(SYSCONFDIR)/jail/jail.ini || \
		{ $(INSTALL_SED) jail.ini.example >$(DESTDIR)$(SYSCONFDIR)/jail/jail.ini && \
		chmod 0644 $(DESTDIR)$(SYSCONFDIR)/jail/jail.ini; }
	$(INSTALL_SED) completion/jailctl >$(DESTDIR)$(COMPLETIONDIR)/jailctl && chmod 0644 $(DESTDIR)$(COMPLETIONDIR)/jailctl
	# The man pages name the default paths too (jailsh's in-jail PATH, which
	# has /usr/local/bin whatever the prefix, is not rewritten).
	for f in man/*.[58]; do d=$(DESTDIR)$(MANDIR)/man$${f##*.}; \
		$(INSTALL_SED) $$f >$$d/$${f##*/} && chmod 0644 $$d/$${f##*/} || exit 1; done

# The Debian package (debian/), built out of tree from a copy of the sources
# (tracked and untracked files, not what .gitignore ignores) in build/deb/src:
# leaves build/deb/jail_VERSION_ARCH.deb and fails on any lintian error or
# warning (justified ones are overridden in debian/jail.lintian-overrides).
DEB_VERSION = $(shell dpkg-parsechangelog -l debian/changelog -S Version)
DEB_ARCH    = $(shell dpkg --print-architecture)
DEB_FILE    = build/deb/jail_$(DEB_VERSION)_$(DEB_ARCH).deb
deb:
	@git rev-parse --git-dir >/dev/null 2>&1 || \
		{ echo "deb: needs a git checkout (it copies the files git lists)" >&2; exit 1; }
	rm -rf build/deb && mkdir -p build/deb/src
	git ls-files -z --cached --others --exclude-standard | \
		tar --null -T - --ignore-failed-read -cf - | tar -xf - -C build/deb/src
	cd build/deb/src && DEB_BUILD_OPTIONS="noddebs parallel=$$(nproc) $$DEB_BUILD_OPTIONS" \
		dpkg-buildpackage -us -uc -b
	test -f $(DEB_FILE)
	lintian --fail-on error,warning $(DEB_FILE) >build/deb/lintian.log 2>&1; rc=$$?; \
		cat build/deb/lintian.log; [ $$rc = 0 ] && ! grep -q '^[EW]: ' build/deb/lintian.log

# libFuzzer harnesses (clang): each tests/fuzz/fuzz_NAME.c is built with the
# whole library (compiled once for all harnesses, into tests/fuzz/lib/) and
# run FUZZ_SECONDS on its committed seed corpus tests/fuzz/corpus/NAME.  New
# inputs go to a scratch corpus, never into the source tree.  A crash, leak,
# timeout or sanitizer report fails the run (every harness still runs) and
# names the input to add to the seed corpus once the bug is fixed.
# `fuzz-smoke` (part of `check`) does the same for FUZZ_SMOKE_SECONDS each.
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 5
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(FUZZ_SRCS:.c=)
FUZZ_LIB_OBJS := $(patsubst lib/%.c,tests/fuzz/lib/%.o,$(LIB_SRCS))
FUZZ_CFLAGS = -std=gnu11 -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=undefined \
	-Ilib $(PKG_CFLAGS) -DJAIL_DATADIR='"$(DATADIR)"' -DJAIL_SYSCONFDIR='"$(SYSCONFDIR)/jail"' \
	-DJAIL_SBINDIR='"$(SBINDIR)"'
.SECONDARY: $(FUZZ_LIB_OBJS)
tests/fuzz/lib/%.o: lib/%.c build/config.mk
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -MMD -MP -c -o $@ $<
tests/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_LIB_OBJS)
	clang $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< $(FUZZ_LIB_OBJS) $(PKG_LIBS)
fuzz: deps
	$(MAKE) -j$$(nproc) $(FUZZ_BINS)
	@$(MAKE) --no-print-directory fuzz-run
fuzz-run:
	@fail=0; for f in $(FUZZ_BINS); do n=$${f##*/fuzz_}; seeds=tests/fuzz/corpus/$$n; \
		if [ -z "$$(ls -A $$seeds 2>/dev/null)" ]; then \
			echo "fuzz: $$n: no seed corpus in $$seeds"; fail=1; continue; fi; \
		w=$$(mktemp -d /tmp/jail-fuzz-$$n.XXXXXX) || exit 2; \
		if $$f -max_total_time=$(FUZZ_SECONDS) -max_len=65536 -timeout=30 -print_final_stats=1 \
			-artifact_prefix=$$w- $$w $$seeds >$$w.log 2>&1; then \
			echo "fuzz: $$n: ok, $(FUZZ_SECONDS)s, $$(ls $$seeds | wc -l) seeds," \
				"$$(sed -n 's/^stat::number_of_executed_units: *//p' $$w.log) runs," \
				"$$(grep -o 'cov: [0-9]*' $$w.log | tail -1)"; \
		else \
			echo "fuzz: $$n: FAILED on $$(ls $$w-* 2>/dev/null | tr '\n' ' ')(fix the bug," \
				"then add that input to $$seeds)"; \
			grep -v '^#[0-9]\|^INFO:\|^\(stat::\|MS:\|base unit\)' $$w.log | tail -40; fail=1; \
		fi; rm -rf $$w $$w.log; done; exit $$fail
fuzz-smoke:
	$(MAKE) fuzz FUZZ_SECONDS=$(FUZZ_SMOKE_SECONDS)

clean:
	rm -f lib/*/*.o lib/*/*.d lib/libjail.a lib/libjail-core.a jailctl/*.o jailctl/*.d jailsh/*.o jailsh/*.d \
		pam_jail/*.o pam_jail/*.d $(PROGRAMS) $(UNIT_BINS) tests/unit/*.d $(FUZZ_BINS)
	rm -rf tests/bin tests/fuzz/lib build

-include $(wildcard lib/*/*.d jailctl/*.d jailsh/*.d pam_jail/*.d $(FAULT_DIR)/*/*.d \
	$(FAULT_DIR)/lib/*/*.d tests/fuzz/lib/*/*.d)
