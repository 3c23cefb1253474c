// One parameter registry for the whole platform (in the spirit of VCML properties).
//
// Each module declares its parameters once, next to the code they configure (key, type,
// default, unit, help naming the default's source, range or choices). Values come from the
// platform's INI file and from `--set section.key=value`, the command line winning; every
// value is parsed and range-checked when it is set, so a bad value is reported with the file,
// line and key it came from. Modules read typed values into their config structs at build
// time and never see the registry afterwards.
//
// INI syntax (docs/config.md): `[section]` headers, `key = value`, comments after `;` or `#`
// (whole lines, or trailing after whitespace), keys before the first section are global.
// The INI parser is our own rather than Boost.Program_options' because Boost's config-file
// parser does not report line numbers.
#pragma once

#include <limits>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "common/error.h"

namespace kelle {

enum class ParamType { integer, real, boolean, text };

struct ParamSpec {
    std::string key;            // "section.name" or a global "name"
    ParamType type = ParamType::real;
    std::string default_value;  // text, parsed like user input
    std::string unit;
    std::string help;           // one line; names the default's source
    double min = -std::numeric_limits<double>::infinity();
    bool min_exclusive = false;  // true: value must be > min
    double max = std::numeric_limits<double>::infinity();
    std::vector<std::string> choices;  // text: allowed values; empty = any

    ParamSpec& positive() { return min = 0, min_exclusive = true, *this; }
    ParamSpec& non_negative() { return min = 0, min_exclusive = false, *this; }
    ParamSpec& at_most(double limit) { return max = limit, *this; }
    ParamSpec& one_of(std::vector<std::string> allowed) { return choices = std::move(allowed), *this; }
};

inline ParamSpec param(ParamType type, std::string key, std::string default_value, std::string unit,
                       std::string help) {
    ParamSpec spec;
    spec.key = std::move(key);
    spec.type = type;
    spec.default_value = std::move(default_value);
    spec.unit = std::move(unit);
    spec.help = std::move(help);
    return spec;
}

class ParamRegistry {
public:
    void declare(ParamSpec spec);  // std::logic_error on a duplicate key or a bad default
    bool has(const std::string& key) const;

    void set(const std::string& key, const std::string& value, const std::string& source, int line,
             InputOrigin origin);
    void load_ini(const std::string& path);
    void apply_assignment(const std::string& assignment);  // "key=value" from --set

    long long get_int(const std::string& key) const;
    double get_real(const std::string& key) const;  // integers read as reals too
    bool get_bool(const std::string& key) const;
    const std::string& get_text(const std::string& key) const;
    std::string origin_of(const std::string& key) const;  // "default", "path:line", "--set"

    const std::vector<ParamSpec>& specs() const { return specs_; }
    std::string help_text() const;
    nlohmann::json to_json() const;

private:
    struct Value {
        long long integer = 0;
        double real = 0;
        bool boolean = false;
        std::string text;
        std::string origin = "default";
    };

    const ParamSpec& spec(const std::string& key) const;
    const Value& value(const std::string& key, ParamType type) const;
    Value parse(const ParamSpec& spec, const std::string& text, const std::string& source, int line,
                InputOrigin origin) const;
    std::string closest_key(const std::string& key) const;

    std::vector<ParamSpec> specs_;
    std::map<std::string, std::size_t> index_;
    std::map<std::string, Value> values_;
};

}  // namespace kelle
