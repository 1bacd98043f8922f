/* cli.h: footprint's command line.
 *
 *   footprint [run] [OPTIONS] script.py [ARGS...]
 *   footprint [run] [OPTIONS] -m module [ARGS...]
 *   footprint view [OPTIONS] PROFILE.json
 *
 * Options end at the script or module name: everything after it belongs
 * to the program, untouched. */
#ifndef FP_CLI_H
#define FP_CLI_H

#include <stdbool.h>
#include <stdint.h>

enum { FP_CLI_MAX_PATTERNS = 32 };


typedef enum fp_command { FP_CMD_RUN, FP_CMD_VIEW, FP_CMD_HELP, FP_CMD_VERSION } fp_command_t;

typedef struct fp_options {
    fp_command_t command;
    /* run */
    const char *python;        /* --python, or NULL for python3 on PATH */
    const char *json_path;     /* --json */
    const char *html_path;     /* --html */
    bool cpu_only;
    double interval_s;
    uint64_t alloc_sample_bytes;
    bool profile_all;
    const char *include[FP_CLI_MAX_PATTERNS];
    int ninclude;
    const char *exclude[FP_CLI_MAX_PATTERNS];
    int nexclude;
    bool no_leaks;
    bool no_children;
    bool off;                  /* --off: loaded, recording only between footprint.start() and stop() */
    bool no_stacks;            /* --no-stacks: record no call stacks */
    bool native_stacks;        /* --native-stacks: native frames below the lines */
    /* report */
    bool reduced;
    bool quiet;
    bool no_color;
    /* the program: script or -m module, then its own arguments */
    const char *script;
    const char *module;
    char **program_argv;       /* the arguments after the script/module */
    int program_argc;
    /* view */
    const char *profile_path;
    bool stacks;               /* --stacks: print the call-path trees */
} fp_options_t;

/* Parses ARGV (argv[0] is footprint itself). On a usage error prints one
 * line to stderr and returns -1; otherwise 0. */
int fp_cli_parse(fp_options_t *o, int argc, char **argv);

/* Whether the run option NAME (e.g. "--python") takes a value. */
bool fp_cli_takes_value(const char *name);

/* The --help text. */
void fp_cli_usage(void);

#endif
