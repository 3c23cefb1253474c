// ReadAhead: produces the next item on a thread of its own while the caller works on this one.
//
// A decode step's trace (parsed text, or a recipe's generator and then the parse) costs about as
// much wall time as a quarter of the simulation of the step at the paper's shapes; on a second
// core it overlaps the simulation instead of adding to it. Items come out in order, exactly as
// the producer made them, so results do not depend on the thread: only wall time does. An
// exception the producer throws comes out of next() at the item where it happened.
//
// The producer fills a T it is given (buffers are swapped, not copied, so their capacity is
// reused) and returns false once there is nothing more. It runs on the read-ahead thread only,
// and must not share state with the caller's work.
#pragma once

#include <condition_variable>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>

namespace kelle {

template <typename T>
class ReadAhead {
public:
    explicit ReadAhead(std::function<bool(T&)> produce) : produce_(std::move(produce)), thread_([this] { run(); }) {}
    ReadAhead(const ReadAhead&) = delete;
    ReadAhead& operator=(const ReadAhead&) = delete;
    ~ReadAhead() {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            stopping_ = true;
        }
        changed_.notify_all();
        thread_.join();
    }

    // The next item into `out` (its old contents go back to the producer); false at the end.
    bool next(T& out) {
        std::unique_lock<std::mutex> lock(mutex_);
        changed_.wait(lock, [this] { return ready_; });
        if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
        if (!more_) return false;
        std::swap(out, item_);
        ready_ = false;
        changed_.notify_all();
        return true;
    }

private:
    void run() {
        T work;
        for (;;) {
            bool more = false;
            std::exception_ptr error;
            try {
                more = produce_(work);
            } catch (...) {
                error = std::current_exception();
            }
            std::unique_lock<std::mutex> lock(mutex_);
            changed_.wait(lock, [this] { return !ready_ || stopping_; });
            if (stopping_) return;
            std::swap(item_, work);
            more_ = more && !error;
            error_ = error;
            ready_ = true;
            changed_.notify_all();
            if (!more_) return;
        }
    }

    std::function<bool(T&)> produce_;
    std::mutex mutex_;
    std::condition_variable changed_;
    T item_;
    bool ready_ = false;     // item_ (or the end, or error_) waits for next()
    bool more_ = true;
    bool stopping_ = false;
    std::exception_ptr error_;
    std::thread thread_;  // last: it starts once everything above exists
};

}  // namespace kelle
