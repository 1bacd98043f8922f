// tomlfile.cpp: the TOML reader behind tomlfile.h, a thin layer over
// toml++ (libtomlplusplus). Nothing here may throw into the C callers:
// every toml++ and standard-library exception ends in the error string.
#include "tomlfile.h"

#include <cmath>
#include <cstdio>
#include <sstream>
#include <string>
#include <string_view>

#include <toml++/toml.h>

namespace {

json_t *value_json(const toml::node &n);

json_t *array_json(const toml::array &a)
{
    json_t *out = json_array();
    for (const toml::node &item : a)
        json_array_append_new(out, value_json(item));
    return out;
}

// Dates and times keep their TOML spelling.
std::string spelled(const toml::node &n)
{
    std::ostringstream s;
    n.visit([&s](const auto &v) { s << v; });
    return s.str();
}

json_t *value_json(const toml::node &n)
{
    if (const auto *s = n.as_string())
        return json_stringn(s->get().data(), s->get().size());
    if (const auto *i = n.as_integer())
        return json_integer(i->get());
    if (const auto *f = n.as_floating_point())
        return std::isfinite(f->get()) ? json_real(f->get()) : json_null();
    if (const auto *b = n.as_boolean())
        return json_boolean(b->get());
    if (const auto *a = n.as_array())
        return array_json(*a);
    std::string text = spelled(n);
    return json_stringn(text.data(), text.size());
}

json_t *table_json(const toml::table &t)
{
    json_t *out = json_object();
    for (const auto &[key, node] : t) {
        std::string name(key.str());
        json_t *item;
        if (const auto *sub = node.as_table()) {
            item = table_json(*sub);
        } else {
            const toml::source_region &at = node.source();
            item = json_pack("{s:o, s:i, s:i}", "value", value_json(node), "line", (json_int_t)at.begin.line,
                             "column", (json_int_t)at.begin.column);
        }
        json_object_setn_new(out, name.data(), name.size(), item);
    }
    return out;
}

} // namespace

extern "C" json_t *fp_toml_parse(const char *text, size_t len, char *err, size_t errlen)
{
    try {
        toml::table doc = toml::parse(std::string_view(text, len));
        return table_json(doc);
    } catch (const toml::parse_error &e) {
        const toml::source_position &at = e.source().begin;
        std::snprintf(err, errlen, "line %u, column %u: %.*s", (unsigned)at.line, (unsigned)at.column,
                      (int)e.description().size(), e.description().data());
    } catch (const std::exception &e) {
        std::snprintf(err, errlen, "%s", e.what());
    } catch (...) {
        std::snprintf(err, errlen, "cannot be read as TOML");
    }
    return nullptr;
}
