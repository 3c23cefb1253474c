#include "kvcache/kv_store_port.h"

namespace kelle {

bool KvStorePort::continues_run(const Extent* pieces, int count, bool live, double t_ns) const {
    if (count != run_count_ || live != run_live_ || t_ns != run_t_ns_) return false;
    for (int i = 0; i < count; ++i)
        if (pieces[i].address != run_[i].address + run_[i].bytes) return false;
    return true;
}

void KvStorePort::hint(const Extent* pieces, int count, bool live, double t_ns) {
    if (!pieces[0].onchip) return;  // a slot is on chip in all its pieces or in none
    if (joining_ && continues_run(pieces, count, live, t_ns)) {
        for (int i = 0; i < count; ++i) run_[i].bytes += pieces[i].bytes;
        return;
    }
    send_run();
    for (int i = 0; i < count; ++i) run_[i] = pieces[i];
    run_count_ = count;
    run_live_ = live;
    run_t_ns_ = t_ns;
    if (!joining_) send_run();
}

void KvStorePort::send_run() {
    for (int i = 0; i < run_count_; ++i) {
        hint_.address = run_[i].address;
        hint_.bytes = run_[i].bytes;
        hint_.live = run_live_;
        issuer_.command(kv_, hint_, run_t_ns_);
    }
    run_count_ = 0;
}

}  // namespace kelle
