#include "kvcache/kv_store_port.h"

namespace kelle {

void KvStorePort::hint(const Extent* pieces, int count, bool live, double t_ns) {
    for (int i = 0; i < count; ++i) {
        if (!pieces[i].onchip) continue;
        hint_.address = pieces[i].address;
        hint_.bytes = pieces[i].bytes;
        hint_.live = live;
        issuer_.command(kv_, hint_, t_ns);
    }
}

}  // namespace kelle
