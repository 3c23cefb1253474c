#include "config/config.h"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include "common/utf8.h"

#include "common/line_reader.h"

namespace kelle {

namespace {

std::string trim(const std::string& s) {
    const auto begin = s.find_first_not_of(" \t\r");
    if (begin == std::string::npos) return "";
    const auto end = s.find_last_not_of(" \t\r");
    return s.substr(begin, end - begin + 1);
}

// Removes a trailing comment: ';' or '#' at the start or after whitespace, outside quotes.
std::string strip_comment(const std::string& line) {
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (c == '"') quoted = !quoted;
        if (!quoted && (c == ';' || c == '#') && (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t'))
            return line.substr(0, i);
    }
    return line;
}

// The comment that strip_comment removes, without its marker: a setting's source.
std::string comment_of(const std::string& line) {
    const std::string code = strip_comment(line);
    return code.size() < line.size() ? trim(line.substr(code.size() + 1)) : "";
}

bool has_control_bytes(const std::string& line) {
    return std::any_of(line.begin(), line.end(), [](char c) {
        const auto u = static_cast<unsigned char>(c);
        return u < 0x20 && c != '\t' && c != '\r';
    });
}

// The shortest text that reads back as the same double: a range's bound as exact as it is
// (2^24 is 16777216, not a stream's 1.67772e+07).
std::string format_number(double v) {
    char text[32];
    const std::to_chars_result written = std::to_chars(text, text + sizeof text, v);
    return std::string(text, written.ptr);
}

std::string shown(const std::string& text) { return text.empty() ? "\"\"" : text; }

const char* type_name(ParamType type) {
    switch (type) {
        case ParamType::integer: return "integer";
        case ParamType::real: return "real";
        case ParamType::boolean: return "bool";
        case ParamType::text: return "text";
    }
    return "";
}

constexpr std::size_t kMaxIncludeDepth = 64;

// A file's name for spotting include cycles: its canonical path, or, when there is none (a pipe
// such as /dev/fd/63 from `--config <(...)`), its absolute path as given.
std::string identity(const std::filesystem::path& path) {
    std::error_code error;
    const std::filesystem::path canonical = std::filesystem::weakly_canonical(path, error);
    if (!error) return canonical.string();
    const std::filesystem::path absolute = std::filesystem::absolute(path, error);
    return (error ? path : absolute).lexically_normal().string();
}

std::size_t edit_distance(const std::string& a, const std::string& b) {
    std::vector<std::size_t> row(b.size() + 1);
    for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i) {
        std::size_t diagonal = row[0];
        row[0] = i;
        for (std::size_t j = 1; j <= b.size(); ++j) {
            const std::size_t above = row[j];
            row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
            diagonal = above;
        }
    }
    return row[b.size()];
}

}  // namespace

void ParamRegistry::declare(ParamSpec spec) {
    if (index_.count(spec.key)) throw std::logic_error("parameter declared twice: " + spec.key);
    index_[spec.key] = specs_.size();
    values_[spec.key] = Value{};
    specs_.push_back(std::move(spec));
}

void ParamRegistry::check_complete(const std::string& config_path) const {
    for (const ParamSpec& s : specs_)
        if (values_.at(s.key).origin == "unset")
            throw InputError(config_path, 0, s.key,
                             "has no value: platforms/base.ini sets every parameter; include it (`include = "
                             "PATH/platforms/base.ini`, relative to this file) or set this key");
}

bool ParamRegistry::has(const std::string& key) const { return index_.count(key) != 0; }

const ParamSpec& ParamRegistry::spec(const std::string& key) const {
    const auto it = index_.find(key);
    if (it == index_.end()) throw std::logic_error("undeclared parameter: " + key);
    return specs_[it->second];
}

ParamRegistry::Value ParamRegistry::parse(const ParamSpec& spec, const std::string& raw, const std::string& source,
                                          int line, InputOrigin origin) const {
    std::string text = trim(raw);
    if (text.size() >= 2 && text.front() == '"' && text.back() == '"') text = text.substr(1, text.size() - 2);
    auto fail = [&](const std::string& message) { return InputError(source, line, spec.key, message, origin); };
    if (text.empty() && spec.type != ParamType::text) throw fail("empty value");

    Value value;
    double numeric = 0;
    switch (spec.type) {
        case ParamType::integer: {
            char* end = nullptr;
            errno = 0;
            value.integer = std::strtoll(text.c_str(), &end, 10);
            if (*end != '\0' || errno == ERANGE) throw fail("expected an integer, got '" + text + "'");
            numeric = static_cast<double>(value.integer);
            value.real = numeric;
            break;
        }
        case ParamType::real: {
            // strtod also reads hexadecimal (0x10 = 16), inf and nan: a config means decimal.
            if (text.find_first_not_of("0123456789+-.eE") != std::string::npos)
                throw fail("expected a real number, got '" + text + "'");
            char* end = nullptr;
            errno = 0;
            value.real = std::strtod(text.c_str(), &end);
            if (*end != '\0' || errno == ERANGE || !std::isfinite(value.real))
                throw fail("expected a real number, got '" + text + "'");
            numeric = value.real;
            break;
        }
        case ParamType::boolean: {
            static const std::set<std::string> yes{"true", "1", "yes", "on"}, no{"false", "0", "no", "off"};
            if (yes.count(text)) value.boolean = true;
            else if (!no.count(text)) throw fail("expected true or false, got '" + text + "'");
            break;
        }
        case ParamType::text:
            // Text goes into the stats JSON, which takes only UTF-8.
            if (!is_valid_utf8(text)) throw fail("not UTF-8 text");
            if (!spec.choices.empty() && std::find(spec.choices.begin(), spec.choices.end(), text) == spec.choices.end()) {
                std::string list;
                for (const auto& choice : spec.choices) list += (list.empty() ? "" : ", ") + choice;
                throw fail("must be one of: " + list + " (got '" + text + "')");
            }
            break;
    }
    if (spec.type == ParamType::integer || spec.type == ParamType::real) {
        if (spec.min_exclusive ? !(numeric > spec.min) : !(numeric >= spec.min))
            throw fail(std::string("must be ") + (spec.min_exclusive ? "> " : ">= ") + format_number(spec.min) +
                       ", got " + text);
        if (numeric > spec.max) throw fail("must be <= " + format_number(spec.max) + ", got " + text);
        if (numeric < spec.type_min || numeric > spec.type_max)
            throw fail("does not fit the model's integer (" + format_number(spec.type_min) + " to " +
                       format_number(spec.type_max) + "), got " + text);
    }
    value.text = text;
    value.origin = line > 0 ? source + ":" + std::to_string(line) : source;
    return value;
}

std::string ParamRegistry::closest_key(const std::string& key) const {
    std::string best;
    std::size_t best_distance = 4;  // suggest only near misses
    for (const auto& s : specs_) {
        const std::size_t d = edit_distance(key, s.key);
        if (d < best_distance) {
            best_distance = d;
            best = s.key;
        }
    }
    return best;
}

void ParamRegistry::set(const std::string& key, const std::string& value, const std::string& source, int line,
                        InputOrigin origin, const std::string& note) {
    if (!has(key)) {
        const std::string suggestion = closest_key(key);
        throw InputError(source, line, key,
                         "unknown parameter" + (suggestion.empty() ? std::string(" (see kelle-sim --help)")
                                                                   : "; did you mean " + suggestion + "?"),
                         origin);
    }
    values_[key] = parse(spec(key), value, source, line, origin);
    values_[key].note = note;
    values_[key].set_order = ++sets_;
}

void ParamRegistry::load_ini(const std::string& path) {
    std::vector<std::string> including;
    load_ini(path, including);
}

// `including`: the files whose include led here, to refuse a cycle.
void ParamRegistry::load_ini(const std::string& path, std::vector<std::string>& including) {
    std::error_code error;
    if (std::filesystem::is_directory(path, error)) throw InputError(path, 0, "", "is a directory, not a config file");
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError(path, 0, "", "cannot open config file");
    including.push_back(identity(path));
    std::string section;
    std::set<std::string> seen;
    // Bounded, so /dev/zero or a file of endless lines fails at once instead of after gigabytes.
    constexpr std::size_t kMaxLineBytes = 4096;
    constexpr int kMaxLines = 1 << 16;
    LineReader lines(in, kMaxLineBytes);
    std::string raw;
    for (int number = 1;; ++number) {
        const LineReader::Result read = lines.next(raw);
        if (read == LineReader::Result::end) break;
        if (read == LineReader::Result::too_long) throw InputError(path, number, "", "line longer than 4096 bytes");
        if (number > kMaxLines) throw InputError(path, number, "", "more than 65536 lines, not a config file");
        if (has_control_bytes(raw)) throw InputError(path, number, "", "binary data, not an INI file");
        // A file with CR-only line ends reads as one line: every setting after the first would be lost.
        if (const auto cr = raw.find('\r'); cr != std::string::npos && cr + 1 < raw.size())
            throw InputError(path, number, "", "carriage return inside a line (CR-only line ends?): save the file with LF or CRLF line ends");
        const std::string line = trim(strip_comment(raw));
        if (line.empty()) continue;
        if (line.front() == '[') {
            if (line.back() != ']') throw InputError(path, number, line, "unterminated section header");
            section = trim(line.substr(1, line.size() - 2));
            const bool valid = !section.empty() && std::all_of(section.begin(), section.end(), [](char c) {
                return std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) ||
                       c == '_' || c == '.';
            });
            if (!valid) throw InputError(path, number, section, "bad section name");
            continue;
        }
        const auto equals = line.find('=');
        if (equals == std::string::npos) throw InputError(path, number, line, "expected key = value");
        const std::string name = trim(line.substr(0, equals));
        if (name.empty()) throw InputError(path, number, "", "missing key before '='");
        if (section.empty() && name == "include") {
            if (!seen.empty()) throw InputError(path, number, "include", "must come before every key of the file");
            include_ini(path, number, trim(line.substr(equals + 1)), including);
            continue;
        }
        const std::string key = section.empty() ? name : section + "." + name;
        if (!seen.insert(key).second) throw InputError(path, number, key, "set twice in this file");
        set(key, line.substr(equals + 1), path, number, InputOrigin::file, comment_of(raw));
    }
    including.pop_back();
}

