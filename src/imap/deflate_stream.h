// A net::Stream that compresses everything written and decompresses everything
// read (IMAP COMPRESS=DEFLATE): raw DEFLATE (RFC 1951) in both directions over an
// inner stream, flushed with Z_SYNC_FLUSH after every write so responses are not
// held back. Handles untrusted input: the compressed bytes from the client; the
// inflater's output per read is bounded by the caller's buffer (no bomb growth).
// RFCs: 4978 §4 (DEFLATE, sync flush), 1951.
#pragma once

#include <memory>

#include "net/stream.h"

namespace postamt::imap {

// Returns nullptr if zlib cannot initialise (out of memory).
std::shared_ptr<net::Stream> make_deflate_stream(std::shared_ptr<net::Stream> inner);

}  // namespace postamt::imap
