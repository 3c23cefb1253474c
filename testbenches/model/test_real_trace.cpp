// kelle-tracegen --checkpoint: the trace it writes reads back through the project's trace
// reader, and its scores are the model's attention probabilities, rounded down at 6 decimals.
#include <catch2/catch.hpp>

#include <sys/wait.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include "checkpoint_files.h"
#include "trace/trace.h"
#include "model/decode.h"

using namespace kelle;

namespace {

const std::string kCheckpoint = std::string(KELLE_SOURCE_DIR) + "/models/stories260K.bin";

std::string run_tracegen(const std::string& name, const std::string& arguments) {
    const std::string path = kelle_test::temp_path(name);
    const std::string command = std::string(KELLE_TRACEGEN) + " --checkpoint " + kCheckpoint + " " + arguments +
                                " --output " + path;
    REQUIRE(std::system(command.c_str()) == 0);
    return path;
}

// The model's attention at every position of `tokens` (K/V exact, nothing evicted).
std::vector<StepAttention> attention_along(const Checkpoint& c, const std::vector<int>& tokens) {
    const ModelConfig& m = c.config();
    Transformer t(c);
    ExactKvStore kv(m.layers, m.kv_heads, m.head_size(), m.seq_len);
    std::vector<StepAttention> steps(tokens.size());
    for (std::size_t i = 0; i < tokens.size(); ++i) t.forward(tokens[i], static_cast<int>(i), kv, nullptr, &steps[i]);
    return steps;
}

// Query head (layer, head)'s probability of `position` in `a`.
double probability(const StepAttention& a, int group, int layer, int head, std::uint32_t position) {
    const std::vector<std::uint32_t>& positions = a.kv_positions(layer, head / group);
    for (std::size_t i = 0; i < positions.size(); ++i)
        if (positions[i] == position) return a.query(layer, head)[i];
    FAIL("position " << position << " not attended");
    return 0;
}

// Each listed score against the model's probability: floor(p x 1e6) / 1e6, read as a float.
void check_line(const HeadScores& line, const StepAttention& a, int group, int layer, int head) {
    REQUIRE(!line.top.empty());
    for (const ScoreEntry& e : line.top) {
        const double p = probability(a, group, layer, head, e.position);
        INFO("layer " << layer << " head " << head << " position " << e.position);
        CHECK(e.score <= p + 1e-7);
        CHECK(e.score >= p - 1.1e-6);
    }
}

}  // namespace

TEST_CASE("a checkpoint's trace from BOS holds the model's probabilities and its greedy tokens", "[model][trace]") {
    const std::string path = run_tracegen("real-bos.trace", "--decode 160 --topk 8");
    const Checkpoint c = load_checkpoint(kCheckpoint);
    const ModelConfig& m = c.config();
    TraceReader reader(path);
    const TraceHeader& h = reader.header();
    CHECK(h.model.layers == 5);
    CHECK(h.model.heads == 8);
    CHECK(h.model.kv_heads == 4);
    CHECK(h.model.head_dim == 8);
    CHECK(h.model.hidden == 64);
    CHECK(h.model.ffn == 172);
    CHECK(h.prompt_tokens == 1);
    CHECK(h.decode_steps == 160);
    // Prefill of BOS alone: the one query attends to itself, probability 1 in every head.
    REQUIRE(reader.prefill() != nullptr);
    CHECK(reader.prefill()->at(4, 7).top.at(0).position == 0u);
    CHECK(reader.prefill()->at(4, 7).top.at(0).score == 1.0f);

    std::vector<int> tokens = {kBosToken};
    const std::vector<int> generated = greedy_decode(c, tokens, 160);
    tokens.insert(tokens.end(), generated.begin(), generated.end());  // step s feeds tokens[1 + s]
    const std::vector<StepAttention> model = attention_along(c, tokens);
    StepScores step;
    const std::map<int, std::pair<int, int>> picked = {{0, {0, 0}}, {1, {2, 5}}, {37, {4, 7}}, {159, {1, 3}}};
    while (reader.next(step)) {
        CHECK(step.context_tokens == 2 + step.step);
        const auto it = picked.find(step.step);
        if (it != picked.end()) check_line(step.at(it->second.first, it->second.second), model[1 + step.step], m.group(),
                                           it->second.first, it->second.second);
    }
    CHECK(step.step == 159);

    // The "# token" comments give the greedy ids run.c's test recorded (test_transformer.cpp).
    std::ifstream text(path);
    std::string line;
    std::vector<int> commented;
    while (std::getline(text, line))
        if (line.rfind("# token ", 0) == 0) commented.push_back(std::stoi(line.substr(8)));
    CHECK(commented == std::vector<int>(tokens.begin() + 1, tokens.end()));
}

