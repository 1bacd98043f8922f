/* symbols.h: naming native frames (--native-stacks) from the objects'
 * files.
 *
 * The agent records a native frame as the object it was in and the
 * address in that object's file (src/agent/native.c). The launcher names
 * it here, outside the profiled program: elfutils' libdwfl reads the
 * object's symbol table (.symtab, else .dynsym, or the separate debug
 * file Debian's -dbgsym packages install), so internal functions are
 * named too, and its DWARF line table, when there is one, gives the
 * source file and line. C++ names are demangled. An object that cannot
 * be read (gone since the run) keeps the symbol the process saw, or is
 * named `object+0xADDRESS`.
 *
 * Each object is opened once per table and kept until fp_symbols_free. */
#ifndef FP_SYMBOLS_H
#define FP_SYMBOLS_H

#include <stdint.h>

typedef struct fp_symbols fp_symbols_t;

/* What a native frame is named. Strings belong to the table. */
typedef struct fp_symbol {
    const char *function; /* never NULL */
    const char *source;   /* the source file, or NULL when not known */
    int line;             /* the line of the function's entry, or 0 */
} fp_symbol_t;

/* A new, empty table (never NULL: allocation failure exits). */
fp_symbols_t *fp_symbols_new(void);
void fp_symbols_free(fp_symbols_t *self);

/* Names the function holding ADDR, an address in the ELF file PATH's own
 * terms (its symbols' values). SEEN: the symbol the process itself saw
 * (dladdr), or NULL, for when PATH cannot be read. */
fp_symbol_t fp_symbols_lookup(fp_symbols_t *self, const char *path, uint64_t addr, const char *seen);

#endif
