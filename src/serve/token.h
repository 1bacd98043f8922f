/* token.h: access tokens. A token is shown once, when it is made; the
 * database keeps only its SHA-256. */
#ifndef FP_TOKEN_H
#define FP_TOKEN_H

#include <stdbool.h>
#include <stddef.h>

/* Fills OUT (at least 2*N+1 bytes) with N random bytes as hex. 0 or -1. */
int fp_token_random_hex(char *out, size_t n);
/* A new token, "fp_" and 40 hex digits, in OUT (at least 48 bytes). */
int fp_token_new(char *out);
/* The hex SHA-256 of TOKEN in OUT (65 bytes). */
void fp_token_hash(const char *token, char *out);
/* Whether ROLE is submitter, reviewer or admin. */
bool fp_token_role_valid(const char *role);
/* Whether a caller with ROLE sees every submission (not just their own). */
bool fp_token_sees_all(const char *role);

#endif
