# footprint: build with `make`, test with `make test`, measure with `make bench`.
#
#   build/footprint                          the launcher (run it in place)
#   build/lib/footprint/boot/                the boot module every Python process imports
#   build/lib/footprint/agents/KEY/          the agent, one per interpreter (see probe.py)
#   build/lib/footprint/libfootprint_alloc.so  the allocation interposer
#
# The agent is built for `python3` on PATH and /usr/bin/python3; add one
# with `make PYTHON=/path/to/python`. `make SAN=1` builds everything with
# ASan+UBSan into build-san/.

CC ?= gcc
PREFIX ?= /usr/local
PYTHONS := $(sort $(wildcard /usr/bin/python3) $(shell command -v python3 2>/dev/null) $(PYTHON))
# `make test` also builds agents for the other interpreters it finds, to test them all
TEST_PYTHONS := $(sort $(PYTHONS) $(wildcard $(HOME)/.pyenv/versions/3.*/bin/python3))

ifeq ($(SAN),1)
BUILD ?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined -DFP_DEBUG
OPT := -O1
else
BUILD ?= build
SANFLAGS :=
OPT := -O2
endif

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
# DEBUG=1: the invariants (FP_ASSERT, src/common/check.h) are checked, as under SAN=1
SANFLAGS += $(if $(filter 1,$(DEBUG)),-DFP_DEBUG)
CFLAGS_COMMON := -std=c11 -D_GNU_SOURCE $(OPT) -g $(WARN) $(SANFLAGS)
LIBDIR := $(BUILD)/lib/footprint

