#include "trace/trace.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <map>
#include <set>

#include "common/error.h"
#include "trace/gzip_file.h"
#include "common/utf8.h"

namespace kelle {

namespace {

constexpr const char* kMagic = "kelle-trace";
constexpr std::size_t kMaxLineBytes = 1 << 20;
// What one run can hold (docs/trace-format.md, "Limits"), checked on the header before anything
// is allocated: a step holds layers x heads head lines; the KV cache manager may keep an entry
// per layer, KV head and cached position.
constexpr long long kMaxHeadLinesPerStep = 1 << 16;
constexpr long long kMaxContextTokens = 1 << 24;
constexpr long long kMaxKvEntries = 1LL << 28;

template <typename T>
bool parse_number(const char* begin, const char* end, T& out) {
    const auto result = std::from_chars(begin, end, out);
    return result.ec == std::errc() && result.ptr == end;
}

template <typename T>
bool parse_number(const std::string& text, T& out) {
    return parse_number(text.data(), text.data() + text.size(), out);
}

}  // namespace

void TraceReader::fail(const std::string& key, const std::string& message) const {
    throw InputError(path_, source_.recipe_line > 0 ? source_.recipe_line : line_number_, key, message);
}

TraceReader::TraceReader(const std::string& path)
    : path_(path), source_(open_trace_source(path)), in_(source_.text.get()), lines_(in_, kMaxLineBytes) {
    // A stream buffer's exception (corrupt gzip data) reaches next_text_line, which names the line.
    in_.exceptions(std::ios::badbit);
    read_header();
    if (read_line()) {  // else the first step reports the missing steps
        if (split_fields(line_) == std::vector<std::string>{"prefill"}) {
            has_prefill_ = true;
            prefill_.step = -1;
            prefill_.context_tokens = header_.prompt_tokens;
            read_heads(prefill_, "prefill");
        } else {
            pending_ = true;
        }
    }
    ahead_ = std::make_unique<ReadAhead<StepScores>>([this](StepScores& out) { return read_step(out); });
}

bool TraceReader::next(StepScores& out) { return ahead_->next(out); }

void TraceReader::read_heads(StepScores& out, const std::string& what) {
    const ModelShape& m = header_.model;
    out.heads_per_layer = m.heads;
    out.heads.resize(static_cast<std::size_t>(m.layers) * static_cast<std::size_t>(m.heads));
    for (int layer = 0; layer < m.layers; ++layer) {
        for (int head = 0; head < m.heads; ++head) {
            if (!read_line())
                fail("head", "truncated: " + what + " ends before layer " + std::to_string(layer) + " head " +
                                 std::to_string(head));
            parse_head_line(out.heads[static_cast<std::size_t>(layer * m.heads + head)], layer, head,
                            out.context_tokens);
        }
    }
}

bool TraceReader::read_line() {
    if (pending_) {
        pending_ = false;
        return true;
    }
    while (true) {
        const LineReader::Result result = next_text_line();
        if (result == LineReader::Result::end) break;
        if (line_number_ == std::numeric_limits<int>::max()) fail("", "more than 2^31 - 1 lines");
        ++line_number_;
        if (result == LineReader::Result::too_long) fail("", "line longer than 1 MiB");
        if (is_binary(line_)) fail("", "binary data, not a kelle trace");
        const auto first = line_.find_first_not_of(" \t\r");
        if (first == std::string::npos || line_[first] == '#') continue;
        return true;
    }
    return false;
}

LineReader::Result TraceReader::next_text_line() {
    try {
        return lines_.next(line_);
    } catch (const GzipError& e) {
        ++line_number_;  // the line being read when the data broke
        fail("gzip", e.what());
    } catch (const std::ios_base::failure& e) {  // libstdc++'s filebuf throws on a read error
        ++line_number_;
        fail("", std::string("cannot read the file (") + e.what() + ")");
    }
}

void TraceReader::read_header() {
    if (!read_line()) fail("", line_number_ == 0 ? "empty file" : "no header");
    const auto magic = split_fields(line_);
    if (magic.size() != 2 || magic[0] != kMagic) fail("", "not a kelle trace (expected 'kelle-trace 1' first)");
    if (magic[1] != "1") fail("version", "unsupported trace version '" + clip(magic[1]) + "' (this reader knows 1)");

    std::set<std::string> seen;
    while (true) {
        if (!read_line()) fail("", "truncated: header ends before 'begin'");
        const auto fields = split_fields(line_);
        const std::string& key = fields[0];
        if (key == "begin") break;
        if (!seen.insert(key).second) fail(clip(key), "header field given twice");
        if (key == "model") {
            parse_model(fields);
            continue;
        }
        // The generator takes any 64-bit seed, so the reader does too.
        if (key == "seed") {
            if (fields.size() != 2 || !parse_number(fields[1], header_.seed))
                fail(key, "expected 'seed <integer from 0 to 2^64-1>'");
            continue;
        }
        long long value = 0;
        if (fields.size() != 2 || !parse_number(fields[1], value)) fail(key, "expected '" + clip(key) + " <integer>'");
        if (value <= 0 || value > (1 << 30)) fail(key, "must be a positive integer, got " + clip(fields[1]));
        if (key == "prompt_tokens") header_.prompt_tokens = static_cast<int>(value);
        else if (key == "decode_steps") header_.decode_steps = static_cast<int>(value);
        else if (key == "topk") header_.topk = static_cast<int>(value);
        else fail(key, "unknown header field");
    }
    for (const char* required : {"model", "prompt_tokens", "decode_steps", "topk"})
        if (!seen.count(required)) fail(required, "missing header field before 'begin'");
    check_sizes();
}

// Each field is within its own bound already; these are the products a run allocates by.
void TraceReader::check_sizes() {
    const ModelShape& m = header_.model;
    const long long head_lines = static_cast<long long>(m.layers) * m.heads;
    if (head_lines > kMaxHeadLinesPerStep)
        fail("model.layers", "layers x heads = " + std::to_string(head_lines) + " head lines per step, more than " +
                                 std::to_string(kMaxHeadLinesPerStep) + " a run can hold");
    const long long context = static_cast<long long>(header_.prompt_tokens) + header_.decode_steps;
    if (context > kMaxContextTokens)
        fail("prompt_tokens", "prompt_tokens + decode_steps = " + std::to_string(context) + ", more than " +
                                  std::to_string(kMaxContextTokens) + " a run can hold");
    const long long kv_entries = static_cast<long long>(m.layers) * m.kv_heads * context;
    if (kv_entries > kMaxKvEntries)
        fail("prompt_tokens", "layers x kv_heads x (prompt_tokens + decode_steps) = " + std::to_string(kv_entries) +
                                  " cached entries, more than " + std::to_string(kMaxKvEntries) + " a run can hold");
}

void TraceReader::parse_model(const std::vector<std::string>& fields) {
    std::map<std::string, std::string> values;
    for (std::size_t i = 1; i < fields.size(); ++i) {
        const auto equals = fields[i].find('=');
        if (equals == std::string::npos) fail("model", "expected key=value, got '" + clip(fields[i]) + "'");
        if (!values.emplace(fields[i].substr(0, equals), fields[i].substr(equals + 1)).second)
            fail("model." + clip(fields[i].substr(0, equals)), "given twice");
    }
    ModelShape& m = header_.model;
    const std::pair<const char*, int*> integers[] = {{"layers", &m.layers},     {"heads", &m.heads},
                                                     {"kv_heads", &m.kv_heads}, {"head_dim", &m.head_dim},
                                                     {"hidden", &m.hidden},     {"ffn", &m.ffn},
                                                     {"dtype_bytes", &m.dtype_bytes}};
    for (const auto& [name, target] : integers) {
        const auto it = values.find(name);
        if (it == values.end()) fail(std::string("model.") + name, "missing");
        if (!parse_number(it->second, *target) || *target <= 0 || *target > (1 << 24))
            fail(std::string("model.") + name, "must be a positive integer, got '" + clip(it->second) + "'");
        values.erase(it);
    }
    const auto name = values.find("name");
    if (name == values.end() || name->second.empty()) fail("model.name", "missing");
    if (!is_valid_utf8(name->second)) fail("model.name", "not UTF-8 text: '" + clip(name->second) + "'");
    m.name = name->second;
    values.erase(name);
    const auto gated = values.find("gated_ffn");
    if (gated == values.end() || (gated->second != "0" && gated->second != "1"))
        fail("model.gated_ffn", "must be 0 or 1");
    m.gated_ffn = gated->second == "1";
    values.erase(gated);
    if (!values.empty()) fail("model." + clip(values.begin()->first), "unknown model field");
    if (m.heads % m.kv_heads != 0) fail("model.kv_heads", "heads must be a multiple of kv_heads");
    // Each is at most 2^24, so the product needs 64 bits.
    if (m.hidden != static_cast<long long>(m.heads) * m.head_dim) fail("model.hidden", "must equal heads x head_dim");
}

void TraceReader::parse_head_line(HeadScores& out, int layer, int head, int context) {
    out.top.clear();
    const char* p = line_.data();
    const char* const end = p + line_.size();
    auto next_field = [&](const char*& begin, const char*& stop) {
        while (p < end && (*p == ' ' || *p == '\t' || *p == '\r')) ++p;
        begin = p;
        while (p < end && *p != ' ' && *p != '\t' && *p != '\r') ++p;
        stop = p;
        return stop > begin;
    };
    const char *begin, *stop;
    int got_layer = -1, got_head = -1;
    if (!next_field(begin, stop) || !parse_number(begin, stop, got_layer) || !next_field(begin, stop) ||
        !parse_number(begin, stop, got_head))
        fail("head", "expected '<layer> <head> <position>:<score> ...'");
    if (got_layer != layer || got_head != head)
        fail("head", "expected layer " + std::to_string(layer) + " head " + std::to_string(head) + ", got layer " +
                         std::to_string(got_layer) + " head " + std::to_string(got_head));
    double sum = 0;
    while (next_field(begin, stop)) {
        const char* colon = std::find(begin, stop, ':');
        ScoreEntry entry{};
        if (colon == stop || !parse_number(begin, colon, entry.position))
            fail("position", "expected <position>:<score>, got '" + clip(std::string(begin, stop)) + "'");
        if (!parse_number(colon + 1, stop, entry.score) || !std::isfinite(entry.score) || entry.score < 0)
            fail("score", "expected a score >= 0, got '" + clip(std::string(colon + 1, stop)) + "'");
        if (entry.position >= static_cast<std::uint32_t>(context))
            fail("position", "position " + std::to_string(entry.position) + " is not cached (context " +
                                 std::to_string(context) + ")");
        if (static_cast<int>(out.top.size()) == header_.topk)
            fail("topk", "more than topk = " + std::to_string(header_.topk) + " entries");
        sum += entry.score;
        out.top.push_back(entry);
    }
    check_distinct_positions(out.top);
    if (sum > 1.0 + 1e-3) fail("score", "scores of a head sum to " + std::to_string(sum) + " > 1");
    out.residual = static_cast<float>(std::max(0.0, 1.0 - sum));
}

// Sorted, not pairwise: a head line may list a million positions (topk is up to 2^24).
void TraceReader::check_distinct_positions(const std::vector<ScoreEntry>& top) {
    positions_.clear();
    for (const ScoreEntry& e : top) positions_.push_back(e.position);
    std::sort(positions_.begin(), positions_.end());
    const auto repeated = std::adjacent_find(positions_.begin(), positions_.end());
    if (repeated != positions_.end()) fail("position", "position " + std::to_string(*repeated) + " repeated");
}

bool TraceReader::read_step(StepScores& out) {
    if (steps_read_ == header_.decode_steps) {
        if (read_line()) fail("", "unexpected content after the last step");
        return false;
    }
    if (!read_line()) fail("step", "truncated: expected step " + std::to_string(steps_read_));
    const auto fields = split_fields(line_);
    int step = -1, context = -1;
    if (fields.size() != 4 || fields[0] != "step" || !parse_number(fields[1], step) || fields[2] != "context" ||
        !parse_number(fields[3], context))
        fail("step", "expected 'step <n> context <tokens>'");
    if (step != steps_read_) fail("step", "expected step " + std::to_string(steps_read_) + ", got " + clip(fields[1]));
    const int expected_context = header_.prompt_tokens + step + 1;
    if (context != expected_context)
        fail("context", "expected " + std::to_string(expected_context) + " (prompt + step + 1), got " + clip(fields[3]));

    out.step = step;
    out.context_tokens = context;
    read_heads(out, "step " + std::to_string(step));
    ++steps_read_;
    return true;
}

}  // namespace kelle
