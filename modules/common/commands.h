// Command extensions carried by TLM generic payloads between the platform's modules.
//
// Memory traffic uses plain TLM_READ/TLM_WRITE payloads (address, length). Work that is not a
// memory access travels as a payload with one of these extensions attached and command
// TLM_IGNORE_COMMAND: the host hands a layer of a decode step to the layer sequencer, the
// sequencer hands a compute job to the PE array, and the KV cache liveness hints to the KV store.
#pragma once

#include <cstdint>
#include <tlm>

namespace kelle {

struct StepScores;

template <typename T>
class CommandExtension : public tlm::tlm_extension<T> {
public:
    tlm::tlm_extension_base* clone() const override { return new T(static_cast<const T&>(*this)); }
    void copy_from(const tlm::tlm_extension_base& other) override {
        static_cast<T&>(*this) = static_cast<const T&>(other);
    }
};

// Host -> layer sequencer.
struct LayerCommand : CommandExtension<LayerCommand> {
    enum class Phase { load_prompt, decode };
    Phase phase = Phase::decode;
    int step = 0;                        // decode step (0-based); unused for load_prompt
    int layer = 0;
    const StepScores* scores = nullptr;  // this step's attention scores; for load_prompt the
                                         // trace's prefill attention, or null
};

// Layer sequencer -> PE array. Operands of attention are already on chip (the KV cache read
// them); a GEMV streams its weight matrix from off-chip DRAM.
struct PeCommand : CommandExtension<PeCommand> {
    enum class Kind { gemv, attention, eviction_search };
    Kind kind = Kind::gemv;
    const char* label = "";              // "qkv", "out_proj", "ffn_up", ... for logs
    // gemv: Y[out_rows x vectors] = W[out_rows x in_cols] * X[in_cols x vectors] (a GEMV when
    // vectors = 1, a GEMM for prefill's prompt or a batch); and, against the same pass of the
    // weights, the last `reuse_rows` rows times `reuse_vectors` more vectors (AERP recomputes the
    // K and V of tokens kept as x while W_K and W_V stream by for the QKV projection).
    std::uint64_t out_rows = 0;
    std::uint64_t in_cols = 0;
    std::uint64_t vectors = 1;
    std::uint64_t reuse_rows = 0;
    std::uint64_t reuse_vectors = 0;
    std::uint64_t weight_address = 0;    // in DRAM
    std::uint64_t weight_bytes = 0;      // out_rows x in_cols x dtype bytes
    // attention: score and value-mix MACs over the resident keys, softmax on the SFU
    std::uint64_t macs = 0;
    std::uint64_t sfu_elements = 0;
    // eviction_search: importance values the eviction unit scans for each evicting head's minimum
    std::uint64_t compare_elements = 0;
    // activation vectors read from / written to the on-chip buffer
    std::uint64_t input_bytes = 0;
    std::uint64_t output_bytes = 0;
};

// KV cache -> KV store: a slot starts or stops holding a token. Takes no time; a store
// that refreshes (eDRAM) uses it to skip rows with nothing live, one that does not (SRAM)
// accepts and ignores it.
struct LivenessHint : CommandExtension<LivenessHint> {
    std::uint64_t address = 0;
    std::uint64_t bytes = 0;
    bool live = true;
};

}  // namespace kelle
