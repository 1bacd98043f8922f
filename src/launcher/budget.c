/* budget.c: reading budgets from TOML files and options (see budget.h). */
#include "budget.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "tomlfile.h"
#include "util.h"

static const char *const keys[FP_METRIC_COUNT] = {"max_peak", "max_time", "max_cpu",
                                                  "max_alloc", "max_gpu_peak", "no_leaks"};
static const char *const words[FP_METRIC_COUNT] = {"peak", "time", "cpu", "alloc", "gpu peak", "leaks"};
static const char *const tables[FP_TARGET_COUNT] = {"run", "function", "file", "import"};

const char *fp_budget_key(fp_budget_metric_t metric) { return keys[metric]; }
const char *fp_budget_word(fp_budget_metric_t metric) { return words[metric]; }
const char *fp_budget_table(fp_budget_target_t target) { return tables[target]; }

bool fp_budget_applies(fp_budget_target_t target, fp_budget_metric_t metric)
{
    if (target == FP_TARGET_IMPORT)
        return metric == FP_METRIC_TIME || metric == FP_METRIC_ALLOC;
    return true;
}

typedef struct unit { const char *name; double scale; } unit_t;

static const unit_t size_units[] = {
    {"B", 1},           {"kB", 1e3},           {"MB", 1e6},           {"GB", 1e9},
    {"TB", 1e12},       {"KiB", 1024.0},       {"MiB", 1048576.0},    {"GiB", 1073741824.0},
    {"TiB", 1099511627776.0},
};
static const unit_t time_units[] = {
    {"us", 1e-6}, {"ms", 1e-3}, {"s", 1}, {"min", 60}, {"m", 60}, {"h", 3600},
};

/* A number then one of UNITS (case aside, spaces between allowed). */
static int parse_with_unit(const char *text, const unit_t *units, size_t n, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(text, &end);
    if (end == text || errno || !isfinite(v) || v < 0 || text[0] == '+')
        return -1;
    while (*end == ' ')
        end++;
    for (size_t i = 0; i < n; i++) {
        if (strcasecmp(end, units[i].name) == 0) {
            *out = v * units[i].scale;
            return 0;
        }
    }
    return -1;
}

int fp_budget_parse_size(const char *text, double *bytes)
{
    return parse_with_unit(text, size_units, sizeof size_units / sizeof size_units[0], bytes);
}

int fp_budget_parse_time(const char *text, double *seconds)
{
    return parse_with_unit(text, time_units, sizeof time_units / sizeof time_units[0], seconds);
}

/* "10%" or "+10%": the growth allowed over the baseline. */
static int parse_growth(const char *text, double *growth)
{
    const char *p = text[0] == '+' ? text + 1 : text;
    char *end;
    errno = 0;
    double v = strtod(p, &end);
    if (end == p || errno || !isfinite(v) || v < 0 || p[0] == '-' || p[0] == '+' || strcmp(end, "%") != 0)
        return -1;
    *growth = v / 100;
    return 0;
}

int fp_budget_parse_limit(fp_budget_metric_t metric, const char *text, double *value, bool *relative,
                          const char **why)
{
    bool bytes = metric != FP_METRIC_TIME && metric != FP_METRIC_CPU;
    *relative = strchr(text, '%') != NULL;
    if (*relative) {
        *why = "not a growth over the baseline (write it like \"+10%\")";
        return parse_growth(text, value);
    }
    if (bytes) {
        *why = "not a size (write it like \"512MB\": B, kB, MB, GB, TB, or KiB, MiB, GiB, TiB)";
        return fp_budget_parse_size(text, value);
    }
    *why = "not a time (write it like \"30s\": us, ms, s, min, h)";
    return fp_budget_parse_time(text, value);
}

void fp_budget_add(fp_budget_list_t *l, fp_budget_target_t target, const char *name, fp_budget_metric_t metric,
                   double limit, bool relative, const char *text, const char *where)
{
    l->items = fp_xrealloc(l->items, (l->n + 1) * sizeof *l->items);
    l->items[l->n++] = (fp_budget_t){
        .target = target, .name = name ? fp_xstrdup(name) : NULL, .metric = metric, .limit = limit,
        .relative = relative, .text = fp_xstrdup(text), .where = fp_xstrdup(where),
    };
}

