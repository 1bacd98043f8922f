/* test_objmap.c: which loaded object an address is in (src/agent/objmap.c),
 * as the sample handler asks it: the executable (the interpreter, in a
 * Python process) is Python, system libraries (libc, the loader, our own
 * objects, libunwind) are the caller's, any other library is native, and
 * an address in no object is unknown. Objects loaded later are found at
 * the next refresh. */
#include "testutil.h"

#include <dlfcn.h>

#include "../../src/agent/objmap.h"

typedef struct fixture {
    fp_arena_t arena;
    fp_objmap_t om;
} fixture_t;

static int setup(void **state)
{
    fixture_t *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    assert_int_equal(fp_arena_init(&fx->arena, 16u << 20), 0);
    assert_int_equal(fp_objmap_init(&fx->om, &fx->arena), 0);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    free(*state); /* the arena stays mapped, as the agent's does */
    return 0;
}

static uintptr_t symbol(void *handle, const char *name)
{
    void *p = dlsym(handle, name);
    assert_non_null(p);
    return (uintptr_t)p;
}

static void test_kinds_of_code(void **state)
{
    fixture_t *fx = *state;
    assert_int_equal(fp_objmap_kind(&fx->om, (uintptr_t)&setup), FP_KIND_PYTHON);  /* the executable */
    assert_int_equal(fp_objmap_kind(&fx->om, symbol(RTLD_DEFAULT, "getpid")), FP_KIND_SYSTEM); /* libc */
    assert_int_equal(fp_objmap_kind(&fx->om, symbol(RTLD_DEFAULT, "_cmocka_run_group_tests")), FP_KIND_NATIVE);
    int on_stack = 0;
    void *heap = malloc(64);
    assert_int_equal(fp_objmap_kind(&fx->om, (uintptr_t)&on_stack), FP_KIND_UNKNOWN);
    assert_int_equal(fp_objmap_kind(&fx->om, (uintptr_t)heap), FP_KIND_UNKNOWN);
    free(heap);
}

static void test_a_sample_just_after_a_syscall(void **state)
{
    fixture_t *fx = *state;
    /* libc's syscall() holds a syscall instruction (0f 05) near its start */
    const unsigned char *code = (const unsigned char *)symbol(RTLD_DEFAULT, "syscall");
    uintptr_t after = 0;
    for (int i = 0; i < 256 && !after; i++)
        if (code[i] == 0x0f && code[i + 1] == 0x05)
            after = (uintptr_t)(code + i + 2);
    assert_true(after != 0);
    assert_true(fp_objmap_after_syscall(&fx->om, after));
    assert_false(fp_objmap_after_syscall(&fx->om, after + 1)); /* 05 xx: not a syscall */
    unsigned char fake[4] = {0x0f, 0x05, 0, 0};                /* the bytes, outside any code */
    assert_false(fp_objmap_after_syscall(&fx->om, (uintptr_t)(fake + 2)));
}

static void test_objects_loaded_later_are_found_at_the_refresh(void **state)
{
    fixture_t *fx = *state;
    void *h = dlopen("libunwind.so.8", RTLD_NOW | RTLD_LOCAL);
    if (!h)
        skip();
    uintptr_t fn = symbol(h, "unw_backtrace");
    fp_code_kind_t before = fp_objmap_kind(&fx->om, fn);
    fp_objmap_refresh(&fx->om);
    assert_int_equal(fp_objmap_kind(&fx->om, fn), FP_KIND_SYSTEM); /* its time is its caller's */
    (void)before; /* UNKNOWN unless something loaded it already */
    /* nothing changed since: the table stays the one published */
    const void *table = atomic_load(&fx->om.current);
    fp_objmap_refresh(&fx->om);
    assert_ptr_equal(atomic_load(&fx->om.current), table);
    dlclose(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_kinds_of_code, setup, teardown),
        cmocka_unit_test_setup_teardown(test_a_sample_just_after_a_syscall, setup, teardown),
        cmocka_unit_test_setup_teardown(test_objects_loaded_later_are_found_at_the_refresh, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
