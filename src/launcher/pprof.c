/* pprof.c: writing pprof's profile.proto (see pprof.h). */
#include "pprof.h"

#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "profile.pb-c.h"
#include "util.h"

enum { NVALUES = 4 }; /* cpu, offcpu, alloc_space, peak_space */

/* The string table: each string once, "" first, as pprof wants. */
typedef struct strings {
    json_t *index;   /* string -> its number */
    char **list;
    size_t n, cap;
} strings_t;

static int64_t str_id(strings_t *st, const char *s)
{
    json_t *id = json_object_get(st->index, s ? s : "");
    if (id)
        return (int64_t)json_integer_value(id);
    if (st->n == st->cap)
        st->list = fp_xrealloc(st->list, (st->cap = st->cap ? 2 * st->cap : 64) * sizeof *st->list);
    st->list[st->n] = fp_xstrdup(s ? s : "");
    json_object_set_new(st->index, st->list[st->n], json_integer((json_int_t)st->n));
    return (int64_t)st->n++;
}

/* Everything the message points at, freed together. */
typedef struct build {
    strings_t st;
    Perftools__Profiles__ValueType types[NVALUES], *type_ptrs[NVALUES];
    Perftools__Profiles__Function *functions, **function_ptrs;
    size_t nfunctions;
    Perftools__Profiles__Line *lines, *line_ptrs_storage;
    Perftools__Profiles__Line **line_ptrs;
    Perftools__Profiles__Location *locations, **location_ptrs;
    Perftools__Profiles__Sample *samples, **sample_ptrs;
    size_t nsamples;
    uint64_t *ids;      /* every sample's location ids, in one block */
    int64_t *values;    /* every sample's values, in one block */
} build_t;

static void set_types(build_t *b)
{
    static const char *const names[NVALUES][2] = {
        {"cpu", "nanoseconds"}, {"offcpu", "nanoseconds"}, {"alloc_space", "bytes"}, {"peak_space", "bytes"}};
    for (int k = 0; k < NVALUES; k++) {
        perftools__profiles__value_type__init(&b->types[k]);
        b->types[k].type = str_id(&b->st, names[k][0]);
        b->types[k].unit = str_id(&b->st, names[k][1]);
        b->type_ptrs[k] = &b->types[k];
    }
}

/* One function per distinct name and file; returns its id for frame F. */
static uint64_t function_id(build_t *b, json_t *seen, const fp_ss_frame_t *f)
{
    char *key = fp_xasprintf("%s\x1f%s", f->function ? f->function : "?", f->path ? f->path : "?");
    json_t *id = json_object_get(seen, key);
    if (!id) {
        Perftools__Profiles__Function *fn = &b->functions[b->nfunctions];
        perftools__profiles__function__init(fn);
        fn->id = b->nfunctions + 1;
        fn->name = fn->system_name = str_id(&b->st, f->function ? f->function : "?");
        fn->filename = str_id(&b->st, f->path ? f->path : "?");
        b->function_ptrs[b->nfunctions++] = fn;
        id = json_integer((json_int_t)fn->id);
        json_object_set_new(seen, key, id);
    }
    free(key);
    return (uint64_t)json_integer_value(id);
}

/* One location (with one line) per frame: location id = frame number + 1. */
static void set_locations(build_t *b, const fp_stackset_t *ss)
{
    size_t n = ss->nframes;
    b->functions = fp_xcalloc(n + 1, sizeof *b->functions);
    b->function_ptrs = fp_xcalloc(n + 1, sizeof *b->function_ptrs);
    b->lines = fp_xcalloc(n + 1, sizeof *b->lines);
    b->line_ptrs = fp_xcalloc(n + 1, sizeof *b->line_ptrs);
    b->locations = fp_xcalloc(n + 1, sizeof *b->locations);
    b->location_ptrs = fp_xcalloc(n + 1, sizeof *b->location_ptrs);
    json_t *seen = json_object();
    for (size_t i = 0; i < n; i++) {
        perftools__profiles__line__init(&b->lines[i]);
        b->lines[i].function_id = function_id(b, seen, &ss->frames[i]);
        b->lines[i].line = ss->frames[i].line;
        b->line_ptrs[i] = &b->lines[i];
        perftools__profiles__location__init(&b->locations[i]);
        b->locations[i].id = i + 1;
        b->locations[i].n_line = 1;
        b->locations[i].line = &b->line_ptrs[i];
        b->location_ptrs[i] = &b->locations[i];
    }
    json_decref(seen);
}