void ParamRegistry::include_ini(const std::string& path, int line, std::string target,
                                std::vector<std::string>& including) {
    if (target.size() >= 2 && target.front() == '"' && target.back() == '"') target = target.substr(1, target.size() - 2);
    if (target.empty()) throw InputError(path, line, "include", "names no file");
    const std::filesystem::path resolved = std::filesystem::path(path).parent_path() / target;
    std::error_code error;
    if (!std::filesystem::exists(resolved, error))
        throw InputError(path, line, "include", "cannot open " + resolved.string());
    if (std::filesystem::is_directory(resolved, error))
        throw InputError(path, line, "include", resolved.string() + " is a directory, not a config file");
    if (std::find(including.begin(), including.end(), identity(resolved)) != including.end())
        throw InputError(path, line, "include", resolved.string() + " includes itself (a cycle)");
    // Each level of includes is a level of recursion: a chain of thousands would overflow the stack.
    if (including.size() >= kMaxIncludeDepth)
        throw InputError(path, line, "include", "more than " + std::to_string(kMaxIncludeDepth) +
                                                    " files nested by include; is this a generated chain?");
    load_ini(resolved.string(), including);
}

void ParamRegistry::apply_assignment(const std::string& assignment) {
    const auto equals = assignment.find('=');
    const std::string key = equals == std::string::npos ? "" : trim(assignment.substr(0, equals));
    if (key.empty())
        throw InputError("--set", 0, assignment, "expected section.key=value", InputOrigin::command_line);
    if (has_control_bytes(assignment) || assignment.find('\r') != std::string::npos)
        throw InputError("--set", 0, key, "control character (a newline?) in the assignment", InputOrigin::command_line);
    set(key, assignment.substr(equals + 1), "--set", 0, InputOrigin::command_line);
}

