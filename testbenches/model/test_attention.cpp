// The attention on a toy checkpoint whose scores follow by hand, the KvSource and eviction
// seams, and the recomputation of K/V from a layer's input.
//
// The toy: dim 4, one layer, two query heads sharing one K/V head (head size 2), every token's
// embedding (1, 1, 1, 1) and unit RMSNorm weights, so each layer input is x = g (1, 1, 1, 1)
// with g = 1 / sqrt(1 + 1e-5). W_Q's row 0 is 0.5s and row 2 0.25s, W_K's row 0 0.5s, other
// rows zero: before RoPE q0 = (2g, 0), q1 = (g, 0), k = (2g, 0). RoPE turns each by its
// position (the pair (0, 1) has frequency 10000^0 = 1), so the query at P scores the key at p
//   head 0: (2g)(2g) cos(P - p) / sqrt(2),   head 1: (g)(2g) cos(P - p) / sqrt(2).
#include <catch2/catch.hpp>

#include <cmath>
#include <map>

#include "checkpoint_files.h"
#include "model/transformer.h"

using namespace kelle;

namespace {

Checkpoint write_toy(const std::string& name) {
    const int dim = 4, hidden = 2, vocab = 2, seq_len = 8, kv_dim = 2;
    kelle_test::OneLayerTensors t;
    t.embedding.assign(vocab * dim, 1.0f);
    t.rms_att.assign(dim, 1.0f);
    t.wq.assign(dim * dim, 0.0f);
    for (int j = 0; j < dim; ++j) {
        t.wq[0 * dim + j] = 0.5f;
        t.wq[2 * dim + j] = 0.25f;
    }
    t.wk.assign(kv_dim * dim, 0.0f);
    t.wv.assign(kv_dim * dim, 0.0f);
    for (int j = 0; j < dim; ++j) t.wk[j] = t.wv[j] = 0.5f;
    t.wo.assign(dim * dim, 0.0f);
    t.rms_ffn.assign(dim, 1.0f);
    t.w1.assign(hidden * dim, 0.0f);
    t.w2.assign(dim * hidden, 0.0f);
    t.w3.assign(hidden * dim, 0.0f);
    t.rms_final.assign(dim, 1.0f);
    const int head_size = 2;
    t.rope.assign(2 * seq_len * head_size / 2, 0.0f);  // cos and sin tables, unused
    return load_checkpoint(kelle_test::write_checkpoint(name, {dim, hidden, 1, 2, 1, vocab, seq_len}, t.concatenated()));
}

// The hand formula above: head `head`'s softmax at query position `query` over `kept`.
std::map<std::uint32_t, double> hand_probabilities(int head, int query, const std::vector<std::uint32_t>& kept) {
    const double g2 = 1.0 / (1.0 + 1e-5);
    const double q_norm = head == 0 ? 2.0 : 1.0;
    double total = 0;
    std::map<std::uint32_t, double> p;
    for (const std::uint32_t position : kept) {
        p[position] = std::exp(q_norm * 2.0 * g2 * std::cos(query - static_cast<double>(position)) / std::sqrt(2.0));
        total += p[position];
    }
    for (auto& entry : p) entry.second /= total;
    return p;
}

void check_head(const StepAttention& a, int head, int query, const std::vector<std::uint32_t>& kept) {
    const std::map<std::uint32_t, double> expected = hand_probabilities(head, query, kept);
    REQUIRE(a.kv_positions(0, 0) == kept);
    for (std::size_t i = 0; i < kept.size(); ++i)
        CHECK(a.query(0, head)[i] == Approx(expected.at(kept[i])).epsilon(1e-5));
}

// The exact store with position 0's K negated on the way out, as a storage fault would return it.
class NegatingSource : public KvSource {
public:
    explicit NegatingSource(int seq_len) : store_(1, 1, 2, seq_len) {}
    void write(int layer, std::uint32_t position, const float* x, const float* k, const float* v) override {
        store_.write(layer, position, x, k, v);
    }
    void read(int layer, int kv_head, std::uint32_t position, std::vector<KvEntry>& out) override {
        store_.read(layer, kv_head, position, out);
        negated_[0] = -out[0].k[0];
        negated_[1] = -out[0].k[1];
        out[0].k = negated_;
    }

private:
    ExactKvStore store_;
    float negated_[2] = {};
};

// Keeps only each token's layer input x and recomputes K and V from it at every read, as
// Kelle's AERP x-tier does.
class XOnlySource : public KvSource {
public:
    explicit XOnlySource(const Checkpoint& c) : checkpoint_(c), x_(static_cast<std::size_t>(c.config().layers)) {}
    void write(int layer, std::uint32_t, const float* x, const float*, const float*) override {
        x_[static_cast<std::size_t>(layer)].emplace_back(x, x + checkpoint_.config().dim);
    }
    void read(int layer, int kv_head, std::uint32_t position, std::vector<KvEntry>& out) override {
        const ModelConfig& m = checkpoint_.config();
        const std::size_t kv_dim = static_cast<std::size_t>(m.kv_dim());
        k_.resize((position + 1) * kv_dim);
        v_.resize(k_.size());
        out.clear();
        for (std::uint32_t p = 0; p <= position; ++p) {
            project_kv(checkpoint_, layer, static_cast<int>(p), x_[static_cast<std::size_t>(layer)][p].data(), &k_[p * kv_dim],
                       &v_[p * kv_dim]);
            const std::size_t head = p * kv_dim + static_cast<std::size_t>(kv_head * m.head_size());
            out.push_back({p, &k_[head], &v_[head]});
        }
    }

private:
    const Checkpoint& checkpoint_;
    std::vector<std::vector<std::vector<float>>> x_;  // [layer][position][dim]
    std::vector<float> k_, v_;
};

}  // namespace

