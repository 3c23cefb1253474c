#include "summary.h"

#include <cstdio>
#include <string>

namespace kelle {

namespace {
void row(std::ostream& out, const std::string& label, double value, const char* unit, const char* format = "%14.4f") {
    char number[64];
    std::snprintf(number, sizeof number, format, value);
    char line[160];
    std::snprintf(line, sizeof line, "  %-28s %s %s\n", label.c_str(), number, unit);
    out << line;
}
}  // namespace

void print_summary(std::ostream& out, const nlohmann::ordered_json& s) {
    out << "Kelle virtual platform: " << s["platform"].get<std::string>() << " on " << s["model"].get<std::string>()
        << " (" << s["trace"].get<std::string>() << ")\n";
    row(out, "batch (sequences)", s["batch"].get<double>(), "", "%14.0f");
    row(out, "decode steps", s["tokens"].get<double>(), "", "%14.0f");
    row(out, "simulated time", s["sim_time_s"].get<double>() * 1e3, "ms");
    row(out, "time to first token (prefill)", s["ttft_ms"].get<double>(), "ms");
    row(out, "latency per decode step, mean", s["latency_per_token_ms"]["mean"].get<double>(), "ms");
    row(out, "latency per decode step, p99", s["latency_per_token_ms"]["p99"].get<double>(), "ms");
    out << "  energy                                       uJ      share\n";
    const auto& energy = s["energy_pj"];
    const double total = energy["total"].get<double>();
    for (const auto& item : energy.items()) {
        const double pj = item.value().get<double>();
        char line[160];
        std::snprintf(line, sizeof line, "    %-26s %14.3f %9.1f%%\n", item.key().c_str(), pj * 1e-6,
                      total > 0 ? 100.0 * pj / total : 0.0);
        out << line;
    }
    const auto& refresh = s["refresh"];
    row(out, "refresh bursts", refresh["bursts"].get<double>(), "", "%14.0f");
    row(out, "refresh stall", refresh["stall_ns"].get<double>() * 1e-3, "us");
    row(out, "expected retention bit flips", s["retention"]["expected_bit_flips"].get<double>(), "", "%14.4g");
    row(out, "KV evictions", s["kv"]["evictions"].get<double>(), "", "%14.0f");
    row(out, "attention mass retained", s["kv"]["attention_mass_retained"]["mean"].get<double>(), "(mean)");
    if (s.contains("quality")) {  // execution-driven (--checkpoint): against the clean reference run
        const auto& q = s["quality"];
        row(out, "top-1 agreement", q["top1_agreement"].get<double>(), "(vs reference)");
        row(out, "mean KL divergence", q["mean_kl_nats"].get<double>(), "nats", "%14.4g");
        row(out, "perplexity (reference's)", q["perplexity"].get<double>(), "", "%14.4g");
        row(out, "reference perplexity", q["reference_perplexity"].get<double>(), "", "%14.4g");
        row(out, "non-finite steps", q["nonfinite_steps"].get<double>(), "", "%14.0f");
    }
    row(out, "TLM transactions", s["tlm_transactions"].get<double>(), "", "%14.0f");
    row(out, "wall time", s["wall_time_s"].get<double>(), "s", "%14.3f");
}

}  // namespace kelle