static void set_samples(build_t *b, const fp_stackset_t *ss)
{
    size_t frames = 0;
    for (size_t i = 0; i < ss->nstacks; i++)
        frames += ss->stacks[i].depth;
    b->samples = fp_xcalloc(ss->nstacks + 1, sizeof *b->samples);
    b->sample_ptrs = fp_xcalloc(ss->nstacks + 1, sizeof *b->sample_ptrs);
    b->ids = fp_xcalloc(frames + 1, sizeof *b->ids);
    b->values = fp_xcalloc(NVALUES * ss->nstacks + 1, sizeof *b->values);
    uint64_t *ids = b->ids;
    for (size_t i = 0; i < ss->nstacks; i++) {
        const fp_ss_stack_t *s = &ss->stacks[i];
        int64_t *v = b->values + NVALUES * b->nsamples;
        v[0] = (int64_t)((s->f[FP_SS_PYTHON] + s->f[FP_SS_NATIVE]) * 1e9 + 0.5);
        v[1] = (int64_t)(s->f[FP_SS_OFFCPU] * 1e9 + 0.5);
        v[2] = (int64_t)(s->f[FP_SS_ALLOC] + 0.5);
        v[3] = (int64_t)(s->f[FP_SS_PEAK] + 0.5);
        if (!v[0] && !v[1] && !v[2] && !v[3])
            continue;
        Perftools__Profiles__Sample *smp = &b->samples[b->nsamples];
        perftools__profiles__sample__init(smp);
        smp->n_location_id = s->depth;
        smp->location_id = ids;
        for (size_t d = 0; d < s->depth; d++) /* pprof: the leaf first */
            *ids++ = s->frames[s->depth - 1 - d] + 1;
        smp->n_value = NVALUES;
        smp->value = v;
        b->sample_ptrs[b->nsamples++] = smp;
    }
}

static void free_build(build_t *b)
{
    for (size_t i = 0; i < b->st.n; i++)
        free(b->st.list[i]);
    free(b->st.list);
    json_decref(b->st.index);
    free(b->functions), free(b->function_ptrs), free(b->lines), free(b->line_ptrs);
    free(b->locations), free(b->location_ptrs), free(b->samples), free(b->sample_ptrs);
    free(b->ids), free(b->values);
}

/* Gzips N bytes of DATA to OUT. */
static int gzip_to(FILE *out, const uint8_t *data, size_t n)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return -1;
    uLong cap = deflateBound(&z, (uLong)n);
    uint8_t *buf = fp_xmalloc(cap);
    z.next_in = (Bytef *)data;
    z.avail_in = (uInt)n;
    z.next_out = buf;
    z.avail_out = (uInt)cap;
    int rc = deflate(&z, Z_FINISH) == Z_STREAM_END ? 0 : -1;
    if (rc == 0 && fwrite(buf, 1, cap - z.avail_out, out) != cap - z.avail_out)
        rc = -1;
    deflateEnd(&z);
    free(buf);
    return rc;
}

int fp_pprof_write(FILE *out, json_t *profile, const fp_stackset_t *ss)
{
    build_t b;
    memset(&b, 0, sizeof b);
    b.st.index = json_object();
    str_id(&b.st, "");
    set_types(&b);
    set_locations(&b, ss);
    set_samples(&b, ss);
    Perftools__Profiles__Profile p = PERFTOOLS__PROFILES__PROFILE__INIT;
    p.n_sample_type = NVALUES;
    p.sample_type = b.type_ptrs;
    p.n_sample = b.nsamples;
    p.sample = b.sample_ptrs;
    p.n_location = ss->nframes;
    p.location = b.location_ptrs;
    p.n_function = b.nfunctions;
    p.function = b.function_ptrs;
    p.duration_nanos = (int64_t)(json_number_value(json_object_get(profile, "elapsed_s")) * 1e9);
    p.period_type = &b.types[0];
    p.period = (int64_t)(json_number_value(json_object_get(json_object_get(profile, "sampling"), "cpu_interval_s")) * 1e9);
    p.string_table = b.st.list; /* last: the string ids above are all taken */
    p.n_string_table = b.st.n;
    size_t size = perftools__profiles__profile__get_packed_size(&p);
    uint8_t *packed = fp_xmalloc(size + 1);
    perftools__profiles__profile__pack(&p, packed);
    int rc = gzip_to(out, packed, size);
    free(packed);
    free_build(&b);
    return rc;
}
