// Real K/V values for the functional mode: what the KV cache writes, how a slot's
// values are laid out in bytes, and the reference a read is checked against.
//
// A token's K and V for one KV head are 2 x head_dim binary16 values (K first). Their
// pristine values are a pure function of (layer, KV head, position, element), roughly normal
// with unit variance, so nothing needs storing to check a read. In one piece (plain layout)
// each value is two little-endian bytes; in two planes (2DRP) the MSB piece holds every value's
// high byte and the LSB piece every low byte.
#pragma once

#include <cstdint>

namespace kelle {

std::uint16_t pristine_kv_value(int layer, int kv_head, std::uint32_t position, int element);

// values[count] -> the bytes of one piece (`planes` = 1: plane must be 0).
void encode_piece(const std::uint16_t* values, int count, int planes, int plane, unsigned char* out);
// The bytes of a slot's pieces (one, or MSB then LSB) -> values[count].
void decode_pieces(const unsigned char* const pieces[2], int planes, int count, std::uint16_t* values);

}  // namespace kelle