bool fp_budget_any_relative(const fp_budget_list_t *l)
{
    for (size_t i = 0; i < l->n; i++)
        if (l->items[i].relative)
            return true;
    return false;
}

void fp_budget_free(fp_budget_list_t *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->items[i].name);
        free(l->items[i].text);
        free(l->items[i].where);
    }
    free(l->items);
    l->items = NULL;
    l->n = 0;
}

static int metric_of_key(const char *key)
{
    for (int m = 0; m < FP_METRIC_COUNT; m++)
        if (strcmp(key, keys[m]) == 0)
            return m;
    return -1;
}

/* A leaf of fp_toml_parse's tree: {"value", "line", "column"}; a table
 * named "value" has objects, not numbers, as its members. */
static bool is_leaf(json_t *node)
{
    return json_is_integer(json_object_get(node, "line")) && json_object_get(node, "value");
}

static int leaf_line(json_t *leaf)
{
    return (int)json_integer_value(json_object_get(leaf, "line"));
}

/* The line of the first value under NODE, for messages about a table. */
static int first_line(json_t *node)
{
    if (is_leaf(node))
        return leaf_line(node);
    const char *k;
    json_t *v;
    json_object_foreach(node, k, v) {
        int line = first_line(v);
        if (line > 0)
            return line;
    }
    return 0;
}

typedef struct reader {
    fp_budget_list_t *list;
    const char *path;
} reader_t;

/* "no_leaks = true" is a budget; false asks for nothing. */
static int read_no_leaks(reader_t *r, fp_budget_target_t t, const char *name, json_t *leaf, const char *where)
{
    json_t *v = json_object_get(leaf, "value");
    if (!json_is_boolean(v)) {
        fp_error("budget file '%s' line %d: no_leaks wants true or false", r->path, leaf_line(leaf));
        return -1;
    }
    if (json_is_true(v))
        fp_budget_add(r->list, t, name, FP_METRIC_LEAKS, 0, false, "no leaks", where);
    return 0;
}

static int read_key(reader_t *r, fp_budget_target_t t, const char *name, const char *key, json_t *leaf)
{
    int m = metric_of_key(key);
    if (m < 0 || !is_leaf(leaf)) {
        fp_error("budget file '%s' line %d: unknown key '%s' in [%s] (keys: max_peak, max_time, max_cpu, "
                 "max_alloc, max_gpu_peak, no_leaks)", r->path, first_line(leaf), key, tables[t]);
        return -1;
    }
    int line = leaf_line(leaf);
    if (!fp_budget_applies(t, m)) {
        fp_error("budget file '%s' line %d: %s does not apply to an import (an import has max_time and "
                 "max_alloc)", r->path, line, key);
        return -1;
    }
    char *where = fp_xasprintf("%s line %d", r->path, line);
    size_t before = r->list->n;
    int rc = 0;
    if (m == FP_METRIC_LEAKS) {
        rc = read_no_leaks(r, t, name, leaf, where);
    } else {
        json_t *v = json_object_get(leaf, "value");
        const char *why = "a size or time is written as a string with its unit";
        double limit;
        bool rel;
        if (!json_is_string(v) || fp_budget_parse_limit(m, json_string_value(v), &limit, &rel, &why) != 0) {
            char *shown = json_is_string(v) ? fp_xstrdup(json_string_value(v)) : json_dumps(v, JSON_ENCODE_ANY);
            fp_error("budget file '%s' line %d: %s = %s: %s", r->path, line, key, shown ? shown : "?", why);
            free(shown);
            rc = -1;
        } else {
            fp_budget_add(r->list, t, name, m, limit, rel, json_string_value(v), where);
        }
    }
    if (r->list->n > before)
        r->list->items[r->list->n - 1].line = line;
    free(where);
    return rc;
}

static int read_table(reader_t *r, fp_budget_target_t t, const char *name, json_t *table)
{
    const char *key;
    json_t *leaf;
    json_object_foreach(table, key, leaf) {
        if (read_key(r, t, name, key, leaf) != 0)
            return -1;
    }
    return 0;
}

