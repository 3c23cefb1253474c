// Checkpoint files written by the tests: a llama2.c header and its tensors, in a temp dir.
#pragma once

#include <cstdint>
#include <fstream>
#include <string>
#include <vector>

#include "model/checkpoint.h"

namespace kelle_test {

inline std::string temp_path(const std::string& name) { return std::string(KELLE_TEST_TMP) + "/" + name; }

// The 7 header values as llama2.c writes them (vocab negative: unshared classifier).
inline std::vector<std::int32_t> header_of(const kelle::ModelConfig& c) {
    return {c.dim, c.hidden_dim, c.layers, c.heads, c.kv_heads, c.shared_classifier ? c.vocab : -c.vocab, c.seq_len};
}

inline std::string write_checkpoint(const std::string& name, const std::vector<std::int32_t>& header,
                                    const std::vector<float>& tensors) {
    const std::string path = temp_path(name);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(header.data()), static_cast<std::streamsize>(header.size() * sizeof(std::int32_t)));
    out.write(reinterpret_cast<const char*>(tensors.data()), static_cast<std::streamsize>(tensors.size() * sizeof(float)));
    return path;
}

// A one-layer checkpoint's tensors by name, concatenated in the order models/README.md lists.
struct OneLayerTensors {
    std::vector<float> embedding, rms_att, wq, wk, wv, wo, rms_ffn, w1, w2, w3, rms_final, rope;

    std::vector<float> concatenated() const {
        std::vector<float> all;
        for (const std::vector<float>* t : {&embedding, &rms_att, &wq, &wk, &wv, &wo, &rms_ffn, &w1, &w2, &w3, &rms_final, &rope})
            all.insert(all.end(), t->begin(), t->end());
        return all;
    }
};

}  // namespace kelle_test
