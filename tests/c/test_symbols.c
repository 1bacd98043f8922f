/* test_symbols.c: naming native frames from their objects' files
 * (src/launcher/symbols.c).
 *
 * The test binary is its own object: a function of it, at its address in
 * the binary's file, must come back with its name (from .symtab: it is
 * static, so not in .dynsym) and its source line (the build has -g).
 * Objects that cannot be read keep the name the process saw, demangled,
 * or are named by object and address. */
#include "testutil.h"

#include <dlfcn.h>
#include <link.h>

#include "../../src/launcher/symbols.h"

enum { PROBE_LINE = __LINE__ + 2 }; /* the line of the function's name */
__attribute__((noinline, used)) static int
probe_function(int x)
{
    return x * 3 + 1;
}

/* The address of FN in the test binary's file, and that file. */
static uint64_t file_address(void *fn, char *path, size_t size)
{
    Dl_info info;
    struct link_map *lm = NULL;
    assert_true(dladdr1(fn, &info, (void **)&lm, RTLD_DL_LINKMAP) != 0);
    ssize_t n = readlink("/proc/self/exe", path, size - 1);
    assert_true(n > 0);
    path[n] = '\0';
    return (uint64_t)((uintptr_t)fn - lm->l_addr);
}

static void test_a_static_function_with_its_line(void **state)
{
    (void)state;
    char exe[4096];
    assert_int_equal(probe_function(1), 4);
    uint64_t addr = file_address((void *)probe_function, exe, sizeof exe);
    fp_symbols_t *s = fp_symbols_new();
    fp_symbol_t sym = fp_symbols_lookup(s, exe, addr, NULL);
    assert_string_equal(sym.function, "probe_function");
    assert_non_null(sym.source);
    assert_non_null(strstr(sym.source, "test_symbols.c"));
    assert_true(sym.line >= PROBE_LINE - 1 && sym.line <= PROBE_LINE + 1);
    /* an address inside it names the same function; looked up again, the same answer */
    fp_symbol_t inside = fp_symbols_lookup(s, exe, addr + 2, NULL);
    assert_string_equal(inside.function, "probe_function");
    assert_ptr_equal(fp_symbols_lookup(s, exe, addr, NULL).function, sym.function);
    fp_symbols_free(s);
}

static void test_a_stripped_object_names_code_by_its_function_entry(void **state)
{
    (void)state;
    char exe[4096], cmd[8400];
    uint64_t addr = file_address((void *)probe_function, exe, sizeof exe);
    char *dir = tu_mkdtemp();
    snprintf(cmd, sizeof cmd, "objcopy --strip-all '%s' '%s/stripped'", exe, dir);
    assert_int_equal(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "%s/stripped", dir);
    fp_symbols_t *s = fp_symbols_new();
    /* no symbol: the unwind tables say where the function begins, for any address in it */
    char want[64];
    snprintf(want, sizeof want, "stripped+0x%llx", (unsigned long long)addr);
    assert_string_equal(fp_symbols_lookup(s, cmd, addr + 3, NULL).function, want);
    assert_string_equal(fp_symbols_lookup(s, cmd, addr, NULL).function, want);
    fp_symbols_free(s);
    tu_rmtree(dir);
    free(dir);
}

static void test_an_object_that_cannot_be_read(void **state)
{
    (void)state;
    fp_symbols_t *s = fp_symbols_new();
    fp_symbol_t seen = fp_symbols_lookup(s, "/nonexistent/libgone.so", 0x1000, "_ZN5torch3addEv");
    assert_string_equal(seen.function, "torch::add()"); /* the process's name, demangled */
    assert_int_equal(seen.line, 0);
    assert_null(seen.source);
    fp_symbol_t plain = fp_symbols_lookup(s, "/nonexistent/libgone.so", 0x1000 + 16, "dgemm_");
    assert_string_equal(plain.function, "dgemm_");
    fp_symbol_t none = fp_symbols_lookup(s, "/nonexistent/libgone.so", 0x2a30, NULL);
    assert_string_equal(none.function, "libgone.so+0x2a30");
    fp_symbol_t bad = fp_symbols_lookup(s, "/dev/null", 0x10, NULL); /* not an ELF file */
    assert_string_equal(bad.function, "null+0x10");
    fp_symbols_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_a_static_function_with_its_line),
        cmocka_unit_test(test_a_stripped_object_names_code_by_its_function_entry),
        cmocka_unit_test(test_an_object_that_cannot_be_read),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