LAUNCHER_SRC := $(wildcard src/launcher/*.c) src/common/utf8.c src/common/path.c
LAUNCHER_OBJ := $(patsubst src/%.c,$(BUILD)/obj/launcher/%.o,$(LAUNCHER_SRC))
# The launcher's C++: only the shim over toml++ that reads budget files (tomlfile.h)
LAUNCHER_CXX_SRC := $(wildcard src/launcher/*.cpp)
LAUNCHER_OBJ += $(patsubst src/%.cpp,$(BUILD)/obj/launcher/%.o,$(LAUNCHER_CXX_SRC))
CXXFLAGS_COMMON := $(filter-out -std=c11 -Wstrict-prototypes,$(CFLAGS_COMMON)) -std=c++17 \
    $(shell pkg-config --cflags tomlplusplus 2>/dev/null)
INTERPOSER_SRC := $(wildcard src/interposer/*.c)
# The HTML report's page, stylesheet and script, embedded in the launcher
HTML_ASSETS := src/launcher/html/page.html src/launcher/html/page.css src/launcher/html/page.js
# The importable package: PYTHONPATH=$(BUILD)/python makes `import footprint` work
PY_PACKAGE := $(patsubst src/python/%,$(BUILD)/python/%,$(wildcard src/python/footprint/*.py))



.PHONY: all agents agents-test test test-san test-stress test-c test-e2e bench install clean example fuzz

all: $(BUILD)/footprint $(LIBDIR)/footprint-service $(LIBDIR)/boot/sitecustomize.py $(LIBDIR)/probe.py $(PY_PACKAGE) agents $(if $(INTERPOSER_SRC),$(LIBDIR)/libfootprint_alloc.so)

$(BUILD)/obj/launcher/%.o: src/%.c
	@mkdir -p $(dir $@)
	@echo "  CC $@"; $(CC) $(CFLAGS_COMMON) -I$(BUILD)/gen -MMD -MP -c $< -o $@

$(BUILD)/obj/launcher/%.o: src/%.cpp
	@mkdir -p $(dir $@)
	@echo "  CXX $@"; $(CXX) $(CXXFLAGS_COMMON) -MMD -MP -c $< -o $@

$(BUILD)/footprint: $(LAUNCHER_OBJ) $(BUILD)/obj/gen/html_assets.o $(BUILD)/obj/gen/chart_assets.o $(BUILD)/obj/gen/profile.pb-c.o
	@echo "  CC $@"; $(CC) $(CFLAGS_COMMON) $^ -o $@.tmp -ljansson -ltomlplusplus -lstdc++ -lprotobuf-c -ldw -lelf -lz -lm && mv -f $@.tmp $@

# pprof's message types (export --format pprof), from the profile.proto of
# Debian's golang-github-google-pprof-dev, by protoc-c; generated code is
# not ours to keep warning-free, so it builds without -Werror.
PPROF_PROTO := /usr/share/gocode/src/github.com/google/pprof/proto/profile.proto
$(BUILD)/gen/profile.pb-c.c: $(PPROF_PROTO)
	@mkdir -p $(BUILD)/gen
	@echo "  GEN $@"; protoc-c --c_out=$(BUILD)/gen --proto_path=$(dir $(PPROF_PROTO)) $(notdir $(PPROF_PROTO))
$(BUILD)/gen/profile.pb-c.h: $(BUILD)/gen/profile.pb-c.c ;

$(BUILD)/obj/gen/profile.pb-c.o: $(BUILD)/gen/profile.pb-c.c
	@mkdir -p $(dir $@)
	@echo "  CC $@"; $(CC) $(filter-out -Werror -Wshadow -Wstrict-prototypes,$(CFLAGS_COMMON)) -c $< -o $@

$(BUILD)/obj/launcher/launcher/pprof.o: $(BUILD)/gen/profile.pb-c.h

# The validation service (footprint serve|worker|submit): a binary of its
# own, which the launcher execs, so `footprint run` loads none of its libraries.
SERVE_SRC := $(wildcard src/serve/*.c) src/launcher/util.c src/launcher/budget.c
SERVE_OBJ := $(patsubst src/%.c,$(BUILD)/obj/serve/%.o,$(SERVE_SRC))
SERVE_LIBS := -lmicrohttpd -lsqlite3 -lpq -lcurl -larchive -lgnutls
PQ_CFLAGS := $(shell pkg-config --cflags libpq 2>/dev/null || echo -I/usr/include/postgresql)

$(BUILD)/obj/serve/%.o: src/%.c
	@mkdir -p $(dir $@)
	@echo "  CC $@"; $(CC) $(CFLAGS_COMMON) $(PQ_CFLAGS) -MMD -MP -c $< -o $@

# The pages' stylesheet and script, embedded: fp_web_app_css[] and fp_web_app_css_len (web.c).
SERVE_ASSETS := src/serve/web/app.css src/serve/web/app.js
$(BUILD)/gen/serve_assets.c: $(SERVE_ASSETS)
	@mkdir -p $(dir $@)
	@echo "  GEN $@"; cd src/serve/web && for f in $(notdir $(SERVE_ASSETS)); do xxd -i $$f || exit 1; done \
	    | sed -e 's/^unsigned /const unsigned /' -e 's/ \([a-z_]*\)\(\[\]\)* =/ fp_web_\1\2 =/' > $(abspath $@).tmp \
	    && mv -f $(abspath $@).tmp $(abspath $@)

$(BUILD)/obj/gen/serve_assets.o: $(BUILD)/gen/serve_assets.c
	@mkdir -p $(dir $@)
	@echo "  CC $@"; $(CC) $(CFLAGS_COMMON) -c $< -o $@

$(LIBDIR)/footprint-service: $(SERVE_OBJ) $(BUILD)/obj/launcher/launcher/tomlfile.o $(BUILD)/obj/gen/serve_assets.o
	@mkdir -p $(dir $@)
	@echo "  CC $@"; $(CC) $(CFLAGS_COMMON) $^ -o $@.tmp -ljansson -ltomlplusplus -lstdc++ $(SERVE_LIBS) -lm && mv -f $@.tmp $@

-include $(SERVE_OBJ:.o=.d)

# Each asset becomes const arrays fp_html_page_css[] and fp_html_page_css_len (html.c).
$(BUILD)/gen/html_assets.c: $(HTML_ASSETS)
	@mkdir -p $(dir $@)
	@echo "  GEN $@"; cd src/launcher/html && for f in $(notdir $(HTML_ASSETS)); do xxd -i $$f || exit 1; done \
	    > $(abspath $@).xxd && sed -e 's/^unsigned /const unsigned /' -e 's/ \([a-z_]*\)\(\[\]\)* =/ fp_html_\1\2 =/' \
	    $(abspath $@).xxd > $(abspath $@).tmp && rm -f $(abspath $@).xxd && mv -f $(abspath $@).tmp $(abspath $@)

# The sweep and compare page (chartpage.c) and its chart library, Chart.js,
# which tools/install-deps installs from web/package-lock.json (npm ci).
CHART_ASSETS := src/launcher/html/charts.html src/launcher/html/charts.css src/launcher/html/charts.js
CHARTJS := web/node_modules/chart.js/dist/chart.umd.min.js
$(BUILD)/gen/chart_assets.c: $(CHART_ASSETS) $(CHARTJS)
	@mkdir -p $(BUILD)/gen/chart
	@cp $(CHART_ASSETS) $(BUILD)/gen/chart/ && grep -v '^//# sourceMappingURL=' $(CHARTJS) > $(BUILD)/gen/chart/chart.js
	@echo "  GEN $@"; cd $(BUILD)/gen/chart && for f in charts.html charts.css charts.js chart.js; do xxd -i $$f || exit 1; done \
	    | sed -e 's/^unsigned /const unsigned /' -e 's/ \([a-z_]*\)\(\[\]\)* =/ fp_chart_\1\2 =/' > ../chart_assets.c.tmp \
	    && mv -f ../chart_assets.c.tmp ../chart_assets.c

$(CHARTJS):
	@echo "footprint: $@ is missing: run tools/install-deps (npm ci in web/)" >&2; exit 1

$(BUILD)/obj/gen/chart_assets.o: $(BUILD)/gen/chart_assets.c
	@mkdir -p $(dir $@)
	@echo "  CC $@"; $(CC) $(CFLAGS_COMMON) -c $< -o $@

$(BUILD)/obj/gen/html_assets.o: $(BUILD)/gen/html_assets.c
	@mkdir -p $(dir $@)
	@echo "  CC $@"; $(CC) $(CFLAGS_COMMON) -c $< -o $@

$(LIBDIR)/boot/sitecustomize.py: src/boot/sitecustomize.py
	@mkdir -p $(dir $@)
	cp $< $@

$(BUILD)/python/footprint/%.py: src/python/footprint/%.py
	@mkdir -p $(dir $@)
	cp $< $@

$(LIBDIR)/probe.py: src/boot/probe.py
	@mkdir -p $(dir $@)
	cp $< $@

# The interposer: no Python, no libc beyond what it replaces.
$(LIBDIR)/libfootprint_alloc.so: $(INTERPOSER_SRC) $(wildcard src/interposer/*.h)
	@mkdir -p $(dir $@)
	@echo "  CC $@"; $(CC) $(CFLAGS_COMMON) -fPIC -shared -fvisibility=hidden -fno-builtin -ftls-model=initial-exec \
	    $(INTERPOSER_SRC) -o $@.tmp -ldl -lpthread -lm && mv -f $@.tmp $@

# One agent per interpreter; interpreters footprint does not support are skipped.
agents:
	@for p in $(PYTHONS); do \
	    v=$$($$p -I -S src/boot/probe.py 2>/dev/null | cut -d' ' -f1-2); \
	    case "$$v" in "3 9"|"3 10"|"3 11"|"3 12"|"3 13") ;; \
	        *) echo "  skipping the agent for $$p (not CPython 3.9 to 3.13)"; continue;; esac; \
	    $(MAKE) --no-print-directory -f mk/agent.mk PYTHON=$$p BUILD=$(BUILD) \
	        CFLAGS_COMMON="$(CFLAGS_COMMON)" || exit 1; \
	done

agents-test:
	@$(MAKE) --no-print-directory agents PYTHONS="$(TEST_PYTHONS)"

-include $(LAUNCHER_OBJ:.o=.d)

example: all
	$(BUILD)/footprint examples/demo.py

test: all agents-test
	$(MAKE) --no-print-directory test-c
	$(MAKE) --no-print-directory test-stress
	$(MAKE) --no-print-directory test-e2e
	$(MAKE) --no-print-directory test-san

test-stress: all
	$(MAKE) --no-print-directory -f mk/stress.mk BUILD=$(BUILD) CFLAGS_COMMON="$(CFLAGS_COMMON)"

# The sanitizer run: launcher, agent and interposer built with ASan+UBSan,
# the C unit tests, and the end-to-end tests on /usr/bin/python3 (the
# interpreter is not instrumented, so the ASan runtime is preloaded).
ASAN_RT = $(shell $(CC) -print-file-name=libasan.so)
test-san:
	$(MAKE) --no-print-directory SAN=1 all
	$(MAKE) --no-print-directory SAN=1 test-c
	LD_PRELOAD=$(ASAN_RT) ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0:abort_on_error=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 FOOTPRINT_TEST_PYTHONS=main FOOTPRINT_TEST_SANITIZED=1 \
	FOOTPRINT=$(abspath build-san/footprint) /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/e2e $(PYTEST_ARGS)

# Fuzzes the profile reader (view and export) with libFuzzer for
# FUZZ_SECONDS, starting from the committed corpus; what it finds that
# covers new code is merged into tests/fuzz/corpus (commit it): `make
# test-c` replays that corpus (tests/c/test_fuzz_corpus.c).
FUZZ_SECONDS ?= 60
FUZZ_SRC := tests/fuzz/profile_target.c $(addprefix src/launcher/,profile.c stackset.c figures.c util.c report.c \
            textfmt.c stackview.c export.c pprof.c imports.c) src/common/utf8.c
fuzz: $(BUILD)/gen/profile.pb-c.c
	@echo "  CLANG $(BUILD)/fuzz_profile"; clang -std=c11 -D_GNU_SOURCE -DFP_FUZZING -g -O1 \
	    -fsanitize=fuzzer,address,undefined -I$(BUILD)/gen $(FUZZ_SRC) $(BUILD)/gen/profile.pb-c.c \
	    -o $(BUILD)/fuzz_profile -ljansson -lprotobuf-c -lz -lm
	@rm -rf $(BUILD)/fuzz-found && mkdir -p $(BUILD)/fuzz-found
	$(BUILD)/fuzz_profile -max_total_time=$(FUZZ_SECONDS) -timeout=10 -max_len=65536 -rss_limit_mb=2048 \
	    $(BUILD)/fuzz-found tests/fuzz/corpus
	$(BUILD)/fuzz_profile -merge=1 tests/fuzz/corpus $(BUILD)/fuzz-found

test-c: $(if $(INTERPOSER_SRC),$(LIBDIR)/libfootprint_alloc.so)
	$(MAKE) --no-print-directory -f mk/ctest.mk BUILD=$(BUILD) CFLAGS_COMMON="$(CFLAGS_COMMON)"

test-e2e: all
	FOOTPRINT=$(abspath $(BUILD)/footprint) /usr/bin/python3 -m pytest -q -p no:cacheprovider tests/e2e $(PYTEST_ARGS)

bench: all
	/usr/bin/python3 bench/run.py $(BENCH_ARGS)
	/usr/bin/python3 bench/serve_load.py $(SERVE_BENCH_ARGS)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/footprint
	cp -r $(LIBDIR)/. $(DESTDIR)$(PREFIX)/lib/footprint/
	install -m 755 $(BUILD)/footprint $(DESTDIR)$(PREFIX)/bin/footprint

clean:
	rm -rf build build-san
