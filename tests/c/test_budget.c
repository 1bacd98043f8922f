/* test_budget.c: the budget language (src/launcher/budget.c, with the
 * TOML shim tomlfile.cpp) and judging budgets on a profile
 * (src/launcher/judge.c).
 *
 * Sizes and times must read as written or be refused; a budget file's
 * mistakes must be refused with the line they are on; a target must
 * name the functions and files a user would expect; and a verdict must
 * pass, fail, or say "within sampling error" exactly by the rule in
 * judge.h. Profiles are built with jansson. */
#include "testutil.h"

#include <jansson.h>
#include <math.h>

#include "../../src/launcher/budget.h"
#include "../../src/launcher/judge.h"
#include "../../src/launcher/tomlfile.h"

static void test_sizes_and_times(void **state)
{
    (void)state;
    double v;
    assert_int_equal(fp_budget_parse_size("512MB", &v), 0);
    assert_true(v == 512e6);
    assert_int_equal(fp_budget_parse_size("1.5 GB", &v), 0);
    assert_true(v == 1.5e9);
    assert_int_equal(fp_budget_parse_size("64KiB", &v), 0);
    assert_true(v == 65536);
    assert_int_equal(fp_budget_parse_size("0B", &v), 0);
    assert_true(v == 0);
    assert_int_equal(fp_budget_parse_time("30s", &v), 0);
    assert_true(v == 30);
    assert_int_equal(fp_budget_parse_time("250ms", &v), 0);
    assert_true(fabs(v - 0.25) < 1e-12);
    assert_int_equal(fp_budget_parse_time("2min", &v), 0);
    assert_true(v == 120);
    const char *bad_sizes[] = {"512", "512XB", "MB", "-5MB", "+5MB", "1e999MB", "5MB extra", ""};
    for (size_t i = 0; i < sizeof bad_sizes / sizeof bad_sizes[0]; i++)
        assert_int_equal(fp_budget_parse_size(bad_sizes[i], &v), -1);
    const char *bad_times[] = {"30", "30sec", "1d", "-1s", "nan s"};
    for (size_t i = 0; i < sizeof bad_times / sizeof bad_times[0]; i++)
        assert_int_equal(fp_budget_parse_time(bad_times[i], &v), -1);
}

static void test_limits(void **state)
{
    (void)state;
    double v;
    bool rel;
    const char *why;
    assert_int_equal(fp_budget_parse_limit(FP_METRIC_PEAK, "+10%", &v, &rel, &why), 0);
    assert_true(rel && fabs(v - 0.1) < 1e-12);
    assert_int_equal(fp_budget_parse_limit(FP_METRIC_TIME, "25%", &v, &rel, &why), 0);
    assert_true(rel && fabs(v - 0.25) < 1e-12);
    assert_int_equal(fp_budget_parse_limit(FP_METRIC_CPU, "3s", &v, &rel, &why), 0);
    assert_true(!rel && v == 3);
    /* a time is not a size, and the reverse */
    assert_int_equal(fp_budget_parse_limit(FP_METRIC_PEAK, "3s", &v, &rel, &why), -1);
    assert_non_null(strstr(why, "not a size"));
    assert_int_equal(fp_budget_parse_limit(FP_METRIC_TIME, "3MB", &v, &rel, &why), -1);
    assert_non_null(strstr(why, "not a time"));
    assert_int_equal(fp_budget_parse_limit(FP_METRIC_PEAK, "-10%", &v, &rel, &why), -1);
    assert_int_equal(fp_budget_parse_limit(FP_METRIC_PEAK, "10%%", &v, &rel, &why), -1);
}

static json_t *toml(const char *text)
{
    char err[256];
    json_t *doc = fp_toml_parse(text, strlen(text), err, sizeof err);
    if (!doc)
        fail_msg("not TOML: %s", err);
    return doc;
}

