/* interp.c: the interpreter and its agent (see interp.h). */
#include "interp.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "proc.h"
#include "util.h"

enum { PROBE_TIMEOUT_MS = 20000 };

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

char *fp_interp_libdir(void)
{
    char exe[4096];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0)
        return NULL;
    exe[n] = '\0';
    char *dir = fp_dirname(exe);
    char *candidates[] = {fp_xasprintf("%s/lib/footprint", dir),
                          fp_xasprintf("%s/../lib/footprint", dir)};
    free(dir);
    char *found = NULL;
    for (int i = 0; i < 2; i++) {
        char *probe = fp_xasprintf("%s/probe.py", candidates[i]);
        if (!found && access(probe, R_OK) == 0)
            found = realpath(candidates[i], NULL);
        free(probe);
        free(candidates[i]);
    }
    return found;
}

/* Looks NAME up like execvp would; returns a new string or NULL. */
static char *search_path(const char *name)
{
    if (strchr(name, '/'))
        return fp_xstrdup(name);
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    char *copy = fp_xstrdup(path), *save = NULL;
    char *found = NULL;
    for (char *dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
        char *cand = fp_xasprintf("%s/%s", *dir ? dir : ".", name);
        if (access(cand, X_OK) == 0 && !is_dir(cand))
            found = cand;
        else
            free(cand);
    }
    free(copy);
    return found;
}

static bool has_agent(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return false;
    bool found = false;
    struct dirent *e;
    while (!found && (e = readdir(d)))
        found = strncmp(e->d_name, "_footprint.", 11) == 0 && strstr(e->d_name, ".so");
    closedir(d);
    return found;
}

/* Fills the version and key of IN from the record saved beside an agent
 * when the interpreter's real executable is the one the agent was built
 * for (same size and modification time). Returns 0, or -1 to probe. */
static int read_record(fp_interp_t *in, const char *libdir)
{
    char *real = realpath(in->path, NULL);
    if (!real)
        return -1;
    char key[4096];
    size_t k = 0;
    for (const char *p = real + (real[0] == '/'); *p && k + 1 < sizeof key; p++)
        key[k++] = (isalnum((unsigned char)*p) || *p == '.' || *p == '_' || *p == '-') ? *p : '_';
    key[k] = '\0';
    struct stat st;
    int rc = stat(real, &st);
    free(real);
    char *path = fp_xasprintf("%s/agents/%s/interpreter", libdir, key);
    char *text = rc == 0 ? fp_read_file(path, NULL) : NULL;
    free(path);
    char impl[64], rkey[4096];
    long long size, mtime;
    int got = text ? sscanf(text, "%d %d %d %63s %4095s %lld %lld", &in->major, &in->minor, &in->micro, impl,
                            rkey, &size, &mtime) : 0;
    free(text);
    if (got != 7 || strcmp(rkey, key) != 0 || size != (long long)st.st_size || mtime != (long long)st.st_mtime ||
        strcmp(impl, "cpython") != 0)
        return -1;
    in->key = fp_xstrdup(key);
    return 0;
}

int fp_interp_find(fp_interp_t *in, const char *name, const char *libdir)
{
    memset(in, 0, sizeof *in);
    in->path = search_path(name);
    if (!in->path || access(in->path, F_OK) != 0) {
        fp_error("no interpreter '%s'%s", name, strchr(name, '/') ? "" : " on PATH (give one with --python)");
        return -1;
    }
    if (is_dir(in->path) || access(in->path, X_OK) != 0) {
        fp_error("interpreter '%s' is not an executable program", in->path);
        return -1;
    }
    if (read_record(in, libdir) == 0) {
        in->agent_dir = fp_xasprintf("%s/agents/%s", libdir, in->key);
        return 0;
    }
    char *probe = fp_xasprintf("%s/probe.py", libdir);
    char *argv[] = {in->path, "-I", "-S", probe, NULL};
    char *out = NULL, impl[64], key[4096];
    int rc = fp_proc_capture(argv, &out, PROBE_TIMEOUT_MS);
    free(probe);
    int got = out ? sscanf(out, "%d %d %d %63s %4095s", &in->major, &in->minor, &in->micro, impl, key) : 0;
    free(out);
    if (rc != 0 || got != 5) {
        fp_error("'%s' is not a Python interpreter footprint can run (it did not answer like Python 3)", in->path);
        return -1;
    }
    if (strcmp(impl, "cpython") != 0 || in->major != 3 || in->minor < 9 || in->minor > 13) {
        fp_error("'%s' is %s %d.%d.%d; footprint supports CPython 3.9 to 3.13", in->path, impl,
                 in->major, in->minor, in->micro);
        return -1;
    }
    in->key = fp_xstrdup(key);
    in->agent_dir = fp_xasprintf("%s/agents/%s", libdir, key);
    if (!has_agent(in->agent_dir)) {
        fp_error("no agent built for %s (Python %d.%d.%d); build it with: make PYTHON=%s", in->path,
                 in->major, in->minor, in->micro, in->path);
        return -1;
    }
    return 0;
}

int fp_interp_check_module(const fp_interp_t *in, const char *module)
{
    static const char code[] =
        "import importlib.util, sys\n"
        "sys.path.insert(0, '')\n"
        "name = sys.argv[1].split('.')[0]\n"
        "sys.exit(0 if name and importlib.util.find_spec(name) else 3)\n";
    char *argv[] = {in->path, "-c", (char *)code, (char *)module, NULL};
    char *out = NULL;
    int rc = fp_proc_capture(argv, &out, PROBE_TIMEOUT_MS);
    free(out);
    if (rc == 0)
        return 0;
    fp_error("no such module '%s' for %s", module, in->path);
    return -1;
}