const ParamRegistry::Value& ParamRegistry::value(const std::string& key, ParamType type) const {
    const ParamSpec& s = spec(key);
    const bool readable = s.type == type || (type == ParamType::real && s.type == ParamType::integer);
    if (!readable) throw std::logic_error("parameter " + key + " is not of the requested type");
    const Value& v = values_.at(key);
    if (v.origin == "unset") throw std::logic_error("parameter " + key + " read before check_complete");
    return v;
}

long long ParamRegistry::get_int(const std::string& key) const { return value(key, ParamType::integer).integer; }
double ParamRegistry::get_real(const std::string& key) const { return value(key, ParamType::real).real; }
bool ParamRegistry::get_bool(const std::string& key) const { return value(key, ParamType::boolean).boolean; }
const std::string& ParamRegistry::get_text(const std::string& key) const { return value(key, ParamType::text).text; }

std::string ParamRegistry::origin_of(const std::string& key) const {
    spec(key);
    return values_.at(key).origin;
}

std::string ParamRegistry::where_set(const std::string& key) const { return "set at " + values_.at(key).origin; }

InputError ParamRegistry::rule_error(const std::vector<std::string>& keys, const std::string& message) const {
    std::string blamed = keys.front();
    for (const std::string& key : keys) {
        spec(key);  // a rule naming an undeclared key is a model bug
        if (values_.at(key).set_order > values_.at(blamed).set_order) blamed = key;
    }
    const Value& value = values_.at(blamed);
    if (value.set_order == 0) throw std::logic_error("a rule read before check_complete: " + keys.front());
    const std::string whole = blamed == keys.front() ? message
                                                     : "breaks a rule of " + keys.front() + " (" +
                                                           where_set(keys.front()) + "): " + message;
    if (value.origin == "--set") return InputError("--set", 0, blamed, whole, InputOrigin::command_line);
    return InputError(value.origin, 0, blamed, whole);
}