static void test_budget_file(void **state)
{
    (void)state;
    json_t *doc = toml("[run]\nmax_time = \"30s\"\nmax_peak = \"512MB\"\nno_leaks = false\n"
                       "[function.\"train.fit\"]\nmax_alloc = \"+5%\"\n"
                       "[import.\"torch\"]\nmax_time = \"2s\"\n");
    fp_budget_list_t l = {0};
    assert_int_equal(fp_budget_from_toml(&l, doc, "b.toml"), 0);
    /* no_leaks = false sets nothing; the rest in the file's order */
    assert_int_equal(l.n, 4);
    assert_int_equal(l.items[0].metric, FP_METRIC_TIME);
    assert_int_equal(l.items[1].metric, FP_METRIC_PEAK);
    assert_true(l.items[1].limit == 512e6 && !l.items[1].relative);
    assert_string_equal(l.items[1].where, "b.toml line 3");
    assert_int_equal(l.items[2].target, FP_TARGET_FUNCTION);
    assert_string_equal(l.items[2].name, "train.fit");
    assert_true(l.items[2].relative && fabs(l.items[2].limit - 0.05) < 1e-12);
    assert_int_equal(l.items[3].target, FP_TARGET_IMPORT);
    assert_true(fp_budget_any_relative(&l));
    fp_budget_free(&l);
    json_decref(doc);
}

static void test_bad_budget_files(void **state)
{
    (void)state;
    const char *bad[] = {
        "[run]\nmax_peek = \"1GB\"\n",           /* unknown key */
        "[run]\nmax_peak = \"1XB\"\n",           /* bad unit */
        "[run]\nmax_peak = 1024\n",              /* a number without its unit */
        "[walk]\nmax_peak = \"1GB\"\n",          /* unknown table */
        "max_peak = \"1GB\"\n",                  /* outside a table */
        "[function]\nmax_peak = \"1GB\"\n",      /* a function without a name */
        "[import.\"x\"]\nmax_cpu = \"1s\"\n",    /* not a figure of an import */
        "[run]\nno_leaks = 1\n",
        "[run.deeper]\nmax_peak = \"1GB\"\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *doc = toml(bad[i]);
        fp_budget_list_t l = {0};
        if (fp_budget_from_toml(&l, doc, "b.toml") != -1)
            fail_msg("accepted: %s", bad[i]);
        fp_budget_free(&l);
        json_decref(doc);
    }
    char err[256];
    assert_null(fp_toml_parse("[run]\nmax_peak = 1GB\n", 20, err, sizeof err));
    assert_non_null(strstr(err, "line 2"));
}

static void test_options(void **state)
{
    (void)state;
    fp_budget_list_t l = {0};
    assert_int_equal(fp_budget_add_option(&l, FP_METRIC_ALLOC, "--max-alloc", "train_model=200MB"), 0);
    assert_int_equal(fp_budget_add_option(&l, FP_METRIC_PEAK, "--max-peak", "1GB"), 0);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.items[0].target, FP_TARGET_FUNCTION);
    assert_string_equal(l.items[0].name, "train_model");
    assert_int_equal(l.items[1].target, FP_TARGET_RUN);
    assert_null(l.items[1].name);
    assert_int_equal(fp_budget_add_option(&l, FP_METRIC_PEAK, "--max-peak", "=1GB"), -1);
    assert_int_equal(fp_budget_add_option(&l, FP_METRIC_PEAK, "--max-peak", "big"), -1);
    assert_int_equal(l.n, 2);
    fp_budget_free(&l);
}

/* A profile: /src/pkg/train.py with Model.fit (lines 10-20) and load
 * (30-35), /src/util.py with Model.fit too; 16 kB sampling means. */