TEST_CASE("the same checkpoint and prompt give a byte-identical trace", "[model][trace]") {
    const auto bytes = [](const std::string& path) {
        std::ifstream in(path, std::ios::binary);
        std::stringstream buffer;
        buffer << in.rdbuf();
        return buffer.str();
    };
    const std::string a = bytes(run_tracegen("same-a.trace", "--decode 24"));
    CHECK(a.size() > 1000);
    CHECK(a == bytes(run_tracegen("same-b.trace", "--decode 24")));
}

TEST_CASE("a prompt file's prefill scores are the mean over the prompt's queries", "[model][trace]") {
    const std::string prompt = kelle_test::temp_path("real.ids");
    std::ofstream(prompt, std::ios::trunc) << "461 401\n";
    const std::string path = run_tracegen("real-prompt.trace", "--prompt-ids " + prompt + " --decode 4 --topk 3");
    const Checkpoint c = load_checkpoint(kCheckpoint);
    TraceReader reader(path);
    CHECK(reader.header().prompt_tokens == 3);
    const std::vector<StepAttention> model = attention_along(c, {kBosToken, 461, 401});
    // Position 0 of layer 3, head 6 receives 1 from query 0 and p1(0), p2(0) from the others: /3.
    const int group = c.config().group();
    const double expected = (1.0 + probability(model[1], group, 3, 6, 0) + probability(model[2], group, 3, 6, 0)) / 3.0;
    bool found = false;
    for (const ScoreEntry& e : reader.prefill()->at(3, 6).top)
        if (e.position == 0) {
            found = true;
            CHECK(e.score == Approx(expected).margin(1.1e-6));
        }
    CHECK(found);
}

TEST_CASE("kelle-tracegen --checkpoint refuses bad input in one line with the usual status", "[model][trace]") {
    struct Case {
        std::string arguments;
        int status;
        std::string start;  // of the one stderr line
    };
    const std::string out = kelle_test::temp_path("refused.trace");
    const std::vector<Case> cases = {
        {"--checkpoint " + kCheckpoint + " --model tiny --output " + out, 2, "kelle-tracegen: error: command line: --model: "},
        {"--checkpoint " + kCheckpoint + " --decode 512 --output " + out, 2, "kelle-tracegen: error: command line: --decode: "},
        {"--checkpoint /dev/zero --output " + out, 1, "kelle-tracegen: error: /dev/zero: file: "},
        {"--model tiny --prompt 4 --decode 2 --prompt-ids x --output " + out, 2,
         "kelle-tracegen: error: command line: --prompt-ids: "},
    };
    const std::string err = kelle_test::temp_path("refused.err");
    for (const Case& c : cases) {
        const int status = std::system((std::string(KELLE_TRACEGEN) + " " + c.arguments + " 2> " + err).c_str());
        std::ifstream in(err);
        std::stringstream buffer;
        buffer << in.rdbuf();
        const std::string text = buffer.str();
        INFO(c.arguments << " -> " << text);
        CHECK(WEXITSTATUS(status) == c.status);
        CHECK(text.rfind(c.start, 0) == 0);
        CHECK(std::count(text.begin(), text.end(), '\n') == 1);
    }
}
