/* test_merge.c: fp_merge_run (src/launcher/merge.c).
 *
 * Each test writes fragments into a temporary run directory exactly as
 * the agent's fragment.c lays them out, next to a real source file, then
 * checks the merged profile: lines summed across processes, source text,
 * functions summing their own lines (the innermost span wins), the
 * process list, the launcher's facts, and fragments that are damaged.
 * Figures are binary fractions so that sums compare exactly. */
#include "testutil.h"

#include <jansson.h>

#include "../../src/launcher/merge.h"
#include "../../src/launcher/profile.h"

typedef struct fixture {
    char *dir;      /* the run directory */
    char *src;      /* DIR/prog.py, a real source file */
    char *argv[2];
    fp_run_facts_t facts;
} fixture_t;

/* Line N of prog.py is SOURCE[N - 1]. Functions: f 2-6 holding g 4-5;
 * class C 8-11 holding C.m 9-10; unused 13-14; <module> 1-17. */
static const char *const SOURCE[] = {
    "import sys",
    "def f(x):",
    "    y = x * 2",
    "    def g():",
    "        return y + 1",
    "    return g()",
    "",
    "class C:",
    "    def m(self):",
    "        return 42",
    "    z = 1",
    "",
    "def unused():",
    "    pass",
    "",
    "print(f(C().m()))\r",
    "name = 'caf\xff'",
};
enum { SOURCE_LINES = sizeof SOURCE / sizeof SOURCE[0] };


static int setup(void **state)
{
    fixture_t *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    fx->dir = tu_mkdtemp();
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    for (int i = 0; i < SOURCE_LINES; i++)
        fprintf(f, "%s\n", SOURCE[i]);
    fclose(f);
    fx->src = tu_write(fx->dir, "prog.py", text, len);
    free(text);
    fx->argv[0] = "prog.py";
    fx->argv[1] = "--fast";
    fx->facts = (fp_run_facts_t){
        .program = "prog.py",
        .argv = fx->argv,
        .argc = 2,
        .python = "/usr/bin/python3",
        .python_version = "3.11.2",
        .main_pid = 100,
        .exit_code = 3,
        .elapsed_s = 9.0,
        .interval_s = 0.01,
        .memory = false,
        .spans_script = NULL, /* never run a helper process */
    };
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fixture_t *fx = *state;
    tu_rmtree(fx->dir);
    free(fx->dir);
    free(fx->src);
    free(fx);
    return 0;
}

/* A fragment with no files, as fragment.c writes it. */
static json_t *fragment(int pid, int parent, bool final, double elapsed, double cpu)
{
    json_t *f = json_pack("{s:i, s:b, s:i, s:i, s:[s,s], s:{s:s, s:s}, s:f, s:f, s:f, s:{s:f},"
                          " s:{s:f, s:f, s:f}, s:i, s:n, s:[]}",
                          "footprint_fragment", 1, "final", final, "pid", pid, "parent_pid", parent,
                          "argv", "prog.py", "--fast", "python", "executable", "/usr/bin/python3.11",
                          "version", "3.11.2", "start_unix_s", 1700000000.5, "elapsed_s", elapsed,
                          "cpu_s", cpu, "sampling", "cpu_interval_s", 0.01, "unattributed", "cpu_python_s",
                          0.25, "cpu_native_s", 0.125, "system_s", 0.5, "dropped_samples", 0, "memory",
                          "files");
    assert_non_null(f);
    return f;
}

/* [line, cpu_python_s, cpu_native_s, system_s, alloc, alloc_python, free, peak, copy] */
static json_t *line(int n, double py, double nat, double sys, int alloc)
{
    return json_pack("[i,f,f,f,i,i,i,i,i]", n, py, nat, sys, alloc, alloc / 2, 0, alloc, 0);
}

