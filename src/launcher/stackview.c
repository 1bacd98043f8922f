/* stackview.c: the call-path tree of the terminal (see stackview.h). */
#include "stackview.h"

#include <stdlib.h>
#include <string.h>

#include "textfmt.h"
#include "util.h"

enum { MAX_ROWS = 60, MAX_INDENT = 40, NAME_COLS = 44 };

#define MIN_SHARE 0.01

/* A node of the calling-context tree: one frame under one path. */
typedef struct node {
    size_t frame;
    double weight;       /* this path's figure, callees included */
    size_t *children;
    size_t nchildren, cap;
} node_t;

typedef struct tree {
    node_t *nodes;       /* nodes[0] is the root */
    size_t n, cap;
    json_t *index;       /* "parent:frame" -> node */
} tree_t;

static size_t child_of(tree_t *t, size_t parent, size_t frame)
{
    char key[48];
    snprintf(key, sizeof key, "%zu:%zu", parent, frame);
    json_t *id = json_object_get(t->index, key);
    if (id)
        return (size_t)json_integer_value(id);
    if (t->n == t->cap)
        t->nodes = fp_xrealloc(t->nodes, (t->cap = t->cap ? 2 * t->cap : 256) * sizeof *t->nodes);
    node_t *c = &t->nodes[t->n];
    memset(c, 0, sizeof *c);
    c->frame = frame;
    json_object_set_new(t->index, key, json_integer((json_int_t)t->n));
    node_t *p = &t->nodes[parent];
    if (p->nchildren == p->cap)
        p->children = fp_xrealloc(p->children, (p->cap = p->cap ? 2 * p->cap : 4) * sizeof *p->children);
    p->children[p->nchildren++] = t->n;
    return t->n++;
}

static double stack_weight(json_t *s, bool memory)
{
    if (memory)
        return json_number_value(json_object_get(s, "peak_bytes"));
    return json_number_value(json_object_get(s, "cpu_python_s")) +
           json_number_value(json_object_get(s, "cpu_native_s")) +
           json_number_value(json_object_get(s, "system_s"));
}

static void build(tree_t *t, json_t *list, bool memory)
{
    t->cap = 256;
    t->nodes = fp_xcalloc(t->cap, sizeof *t->nodes);
    t->n = 1;
    t->index = json_object();
    size_t i, j;
    json_t *s, *f;
    json_array_foreach(list, i, s) {
        double w = stack_weight(s, memory);
        if (w <= 0)
            continue;
        size_t at = 0;
        t->nodes[0].weight += w;
        json_array_foreach(json_object_get(s, "frames"), j, f) {
            at = child_of(t, at, (size_t)json_integer_value(f));
            t->nodes[at].weight += w;
        }
    }
}

static void free_tree(tree_t *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->nodes[i].children);
    free(t->nodes);
    json_decref(t->index);
}

static const tree_t *sorting;

static int heavier_first(const void *a, const void *b)
{
    double x = sorting->nodes[*(const size_t *)a].weight, y = sorting->nodes[*(const size_t *)b].weight;
    return (x < y) - (x > y);
}

typedef struct view {
    FILE *out;
    tree_t *tree;
    json_t *frames;
    bool memory;
    int rows;
} view_t;

static void print_row(view_t *v, const node_t *n, int depth)
{
    char fig[32], pct[16];
    if (v->memory)
        fp_fmt_bytes(fig, sizeof fig, n->weight);
    else
        fp_fmt_time(fig, sizeof fig, n->weight);
    fp_fmt_pct(pct, sizeof pct, n->weight, v->tree->nodes[0].weight);
    fprintf(v->out, "%8s %6s  ", fig, pct);
    int indent = depth < MAX_INDENT / 2 ? 2 * depth : MAX_INDENT;
    if (depth >= MAX_INDENT / 2)
        indent -= fprintf(v->out, "[%d] ", depth);
    fprintf(v->out, "%*s", indent > 0 ? indent : 0, "");
    json_t *fr = json_array_get(v->frames, n->frame);
    const char *path = json_string_value(json_object_get(fr, "path"));
    const char *slash = path ? strrchr(path, '/') : NULL;
    const char *function = json_string_value(json_object_get(fr, "function")) ?: "?";
    const char *file = slash ? slash + 1 : path ? path : "?";
    char *label;
    if (!json_is_true(json_object_get(fr, "native")))
        label = fp_xasprintf("%s  %s:%lld", function, file, (long long)json_integer_value(json_object_get(fr, "line")));
    else if (strncmp(function, file, strlen(file)) == 0) /* unnamed: "lib.so+0x2a30" says it all */
        label = fp_xasprintf("%s [native]", function);
    else
        label = fp_xasprintf("%s  %s [native]", function, file);
    fp_put_clipped(v->out, label, NAME_COLS + MAX_INDENT - (depth < MAX_INDENT / 2 ? 2 * depth : MAX_INDENT));
    fputc('\n', v->out);
    free(label);
}

/* Depth first, heaviest child first, down to MIN_SHARE of the total. */
static void print_node(view_t *v, size_t id, int depth)
{
    node_t *n = &v->tree->nodes[id];
    if (v->rows >= MAX_ROWS || n->weight < MIN_SHARE * v->tree->nodes[0].weight)
        return;
    if (id != 0) {
        print_row(v, n, depth);
        v->rows++;
    }
    sorting = v->tree;
    if (n->nchildren > 1) /* a leaf has no array at all: qsort wants one */
        qsort(n->children, n->nchildren, sizeof *n->children, heavier_first);
    for (size_t i = 0; i < n->nchildren; i++)
        print_node(v, v->tree->nodes[id].children[i], id == 0 ? 0 : depth + 1);
}

static void print_tree(FILE *out, json_t *stacks, bool memory)
{
    tree_t t = {0};
    build(&t, json_object_get(stacks, "list"), memory);
    if (t.nodes[0].weight > 0) {
        fprintf(out, "\nCall paths, by %s (a frame's figure includes what it called)\n",
                memory ? "memory at the peak" : "time");
        fprintf(out, "%8s %6s  %s\n", memory ? "at peak" : "total", "share", "function  file:line");
        view_t v = {out, &t, json_object_get(stacks, "frames"), memory, 0};
        print_node(&v, 0, 0);
    }
    free_tree(&t);
}

int fp_stackview_print(FILE *out, json_t *profile)
{
    json_t *stacks = json_object_get(profile, "stacks");
    if (!json_is_object(stacks) || !json_is_array(json_object_get(stacks, "list"))) {
        fp_error("this profile has no call stacks (it was written by a footprint from before them, or "
                 "with --no-stacks)");
        return -1;
    }
    print_tree(out, stacks, false);
    if (json_is_object(json_object_get(profile, "memory")))
        print_tree(out, stacks, true);
    json_t *dropped = json_object_get(stacks, "dropped");
    json_int_t lost = json_integer_value(json_object_get(dropped, "samples"));
    if (lost > 0)
        fprintf(out, "\n%lld samples found no room in the stack table: see stacks.dropped\n", (long long)lost);
    return 0;
}
