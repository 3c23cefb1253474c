// ModelStepSource: execution-driven decode. A llama2.c checkpoint runs inside the platform in
// place of a trace: the host feeds its token ids, and each decode layer's scores are the model's
// own attention over the K/V the platform holds (docs/architecture.md, "Execution-driven decode").
//
// Before the simulation a clean reference run (K/V held exactly as binary16, nothing evicted)
// decodes greedily from the prompt; the platform's run is teacher-forced on that continuation,
// so its next-token distributions compare step by step with the reference's (quality below).
//
// During the simulation the sequencer calls run_layer(layer) in each decode layer once the new
// token is admitted (LayerSequencer::on_decode_layer). The layer's attention reads, per KV head,
// exactly the tokens the KV cache holds (an evicted token is absent); their K/V are the bytes the
// eDRAM holds in functional mode (flips included, read without time by debug transport), or the
// model's own values when the store is exact (SRAM, or the eDRAM in timing mode); an AERP token
// held as x has K/V recomputed from its x (project_kv). The layer's scores (per query head: its
// top-k, the rest as the residual, rounded as kelle-tracegen --checkpoint writes them; a NaN
// probability, from a flipped exponent, scores 0) go into
// the step's StepScores for the cache's read, importance update and 2DRP classes.
//
// Stats (docs/stats.md): `execution` with the token ids and `quality` (top-1 agreement, mean KL,
// perplexity). Signals, per decode step: quality.top1_agree (0/1), quality.kl_unats and
// quality.nll_unats (KL and -log p of the reference's next token, in micro-nats).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/observable.h"
#include "trace/trace.h"
#include "kvcache/kv_cache.h"
#include "model/checkpoint.h"
#include "model/kv_source.h"
#include "model/transformer.h"

namespace kelle {

// A step whose distribution is not finite (a flipped exponent made a K or V inf or NaN) counts
// as a disagreement and is left out of the KL and perplexity means (nonfinite_steps).
struct RunQuality {
    int steps = 0;
    int nonfinite_steps = 0;
    int agreements = 0;         // steps whose most likely token is the reference's
    double kl_sum_nats = 0;     // sum over steps of KL(reference || run)
    double nll_sum_nats = 0;    // sum over steps of -log p_run(the reference's next token)
    double reference_nll_sum_nats = 0;  // the same under the reference
    double top1_agreement() const { return steps ? static_cast<double>(agreements) / steps : 0.0; }
    int finite_steps() const { return steps - nonfinite_steps; }
    double mean_kl_nats() const { return finite_steps() ? kl_sum_nats / finite_steps() : 0.0; }
    double perplexity() const;
    double reference_perplexity() const;
};

class ModelStepSource : public StepSource, public Observable {
public:
    // `prompt` starts with BOS; prompt + decode_steps must fit the checkpoint's context
    // (InputError on --decode). `checkpoint` must outlive the source.
    ModelStepSource(const Checkpoint& checkpoint, std::vector<int> prompt, int decode_steps, int topk);
    ~ModelStepSource() override;
    ModelStepSource(const ModelStepSource&) = delete;
    ModelStepSource& operator=(const ModelStepSource&) = delete;

    // The platform's KV cache, before the simulation starts: in functional mode the values it
    // writes become the model's K/V.
    void attach(KvCache& cache);
    // The sequencer's hook: computes `layer` of the current step (see above).
    void run_layer(int layer);

    const TraceHeader& header() const override { return header_; }
    const std::string& path() const override { return checkpoint_.path(); }
    const StepScores* prefill() const override { return &prefill_; }
    bool next(StepScores& out) override;

    const RunQuality& quality() const { return quality_; }
    const std::vector<int>& generated() const { return generated_; }

    void report_energy(StatsReport&) const override {}  // the host's side: no hardware of its own
    void report_stats(StatsReport& report) const override;
    void trace(sc_core::sc_trace_file* file) override;

private:
    class PlatformKv;
    void run_reference();
    void finish_step();
    void record_scores(int layer);

    const Checkpoint& checkpoint_;
    const ModelConfig& config_;
    TraceHeader header_;
    StepScores prefill_;
    int prompt_;
    std::vector<int> tokens_;  // the prompt, then the reference's greedy continuation (decode + 1)
    std::vector<float> reference_log_probs_;  // [step][vocab]
    std::unique_ptr<PlatformKv> kv_;
    Transformer transformer_;
    StepAttention attention_;
    StepScores* current_ = nullptr;
    int step_ = -1;
    std::vector<float> log_probs_;
    std::vector<int> generated_;  // the run's own most likely next token, per decode step
    RunQuality quality_;
    int agree_signal_ = 0;
    // The waveform's integer copies (the VCD writer traces integers): micro-nats, rounded.
    std::uint64_t kl_unats_ = 0, nll_unats_ = 0;
    std::string line_;
};

// Parses head lines "<layer> <head> <position>:<score> ..." (one per '\n') of `text` in order
// into out.heads, as TraceReader reads them: a residual of max(0, 1 - the listed scores' sum).
void parse_head_lines(const std::string& text, StepScores& out);

}  // namespace kelle
