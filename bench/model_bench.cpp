// kelle-model-bench: the reference forward pass alone (modules/model), the cost an
// execution-driven decode adds to the platform's own per step (issue 24).
//
// Greedy decoding from BOS for `steps` steps (default 256), K/V held exactly, twice: without
// recording the attention, and recording every step's probabilities (StepAttention), as the
// platform's importance scores and kelle-tracegen --checkpoint need them. Each is repeated
// `rounds` times (default 5); the median wall time is reported as ms per step, since a run of a
// fraction of a second moves by tens of percent on a shared machine.
//
//   kelle-model-bench [--checkpoint FILE] [--steps N] [--rounds R]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "common/error.h"
#include "model/decode.h"

namespace {

struct Options {
    std::string checkpoint = KELLE_DEFAULT_CHECKPOINT;
    int steps = 256;
    int rounds = 5;
};

Options parse(int argc, char* argv[]) {
    Options o;
    for (int i = 1; i < argc; ++i) {
        const std::string flag = argv[i];
        if (i + 1 == argc) throw kelle::InputError("command line", 0, flag, "needs a value", kelle::InputOrigin::command_line);
        const char* value = argv[++i];
        if (flag == "--checkpoint") o.checkpoint = value;
        else if (flag == "--steps") o.steps = std::atoi(value);
        else if (flag == "--rounds") o.rounds = std::atoi(value);
        else throw kelle::InputError("command line", 0, flag, "unknown option", kelle::InputOrigin::command_line);
    }
    if (o.steps <= 0 || o.rounds <= 0)
        throw kelle::InputError("command line", 0, "--steps", "--steps and --rounds must be > 0", kelle::InputOrigin::command_line);
    return o;
}

// Wall seconds of one greedy decode of `steps` steps from BOS; the last token goes to `sink` so
// the work cannot be dropped.
double decode_seconds(const kelle::Checkpoint& c, int steps, bool record, int& sink) {
    const kelle::ModelConfig& m = c.config();
    kelle::Transformer t(c);
    kelle::ExactKvStore kv(m.layers, m.kv_heads, m.head_size(), m.seq_len);
    kelle::StepAttention attention;
    const auto start = std::chrono::steady_clock::now();
    int token = kelle::kBosToken;
    for (int position = 0; position < steps; ++position)
        token = kelle::argmax(t.forward(token, position, kv, nullptr, record ? &attention : nullptr));
    sink += token;
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

}  // namespace

int main(int argc, char* argv[]) {
    try {
        const Options o = parse(argc, argv);
        const kelle::Checkpoint c = kelle::load_checkpoint(o.checkpoint);
        const kelle::ModelConfig& m = c.config();
        if (o.steps > m.seq_len)
            throw kelle::InputError("command line", 0, "--steps", "past the checkpoint's context", kelle::InputOrigin::command_line);
        std::printf("%s: dim %d, FFN %d, %d layers, %d heads / %d K/V heads, vocab %d; %d steps from BOS, median of %d rounds\n\n",
                    o.checkpoint.c_str(), m.dim, m.hidden_dim, m.layers, m.heads, m.kv_heads, m.vocab, o.steps, o.rounds);
        std::printf("| forward pass | ms / step | whole decode s |\n|---|---|---|\n");
        int sink = 0;
        for (const bool record : {false, true}) {
            std::vector<double> seconds;
            for (int r = 0; r < o.rounds; ++r) seconds.push_back(decode_seconds(c, o.steps, record, sink));
            const double s = median(seconds);
            std::printf("| %s | %.4f | %.4f |\n", record ? "recording the attention" : "logits only", 1e3 * s / o.steps, s);
        }
        return sink == -1;  // never: keeps the decodes observable
    } catch (const kelle::InputError& e) {
        std::fprintf(stderr, "kelle-model-bench: error: %s\n", e.what());
        return e.exit_status();
    }
}
