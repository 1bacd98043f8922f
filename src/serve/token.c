/* token.c: making and hashing tokens (GnuTLS's random source and SHA-256). */
#include "token.h"

#include <gnutls/crypto.h>
#include <gnutls/gnutls.h>
#include <stdio.h>
#include <string.h>

static void to_hex(const unsigned char *b, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", b[i]);
    out[2 * n] = '\0';
}

int fp_token_random_hex(char *out, size_t n)
{
    unsigned char buf[64];
    if (n > sizeof buf || gnutls_rnd(GNUTLS_RND_KEY, buf, n) != 0)
        return -1;
    to_hex(buf, n, out);
    return 0;
}

int fp_token_new(char *out)
{
    memcpy(out, "fp_", 3);
    return fp_token_random_hex(out + 3, 20);
}

void fp_token_hash(const char *token, char *out)
{
    unsigned char d[32];
    gnutls_hash_fast(GNUTLS_DIG_SHA256, token, strlen(token), d);
    to_hex(d, sizeof d, out);
}

bool fp_token_role_valid(const char *role)
{
    return role && (strcmp(role, "submitter") == 0 || strcmp(role, "reviewer") == 0 || strcmp(role, "admin") == 0);
}

bool fp_token_sees_all(const char *role)
{
    return strcmp(role, "reviewer") == 0 || strcmp(role, "admin") == 0;
}
