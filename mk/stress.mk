# The interposer's stress tests: make -f mk/stress.mk BUILD=build CFLAGS_COMMON=...
# C and C++ programs run with the interposer preloaded, idle and attached.

LIB := $(BUILD)/lib/footprint/libfootprint_alloc.so
OUT := $(BUILD)/stress

.PHONY: all
all: $(OUT)/alloc_stress $(OUT)/newdelete
	@echo "  STRESS alloc_stress plain"; LD_PRELOAD=$(abspath $(LIB)) $(OUT)/alloc_stress plain
	@echo "  STRESS alloc_stress attached"; LD_PRELOAD=$(abspath $(LIB)) $(OUT)/alloc_stress attached
	@echo "  STRESS newdelete"; LD_PRELOAD=$(abspath $(LIB)) $(OUT)/newdelete > /dev/null

$(OUT)/alloc_stress: tests/stress/alloc_stress.c src/common/alloc_api.h
	@mkdir -p $(OUT)
	@echo "  CC $@"; $(CC) $(CFLAGS_COMMON) $< -o $@ -ldl -lpthread

$(OUT)/newdelete: tests/stress/newdelete.cc
	@mkdir -p $(OUT)
	@echo "  CXX $@"; $(CXX) -std=c++17 -O2 -Wall -Wextra -Werror $< -o $@