/* The function spans of prog.py, as the boot module reports them. */
static json_t *prog_spans(void)
{
    return json_pack("[[s,i,i],[s,i,i],[s,i,i],[s,i,i],[s,i,i],[s,i,i]]", "<module>", 1, SOURCE_LINES, "f",
                     2, 6, "f.<locals>.g", 4, 5, "C", 8, 11, "C.m", 9, 10, "unused", 13, 14);
}

/* Adds a file to FRAG; FUNCTIONS NULL writes "functions": null. Steals
 * the references to FUNCTIONS and LINES. */
static void add_file(json_t *frag, const char *path, json_t *functions, json_t *lines)
{
    json_t *file = json_pack("{s:s, s:o, s:o}", "path", path, "functions", functions ? functions : json_null(),
                             "lines", lines);
    assert_non_null(file);
    json_array_append_new(json_object_get(frag, "files"), file);
}

static void write_fragment(const fixture_t *fx, json_t *frag)
{
    char *path = NULL;
    assert_true(asprintf(&path, "%s/%d.json", fx->dir,
                         (int)json_integer_value(json_object_get(frag, "pid"))) > 0);
    assert_int_equal(json_dump_file(frag, path, JSON_COMPACT), 0);
    free(path);
    json_decref(frag);
}

/* Merges with stderr captured into ERR. */
static json_t *merge(const fixture_t *fx, char *err, size_t n)
{
    tu_capture_t c = tu_stderr_begin();
    json_t *p = fp_merge_run(fx->dir, &fx->facts);
    tu_stderr_end(&c, err, n);
    assert_non_null(p);
    const char *bad = fp_profile_check(p);
    if (bad)
        fail_msg("the merged profile does not pass its own check: %s", bad);
    return p;
}

static json_t *find_file(json_t *p, const char *path)
{
    size_t i;
    json_t *f;
    json_array_foreach(json_object_get(p, "files"), i, f)
        if (strcmp(json_string_value(json_object_get(f, "path")), path) == 0)
            return f;
    return NULL;
}

static json_t *find_line(json_t *file, int n)
{
    size_t i;
    json_t *l;
    json_array_foreach(json_object_get(file, "lines"), i, l)
        if (json_integer_value(json_object_get(l, "line")) == n)
            return l;
    return NULL;
}

static json_t *find_func(json_t *file, const char *name)
{
    size_t i;
    json_t *fn;
    json_array_foreach(json_object_get(file, "functions"), i, fn)
        if (strcmp(json_string_value(json_object_get(fn, "name")), name) == 0)
            return fn;
    return NULL;
}

static double fig(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    if (!json_is_number(v))
        fail_msg("figure %s missing", key);
    return json_number_value(v);
}

/* The two-process run most tests start from: the program (pid 100) and
 * one child (pid 101), both in prog.py. */
static void write_two_processes(const fixture_t *fx)
{
    json_t *a = fragment(100, 1, true, 4.5, 3.0);
    add_file(a, fx->src, prog_spans(),
             json_pack("[o,o,o,o,o,o]", line(1, 0.03125, 0, 0, 0), line(3, 0.5, 0, 0, 0),
                       line(5, 0.25, 0.125, 0, 0), line(10, 0, 0, 1.0, 0), line(11, 0.0625, 0, 0, 0),
                       line(16, 2.0, 0, 0, 100)));
    write_fragment(fx, a);
    json_t *b = fragment(101, 100, true, 2.0, 1.5);
    add_file(b, fx->src, prog_spans(),
             json_pack("[o,o,o]", line(3, 0.5, 0.25, 0, 0), line(14, 0, 0, 0, 0), line(17, 0, 0, 0.5, 0)));
    write_fragment(fx, b);
}


/* A fragment's gpu section, as src/agent/gpu.c writes it: one device,
 * SOURCE for both figures, a timeline, one note, and per-line figures
 * [path, line, gpu_s, gpu_alloc_bytes, gpu_peak_bytes]. */
