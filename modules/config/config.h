// One parameter registry for the whole platform (in the spirit of VCML properties).
//
// Each module's config struct binds its members to parameters in one function, one line a
// parameter (key, member, unit, help, range or choices), and no value:
//
//   struct DramConfig {
//       double bandwidth_gbps = 0;
//       void bind(ParamBinder& p) {
//           p.real("dram.bandwidth_gbps", bandwidth_gbps, "GB/s", "channel bandwidth").positive();
//       }
//   };
//
// declare_params<DramConfig>(registry) declares those parameters; load_params<DramConfig>(registry)
// returns the struct filled from the registry. Values live in .ini files only: platforms/base.ini
// sets every parameter, its source in the comment of its line, and a platform file overlays it;
// a parameter that no file sets is an error naming it (check_complete). `--set section.key=value`
// overrides the files; every value is parsed and range-checked
// when it is set, so a bad value is reported with the file, line and key it came from. An
// integer member's type bounds its range (a value that does not fit is refused, never
// truncated); a choice becomes the member's enum when the config loads. Modules receive their
// typed config struct and never see the registry.
//
// INI syntax (docs/config.md): `[section]` headers, `key = value`, comments after `;` or `#`
// (whole lines, or trailing after whitespace), keys before the first section are global.
// `include = other.ini` (before the first section) loads another file first, its path relative
// to the including file; the including file's own values then override, so a platform file
// is an overlay of platforms/base.ini. The INI parser is our own rather than
// Boost.Program_options' because Boost's config-file parser does not report line numbers.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <initializer_list>
#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "common/error.h"

namespace kelle {

enum class ParamType { integer, real, boolean, text };

struct ParamSpec {
    std::string key;  // "section.name" or a global "name"
    ParamType type = ParamType::real;
    std::string unit;
    std::string help;  // one line: what the parameter means (its value's source is in the .ini)
    double min = -std::numeric_limits<double>::infinity();
    bool min_exclusive = false;  // true: value must be > min
    double max = std::numeric_limits<double>::infinity();
    std::vector<std::string> choices;  // text: allowed values; empty = any
    // integer: what the member it fills can hold; checked beside the range, not listed in --help
    double type_min = -std::numeric_limits<double>::infinity();
    double type_max = std::numeric_limits<double>::infinity();

    ParamSpec& positive() { return min = 0, min_exclusive = true, *this; }
    ParamSpec& non_negative() { return min = 0, min_exclusive = false, *this; }
    ParamSpec& at_most(double limit) { return max = limit, *this; }
    ParamSpec& between(double low, double high) { return min = low, min_exclusive = false, max = high, *this; }
    ParamSpec& one_of(std::vector<std::string> allowed) { return choices = std::move(allowed), *this; }
};

inline ParamSpec param(ParamType type, std::string key, std::string unit, std::string help) {
    ParamSpec spec;
    spec.key = std::move(key);
    spec.type = type;
    spec.unit = std::move(unit);
    spec.help = std::move(help);
    return spec;
}

class ParamRegistry {
public:
    void declare(ParamSpec spec);  // std::logic_error on a duplicate key
    bool has(const std::string& key) const;

    // `note`: the comment of the INI line that set the value, its source ("[paper] §5: ...").
    void set(const std::string& key, const std::string& value, const std::string& source, int line,
             InputOrigin origin, const std::string& note = "");
    void load_ini(const std::string& path);  // follows `include = ...` lines (see above)
    void apply_assignment(const std::string& assignment);  // "key=value" from --set
    // Throws InputError naming `config_path` and the first parameter (in declaration order) that
    // no file and no --set gave a value.
    void check_complete(const std::string& config_path) const;

    long long get_int(const std::string& key) const;
    double get_real(const std::string& key) const;  // integers read as reals too
    bool get_bool(const std::string& key) const;
    const std::string& get_text(const std::string& key) const;
    std::string origin_of(const std::string& key) const;  // "unset", "path:line", "--set"
    // The error of a cross-parameter rule among `keys` (the rule's own key first) that `message`
    // says is broken: it blames the key set last, so a --set one (exit 2) before any file's, and
    // a platform file's before the base.ini it includes, with the file and line of its value.
    InputError rule_error(const std::vector<std::string>& keys, const std::string& message) const;