/* [function."train.fit"], [file."src/train.py"], [import."torch"]: a
 * table of named tables. */
static int read_named(reader_t *r, fp_budget_target_t t, json_t *tables_by_name)
{
    const char *name;
    json_t *table;
    json_object_foreach(tables_by_name, name, table) {
        if (is_leaf(table)) {
            fp_error("budget file '%s' line %d: '%s' needs a name: write [%s.\"NAME\"], then its limits",
                     r->path, leaf_line(table), name, tables[t]);
            return -1;
        }
        if (!*name) {
            fp_error("budget file '%s' line %d: [%s.\"\"] names nothing", r->path, first_line(table), tables[t]);
            return -1;
        }
        if (read_table(r, t, name, table) != 0)
            return -1;
    }
    return 0;
}

static int read_doc(fp_budget_list_t *l, json_t *doc, const char *path);

static int by_line(const void *a, const void *b)
{
    const fp_budget_t *x = a, *y = b;
    return (x->line > y->line) - (x->line < y->line);
}

/* The tree's keys come sorted by name; verdicts follow the file's order. */
int fp_budget_from_toml(fp_budget_list_t *l, json_t *doc, const char *path)
{
    size_t before = l->n;
    int rc = read_doc(l, doc, path);
    if (l->n > before)
        qsort(l->items + before, l->n - before, sizeof *l->items, by_line);
    return rc;
}

static int read_doc(fp_budget_list_t *l, json_t *doc, const char *path)
{
    reader_t r = {.list = l, .path = path};
    const char *key;
    json_t *node;
    json_object_foreach(doc, key, node) {
        int t = -1;
        for (int k = 0; k < FP_TARGET_COUNT; k++)
            if (strcmp(key, tables[k]) == 0)
                t = k;
        if (t < 0 || is_leaf(node)) {
            fp_error("budget file '%s' line %d: unknown %s '%s' (tables: [run], [function.\"NAME\"], "
                     "[file.\"PATH\"], [import.\"NAME\"])", path, first_line(node), t < 0 ? "table" : "key", key);
            return -1;
        }
        int rc = t == FP_TARGET_RUN ? read_table(&r, FP_TARGET_RUN, NULL, node) : read_named(&r, t, node);
        if (rc != 0)
            return -1;
    }
    return 0;
}

int fp_budget_load_file(fp_budget_list_t *l, const char *path)
{
    size_t len;
    char *text = fp_read_file(path, &len);
    if (!text) {
        fp_error("cannot read budget file '%s': %s", path, strerror(errno));
        return -1;
    }
    char err[512];
    json_t *doc = fp_toml_parse(text, len, err, sizeof err);
    free(text);
    if (!doc) {
        for (char *c = err; *c; c++)
            if (*c == '\n' || *c == '\r')
                *c = ' '; /* one line, whatever toml++ says */
        fp_error("budget file '%s' is not valid TOML: %s", path, err);
        return -1;
    }
    size_t before = l->n;
    int rc = fp_budget_from_toml(l, doc, path);
    json_decref(doc);
    if (rc == 0 && l->n == before) {
        fp_error("budget file '%s' sets no budget (see README.md, \"Budgets\")", path);
        rc = -1;
    }
    return rc;
}

int fp_budget_add_option(fp_budget_list_t *l, fp_budget_metric_t metric, const char *opt, const char *value)
{
    const char *eq = strrchr(value, '=');
    char *name = eq ? fp_xasprintf("%.*s", (int)(eq - value), value) : NULL;
    const char *text = eq ? eq + 1 : value;
    const char *why;
    double limit;
    bool rel;
    int rc = 0;
    if (name && !*name) {
        fp_error("%s '%s': the function's name is missing before '='", opt, value);
        rc = -1;
    } else if (fp_budget_parse_limit(metric, text, &limit, &rel, &why) != 0) {
        fp_error("%s '%s': %s", opt, text, why);
        rc = -1;
    } else {
        fp_budget_add(l, name ? FP_TARGET_FUNCTION : FP_TARGET_RUN, name, metric, limit, rel, text, opt);
    }
    free(name);
    return rc;
}