static json_t *profile(void)
{
    json_t *p = json_pack(
        "{s:s, s:i, s:f, s:f, s:i, s:{s:f, s:i}, s:{s:i, s:i}, s:n, s:[], s:["
        "{s:s, s:[{s:i, s:i, s:f}, {s:i, s:i, s:f}, {s:i, s:i, s:f}],"
        "      s:[{s:s, s:i, s:i, s:i, s:f}, {s:s, s:i, s:i, s:i, s:f}]},"
        "{s:s, s:[{s:i, s:i, s:f}], s:[{s:s, s:i, s:i, s:i, s:f}]}]}",
        "format", "footprint-profile", "version", 1, "elapsed_s", 10.0, "cpu_s", 8.0, "exit_code", 0,
        "sampling", "cpu_interval_s", 0.01, "alloc_mean_bytes", 16384,
        "memory", "peak_bytes", 500000000, "alloc_bytes", 900000000, "gpu", "leaks",
        "files", "path", "/src/pkg/train.py",
        "lines", "line", 12, "peak_bytes", 300000000, "cpu_python_s", 2.0,
        "line", 14, "peak_bytes", 100000000, "cpu_python_s", 1.0,
        "line", 31, "peak_bytes", 50000000, "cpu_python_s", 0.5,
        "functions", "name", "Model.fit", "line", 10, "end_line", 20, "peak_bytes", 400000000, "cpu_python_s", 3.0,
        "name", "load", "line", 30, "end_line", 35, "peak_bytes", 50000000, "cpu_python_s", 0.5,
        "path", "/src/util.py", "lines", "line", 3, "peak_bytes", 1000000, "cpu_python_s", 0.25,
        "functions", "name", "Model.fit", "line", 1, "end_line", 5, "peak_bytes", 1000000, "cpu_python_s", 0.25);
    assert_non_null(p);
    return p;
}

static double measured(json_t *p, fp_budget_target_t t, const char *name, fp_budget_metric_t m, bool *found)
{
    fp_budget_t b = {.target = t, .name = (char *)name, .metric = m, .text = "x"};
    fp_measure_t out;
    fp_judge_measure(&b, p, &out);
    *found = out.found;
    return out.value;
}

static void test_targets(void **state)
{
    (void)state;
    json_t *p = profile();
    bool found;
    /* a qualified name is every function of that name; a module in front picks one */
    assert_true(measured(p, FP_TARGET_FUNCTION, "Model.fit", FP_METRIC_PEAK, &found) == 401e6 && found);
    assert_true(measured(p, FP_TARGET_FUNCTION, "train.Model.fit", FP_METRIC_PEAK, &found) == 400e6 && found);
    assert_true(measured(p, FP_TARGET_FUNCTION, "pkg.train.Model.fit", FP_METRIC_PEAK, &found) == 400e6);
    assert_true(measured(p, FP_TARGET_FUNCTION, "util.Model.fit", FP_METRIC_PEAK, &found) == 1e6);
    measured(p, FP_TARGET_FUNCTION, "rain.Model.fit", FP_METRIC_PEAK, &found);
    assert_false(found); /* a module name is matched whole */
    measured(p, FP_TARGET_FUNCTION, "fit", FP_METRIC_PEAK, &found);
    assert_false(found);
    /* a file by the end of its path, whole components only */
    assert_true(measured(p, FP_TARGET_FILE, "pkg/train.py", FP_METRIC_PEAK, &found) == 450e6 && found);
    assert_true(measured(p, FP_TARGET_FILE, "/src/util.py", FP_METRIC_CPU, &found) == 0.25 && found);
    measured(p, FP_TARGET_FILE, "il.py", FP_METRIC_PEAK, &found);
    assert_false(found);
    /* the run's totals */
    assert_true(measured(p, FP_TARGET_RUN, NULL, FP_METRIC_PEAK, &found) == 500e6 && found);
    assert_true(measured(p, FP_TARGET_RUN, NULL, FP_METRIC_TIME, &found) == 10.0);
    /* sections the profile lacks */
    measured(p, FP_TARGET_RUN, NULL, FP_METRIC_GPU_PEAK, &found);
    assert_false(found);
    measured(p, FP_TARGET_IMPORT, "torch", FP_METRIC_TIME, &found);
    assert_false(found);
    json_decref(p);
}