static void add_gpu(json_t *frag, const char *source, bool used, json_t *timeline,
                    const char *note, json_t *lines)
{
    json_t *g = json_pack("{s:[{s:i, s:s, s:I, s:b}], s:{s:s, s:s}, s:I, s:f, s:o, s:f, s:[s], s:o}", "devices",
                          "index", 0, "name", "GPU0", "total_bytes", (json_int_t)1 << 34, "used", used, "sources",
                          "utilization", source, "memory", source, "peak_bytes", (json_int_t)0, "peak_time_s", 0.0,
                          "timeline", timeline, "unattributed_s", 0.25, "notes", note, "lines", lines);
    assert_non_null(g);
    json_object_set_new(frag, "gpu", g);
}

static void test_gpu_sections_merged(void **state)
{
    fixture_t *fx = *state;
    json_t *a = fragment(100, 1, true, 4.0, 1.0);
    add_file(a, fx->src, prog_spans(), json_pack("[o]", line(3, 0.5, 0, 0, 0)));
    /* the program: 1 GiB from 1 s to 3 s */
    add_gpu(a, "process", true, json_pack("[[f,i],[f,I],[f,i],[f,i]]", 0.0, 0, 1.0, (json_int_t)1 << 30, 3.0, 0, 4.0, 0),
            "a note", json_pack("[[s,i,f,I,I],[s,i,f,i,i]]", fx->src, 3, 0.75, (json_int_t)1 << 30,
                                (json_int_t)1 << 30, fx->src, 5, 0.5, 0, 0));
    write_fragment(fx, a);
    /* a child started 0.5 s later: 512 MiB from its 1 s (the program's 1.5 s) to its end */
    json_t *b = fragment(101, 100, true, 2.0, 1.0);
    json_object_set_new(b, "start_unix_s", json_real(1700000001.0));
    add_gpu(b, "device", false, json_pack("[[f,i],[f,I],[f,I]]", 0.0, 0, 1.0, (json_int_t)1 << 29, 2.0, (json_int_t)1 << 29),
            "a note", json_pack("[[s,i,f,I,I]]", fx->src, 3, 0.25, (json_int_t)1 << 29, (json_int_t)1 << 29));
    write_fragment(fx, b);
    char err[256];
    json_t *p = merge(fx, err, sizeof err);
    json_t *gpu = json_object_get(p, "gpu");
    assert_true(json_is_object(gpu));
    /* lines: summed across processes, only-GPU lines kept, functions sum them */
    json_t *file = find_file(p, fx->src);
    assert_true(fig(find_line(file, 3), "gpu_s") == 1.0);
    assert_true(fig(find_line(file, 3), "gpu_alloc_bytes") == (double)(3 << 29));
    assert_true(fig(find_line(file, 3), "gpu_peak_bytes") == (double)(3 << 29));
    assert_true(fig(find_line(file, 5), "gpu_s") == 0.5);
    assert_true(fig(find_func(file, "f"), "gpu_s") == 1.0);
    assert_true(fig(find_func(file, "f.<locals>.g"), "gpu_s") == 0.5);
    /* the peak: both processes' memory together, on the program's clock */
    assert_true(fig(gpu, "peak_bytes") == (double)(3 << 29));
    assert_true(fig(gpu, "peak_time_s") == 1.5);
    json_t *tl = json_object_get(gpu, "timeline");
    json_t *last = json_array_get(tl, json_array_size(tl) - 1);
    assert_true(json_number_value(json_array_get(last, 1)) == 0); /* the child's memory went with it */
    /* the weakest source, each note once, a device used by any process */
    assert_string_equal(json_string_value(json_object_get(json_object_get(gpu, "sources"), "memory")), "device");
    assert_int_equal(json_array_size(json_object_get(gpu, "notes")), 1);
    assert_true(json_is_true(json_object_get(json_array_get(json_object_get(gpu, "devices"), 0), "used")));
    assert_true(fig(gpu, "unattributed_s") == 0.5);
    json_decref(p);
}