namespace {
std::string section_of(const std::string& key) {
    const auto dot = key.find('.');
    return dot == std::string::npos ? "global" : key.substr(0, dot);
}

std::string range_of(const ParamSpec& s) {
    std::string range;
    if (!s.choices.empty()) {
        for (const auto& c : s.choices) range += (range.empty() ? "one of " : "|") + c;
    } else if (s.type == ParamType::integer || s.type == ParamType::real) {
        if (std::isfinite(s.min)) range = (s.min_exclusive ? "> " : ">= ") + format_number(s.min);
        if (std::isfinite(s.max)) range += (range.empty() ? "" : ", ") + std::string("<= ") + format_number(s.max);
    }
    return range;
}
}  // namespace

std::string ParamRegistry::text_of(ParamType type, const Value& v) {
    switch (type) {
        case ParamType::integer: return std::to_string(v.integer);
        case ParamType::real: return format_number(v.real);
        case ParamType::boolean: return v.boolean ? "true" : "false";
        case ParamType::text: return v.text;
    }
    return v.text;
}

std::string ParamRegistry::help_text() const {
    // Sections in the order they were first declared, each listing all of its keys.
    std::vector<std::string> sections;
    for (const ParamSpec& s : specs_)
        if (std::find(sections.begin(), sections.end(), section_of(s.key)) == sections.end())
            sections.push_back(section_of(s.key));
    std::ostringstream out;
    for (const std::string& section : sections) {
        out << "\n[" << section << "]\n";
        for (const ParamSpec& s : specs_) {
            if (section_of(s.key) != section) continue;
            const std::string range = range_of(s);
            const Value& v = values_.at(s.key);
            out << "  " << s.key << " (" << type_name(s.type) << (s.unit.empty() ? "" : ", " + s.unit)
                << ") = " << (v.origin == "unset" ? "(unset)" : shown(text_of(s.type, v)));
            if (!range.empty()) out << "   [" << range << "]";
            out << "\n      set at " << v.origin << (v.note.empty() ? "" : ": " + v.note);
            out << "\n      " << s.help << "\n";
        }
    }
    return out.str();
}

ParamSpec& ParamBinder::add(ParamType type, std::string key, std::string unit, std::string help) {
    pending_.push_back(param(type, std::move(key), std::move(unit), std::move(help)));
    return pending_.back();
}

ParamSpec& ParamBinder::real(std::string key, double& member, std::string unit, std::string help) {
    ParamSpec& spec = add(ParamType::real, std::move(key), std::move(unit), std::move(help));
    if (loading_) member = loading_->get_real(spec.key);
    return spec;
}

ParamSpec& ParamBinder::flag(std::string key, bool& member, std::string help) {
    ParamSpec& spec = add(ParamType::boolean, std::move(key), "", std::move(help));
    if (loading_) member = loading_->get_bool(spec.key);
    return spec;
}

ParamSpec& ParamBinder::text(std::string key, std::string& member, std::string help) {
    ParamSpec& spec = add(ParamType::text, std::move(key), "", std::move(help));
    if (loading_) member = loading_->get_text(spec.key);
    return spec;
}

void ParamBinder::rule(const std::string& key, const std::function<std::string()>& broken,
                       std::initializer_list<const char*> related) const {
    if (!loading_) return;
    const std::string message = broken();
    if (message.empty()) return;
    std::vector<std::string> keys{key};
    keys.insert(keys.end(), related.begin(), related.end());
    throw loading_->rule_error(keys, message);
}

void ParamBinder::finish() {
    for (ParamSpec& spec : pending_) declaring_->declare(std::move(spec));
    pending_.clear();
}

nlohmann::json ParamRegistry::to_json() const {
    nlohmann::json out = nlohmann::json::object();
    for (const ParamSpec& s : specs_) {
        const Value& v = values_.at(s.key);
        switch (s.type) {
            case ParamType::integer: out[s.key] = v.integer; break;
            case ParamType::real: out[s.key] = v.real; break;
            case ParamType::boolean: out[s.key] = v.boolean; break;
            case ParamType::text: out[s.key] = v.text; break;
        }
    }
    return out;
}

}  // namespace kelle
