#include "trace/gzip_file.h"

#include <cstring>
#include <ios>
#include <new>

namespace kelle {

namespace {
// zlib's windowBits: 15 (the largest window) + 16 for a gzip wrapper rather than zlib's own.
constexpr int kGzipWindowBits = 15 + 16;
}  // namespace

GzipInputBuffer::GzipInputBuffer(std::unique_ptr<std::filebuf> file, const std::string& consumed)
    : file_(std::move(file)), input_(new char[kBufferBytes]), output_(new char[kBufferBytes]) {
    if (inflateInit2(&stream_, kGzipWindowBits) != Z_OK) throw std::bad_alloc();
    std::memcpy(input_.get(), consumed.data(), consumed.size());
    stream_.next_in = reinterpret_cast<Bytef*>(input_.get());
    stream_.avail_in = static_cast<uInt>(consumed.size());
    setg(output_.get(), output_.get(), output_.get());
}

GzipInputBuffer::~GzipInputBuffer() { inflateEnd(&stream_); }

GzipInputBuffer::int_type GzipInputBuffer::underflow() {
    if (gptr() == egptr()) inflate_some();
    return gptr() == egptr() ? traits_type::eof() : traits_type::to_int_type(*gptr());
}

bool GzipInputBuffer::refill_input() {
    std::streamsize got = 0;
    try {
        got = file_->sgetn(input_.get(), static_cast<std::streamsize>(kBufferBytes));
    } catch (const std::ios_base::failure& e) {  // libstdc++'s filebuf throws on a read error
        throw GzipError(std::string("read error: ") + e.what());
    }
    stream_.next_in = reinterpret_cast<Bytef*>(input_.get());
    stream_.avail_in = static_cast<uInt>(got);
    return got > 0;
}

void GzipInputBuffer::inflate_some() {
    stream_.next_out = reinterpret_cast<Bytef*>(output_.get());
    stream_.avail_out = static_cast<uInt>(kBufferBytes);
    while (stream_.avail_out == kBufferBytes && !stream_ended_) {
        if (stream_.avail_in == 0 && !refill_input())
            throw GzipError("truncated: the file ends inside the compressed data");
        const int status = inflate(&stream_, Z_NO_FLUSH);
        if (status == Z_STREAM_END) {
            // Another member may follow; the text ends only with the file.
            ++members_ended_;
            if (stream_.avail_in == 0 && !refill_input()) stream_ended_ = true;
            else inflateReset(&stream_);
        } else if (status == Z_MEM_ERROR) {
            throw std::bad_alloc();
        } else if (status != Z_OK) {
            std::string detail = stream_.msg ? stream_.msg : "zlib status " + std::to_string(status);
            if (members_ended_ > 0) detail += ", after gzip member " + std::to_string(members_ended_);
            throw GzipError("corrupt compressed data (" + detail + ")");
        }
    }
    setg(output_.get(), output_.get(), output_.get() + (kBufferBytes - stream_.avail_out));
}

GzipWriter::GzipWriter(const std::string& path) : file_(gzopen(path.c_str(), "wb")) {}

GzipWriter::~GzipWriter() {
    if (file_) gzclose(file_);
}

bool GzipWriter::write(const std::string& text) {
    return text.empty() || gzwrite(file_, text.data(), static_cast<unsigned>(text.size())) == static_cast<int>(text.size());
}

bool GzipWriter::close() {
    const int status = gzclose(file_);
    file_ = nullptr;
    return status == Z_OK;
}

}  // namespace kelle