static void test_no_gpu_section_is_null(void **state)
{
    fixture_t *fx = *state;
    write_two_processes(fx);
    char err[256];
    json_t *p = merge(fx, err, sizeof err);
    assert_true(json_is_null(json_object_get(p, "gpu")));
    json_t *l = find_line(find_file(p, fx->src), 3);
    assert_true(fig(l, "gpu_s") == 0 && fig(l, "gpu_alloc_bytes") == 0 && fig(l, "gpu_peak_bytes") == 0);
    json_decref(p);
}

static void test_lines_summed_across_processes(void **state)
{
    fixture_t *fx = *state;
    write_two_processes(fx);
    char err[1024];
    json_t *p = merge(fx, err, sizeof err);
    assert_string_equal(err, "");
    json_t *file = find_file(p, fx->src);
    assert_non_null(file);
    json_t *l3 = find_line(file, 3);
    assert_non_null(l3);
    assert_true(fig(l3, "cpu_python_s") == 1.0);
    assert_true(fig(l3, "cpu_native_s") == 0.25);
    assert_true(fig(l3, "system_s") == 0.0);
    json_t *l16 = find_line(file, 16);
    assert_true(fig(l16, "cpu_python_s") == 2.0);
    assert_int_equal(json_integer_value(json_object_get(l16, "alloc_bytes")), 100);
    assert_int_equal(json_integer_value(json_object_get(l16, "alloc_python_bytes")), 50);
    assert_int_equal(json_integer_value(json_object_get(l16, "peak_bytes")), 100);
    assert_true(fig(find_line(file, 17), "system_s") == 0.5);
    /* one entry per line, sorted, and the all-zero line 14 left out */
    json_t *lines = json_object_get(file, "lines");
    assert_int_equal(json_array_size(lines), 7);
    assert_null(find_line(file, 14));
    for (size_t i = 1; i < json_array_size(lines); i++)
        assert_true(json_integer_value(json_object_get(json_array_get(lines, i - 1), "line")) <
                    json_integer_value(json_object_get(json_array_get(lines, i), "line")));
    /* process totals */
    assert_true(fig(p, "cpu_s") == 4.5);
    json_t *other = json_object_get(p, "unattributed");
    assert_true(fig(other, "cpu_python_s") == 0.5);
    assert_true(fig(other, "cpu_native_s") == 0.25);
    assert_true(fig(other, "system_s") == 1.0);
    json_decref(p);
}

static void test_source_text(void **state)
{
    fixture_t *fx = *state;
    write_two_processes(fx);
    char err[1024];
    json_t *p = merge(fx, err, sizeof err);
    json_t *file = find_file(p, fx->src);
    assert_string_equal(json_string_value(json_object_get(find_line(file, 1), "source")), "import sys");
    assert_string_equal(json_string_value(json_object_get(find_line(file, 3), "source")), "    y = x * 2");
    assert_string_equal(json_string_value(json_object_get(find_line(file, 5), "source")),
                        "        return y + 1");
    /* a CRLF line loses its '\r'; invalid UTF-8 becomes U+FFFD */
    assert_string_equal(json_string_value(json_object_get(find_line(file, 16), "source")),
                        "print(f(C().m()))");
    assert_string_equal(json_string_value(json_object_get(find_line(file, 17), "source")),
                        "name = 'caf\xEF\xBF\xBD'");
    json_decref(p);
}

