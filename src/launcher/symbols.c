/* symbols.c: native frames named from their objects' files (see symbols.h). */
#include "symbols.h"

#include <dwarf.h>
#include <elfutils/libdwfl.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* libstdc++'s demangler (the launcher links libstdc++ for toml++). */
extern char *__cxa_demangle(const char *mangled, char *out, size_t *len, int *status);

/* One object file, opened once: a libdwfl session of its own, so that
 * every object can be reported at address 0 (its file's own addresses). */
typedef struct object {
    char *path;
    Dwfl *dwfl;
    Dwfl_Module *mod; /* NULL: the file could not be read */
} object_t;

struct fp_symbols {
    object_t *objects;
    size_t n, cap;
    json_t *names; /* "ADDR@PATH" -> [function, line, source or null] */
};

static const Dwfl_Callbacks callbacks = {
    .find_elf = dwfl_build_id_find_elf,
    .find_debuginfo = dwfl_standard_find_debuginfo,
    .section_address = dwfl_offline_section_address,
    .debuginfo_path = NULL, /* the default: beside the file, .debug/, /usr/lib/debug */
};

fp_symbols_t *fp_symbols_new(void)
{
    fp_symbols_t *self = fp_xcalloc(1, sizeof *self);
    self->names = json_object();
    return self;
}

void fp_symbols_free(fp_symbols_t *self)
{
    if (!self)
        return;
    for (size_t i = 0; i < self->n; i++) {
        if (self->objects[i].dwfl)
            dwfl_end(self->objects[i].dwfl);
        free(self->objects[i].path);
    }
    free(self->objects);
    json_decref(self->names);
    free(self);
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

/* The module of PATH, opened on first use; NULL when it cannot be read. */
static Dwfl_Module *module_of(fp_symbols_t *self, const char *path)
{
    for (size_t i = 0; i < self->n; i++)
        if (strcmp(self->objects[i].path, path) == 0)
            return self->objects[i].mod;
    if (self->n == self->cap)
        self->objects = fp_xrealloc(self->objects, (self->cap = self->cap ? 2 * self->cap : 16) * sizeof *self->objects);
    object_t *o = &self->objects[self->n++];
    *o = (object_t){fp_xstrdup(path), path[0] == '/' ? dwfl_begin(&callbacks) : NULL, NULL};
    if (o->dwfl) {
        /* base 0 plus the first segment's address: the file's own addresses */
        o->mod = dwfl_report_elf(o->dwfl, base_name(path), path, -1, 0, true);
        dwfl_report_end(o->dwfl, NULL, NULL);
    }
    return o->mod;
}

/* NAME demangled when it is a C++ name (a new string). */
static char *demangled(const char *name)
{
    int status = -1;
    char *d = strncmp(name, "_Z", 2) == 0 ? __cxa_demangle(name, NULL, NULL, &status) : NULL;
    if (d && status == 0)
        return d;
    free(d);
    return fp_xstrdup(name);
}

/* Where the function holding ADDR is declared, from the debug
 * information: its line (0 when unknown), and its file in *SOURCE. */
static int declared_at(Dwfl_Module *mod, GElf_Addr addr, const char **source)
{
    Dwarf_Addr bias = 0;
    Dwarf_Die *cu = dwfl_module_addrdie(mod, addr, &bias), *scopes = NULL;
    int n = cu ? dwarf_getscopes(cu, addr - bias, &scopes) : 0, line = 0;
    for (int i = 0; i < n && !line; i++) {
        /* innermost first: an inlined callee comes before the function itself */
        if (dwarf_tag(&scopes[i]) != DW_TAG_subprogram || dwarf_decl_line(&scopes[i], &line) != 0)
            line = 0;
        else
            *source = dwarf_decl_file(&scopes[i]);
    }
    free(scopes);
    return line;
}

/* [function, line, source or null] for ADDR in PATH. */
static json_t *resolve(fp_symbols_t *self, const char *path, uint64_t addr, const char *seen)
{
    Dwfl_Module *mod = module_of(self, path);
    GElf_Off off = 0;
    GElf_Sym sym;
    const char *name = mod ? dwfl_module_addrinfo(mod, addr, &off, &sym, NULL, NULL, NULL) : NULL;
    if (!name || !*name) {
        name = seen && *seen ? seen : NULL;
        off = 0;
    }
    char *function = name ? demangled(name) : fp_xasprintf("%s+0x%llx", base_name(path), (unsigned long long)addr);
    const char *source = NULL;
    int line = mod ? declared_at(mod, addr - off, &source) : 0;
    Dwfl_Line *l = mod && !line ? dwfl_module_getsrc(mod, addr - off) : NULL; /* else the entry's line */
    if (l)
        source = dwfl_lineinfo(l, NULL, &line, NULL, NULL, NULL);
    json_t *out = json_pack("[s, i, s?]", function, line > 0 ? line : 0, source);
    free(function);
    return out;
}

fp_symbol_t fp_symbols_lookup(fp_symbols_t *self, const char *path, uint64_t addr, const char *seen)
{
    char *key = fp_xasprintf("%llx@%s", (unsigned long long)addr, path);
    json_t *hit = json_object_get(self->names, key);
    if (!hit) {
        hit = resolve(self, path, addr, seen);
        json_object_set_new(self->names, key, hit);
    }
    free(key);
    return (fp_symbol_t){json_string_value(json_array_get(hit, 0)), json_string_value(json_array_get(hit, 2)),
                         (int)json_integer_value(json_array_get(hit, 1))};
}