    const std::vector<ParamSpec>& specs() const { return specs_; }
    // Every parameter with its value now, where that was set and the source noted there, range, help.
    std::string help_text() const;
    nlohmann::json to_json() const;

private:
    struct Value {
        long long integer = 0;
        double real = 0;
        bool boolean = false;
        std::string text;
        std::string origin = "unset";
        std::string note;             // the setting line's comment
        std::uint64_t set_order = 0;  // 0: unset; else when set, counting from 1
    };

    static std::string text_of(ParamType type, const Value& value);  // as --help shows it
    std::string where_set(const std::string& key) const;              // "set at FILE:LINE", ...
    const ParamSpec& spec(const std::string& key) const;
    const Value& value(const std::string& key, ParamType type) const;
    Value parse(const ParamSpec& spec, const std::string& text, const std::string& source, int line,
                InputOrigin origin) const;
    std::string closest_key(const std::string& key) const;
    void load_ini(const std::string& path, std::vector<std::string>& including);
    void include_ini(const std::string& path, int line, std::string target, std::vector<std::string>& including);

    std::vector<ParamSpec> specs_;
    std::map<std::string, std::size_t> index_;
    std::map<std::string, Value> values_;
    std::uint64_t sets_ = 0;
};

// The names of an enum's values as a parameter spells them: `choice` parameters turn text into
// the enum at load time, and stats turn it back with name().
template <class E>
class Choices {
public:
    Choices(std::initializer_list<std::pair<const char*, E>> names) : names_(names.begin(), names.end()) {}
    const std::string& name(E value) const {
        for (const auto& [text, e] : names_)
            if (e == value) return text;
        throw std::logic_error("enum value without a name");
    }
    E value(const std::string& text) const {
        for (const auto& [name, e] : names_)
            if (name == text) return e;
        throw std::logic_error("choice without an enum value: " + text);
    }
    std::vector<std::string> names() const {
        std::vector<std::string> out;
        for (const auto& entry : names_) out.push_back(entry.first);
        return out;
    }

private:
    std::vector<std::pair<std::string, E>> names_;
};

// What a config struct's bind() talks to: declaring, it collects the parameters' specs and hands
// them to the registry once their range modifiers are set (finish); loading, it fills each
// member from the registry and checks the config's cross-parameter rules.
class ParamBinder {
public:
    explicit ParamBinder(ParamRegistry& declaring) : declaring_(&declaring) {}
    explicit ParamBinder(const ParamRegistry& loading) : loading_(&loading) {}

    ParamSpec& real(std::string key, double& member, std::string unit, std::string help);
    template <class Int>
    ParamSpec& integer(std::string key, Int& member, std::string unit, std::string help) {
        static_assert(std::is_integral_v<Int>, "integer parameters fill integer members");
        ParamSpec& spec = add(ParamType::integer, std::move(key), std::move(unit), std::move(help));
        spec.type_min = static_cast<double>(std::numeric_limits<Int>::lowest());
        spec.type_max = static_cast<double>(std::numeric_limits<Int>::max());
        if (loading_) member = static_cast<Int>(loading_->get_int(spec.key));
        return spec;
    }
    ParamSpec& flag(std::string key, bool& member, std::string help);
    ParamSpec& text(std::string key, std::string& member, std::string help);
    template <class E>
    ParamSpec& choice(std::string key, E& member, const Choices<E>& choices, std::string help) {
        ParamSpec& spec = add(ParamType::text, std::move(key), "", std::move(help));
        spec.choices = choices.names();
        if (loading_) member = choices.value(loading_->get_text(spec.key));
        return spec;
    }
    // A rule across parameters, checked when loading: `broken` returns what is wrong, or an empty
    // string when the values agree. The error names `key` and where its value came from, unless
    // `key` or one of the `related` keys was set by --set: then the command line is to blame
    // (exit status 2), whichever file holds the other values.
    void rule(const std::string& key, const std::function<std::string()>& broken,
              std::initializer_list<const char*> related = {}) const;

    void finish();

private:
    ParamSpec& add(ParamType type, std::string key, std::string unit, std::string help);

    ParamRegistry* declaring_ = nullptr;
    const ParamRegistry* loading_ = nullptr;
    std::deque<ParamSpec> pending_;  // declaring: stable references while modifiers are chained
};

template <class Config>
void declare_params(ParamRegistry& registry) {
    Config config;
    ParamBinder binder(registry);
    config.bind(binder);
    binder.finish();
}

template <class Config>
Config load_params(const ParamRegistry& registry) {
    Config config;
    ParamBinder binder(registry);
    config.bind(binder);
    return config;
}

}  // namespace kelle
