/* test_ownfd.c: the agent's own descriptors (src/agent/ownfd.c).
 *
 * A program may close every descriptor and open files that take the
 * freed numbers; these check that the agent's descriptors sit above the
 * numbers such files get, and that a descriptor whose number now holds
 * something else is neither trusted nor closed. */
#include "testutil.h"

#include <sys/resource.h>

#include "../../src/agent/ownfd.h"

static void test_adopted_descriptors_move_to_the_top(void **state)
{
    (void)state;
    int low = open("/dev/null", O_RDONLY);
    assert_true(low >= 0);
    fp_ownfd_t o;
    assert_true(fp_ownfd_adopt(&o, low));
    assert_true(o.fd > low);
    assert_int_equal(fcntl(low, F_GETFD), -1); /* the low number was given back */
    assert_true(fcntl(o.fd, F_GETFD) & FD_CLOEXEC);
    struct rlimit rl;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &rl), 0);
    if (rl.rlim_cur >= 512)
        assert_true((rlim_t)o.fd >= rl.rlim_cur / 2);
    assert_true(fp_ownfd_ok(&o));
    fp_ownfd_close(&o);
    assert_int_equal(o.fd, -1);
}

static void test_a_reused_number_is_not_ours(void **state)
{
    (void)state;
    fp_ownfd_t o;
    assert_true(fp_ownfd_open(&o, "/proc/self/stat"));
    int number = o.fd;
    /* the program closes it and its next file gets the same number */
    close(number);
    assert_false(fp_ownfd_ok(&o));
    int other = open("/dev/null", O_RDONLY);
    assert_true(other >= 0);
    assert_int_equal(dup2(other, number), number);
    close(other);
    assert_false(fp_ownfd_ok(&o));
    fp_ownfd_close(&o); /* must leave the program's file open */
    assert_int_not_equal(fcntl(number, F_GETFD), -1);
    close(number);
}

static void test_watching_leaves_the_number_alone(void **state)
{
    (void)state;
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    fp_ownfd_t o;
    assert_true(fp_ownfd_watch(&o, fds[0]));
    assert_int_equal(o.fd, fds[0]);
    assert_true(fp_ownfd_ok(&o));
    close(fds[0]);
    close(fds[1]);
    assert_false(fp_ownfd_ok(&o));
    assert_false(fp_ownfd_watch(&o, -1));
    assert_int_equal(o.fd, -1);
}

static void test_listing_finds_a_new_descriptor(void **state)
{
    (void)state;
    int fds[64];
    int before = fp_ownfd_list(fds, 64);
    assert_true(before >= 3);
    int fd = open("/dev/null", O_RDONLY);
    assert_true(fd >= 0);
    int after = fp_ownfd_list(fds, 64);
    bool found = false;
    for (int i = 0; i < after; i++)
        found |= fds[i] == fd;
    assert_true(found);
    close(fd);
}

static void test_opening_when_the_program_has_no_descriptor_left(void **state)
{
    (void)state;
    struct rlimit saved;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved), 0);
    if (saved.rlim_max < 128)
        skip();
    fp_ownfd_spares_t spares = FP_OWNFD_SPARES_NONE;
    fp_ownfd_reserve(&spares);
    struct rlimit low = {64, saved.rlim_max};
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
    int leaked[64], n = 0;
    while (n < 64 && (leaked[n] = open("/dev/null", O_RDONLY)) >= 0)
        n++;
    assert_true(n < 64);
    assert_int_equal(open("/dev/null", O_RDONLY), -1); /* the program is out of them */
    int fd = fp_ownfd_open_anyway(&spares, "/dev/null", O_RDONLY | O_CLOEXEC, 0);
    assert_true(fd >= 0);
    struct rlimit now;
    assert_int_equal(getrlimit(RLIMIT_NOFILE, &now), 0);
    assert_int_equal(now.rlim_cur, 64); /* the program's limit is its own again */
    close(fd);
    while (n > 0)
        close(leaked[--n]);
    assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_adopted_descriptors_move_to_the_top),
        cmocka_unit_test(test_a_reused_number_is_not_ours),
        cmocka_unit_test(test_watching_leaves_the_number_alone),
        cmocka_unit_test(test_listing_finds_a_new_descriptor),
        cmocka_unit_test(test_opening_when_the_program_has_no_descriptor_left),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
