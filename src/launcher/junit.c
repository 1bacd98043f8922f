/* junit.c: writing JUnit XML (see junit.h). */
#include "junit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../common/utf8.h"
#include "util.h"

/* TEXT escaped for XML 1.0: markup characters as entities, the control
 * characters XML 1.0 cannot hold at all as '?', and bytes that are not
 * UTF-8 (a name given on the command line) as U+FFFD. */
static void put_escaped(FILE *out, const char *text)
{
    char *clean = fp_utf8_sanitize(text ? text : "", text ? strlen(text) : 0);
    for (const unsigned char *c = (const unsigned char *)(clean ? clean : ""); *c; c++) {
        switch (*c) {
        case '&': fputs("&amp;", out); break;
        case '<': fputs("&lt;", out); break;
        case '>': fputs("&gt;", out); break;
        case '"': fputs("&quot;", out); break;
        case '\'': fputs("&apos;", out); break;
        default:
            if (*c < 0x20 && *c != '\n' && *c != '\t')
                fputc('?', out);
            else
                fputc(*c, out);
        }
    }
    free(clean);
}

static void put_case(FILE *out, const fp_budget_t *b, const fp_verdict_t *v)
{
    fputs("    <testcase classname=\"", out);
    put_escaped(out, v->target);
    fprintf(out, "\" name=\"%s ", fp_budget_key(b->metric));
    put_escaped(out, b->metric == FP_METRIC_LEAKS ? "true" : b->text);
    fputs("\">\n", out);
    const char *tag = v->kind == FP_VERDICT_FAIL ? "failure" : v->kind == FP_VERDICT_UNJUDGED ? "skipped" : NULL;
    if (tag) {
        fprintf(out, "      <%s message=\"", tag);
        put_escaped(out, v->text);
        fprintf(out, "\"%s>", v->kind == FP_VERDICT_FAIL ? " type=\"budget\"" : "");
        put_escaped(out, v->text);
        fputc('\n', out);
        put_escaped(out, v->detail);
        fprintf(out, "</%s>\n", tag);
    }
    fputs("      <system-out>", out);
    put_escaped(out, v->text);
    fputs("</system-out>\n    </testcase>\n", out);
}

static void put_program_error(FILE *out, const char *error)
{
    fputs("    <testcase classname=\"program\" name=\"exit status\">\n      <error message=\"", out);
    put_escaped(out, error);
    fputs("\" type=\"program\">", out);
    put_escaped(out, error);
    fputs("</error>\n    </testcase>\n", out);
}

static void put_suite(FILE *out, const fp_junit_suite_t *s)
{
    size_t failures = 0, skipped = 0, errors = s->program_error ? 1 : 0;
    for (size_t i = 0; i < s->n; i++) {
        failures += s->verdicts[i].kind == FP_VERDICT_FAIL;
        skipped += s->verdicts[i].kind == FP_VERDICT_UNJUDGED;
    }
    char stamp[32], host[256] = "localhost";
    time_t now = time(NULL);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", gmtime(&now));
    gethostname(host, sizeof host - 1);
    size_t tests = s->n + errors;
    fprintf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    fprintf(out, "<testsuites name=\"footprint check\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" time=\"%.3f\">\n",
            tests, failures, errors, s->time_s);
    fputs("  <testsuite name=\"", out);
    put_escaped(out, s->name);
    fprintf(out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"%zu\" time=\"%.3f\" timestamp=\"%s\" "
                 "hostname=\"", tests, failures, errors, skipped, s->time_s, stamp);
    put_escaped(out, host);
    fputs("\">\n", out);
    for (size_t i = 0; i < s->n; i++)
        put_case(out, &s->budgets[i], &s->verdicts[i]);
    if (s->program_error)
        put_program_error(out, s->program_error);
    fputs("  </testsuite>\n</testsuites>\n", out);
}

int fp_junit_write(const char *path, const fp_junit_suite_t *s)
{
    FILE *out = fopen(path, "w");
    if (!out) {
        fp_error("cannot write --junit '%s': %s", path, strerror(errno));
        return -1;
    }
    put_suite(out, s);
    if (ferror(out) | (fclose(out) != 0)) {
        fp_error("cannot write --junit '%s': %s", path, strerror(errno));
        return -1;
    }
    return 0;
}
