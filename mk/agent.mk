# Builds the agent for one interpreter: make -f mk/agent.mk PYTHON=... BUILD=...
# Internal frame layouts differ between versions, so each interpreter gets
# an agent compiled against its own headers, under agents/KEY (probe.py).

PROBE := $(shell $(PYTHON) -I -S src/boot/probe.py --build 2>/dev/null)
KEY := $(word 1,$(PROBE))
EXT := $(word 2,$(PROBE))
INC := $(word 3,$(PROBE))

ifeq ($(KEY),)
$(error cannot build the agent for $(PYTHON): it did not run src/boot/probe.py)
endif

SRC := $(wildcard src/agent/*.c) src/common/glob.c src/common/jsonw.c src/common/utf8.c src/common/path.c
OBJDIR := $(BUILD)/obj/agent-$(KEY)
OBJ := $(patsubst src/%.c,$(OBJDIR)/%.o,$(SRC))
OUT := $(BUILD)/lib/footprint/agents/$(KEY)/_footprint$(EXT)

RECORD := $(BUILD)/lib/footprint/agents/$(KEY)/interpreter

all: $(OUT) $(RECORD)

$(RECORD): $(OUT) src/boot/probe.py
	@$(PYTHON) -I -S src/boot/probe.py --record > $@

$(OBJDIR)/%.o: src/%.c
	@mkdir -p $(dir $@)
	@echo "  CC $@"; $(CC) $(CFLAGS_COMMON) -fPIC -fvisibility=hidden -DPY_SSIZE_T_CLEAN -I$(INC) -MMD -MP -c $< -o $@

$(OUT): $(OBJ)
	@mkdir -p $(dir $@)
	@echo "  CC $@"; $(CC) $(CFLAGS_COMMON) -shared $^ -o $@.tmp -lunwind -lpthread -lm && mv -f $@.tmp $@

-include $(OBJ:.o=.d)