static void test_functions(void **state)
{
    fixture_t *fx = *state;
    write_two_processes(fx);
    char err[1024];
    json_t *p = merge(fx, err, sizeof err);
    json_t *file = find_file(p, fx->src);
    /* f has only line 3: line 5 is in its nested g */
    json_t *f = find_func(file, "f");
    assert_non_null(f);
    assert_true(fig(f, "cpu_python_s") == 1.0);
    assert_true(fig(f, "cpu_native_s") == 0.25);
    assert_int_equal(json_integer_value(json_object_get(f, "line")), 2);
    assert_int_equal(json_integer_value(json_object_get(f, "end_line")), 6);
    json_t *g = find_func(file, "f.<locals>.g");
    assert_non_null(g);
    assert_true(fig(g, "cpu_python_s") == 0.25);
    assert_true(fig(g, "cpu_native_s") == 0.125);
    json_t *m = find_func(file, "C.m");
    assert_non_null(m);
    assert_true(fig(m, "system_s") == 1.0);
    assert_true(fig(m, "cpu_python_s") == 0.0);
    json_t *c = find_func(file, "C");
    assert_non_null(c);
    assert_true(fig(c, "cpu_python_s") == 0.0625);
    assert_true(fig(c, "system_s") == 0.0);
    /* <module> takes every line outside the functions */
    json_t *mod = find_func(file, "<module>");
    assert_non_null(mod);
    assert_true(fig(mod, "cpu_python_s") == 2.03125);
    assert_true(fig(mod, "system_s") == 0.5);
    assert_int_equal(json_integer_value(json_object_get(mod, "alloc_bytes")), 100);
    /* a function with no figures is left out; both processes listed the
     * same spans, and each function appears once */
    assert_null(find_func(file, "unused"));
    assert_int_equal(json_array_size(json_object_get(file, "functions")), 5);
    /* every line's figures land in exactly one function */
    double lines_total = 0, funcs_total = 0;
    size_t i;
    json_t *o;
    json_array_foreach(json_object_get(file, "lines"), i, o)
        lines_total += fig(o, "cpu_python_s") + fig(o, "cpu_native_s") + fig(o, "system_s");
    json_array_foreach(json_object_get(file, "functions"), i, o)
        funcs_total += fig(o, "cpu_python_s") + fig(o, "cpu_native_s") + fig(o, "system_s");
    assert_true(lines_total == funcs_total);
    json_decref(p);
}

static void test_spans_from_one_process_only(void **state)
{
    fixture_t *fx = *state;
    /* the child was killed before reading spans: its functions are null */
    json_t *a = fragment(100, 1, true, 1.0, 1.0);
    add_file(a, fx->src, prog_spans(), json_pack("[o]", line(3, 0.5, 0, 0, 0)));
    write_fragment(fx, a);
    json_t *b = fragment(101, 100, false, 1.0, 1.0);
    add_file(b, fx->src, NULL, json_pack("[o,o]", line(3, 0.25, 0, 0, 0), line(5, 0.5, 0, 0, 0)));
    write_fragment(fx, b);
    char err[1024];
    json_t *p = merge(fx, err, sizeof err);
    json_t *file = find_file(p, fx->src);
    assert_true(fig(find_func(file, "f"), "cpu_python_s") == 0.75);
    assert_true(fig(find_func(file, "f.<locals>.g"), "cpu_python_s") == 0.5);
    json_decref(p);
}

