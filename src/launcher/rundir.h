/* rundir.h: the private directory a run's processes write fragments to.
 *
 * Made with mkdtemp under $TMPDIR (else /tmp), mode 0700, and removed with
 * everything in it when the run ends, so nothing is left behind. */
#ifndef FP_RUNDIR_H
#define FP_RUNDIR_H

/* Makes the directory; returns its path (caller frees) or NULL. */
char *fp_rundir_create(void);
/* Removes the directory and the files in it. */
void fp_rundir_remove(const char *dir);

#endif
