# Builds and runs the C unit tests (cmocka):
#   make -f mk/ctest.mk BUILD=build CFLAGS_COMMON="..."
# Each tests/c/test_NAME.c is linked with the real sources it tests (the
# test_NAME_SRC lists below; none of them may include <Python.h>) into
# $(BUILD)/ctest/test_NAME. Every binary runs; its output is kept in
# $(BUILD)/ctest/test_NAME.log and shown only when it fails. The make fails
# when any test does.

CC ?= gcc
BUILD ?= build
CFLAGS_COMMON ?= -std=c11 -D_GNU_SOURCE -O2 -g -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes
LIBS := -lcmocka -ljansson -ltomlplusplus -lstdc++ -lprotobuf-c -ldw -lelf -lz -lpthread -lm
# The launcher's one C++ file (tomlfile.cpp) builds with the C flags made C++.
CXXFLAGS_COMMON ?= $(filter-out -std=c11 -Wstrict-prototypes,$(CFLAGS_COMMON)) -std=c++17 \
    $(shell pkg-config --cflags tomlplusplus 2>/dev/null)

OUT := $(BUILD)/ctest
OBJDIR := $(OUT)/obj

# The sources each test is linked with.
test_glob_SRC := src/common/glob.c
test_utf8_SRC := src/common/utf8.c
test_jsonw_SRC := src/common/jsonw.c src/common/utf8.c
test_cli_SRC := src/launcher/cli.c src/launcher/util.c
test_profile_SRC := src/launcher/profile.c src/launcher/stackset.c src/launcher/figures.c src/launcher/util.c
test_merge_SRC := src/launcher/merge.c src/launcher/gpumerge.c src/launcher/stackmerge.c src/launcher/stackset.c src/launcher/figures.c src/launcher/proc.c src/launcher/util.c \
                  src/launcher/profile.c src/launcher/symbols.c src/common/utf8.c
test_report_SRC := src/launcher/report.c src/launcher/textfmt.c src/launcher/figures.c src/launcher/util.c \
                   src/launcher/imports.c src/common/utf8.c
test_imports_SRC := src/launcher/imports.c src/launcher/textfmt.c src/launcher/util.c src/common/utf8.c
test_fit_SRC := src/launcher/fit.c src/launcher/util.c
test_sites_SRC := src/agent/sites.c src/agent/arena.c
test_filter_SRC := src/agent/filter.c src/common/glob.c
test_ownfd_SRC := src/agent/ownfd.c
test_steal_SRC := src/agent/steal.c
test_path_SRC := src/common/path.c
test_objmap_SRC := src/agent/objmap.c src/agent/arena.c
test_leakfit_SRC := src/agent/leakfit.c
test_attrib_SRC := src/agent/attrib.c
test_sampler_SRC :=  # header only (src/interposer/sampler.h)
test_livetab_SRC := src/interposer/livetab.c src/interposer/real.c src/interposer/state.c
test_budget_SRC := src/launcher/budget.c src/launcher/judge.c src/launcher/util.c src/launcher/tomlfile.cpp
test_gotpatch_SRC :=  # loads the built interposer with dlopen
test_fuzz_corpus_SRC := src/launcher/profile.c src/launcher/stackset.c src/launcher/figures.c src/launcher/util.c \
                       src/launcher/report.c src/launcher/textfmt.c src/launcher/stackview.c src/launcher/export.c \
                       src/launcher/pprof.c src/launcher/imports.c src/common/utf8.c
test_fuzz_corpus_EXTRA := $(OBJDIR)/gen/profile.pb-c.o
test_stackmerge_SRC := src/launcher/stackmerge.c src/launcher/stackset.c src/launcher/symbols.c src/launcher/util.c
test_stacks_SRC := src/agent/stacks.c src/agent/sites.c src/agent/arena.c src/common/jsonw.c src/common/utf8.c
test_symbols_SRC := src/launcher/symbols.c src/launcher/util.c

TESTS := $(patsubst tests/c/%.c,%,$(wildcard tests/c/test_*.c))
BINS := $(addprefix $(OUT)/,$(TESTS))
TEST_OBJ := $(patsubst %,$(OBJDIR)/tests/c/%.o,$(TESTS))
objs = $(patsubst %,$(OBJDIR)/%.o,$(basename $(1)))
SRC_OBJ := $(call objs,$(sort $(foreach t,$(TESTS),$($(t)_SRC))))

.PHONY: all run
.DEFAULT_GOAL := run

all: $(BINS)

# Runs every test, even after one fails, then fails if any did. Tests
# that capture stderr do it in $(OUT)/test_NAME.capture; when a test dies
# inside a capture (a sanitizer report), that file holds the reason.
run: $(BINS)
	@fail=0; for t in $(BINS); do \
	    echo "  TEST $$t"; rm -f $$t.capture; \
	    if ! FP_CTEST_CAPTURE=$$t.capture $$t >$$t.log 2>&1; then \
	        cat $$t.log; if [ -s $$t.capture ]; then cat $$t.capture; fi; \
	        echo "  FAIL $$t (log: $$t.log)"; fail=1; \
	    else rm -f $$t.capture; fi; \
	done; exit $$fail

$(OBJDIR)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC $@"; $(CC) $(CFLAGS_COMMON) -I$(OUT)/gen -MMD -MP -c $< -o $@

$(OBJDIR)/%.o: %.cpp
	@mkdir -p $(dir $@)
	@echo "  CXX $@"; $(CXX) $(CXXFLAGS_COMMON) -MMD -MP -c $< -o $@

# pprof's messages (export's pprof.c), generated as the Makefile does.
PPROF_PROTO ?= /usr/share/gocode/src/github.com/google/pprof/proto/profile.proto
$(OUT)/gen/profile.pb-c.c: $(PPROF_PROTO)
	@mkdir -p $(OUT)/gen
	@echo "  GEN $@"; protoc-c --c_out=$(OUT)/gen --proto_path=$(dir $(PPROF_PROTO)) $(notdir $(PPROF_PROTO))
$(OUT)/gen/profile.pb-c.h: $(OUT)/gen/profile.pb-c.c ;
$(OBJDIR)/gen/profile.pb-c.o: $(OUT)/gen/profile.pb-c.c
	@mkdir -p $(dir $@)
	@echo "  CC $@"; $(CC) $(filter-out -Werror -Wshadow -Wstrict-prototypes,$(CFLAGS_COMMON)) -c $< -o $@
$(OBJDIR)/src/launcher/pprof.o: $(OUT)/gen/profile.pb-c.h

define test_binary
$(OUT)/$(1): $(OBJDIR)/tests/c/$(1).o $(call objs,$($(1)_SRC)) $($(1)_EXTRA)
	@echo "  CC $$@"; $$(CC) $$(CFLAGS_COMMON) $$^ -o $$@ $$(LIBS)
endef
$(foreach t,$(TESTS),$(eval $(call test_binary,$(t))))

-include $(TEST_OBJ:.o=.d) $(SRC_OBJ:.o=.d)