static void test_processes_main_first(void **state)
{
    fixture_t *fx = *state;
    /* whatever order the directory lists them in, the program comes first */
    int pids[] = {50, 7000, 100, 101, 99};
    for (size_t i = 0; i < sizeof pids / sizeof pids[0]; i++) {
        json_t *f = fragment(pids[i], pids[i] == 100 ? 1 : 100, pids[i] != 7000, 1.0, 0.5);
        add_file(f, fx->src, prog_spans(), json_pack("[o]", line(3, 0.125, 0, 0, 0)));
        write_fragment(fx, f);
    }
    char err[1024];
    json_t *p = merge(fx, err, sizeof err);
    json_t *procs = json_object_get(p, "processes");
    assert_int_equal(json_array_size(procs), 5);
    json_t *first = json_array_get(procs, 0);
    assert_int_equal(json_integer_value(json_object_get(first, "pid")), 100);
    assert_int_equal(json_integer_value(json_object_get(first, "parent_pid")), 1);
    assert_true(json_is_true(json_object_get(first, "complete")));
    assert_string_equal(json_string_value(json_array_get(json_object_get(first, "argv"), 1)), "--fast");
    int seen = 0;
    for (size_t i = 1; i < 5; i++) {
        json_t *proc = json_array_get(procs, i);
        int pid = (int)json_integer_value(json_object_get(proc, "pid"));
        assert_int_not_equal(pid, 100);
        assert_int_equal(json_integer_value(json_object_get(proc, "parent_pid")), 100);
        assert_true(json_is_true(json_object_get(proc, "complete")) == (pid != 7000));
        seen |= pid == 50 ? 1 : pid == 7000 ? 2 : pid == 101 ? 4 : pid == 99 ? 8 : 0;
    }
    assert_int_equal(seen, 15);
    assert_true(fig(find_line(find_file(p, fx->src), 3), "cpu_python_s") == 0.625);
    assert_true(json_is_true(json_object_get(p, "complete")));
    json_decref(p);
}

static void test_run_facts(void **state)
{
    fixture_t *fx = *state;
    write_two_processes(fx);
    char err[1024];
    json_t *p = merge(fx, err, sizeof err);
    assert_string_equal(json_string_value(json_object_get(p, "format")), "footprint-profile");
    assert_int_equal(json_integer_value(json_object_get(p, "version")), 1);
    assert_string_equal(json_string_value(json_object_get(p, "program")), "prog.py");
    assert_int_equal(json_integer_value(json_object_get(p, "exit_code")), 3);
    /* the program's own measure wins over the launcher's */
    assert_true(fig(p, "elapsed_s") == 4.5);
    json_t *argv = json_object_get(p, "argv");
    assert_int_equal(json_array_size(argv), 2);
    assert_string_equal(json_string_value(json_array_get(argv, 0)), "prog.py");
    json_t *py = json_object_get(p, "python");
    assert_string_equal(json_string_value(json_object_get(py, "executable")), "/usr/bin/python3.11");
    assert_string_equal(json_string_value(json_object_get(py, "version")), "3.11.2");
    json_t *sampling = json_object_get(p, "sampling");
    assert_true(fig(sampling, "cpu_interval_s") == 0.01);
    assert_null(json_object_get(sampling, "alloc_mean_bytes"));
    assert_true(json_is_null(json_object_get(p, "memory")));
    assert_true(json_is_true(json_object_get(p, "complete")));
    json_decref(p);
}

/* The sampling the profile states is what the main process's agent used,
 * not what the launcher asked for. */
static void test_sampling_from_the_main_fragment(void **state)
{
    fixture_t *fx = *state;
    json_t *a = fragment(100, 1, true, 4.5, 3.0);
    json_object_set_new(a, "sampling", json_pack("{s:f, s:i}", "cpu_interval_s", 0.02, "alloc_mean_bytes", 65536));
    write_fragment(fx, a);
    json_t *b = fragment(101, 100, true, 2.0, 1.5); /* a child's says 0.01 */
    write_fragment(fx, b);
    fx->facts.memory = true;
    fx->facts.interval_s = 0.005;
    fx->facts.alloc_mean_bytes = 4096;
    char err[1024];
    json_t *p = merge(fx, err, sizeof err);
    json_t *sampling = json_object_get(p, "sampling");
    assert_true(fig(sampling, "cpu_interval_s") == 0.02);
    assert_int_equal(json_integer_value(json_object_get(sampling, "alloc_mean_bytes")), 65536);
    assert_int_equal(json_integer_value(json_object_get(sampling, "copy_mean_bytes")), 4 * 65536);
    assert_int_equal(json_integer_value(json_object_get(sampling, "alloc_exact_above_bytes")), 32 * 65536);
    json_decref(p);
}