TEST_CASE("the toy's attention probabilities are the hand formula's", "[model][attention]") {
    const Checkpoint c = write_toy("toy-full.bin");
    Transformer t(c);
    ExactKvStore kv(1, 1, 2, 8);
    StepAttention a;
    for (int position = 0; position <= 3; ++position) t.forward(0, position, kv, nullptr, &a);
    check_head(a, 0, 3, {0, 1, 2, 3});
    check_head(a, 1, 3, {0, 1, 2, 3});
}

TEST_CASE("an evicted token gets zero attention and the rest renormalise", "[model][attention]") {
    const Checkpoint c = write_toy("toy-evicted.bin");
    Transformer t(c);
    ExactKvStore kv(1, 1, 2, 8);
    EvictedPositions evicted(1, 1, 8);
    StepAttention a;
    for (int position = 0; position <= 2; ++position) t.forward(0, position, kv, &evicted, &a);
    evicted.evict(0, 0, 1);
    t.forward(0, 3, kv, &evicted, &a);
    // Position 1 is absent (probability zero); 0, 2 and 3 share the whole mass by the formula
    // over those three alone.
    check_head(a, 0, 3, {0, 2, 3});
    check_head(a, 1, 3, {0, 2, 3});
    for (int head = 0; head < 2; ++head) {
        double sum = 0;
        for (const float p : a.query(0, head)) sum += p;
        CHECK(sum == Approx(1.0).epsilon(1e-6));
    }
    // Importance: the two query heads' probabilities summed per position.
    const auto p0 = hand_probabilities(0, 3, {0, 2, 3}), p1 = hand_probabilities(1, 3, {0, 2, 3});
    const std::vector<std::uint32_t> kept = {0, 2, 3};
    for (std::size_t i = 0; i < kept.size(); ++i)
        CHECK(a.kv_importance(0, 0)[i] == Approx(p0.at(kept[i]) + p1.at(kept[i])).epsilon(1e-5));
}

