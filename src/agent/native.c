/* native.c: native frames, captured and written (see native.h). */
#include "native.h"

#include <dlfcn.h>
#include <limits.h>
#include <link.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define UNW_LOCAL_ONLY
#include <libunwind.h>

#include "../common/jsonw.h"
#include "stacks.h"

enum { PROBES = 64 };

int fp_native_init(fp_native_t *self, fp_arena_t *arena, bool on, const fp_objmap_t *objmap, fp_unwind_t *unwind)
{
    memset(self, 0, sizeof *self);
    self->objmap = objmap;
    self->unwind = unwind;
    if (!on)
        return 0;
    self->keys = fp_arena_alloc(arena, sizeof(uintptr_t) * FP_NATIVE_SLOTS);
    if (!self->keys)
        return -1;
    self->on = true;
    return 0;
}

bool fp_native_on(const fp_native_t *self) { return self->on; }

static uint32_t hash_addr(uintptr_t a)
{
    uint64_t h = (uint64_t)a * 0x9E3779B97F4A7C15ULL;
    return (uint32_t)(h >> 40);
}

int fp_native_intern(fp_native_t *self, uintptr_t addr)
{
    if (!self->on || !addr)
        return -1;
    uint32_t i = hash_addr(addr) & (FP_NATIVE_SLOTS - 1);
    for (int probe = 0; probe < PROBES; probe++, i = (i + 1) & (FP_NATIVE_SLOTS - 1)) {
        uintptr_t cur = atomic_load_explicit(&self->keys[i], memory_order_acquire);
        if (cur == 0) {
            uintptr_t expected = 0;
            if (atomic_compare_exchange_strong(&self->keys[i], &expected, addr))
                return (int)i;
            cur = expected; /* another thread took it first */
        }
        if (cur == addr)
            return (int)i;
    }
    atomic_fetch_add_explicit(&self->full, 1, memory_order_relaxed);
    return -1;
}

/* Whether ADDR is footprint's own code (the agent, the interposer): their
 * frames are the sampling's, not the program's. */
static bool is_own(const fp_native_t *self, uintptr_t addr)
{
    return fp_objmap_own(self->objmap, addr);
}

/* The address a frame is kept as: its function's entry, from the unwind
 * tables libunwind just used, so that every instruction of one function is
 * one frame (a hot loop would otherwise make a stack per instruction). */
static uintptr_t function_of(unw_cursor_t *c, uintptr_t pc)
{
    unw_proc_info_t pi;
    if (unw_get_proc_info(c, &pi) == 0 && pi.start_ip <= pc && pc < pi.end_ip)
        return (uintptr_t)pi.start_ip;
    return pc;
}

/* Walks from the interrupted frame outwards. The first frame is the
 * interrupted instruction itself; every other one is a return address,
 * which belongs to the call before it. */
static int collect(fp_native_t *self, unw_cursor_t *c, uint32_t *out, int max)
{
    int n = 0;
    for (int frame = 0; n < max && frame < FP_NATIVE_DEPTH + 8; frame++) {
        unw_word_t ip;
        if (unw_get_reg(c, UNW_REG_IP, &ip) < 0 || ip == 0)
            break;
        uintptr_t pc = (uintptr_t)ip - (frame == 0 ? 0 : 1);
        if (fp_objmap_kind(self->objmap, pc) == FP_KIND_PYTHON)
            break; /* the interpreter: the Python frames take over */
        if (!is_own(self, pc)) {
            int slot = fp_native_intern(self, function_of(c, pc));
            if (slot < 0)
                break;
            out[n++] = FP_STACK_NATIVE_FRAME | (uint32_t)slot;
        }
        if (unw_step(c) <= 0)
            break;
    }
    return n;
}

int fp_native_of_signal(fp_native_t *self, void *ucontext, uint32_t *out, int max)
{
    unw_cursor_t c;
    if (!self->on || !fp_unwind_usable(self->unwind))
        return 0;
    if (unw_init_local2(&c, (unw_context_t *)ucontext, UNW_INIT_SIGNAL_FRAME) < 0)
        return 0;
    return collect(self, &c, out, max < FP_NATIVE_DEPTH ? max : FP_NATIVE_DEPTH);
}

/* An allocation hook runs far more often than the CPU handler: it takes
 * libunwind's fast path, unw_backtrace, which steps through a per-thread
 * cache of frame layouts (no unwind-table search, no lock, no system call
 * once a call site is known) and gives return addresses only. Each frame
 * is kept as its call site: there are few of them per function, and the
 * launcher names them by function, which sums them up again. */
int fp_native_of_caller(fp_native_t *self, uint32_t *out, int max)
{
    void *ips[FP_NATIVE_DEPTH + 8];
    if (!self->on || !fp_unwind_usable(self->unwind))
        return 0;
    int got = unw_backtrace(ips, FP_NATIVE_DEPTH + 8), n = 0;
    if (max > FP_NATIVE_DEPTH)
        max = FP_NATIVE_DEPTH;
    for (int i = 0; i < got && n < max; i++) {
        uintptr_t pc = (uintptr_t)ips[i] - 1; /* the call, not the instruction after it */
        if (fp_objmap_kind(self->objmap, pc) == FP_KIND_PYTHON)
            break;
        if (is_own(self, pc))
            continue;
        int slot = fp_native_intern(self, pc);
        if (slot < 0)
            break;
        out[n++] = FP_STACK_NATIVE_FRAME | (uint32_t)slot;
    }
    return n;
}

/* ---- the fragment ---- */

/* The file of the object LM, which the launcher opens to name the frame
 * (BUF: PATH_MAX bytes). A name the loader keeps relative (dlopen of
 * "./lib.so") is resolved from the working directory, which the program
 * may have changed since: then the launcher cannot read the file, and the
 * frame keeps the symbol the loader knows, or object+offset. */
static const char *object_path(const struct link_map *lm, const Dl_info *info, char *buf, size_t size)
{
    if (lm->l_name && lm->l_name[0] == '/')
        return lm->l_name;
    if (lm->l_name && lm->l_name[0])
        return realpath(lm->l_name, buf) ? buf : lm->l_name;
    /* the main program has no name in the loader's list */
    ssize_t n = readlink("/proc/self/exe", buf, size - 1);
    if (n > 0) {
        buf[n] = '\0';
        return buf;
    }
    return info->dli_fname && info->dli_fname[0] ? info->dli_fname : "?";
}

void fp_native_write_frame(const void *ctx, fp_jsonw_t *w, uint32_t slot)
{
    const fp_native_t *self = ctx;
    uintptr_t addr = slot < FP_NATIVE_SLOTS ? atomic_load(&self->keys[slot]) : 0;
    Dl_info info;
    struct link_map *lm = NULL;
    char file[PATH_MAX];
    bool known = addr && dladdr1((void *)addr, &info, (void **)&lm, RTLD_DL_LINKMAP) && lm;
    fp_jsonw_begin_array(w);
    fp_jsonw_string(w, known ? object_path(lm, &info, file, sizeof file) : "?");
    fp_jsonw_uint(w, 0);
    fp_jsonw_uint(w, known ? addr - lm->l_addr : addr);
    if (known && info.dli_sname)
        fp_jsonw_string(w, info.dli_sname);
    else
        fp_jsonw_null(w);
    fp_jsonw_end_array(w);
}