static fp_verdict_kind_t verdict(json_t *p, const char *name, fp_budget_metric_t m, double limit, char **text)
{
    fp_budget_t b = {.target = name ? FP_TARGET_FUNCTION : FP_TARGET_RUN, .name = (char *)name, .metric = m,
                     .limit = limit, .text = "x"};
    fp_verdict_t v;
    fp_judge(&b, p, NULL, &v);
    fp_verdict_kind_t kind = v.kind;
    if (text)
        *text = strdup(v.text);
    fp_verdict_free(&v);
    return kind;
}

static void test_verdicts(void **state)
{
    (void)state;
    json_t *p = profile();
    /* load's 50 MB has an error of 2 * sqrt(50e6 * 16384) = 1.81 MB */
    assert_int_equal(verdict(p, "load", FP_METRIC_PEAK, 51.9e6, NULL), FP_VERDICT_PASS);
    assert_int_equal(verdict(p, "load", FP_METRIC_PEAK, 51.7e6, NULL), FP_VERDICT_NEAR);
    assert_int_equal(verdict(p, "load", FP_METRIC_PEAK, 48.3e6, NULL), FP_VERDICT_NEAR);
    assert_int_equal(verdict(p, "load", FP_METRIC_PEAK, 48.1e6, NULL), FP_VERDICT_FAIL);
    /* the run's peak is measured: one byte over fails */
    assert_int_equal(verdict(p, NULL, FP_METRIC_PEAK, 500e6 - 1, NULL), FP_VERDICT_FAIL);
    assert_int_equal(verdict(p, NULL, FP_METRIC_PEAK, 500e6, NULL), FP_VERDICT_PASS);
    char *text;
    assert_int_equal(verdict(p, NULL, FP_METRIC_PEAK, 400e6, &text), FP_VERDICT_FAIL);
    assert_string_equal(text, "peak 500MB > 400MB (+25.0%) held by /src/pkg/train.py:12 Model.fit");
    free(text);
    assert_int_equal(verdict(p, "train.Model.fit", FP_METRIC_CPU, 1.0, &text), FP_VERDICT_FAIL);
    assert_string_equal(text, "cpu 3s > 1s (+200.0%) mostly at /src/pkg/train.py:12 Model.fit");
    free(text);
    assert_int_equal(verdict(p, NULL, FP_METRIC_LEAKS, 0, &text), FP_VERDICT_PASS);
    assert_string_equal(text, "no likely leaks");
    free(text);
    json_decref(p);
}

static void test_relative(void **state)
{
    (void)state;
    json_t *base = profile(), *now = profile();
    json_t *mem = json_object_get(now, "memory");
    json_object_set_new(mem, "peak_bytes", json_integer(560000000));
    fp_budget_t b = {.target = FP_TARGET_RUN, .metric = FP_METRIC_PEAK, .limit = 0.1, .relative = true,
                     .text = "+10%"};
    fp_verdict_t v;
    fp_judge(&b, now, base, &v);
    assert_int_equal(v.kind, FP_VERDICT_FAIL);
    assert_true(fabs(v.limit - 550e6) < 1);
    assert_non_null(strstr(v.text, "560MB > 550MB (+1.8%; baseline 500MB +10%)"));
    fp_verdict_free(&v);
    b.limit = 0.15;
    fp_judge(&b, now, base, &v);
    assert_int_equal(v.kind, FP_VERDICT_PASS);
    fp_verdict_free(&v);
    /* no baseline, or a baseline without the figure: not judged */
    fp_judge(&b, now, NULL, &v);
    assert_int_equal(v.kind, FP_VERDICT_UNJUDGED);
    fp_verdict_free(&v);
    json_object_set_new(base, "memory", json_null());
    fp_judge(&b, now, base, &v);
    assert_int_equal(v.kind, FP_VERDICT_UNJUDGED);
    assert_non_null(strstr(v.text, "baseline"));
    fp_verdict_free(&v);
    json_decref(base);
    json_decref(now);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sizes_and_times), cmocka_unit_test(test_limits),
        cmocka_unit_test(test_budget_file),     cmocka_unit_test(test_bad_budget_files),
        cmocka_unit_test(test_options),         cmocka_unit_test(test_targets),
        cmocka_unit_test(test_verdicts),        cmocka_unit_test(test_relative),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
