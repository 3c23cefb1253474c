#include "trace/trace_writer.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace kelle {
namespace {

// " position:score", the score rounded down to 6 decimals. This writes the digits printf's
// "%.6f" gives floor(score * 1e6) / 1e6: that double is within 1e-16 of micros / 10^6, far
// from a rounding boundary, so "%.6f" prints micros' digits. printf cost half the time of a
// recipe's expansion (perf, LLaMA-2-7B).
void append_entry(std::uint32_t position, double score, std::string& text) {
    const auto micros = static_cast<std::uint64_t>(std::floor(score * 1e6));
    constexpr int kMaxDigits = 20;  // of a 64-bit integer
    char buffer[2 * kMaxDigits + 9];
    char* end = buffer;
    *end++ = ' ';
    end = std::to_chars(end, end + kMaxDigits, position).ptr;
    *end++ = ':';
    end = std::to_chars(end, end + kMaxDigits, micros / 1000000).ptr;
    *end++ = '.';
    std::uint64_t fraction = micros % 1000000;
    for (int digit = 5; digit >= 0; --digit, fraction /= 10) end[digit] = static_cast<char>('0' + fraction % 10);
    text.append(buffer, static_cast<std::size_t>(end + 6 - buffer));
}

}  // namespace

void append_trace_head_line(int layer, int head, int topk, std::vector<ScoreCandidate>& candidates, std::string& text) {
    const std::size_t k = std::min<std::size_t>(static_cast<std::size_t>(topk), candidates.size());
    std::partial_sort(candidates.begin(), candidates.begin() + static_cast<std::ptrdiff_t>(k), candidates.end(),
                      [](const ScoreCandidate& a, const ScoreCandidate& b) {
                          return a.score != b.score ? a.score > b.score : a.position < b.position;
                      });
    text += std::to_string(layer) + " " + std::to_string(head);
    for (std::size_t i = 0; i < k; ++i) append_entry(candidates[i].position, candidates[i].score, text);
    text += '\n';
}

std::string trace_header_text(const ModelShape& m, int prompt_tokens, int decode_steps, int topk,
                              std::optional<std::uint64_t> seed, const std::string& comment) {
    return "kelle-trace 1\n"
           "# " + comment + "\n"
           "model name=" + m.name + " layers=" + std::to_string(m.layers) + " heads=" + std::to_string(m.heads) +
           " kv_heads=" + std::to_string(m.kv_heads) + " head_dim=" + std::to_string(m.head_dim) +
           " hidden=" + std::to_string(m.hidden) + " ffn=" + std::to_string(m.ffn) +
           " dtype_bytes=" + std::to_string(m.dtype_bytes) + " gated_ffn=" + (m.gated_ffn ? "1" : "0") + "\n" +
           "prompt_tokens " + std::to_string(prompt_tokens) + "\n" +
           "decode_steps " + std::to_string(decode_steps) + "\n" +
           "topk " + std::to_string(topk) + "\n" +
           (seed ? "seed " + std::to_string(*seed) + "\n" : std::string()) +
           "begin\n";
}

}  // namespace kelle
