/* symbols.c: native frames named from their objects' files (see symbols.h). */
#include "symbols.h"

#include <dwarf.h>
#include <elfutils/libdwfl.h>
#include <gelf.h>
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
    Dwfl_Module *mod;            /* NULL: the file could not be read */
    const unsigned char *eh_hdr; /* its .eh_frame_hdr (libelf's data), or NULL */
    size_t eh_hdr_size;
    GElf_Addr eh_hdr_addr;
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
    /* naming frames reads local files only: with DEBUGINFOD_URLS set,
     * libdwfl would fetch debug files from servers, and a profile could
     * wait on the network (or on one that is not there) */
    unsetenv("DEBUGINFOD_URLS");
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

static void find_eh_hdr(object_t *o);

/* The object of PATH, opened on first use (its module NULL when it cannot
 * be read). Valid until the next call. */
static object_t *object_of(fp_symbols_t *self, const char *path)
{
    for (size_t i = 0; i < self->n; i++)
        if (strcmp(self->objects[i].path, path) == 0)
            return &self->objects[i];
    if (self->n == self->cap)
        self->objects = fp_xrealloc(self->objects, (self->cap = self->cap ? 2 * self->cap : 16) * sizeof *self->objects);
    object_t *o = &self->objects[self->n++];
    *o = (object_t){.path = fp_xstrdup(path), .dwfl = path[0] == '/' ? dwfl_begin(&callbacks) : NULL};
    if (o->dwfl) {
        /* base 0 plus the first segment's address: the file's own addresses */
        o->mod = dwfl_report_elf(o->dwfl, base_name(path), path, -1, 0, true);
        dwfl_report_end(o->dwfl, NULL, NULL);
    }
    if (o->mod)
        find_eh_hdr(o);
    return o;
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

/* The entry of the function holding ADDR by the object's unwind tables,
 * for code no symbol names: so that its call sites and its instructions
 * are one frame. .eh_frame_hdr holds every function's entry, sorted, as
 * signed 4-byte offsets from the section (the encoding the toolchains
 * write; another is not read). ADDR when there is none. */
static GElf_Addr unwind_entry(const object_t *o, GElf_Addr addr)
{
    const unsigned char *p = o->eh_hdr;
    uint32_t count = 0;
    /* version 1, the .eh_frame pointer pc-relative, the count as 4 bytes, the table section-relative */
    if (!p || o->eh_hdr_size < 12 || p[0] != 1 || p[1] != 0x1b || p[2] != 0x03 || p[3] != 0x3b)
        return addr;
    memcpy(&count, p + 8, 4);
    if ((o->eh_hdr_size - 12) / 8 < count)
        return addr;
    GElf_Addr best = addr;
    for (size_t lo = 0, hi = count; lo < hi;) {
        size_t mid = lo + (hi - lo) / 2;
        int32_t rel;
        memcpy(&rel, p + 12 + 8 * mid, 4);
        GElf_Addr start = o->eh_hdr_addr + (GElf_Addr)(int64_t)rel;
        if (start <= addr) {
            best = start;
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return best;
}

/* Finds O's .eh_frame_hdr, kept with the module's ELF data. */
static void find_eh_hdr(object_t *o)
{
    GElf_Addr bias = 0;
    Elf *elf = dwfl_module_getelf(o->mod, &bias);
    size_t names;
    if (!elf || elf_getshdrstrndx(elf, &names) != 0)
        return;
    for (Elf_Scn *scn = elf_nextscn(elf, NULL); scn; scn = elf_nextscn(elf, scn)) {
        GElf_Shdr sh;
        const char *name = gelf_getshdr(scn, &sh) ? elf_strptr(elf, names, sh.sh_name) : NULL;
        Elf_Data *d = name && strcmp(name, ".eh_frame_hdr") == 0 ? elf_getdata(scn, NULL) : NULL;
        if (d && d->d_buf) {
            o->eh_hdr = d->d_buf;
            o->eh_hdr_size = d->d_size;
            o->eh_hdr_addr = sh.sh_addr + bias;
            return;
        }
    }
}

/* [function, line, source or null] for ADDR in PATH. */
static json_t *resolve(fp_symbols_t *self, const char *path, uint64_t addr, const char *seen)
{
    object_t *o = object_of(self, path);
    Dwfl_Module *mod = o->mod;
    GElf_Off off = 0;
    GElf_Sym sym;
    const char *name = mod ? dwfl_module_addrinfo(mod, addr, &off, &sym, NULL, NULL, NULL) : NULL;
    if (!name || !*name) {
        name = seen && *seen ? seen : NULL;
        off = name ? 0 : addr - unwind_entry(o, addr);
    }
    char *function = name ? demangled(name)
                          : fp_xasprintf("%s+0x%llx", base_name(path), (unsigned long long)(addr - off));
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
