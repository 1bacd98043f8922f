/* profile_target.c: the fuzz target of the profile reader.
 *
 * One input is one file given to `footprint view` or `footprint export`:
 * it is parsed, checked (fp_profile_check), and when it passes, rendered
 * the way view and every export format render it, to /dev/null. Nothing
 * may crash, hang or touch memory it should not (ASan, UBSan).
 *
 * Built two ways: with libFuzzer (`make fuzz`, clang) to search for new
 * inputs, and into tests/c/test_fuzz_corpus.c, which replays the committed
 * corpus (tests/fuzz/corpus) in `make test-c`, sanitized in `make test-san`. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "../../src/launcher/export.h"
#include "../../src/launcher/profile.h"
#include "../../src/launcher/report.h"
#include "../../src/launcher/stackset.h"
#include "../../src/launcher/stackview.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void render(FILE *sink, json_t *p)
{
    fp_report_opts_t ro = {.color = true, .reduced = false, .width = 80};
    fp_report_print(sink, p, &ro);
    fp_stackview_print(sink, p);
    fp_stackset_t ss;
    fp_stackset_read(&ss, p);
    static const char *const formats[] = {"collapsed", "speedscope", "chrome", "pprof"};
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++)
        fp_export_write(sink, p, &ss, formats[i], (int)(i % 3));
    fp_stackset_free(&ss);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static FILE *sink;
    if (!sink) {
        sink = fopen("/dev/null", "w");
#ifdef FP_FUZZING /* libFuzzer's own run: the one-line errors would flood its output */
        if (!freopen("/dev/null", "w", stderr))
            return 0;
#endif
    }
    json_error_t err;
    json_t *p = json_loadb((const char *)data, size, 0, &err);
    if (p && !fp_profile_check(p))
        render(sink, p);
    json_decref(p);
    return 0;
}
