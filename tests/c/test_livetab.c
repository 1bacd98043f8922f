/* test_livetab.c: the interposer's table of live sampled blocks
 * (src/interposer/livetab.c) under concurrent use, as the allocation hooks
 * of many threads use it: every block put in is found once and only
 * once, with its own record, while other threads insert and take theirs
 * and the table grows under them; what is left is what a visit sees. */
#include "testutil.h"

#include <pthread.h>
#include <stdatomic.h>

#include "../../src/interposer/livetab.h"
#include "../../src/interposer/state.h"

enum { THREADS = 8, PER_THREAD = 40000 };

/* The test's own table (all zeros is empty): a module's state is passed
 * to it, not found in a global. */
static fp_livetab_t table;

typedef struct worker {
    int id;
    int dropped;   /* inserts the table refused (full probe window): allowed, but rare */
    int wrong;     /* takes that found a missing block or someone else's record */
    bool kept[PER_THREAD];
} worker_t;

static uintptr_t key_of(int id, int i) { return ((uintptr_t)(id + 1) << 36) | ((uintptr_t)i << 4); }

static void *work(void *arg)
{
    worker_t *w = arg;
    fp_live_t rec = {0};
    for (int i = 0; i < PER_THREAD; i++) {
        rec.weight = key_of(w->id, i);
        rec.t_ns = (uint64_t)i;
        w->kept[i] = fp_livetab_insert(&table, key_of(w->id, i), &rec);
        w->dropped += !w->kept[i];
        /* free every other block soon after, as a program does */
        if (i % 2 == 1 && i >= 64 && w->kept[i - 64]) {
            fp_live_t out;
            if (!fp_livetab_take(&table, key_of(w->id, i - 64), &out) || out.weight != key_of(w->id, i - 64))
                w->wrong++;
            w->kept[i - 64] = false;
        }
    }
    return NULL;
}

typedef struct tally {
    size_t entries;
    uint64_t bad;
} tally_t;

static void count(const fp_live_t *rec, void *ctx)
{
    tally_t *t = ctx;
    t->entries++;
    int id = (int)(rec->weight >> 36) - 1, i = (int)((rec->weight >> 4) & 0xffffffff);
    if (id < 0 || id >= THREADS || i < 0 || i >= PER_THREAD || (uint64_t)i != rec->t_ns)
        t->bad++;
}

static void test_concurrent_inserts_and_takes(void **state)
{
    (void)state;
    assert_true(fp_real_init(&fp_state.real)); /* the tables are mapped with the real mmap */
    static worker_t workers[THREADS];
    pthread_t th[THREADS];
    for (int t = 0; t < THREADS; t++) {
        workers[t].id = t;
        assert_int_equal(pthread_create(&th[t], NULL, work, &workers[t]), 0);
    }
    size_t kept = 0;
    int dropped = 0;
    for (int t = 0; t < THREADS; t++) {
        pthread_join(th[t], NULL);
        assert_int_equal(workers[t].wrong, 0);
        dropped += workers[t].dropped;
        for (int i = 0; i < PER_THREAD; i++)
            kept += workers[t].kept[i];
    }
    assert_true(dropped < THREADS * PER_THREAD / 100);
    tally_t tally = {0, 0};
    fp_livetab_visit(&table, count, &tally);
    assert_int_equal(tally.bad, 0);
    assert_int_equal(tally.entries, kept);
    /* each block left is found once, with its own record, and then gone */
    for (int t = 0; t < THREADS; t++)
        for (int i = 0; i < PER_THREAD; i++) {
            fp_live_t out;
            bool found = fp_livetab_take(&table, key_of(t, i), &out);
            assert_int_equal(found, workers[t].kept[i]);
            if (found)
                assert_int_equal(out.weight, key_of(t, i));
            assert_false(fp_livetab_take(&table, key_of(t, i), &out));
        }
    tally = (tally_t){0, 0};
    fp_livetab_visit(&table, count, &tally);
    assert_int_equal(tally.entries, 0);
    assert_true(fp_livetab_resident(&table) > 0); /* the tables stay mapped */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_concurrent_inserts_and_takes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