/* An agent that profiles no memory (no interposer) says so by leaving the
 * mean out, whatever the launcher asked. */
static void test_sampling_without_memory_in_the_agent(void **state)
{
    fixture_t *fx = *state;
    write_two_processes(fx);
    fx->facts.memory = true;
    fx->facts.alloc_mean_bytes = 65536;
    char err[1024];
    json_t *p = merge(fx, err, sizeof err);
    json_t *sampling = json_object_get(p, "sampling");
    assert_true(fig(sampling, "cpu_interval_s") == 0.01);
    assert_null(json_object_get(sampling, "alloc_mean_bytes"));
    json_decref(p);
}

static void test_no_main_fragment(void **state)
{
    fixture_t *fx = *state;
    /* the program died before writing: only a child's fragment */
    json_t *b = fragment(101, 100, true, 2.0, 1.5);
    add_file(b, fx->src, prog_spans(), json_pack("[o]", line(3, 0.5, 0, 0, 0)));
    write_fragment(fx, b);
    fx->facts.memory = true;
    fx->facts.interval_s = 0.005;
    fx->facts.alloc_mean_bytes = 4096;
    char err[1024];
    json_t *p = merge(fx, err, sizeof err);
    assert_true(fig(p, "elapsed_s") == 9.0);
    /* no word from the main process's agent: what the launcher asked */
    json_t *sampling = json_object_get(p, "sampling");
    assert_true(fig(sampling, "cpu_interval_s") == 0.005);
    assert_int_equal(json_integer_value(json_object_get(sampling, "alloc_mean_bytes")), 4096);
    assert_false(json_is_true(json_object_get(p, "complete")));
    json_t *argv = json_object_get(p, "argv");
    assert_int_equal(json_array_size(argv), 2);
    assert_string_equal(json_string_value(json_array_get(argv, 1)), "--fast");
    json_t *py = json_object_get(p, "python");
    assert_string_equal(json_string_value(json_object_get(py, "executable")), "/usr/bin/python3");
    assert_string_equal(json_string_value(json_object_get(py, "version")), "3.11.2");
    assert_int_equal(json_array_size(json_object_get(p, "processes")), 1);
    assert_non_null(find_line(find_file(p, fx->src), 3));
    json_decref(p);
}

static void test_empty_run_dir(void **state)
{
    fixture_t *fx = *state;
    char err[1024];
    json_t *p = merge(fx, err, sizeof err);
    assert_int_equal(json_array_size(json_object_get(p, "files")), 0);
    assert_int_equal(json_array_size(json_object_get(p, "processes")), 0);
    assert_false(json_is_true(json_object_get(p, "complete")));
    assert_true(fig(p, "cpu_s") == 0.0);
    json_decref(p);
}

static void test_not_final_is_incomplete(void **state)
{
    fixture_t *fx = *state;
    json_t *a = fragment(100, 1, false, 1.0, 1.0);
    add_file(a, fx->src, prog_spans(), json_pack("[o]", line(3, 0.5, 0, 0, 0)));
    write_fragment(fx, a);
    json_t *b = fragment(101, 100, true, 1.0, 1.0);
    write_fragment(fx, b);
    char err[1024];
    json_t *p = merge(fx, err, sizeof err);
    assert_false(json_is_true(json_object_get(p, "complete")));
    json_t *procs = json_object_get(p, "processes");
    assert_false(json_is_true(json_object_get(json_array_get(procs, 0), "complete")));
    assert_true(json_is_true(json_object_get(json_array_get(procs, 1), "complete")));
    json_decref(p);
}

