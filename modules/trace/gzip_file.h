// gzip-compressed text files through zlib, read and written a buffer at a time, so a trace of
// any length costs the same memory compressed as plain (docs/trace-format.md, "Compression").
#pragma once

#include <zlib.h>

#include <fstream>
#include <memory>
#include <stdexcept>
#include <streambuf>
#include <string>

namespace kelle {

// gzip's first two bytes (RFC 1952): a file that starts with them is read as gzip, whatever its name.
constexpr unsigned char kGzipMagic[2] = {0x1f, 0x8b};

// Corrupt or truncated compressed data. Thrown from inside a read, where the line being read is
// not known: the reader catches it and names the file and line itself.
class GzipError : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// The decompressed bytes of a gzip file, as a stream buffer. Every problem with the compressed
// data is a GzipError: corrupt data, a checksum or length that does not match, data that ends
// before the gzip stream does, or anything but another gzip member after it. Members written
// one after another (`cat a.gz b.gz`) read as one text, as gzip -d reads them.
class GzipInputBuffer : public std::streambuf {
public:
    // `file` is open for reading and its first `consumed` bytes (at most 2) were read already, to
    // recognise the magic.
    GzipInputBuffer(std::unique_ptr<std::filebuf> file, const std::string& consumed);
    ~GzipInputBuffer() override;
    GzipInputBuffer(const GzipInputBuffer&) = delete;
    GzipInputBuffer& operator=(const GzipInputBuffer&) = delete;

protected:
    int_type underflow() override;

private:
    bool refill_input();  // false at the end of the file
    void inflate_some();  // decompresses into output_ until some output or the stream's end

    static constexpr std::size_t kBufferBytes = 1 << 16;
    std::unique_ptr<std::filebuf> file_;
    z_stream stream_{};
    std::unique_ptr<char[]> input_;
    std::unique_ptr<char[]> output_;
    int members_ended_ = 0;
    bool stream_ended_ = false;  // the last member ended and no input follows
};

// Writes a gzip file (zlib's default level). Each call reports failure, so a full disk is an
// error, not a short file.
class GzipWriter {
public:
    explicit GzipWriter(const std::string& path);  // is_open() tells whether it could be created
    ~GzipWriter();
    GzipWriter(const GzipWriter&) = delete;
    GzipWriter& operator=(const GzipWriter&) = delete;

    bool is_open() const { return file_ != nullptr; }
    bool write(const std::string& text);
    bool close();  // flushes the last block and the trailer

private:
    gzFile file_;
};

}  // namespace kelle