TEST_CASE("the attention scores the K its KvSource returns", "[model][attention]") {
    const Checkpoint c = write_toy("toy-negated.bin");
    Transformer t(c);
    NegatingSource kv(8);
    StepAttention a;
    for (int position = 0; position <= 3; ++position) t.forward(0, position, kv, nullptr, &a);
    // Position 0's score flips sign: head 0 gives it exp(-4 g^2 cos 3 / sqrt 2) against the rest.
    const double g2 = 1.0 / (1.0 + 1e-5);
    double weights[4], total = 0;
    for (int p = 0; p < 4; ++p) {
        weights[p] = std::exp((p == 0 ? -1.0 : 1.0) * 4.0 * g2 * std::cos(3.0 - p) / std::sqrt(2.0));
        total += weights[p];
    }
    for (int p = 0; p < 4; ++p) CHECK(a.query(0, 0)[static_cast<std::size_t>(p)] == Approx(weights[p] / total).epsilon(1e-5));
}

TEST_CASE("project_kv recomputes, bit for bit, the K and V a layer wrote", "[model][attention]") {
    const Checkpoint c = load_checkpoint(std::string(KELLE_SOURCE_DIR) + "/models/stories260K.bin");
    const ModelConfig& m = c.config();
    Transformer t(c);
    ExactKvStore kv(m.layers, m.kv_heads, m.head_size(), m.seq_len);
    const std::vector<int> tokens = {1, 461, 401, 378, 455, 473, 456};
    for (std::size_t i = 0; i < tokens.size(); ++i) t.forward(tokens[i], static_cast<int>(i), kv);
    const int last = static_cast<int>(tokens.size()) - 1;
    std::vector<float> k(static_cast<std::size_t>(m.kv_dim())), v(k.size());
    std::vector<KvEntry> stored;
    for (int layer = 0; layer < m.layers; ++layer) {
        project_kv(c, layer, last, t.layer_input(layer), k.data(), v.data());
        for (int h = 0; h < m.kv_heads; ++h) {
            kv.read(layer, h, static_cast<std::uint32_t>(last), stored);
            const KvEntry& e = stored.back();
            REQUIRE(e.position == static_cast<std::uint32_t>(last));
            for (int i = 0; i < m.head_size(); ++i) {
                CHECK(e.k[i] == k[static_cast<std::size_t>(h * m.head_size() + i)]);
                CHECK(e.v[i] == v[static_cast<std::size_t>(h * m.head_size() + i)]);
            }
        }
    }
}

TEST_CASE("a source that keeps only x and recomputes K/V gives the exact store's logits", "[model][attention]") {
    const Checkpoint c = load_checkpoint(std::string(KELLE_SOURCE_DIR) + "/models/stories260K.bin");
    const ModelConfig& m = c.config();
    Transformer exact(c), recomputing(c);
    ExactKvStore store(m.layers, m.kv_heads, m.head_size(), m.seq_len);
    XOnlySource x_only(c);
    int token = 1;
    for (int position = 0; position < 24; ++position) {
        const std::vector<float> expected = exact.forward(token, position, store);
        CHECK(recomputing.forward(token, position, x_only) == expected);  // project_kv is bit-exact
        token = argmax(expected);
    }
}

TEST_CASE("K/V convert to the platform's binary16 values, K first", "[model][attention]") {
    // From the IEEE 754 binary16 table: 1 = 0x3c00, -2 = 0xc000, 0.5 = 0x3800, 65504 = 0x7bff.
    const float k[2] = {1.0f, -2.0f}, v[2] = {0.5f, 65504.0f};
    std::uint16_t values[4];
    kv_to_half(k, v, 2, values);
    CHECK(values[0] == 0x3c00);
    CHECK(values[1] == 0xc000);
    CHECK(values[2] == 0x3800);
    CHECK(values[3] == 0x7bff);
    float k_back[2], v_back[2];
    half_to_kv(values, 2, k_back, v_back);
    CHECK(k_back[1] == -2.0f);
    CHECK(v_back[1] == 65504.0f);
    // The half-precision store rounds: 1 + 1e-4 is nearer 1 than 1 + 2^-10.
    ExactKvStore half(1, 1, 2, 1, true);
    const float k_in[2] = {1.0001f, 0.0f}, v_in[2] = {0.0f, 0.0f};
    half.write(0, 0, nullptr, k_in, v_in);
    std::vector<KvEntry> out;
    half.read(0, 0, 0, out);
    CHECK(out.at(0).k[0] == 1.0f);
}
