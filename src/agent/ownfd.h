/* ownfd.h: the agent's long-lived file descriptors, kept safe from the
 * program.
 *
 * A program may close every descriptor it did not open (os.closerange,
 * daemonizing) and then open files of its own, which get the lowest free
 * numbers. A profiler that still trusted its old numbers would read, write
 * or close the program's files. So the agent's descriptors live at the
 * top of the descriptor table, where the program's new files do not land,
 * and each remembers what it refers to (device and inode): it is written
 * to or closed only while it still refers to that. */
#ifndef FP_OWNFD_H
#define FP_OWNFD_H

#include <stdbool.h>
#include <sys/types.h>

typedef struct fp_ownfd {
    int fd; /* -1: none */
    dev_t dev;
    ino_t ino;
} fp_ownfd_t;

#define FP_OWNFD_NONE ((fp_ownfd_t){-1, 0, 0})

/* Moves FD to the top of the table (close-on-exec) and remembers what it
 * refers to. Takes FD over: on failure it is closed. */
bool fp_ownfd_adopt(fp_ownfd_t *o, int fd);

/* Opens PATH read-only and adopts it. */
bool fp_ownfd_open(fp_ownfd_t *o, const char *path);

/* Whether O still refers to what it was opened on. Async-signal-safe. */
bool fp_ownfd_ok(const fp_ownfd_t *o);

/* Closes O if it is still ours (if not, the number is the program's now). */
void fp_ownfd_close(fp_ownfd_t *o);

/* Forgets O without closing it. */
static inline void fp_ownfd_forget(fp_ownfd_t *o) { *o = FP_OWNFD_NONE; }

/* A program that runs out of descriptors (it leaks files) must still get
 * its profile: a few spare descriptors are held from the start and given
 * back before the agent's own files are written. Reserving again fills
 * the spares given back. The spares are written by whichever thread
 * writes a fragment (writers are serialized, fragment.h) and at start. */
enum { FP_OWNFD_SPARES = 2 }; /* the agent's files at exit are opened one at a time */
typedef struct fp_ownfd_spares {
    fp_ownfd_t fd[FP_OWNFD_SPARES];
} fp_ownfd_spares_t;
#define FP_OWNFD_SPARES_NONE ((fp_ownfd_spares_t){{{-1, 0, 0}, {-1, 0, 0}}})
void fp_ownfd_reserve(fp_ownfd_spares_t *s);
void fp_ownfd_release_reserve(fp_ownfd_spares_t *s);

/* open(2) for the agent's own short-lived files, even when the program
 * has used up its descriptors: the spares are given back, and if that is
 * not enough (the program lowered its limit below them) the soft limit is
 * raised for the moment of the open. */
int fp_ownfd_open_anyway(fp_ownfd_spares_t *s, const char *path, int flags, mode_t mode);

/* The process's open descriptors, into OUT (at most MAX); -1 on error. */
int fp_ownfd_list(int *out, int max);

/* Remembers FD, which someone else opened and will use (libunwind's),
 * without moving it. */
bool fp_ownfd_watch(fp_ownfd_t *o, int fd);

#endif