static void test_unreadable_fragments_skipped(void **state)
{
    fixture_t *fx = *state;
    write_two_processes(fx);
    free(tu_write_str(fx->dir, "102.json", "{\"footprint_fragment\": 1, \"pid\": 102, \"files\": ["));
    free(tu_write_str(fx->dir, "103.json", "[1, 2, 3]"));
    free(tu_write_str(fx->dir, "104.json", "{\"pid\": 104, \"files\": []}"));
    /* not fragments at all: ignored without a word */
    free(tu_write_str(fx->dir, ".105.f.tmp", "{\"footprint_fragment\""));
    free(tu_write_str(fx->dir, ".106.json", "garbage"));
    free(tu_write_str(fx->dir, "notes.txt", "garbage"));
    char err[4096];
    json_t *p = merge(fx, err, sizeof err);
    assert_non_null(strstr(err, "process 102"));
    assert_non_null(strstr(err, "process 103"));
    assert_non_null(strstr(err, "process 104"));
    assert_null(strstr(err, "105"));
    assert_null(strstr(err, "106"));
    assert_null(strstr(err, "notes"));
    assert_int_equal(json_array_size(json_object_get(p, "processes")), 2);
    assert_true(fig(find_line(find_file(p, fx->src), 3), "cpu_python_s") == 1.0);
    json_decref(p);
}

static void test_zero_file_and_line_past_end(void **state)
{
    fixture_t *fx = *state;
    char *zero = NULL;
    assert_true(asprintf(&zero, "%s/zero.py", fx->dir) > 0);
    json_t *a = fragment(100, 1, true, 1.0, 1.0);
    add_file(a, fx->src, prog_spans(), json_pack("[o, o]", line(3, 0.5, 0, 0, 0), line(999, 0.25, 0, 0, 0)));
    add_file(a, zero, json_pack("[[s,i,i]]", "<module>", 1, 3), json_pack("[o,o]", line(1, 0, 0, 0, 0),
                                                                        line(2, 0, 0, 0, 0)));
    write_fragment(fx, a);
    char err[1024];
    json_t *p = merge(fx, err, sizeof err);
    /* a file whose lines are all zero is left out */
    assert_null(find_file(p, zero));
    assert_int_equal(json_array_size(json_object_get(p, "files")), 1);
    /* a line past the end of the file has no source text, and is still
     * the <module>'s */
    json_t *file = find_file(p, fx->src);
    assert_string_equal(json_string_value(json_object_get(find_line(file, 999), "source")), "");
    assert_true(fig(find_line(file, 999), "cpu_python_s") == 0.25);
    json_decref(p);
    free(zero);
}

static void test_missing_source_no_spans(void **state)
{
    fixture_t *fx = *state;
    char *missing = NULL;
    assert_true(asprintf(&missing, "%s/gone/missing.py", fx->dir) > 0);
    json_t *a = fragment(100, 1, true, 1.0, 1.0);
    add_file(a, missing, NULL, json_pack("[o]", line(2, 0.125, 0, 0, 0)));
    write_fragment(fx, a);
    char err[1024];
    json_t *p = merge(fx, err, sizeof err);
    /* a file that cannot be read has no source text; with no spans known
     * (and no helper to read them) it has no functions */
    json_t *gone = find_file(p, missing);
    assert_non_null(gone);
    assert_string_equal(json_string_value(json_object_get(find_line(gone, 2), "source")), "");
    assert_true(fig(find_line(gone, 2), "cpu_python_s") == 0.125);
    assert_int_equal(json_array_size(json_object_get(gone, "functions")), 0);
    json_decref(p);
    free(missing);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_lines_summed_across_processes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_source_text, setup, teardown),
        cmocka_unit_test_setup_teardown(test_functions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_spans_from_one_process_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_processes_main_first, setup, teardown),
        cmocka_unit_test_setup_teardown(test_run_facts, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sampling_from_the_main_fragment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sampling_without_memory_in_the_agent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_main_fragment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_run_dir, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_final_is_incomplete, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unreadable_fragments_skipped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_zero_file_and_line_past_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_source_no_spans, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gpu_sections_merged, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_gpu_section_is_null, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
