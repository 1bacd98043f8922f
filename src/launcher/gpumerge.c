/* gpumerge.c: the profile's gpu section (see gpumerge.h). */
#include "gpumerge.h"

#include <stdlib.h>
#include <string.h>

#include "../common/fragment_format.h"
#include "util.h"

enum { TIMELINE_OUT = 1000 };

typedef struct event {
    double t;       /* seconds from the main process's start */
    size_t proc;    /* which process */
    double bytes;   /* its GPU memory from then on */
} event_t;

static int by_time(const void *a, const void *b)
{
    const event_t *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return (x->proc > y->proc) - (x->proc < y->proc);
}

/* The devices of the first section; a device is used if any process used it. */
static json_t *devices_json(json_t *sections)
{
    json_t *out = json_deep_copy(json_object_get(json_array_get(sections, 0), FP_FRAG_GPU_DEVICES));
    if (!json_is_array(out)) {
        json_decref(out);
        return json_array();
    }
    size_t i, k;
    json_t *s, *d;
    json_array_foreach(out, k, d) {
        bool used = false;
        json_array_foreach(sections, i, s)
            used |= json_is_true(json_object_get(json_array_get(json_object_get(s, FP_FRAG_GPU_DEVICES), k), FP_FRAG_GPU_USED));
        json_object_set_new(d, FP_FRAG_GPU_USED, json_boolean(used));
    }
    return out;
}

/* "device" if any process had only device-wide figures, else "process"
 * if any had per-process ones, else null. */
static json_t *source_json(json_t *sections, const char *key)
{
    bool device = false, process = false;
    size_t i;
    json_t *s;
    json_array_foreach(sections, i, s) {
        const char *v = json_string_value(json_object_get(json_object_get(s, FP_FRAG_GPU_SOURCES), key));
        device |= v && strcmp(v, "device") == 0;
        process |= v && strcmp(v, "process") == 0;
    }
    return device ? json_string("device") : process ? json_string("process") : json_null();
}

static json_t *notes_json(json_t *sections)
{
    json_t *out = json_array();
    size_t i, j, k;
    json_t *s, *n, *seen;
    json_array_foreach(sections, i, s) {
        json_array_foreach(json_object_get(s, FP_FRAG_GPU_NOTES), j, n) {
            bool dup = !json_is_string(n);
            json_array_foreach(out, k, seen)
                dup |= json_equal(seen, n);
            if (!dup)
                json_array_append(out, n);
        }
    }
    return out;
}

/* Every process's GPU memory changes, on the main process's clock. A
 * child's memory is gone once it has ended. */
static event_t *events_of(json_t *sections, json_t *starts, json_t *main, size_t *count)
{
    size_t n = 0, i, j;
    json_t *s, *p;
    json_array_foreach(sections, i, s)
        n += json_array_size(json_object_get(s, FP_FRAG_GPU_TIMELINE)) + 1;
    event_t *ev = fp_xcalloc(n + 1, sizeof *ev);
    double origin = json_number_value(json_object_get(main, FP_FRAG_START_UNIX_S));
    n = 0;
    json_array_foreach(sections, i, s) {
        json_t *frag = json_array_get(starts, i);
        double shift = main ? json_number_value(json_object_get(frag, FP_FRAG_START_UNIX_S)) - origin : 0;
        double last = 0;
        json_array_foreach(json_object_get(s, FP_FRAG_GPU_TIMELINE), j, p) {
            last = json_number_value(json_array_get(p, 0)) + shift;
            ev[n++] = (event_t){last, i, json_number_value(json_array_get(p, 1))};
        }
        if (frag != main && json_array_size(json_object_get(s, FP_FRAG_GPU_TIMELINE)) > 0)
            ev[n++] = (event_t){last + 1e-6, i, 0};
    }
    qsort(ev, n, sizeof *ev, by_time);
    *count = n;
    return ev;
}

/* Halves a timeline by merging neighbours, keeping the larger: the peak stays. */
static size_t shrink(double (*pt)[2], size_t n)
{
    while (n > TIMELINE_OUT) {
        size_t out = 0;
        for (size_t i = 0; i < n; i += 2)
            memcpy(pt[out++], i + 1 < n && pt[i + 1][1] > pt[i][1] ? pt[i + 1] : pt[i], sizeof pt[0]);
        n = out;
    }
    return n;
}

/* The summed timeline, and its peak and when it came, onto SECTION. */
static void add_timeline(json_t *section, json_t *sections, json_t *frags, json_t *main)
{
    size_t n, nproc = json_array_size(sections);
    event_t *ev = events_of(sections, frags, main, &n);
    double *cur = fp_xcalloc(nproc + 1, sizeof *cur);
    double (*pt)[2] = fp_xcalloc(2 * n + 1, sizeof *pt);
    size_t np = 0;
    double peak = 0, peak_t = 0, sum = 0;
    for (size_t i = 0; i < n; i++) {
        sum += ev[i].bytes - cur[ev[i].proc];
        cur[ev[i].proc] = ev[i].bytes;
        if (i + 1 < n && ev[i + 1].t == ev[i].t)
            continue; /* one point per moment */
        if (np > 0 && pt[np - 1][1] != sum) { /* a step, not a slope: the memory changed at once */
            pt[np][0] = ev[i].t;
            pt[np][1] = pt[np - 1][1];
            np++;
        }
        pt[np][0] = ev[i].t;
        pt[np++][1] = sum;
        if (sum > peak) {
            peak = sum;
            peak_t = ev[i].t;
        }
    }
    np = shrink(pt, np);
    json_t *tl = json_array();
    for (size_t i = 0; i < np; i++)
        json_array_append_new(tl, json_pack("[fI]", pt[i][0], (json_int_t)(pt[i][1] + 0.5)));
    json_object_set_new(section, FP_FRAG_GPU_TIMELINE, tl);
    json_object_set_new(section, FP_FRAG_GPU_PEAK_BYTES, json_integer((json_int_t)(peak + 0.5)));
    json_object_set_new(section, FP_FRAG_GPU_PEAK_TIME_S, json_real(peak_t));
    free(pt);
    free(cur);
    free(ev);
}

json_t *fp_gpumerge_section(json_t *fragments, json_t *main)
{
    json_t *sections = json_array(), *frags = json_array(), *f;
    size_t i;
    double unattributed = 0;
    json_array_foreach(fragments, i, f) {
        json_t *s = json_object_get(f, FP_FRAG_GPU);
        if (!json_is_object(s))
            continue;
        json_array_append(sections, s);
        json_array_append(frags, f);
        unattributed += json_number_value(json_object_get(s, FP_FRAG_GPU_UNATTRIBUTED_S));
    }
    json_t *out = json_null();
    if (json_array_size(sections) > 0) {
        out = json_object();
        json_object_set_new(out, FP_FRAG_GPU_DEVICES, devices_json(sections));
        json_t *src = json_object();
        json_object_set_new(src, FP_FRAG_GPU_SRC_UTILIZATION, source_json(sections, FP_FRAG_GPU_SRC_UTILIZATION));
        json_object_set_new(src, FP_FRAG_GPU_SRC_MEMORY, source_json(sections, FP_FRAG_GPU_SRC_MEMORY));
        json_object_set_new(out, FP_FRAG_GPU_SOURCES, src);
        add_timeline(out, sections, frags, main);
        json_object_set_new(out, FP_FRAG_GPU_UNATTRIBUTED_S, json_real(unattributed));
        json_object_set_new(out, FP_FRAG_GPU_NOTES, notes_json(sections));
    }
    json_decref(sections);
    json_decref(frags);
    return out;
}
