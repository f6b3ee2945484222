#pragma once
// The receive half of the TUN offloads: consecutive decrypted TCP segments of one flow become one
// super-packet, written to TUN with a virtio-net GSO header, so the kernel (and the TCP receiver
// behind it) handles one packet and sends one ACK where it would have handled dozens. The
// rules are those of the kernel's own TCP GRO: same addresses, ports, ACK number, window,
// options and IP fields; sequence numbers contiguous; every segment but the last of one size;
// no SYN, FIN, RST, URG or CWR; a PSH ends the run. Anything else is written as it came.
//
// The payloads are not copied: the write is a gather of the patched headers of the first
// segment and each segment's payload where it was decrypted. The AEAD tag already proved the
// bytes are the sender's, so the merged TCP checksum is left to the kernel (NEEDS_CSUM with the
// pseudo-header sum), as a NIC that did GRO would leave it.

#include <cstddef>
#include <cstdint>
#include <span>

#include "engine/coalesced_write.h"

namespace ovpn::engine {

// Merges as many of packets[first..] as the rules allow (at most `max_segments`) into `out`.
// Returns how many it took (at least 1). With 1, `out` is not filled: write packets[first] as is.
size_t coalesce_tcp(std::span<const std::span<uint8_t>> packets, size_t first, size_t max_segments,
                    CoalescedWrite& out);

}  // namespace ovpn::engine
