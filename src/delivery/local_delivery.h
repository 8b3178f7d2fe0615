// Hands an accepted message to the store: local recipients (one message row per
// account, one shared blob, per-recipient Return-Path/Delivered-To trace headers)
// and remote recipients (the outbound queue), in one durable write.
// RFC 5321 §4.4 (Return-Path added at final delivery), RFC 9228 (Delivered-To).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "store/store.h"

namespace postamt::delivery {

struct LocalRecipient {
  std::string address;            // as given in RCPT TO
  std::vector<int64_t> accounts;  // resolved (aliases expanded)
};

struct Envelope {
  std::string mail_from;          // "" = null sender
  std::vector<LocalRecipient> local;
  std::vector<store::OutboundRecipient> remote;
  std::string auth_user;
  bool smtputf8 = false;
  bool body_8bit = false;
};

// `message` is the complete message as it will be stored (our Received: first).
// Blocking: call from the worker pool. Durable when it returns success.
Result<store::DeliveryResult> deliver(store::Store& store, std::string_view message, const Envelope& env,
                                      int64_t now);

// The same for a message spooled with Store::begin_blob() (SMTP DATA/BDAT): the
// blob is read back once to compute the summary, then referenced, not copied.
Result<store::DeliveryResult> deliver_blob(store::Store& store, const std::string& blob_id, uint64_t blob_size,
                                           const Envelope& env, int64_t now);

}  // namespace postamt::delivery
