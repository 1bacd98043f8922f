/* test_fuzz_corpus.c: replays the fuzz corpus (tests/fuzz/corpus, found
 * by `make fuzz`, committed) through the profile reader's fuzz target
 * (tests/fuzz/profile_target.c): every file must go through without a
 * crash, and, under `make test-san`, without a sanitizer report. */
#include "testutil.h"

#include <dirent.h>

#include "../fuzz/profile_target.c"

#ifndef CORPUS_DIR
#define CORPUS_DIR "tests/fuzz/corpus"
#endif

static void test_every_corpus_file(void **state)
{
    (void)state;
    DIR *d = opendir(CORPUS_DIR);
    assert_non_null(d);
    struct dirent *e;
    int files = 0;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char *path = NULL;
        assert_true(asprintf(&path, "%s/%s", CORPUS_DIR, e->d_name) > 0);
        size_t n = 0;
        char *data = NULL;
        FILE *f = fopen(path, "rb");
        assert_non_null(f);
        fseek(f, 0, SEEK_END);
        n = (size_t)ftell(f);
        rewind(f);
        data = malloc(n + 1);
        assert_int_equal(fread(data, 1, n, f), n);
        fclose(f);
        LLVMFuzzerTestOneInput((const uint8_t *)data, n);
        free(data);
        free(path);
        files++;
    }
    closedir(d);
    assert_true(files >= 10); /* the corpus is there */
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_every_corpus_file)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
