// libFuzzer target for the SASL mechanisms (PLAIN, LOGIN, SCRAM-SHA-256 server and
// client) and decode_client_line, with fixed SCRAM keys (RFC 7677 §3 vector).
// Handles untrusted input by construction (fuzz data are client/server messages).
// Input: byte 0 = mode bits, then messages separated by '\n'.
//   bits 0-1: 0 PLAIN, 1 LOGIN, 2 SCRAM server, 3 SCRAM client
//   bit 2: first message is the initial response; bit 3: password ok; bit 4: fake keys
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "base/base64.h"
#include "proto/sasl/sasl.h"

using namespace postamt::proto::sasl;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

const ScramCredentials& rfc_keys() {
  static const ScramCredentials keys =
      scram_sha256_keys("pencil", *postamt::base64_decode("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096);
  return keys;
}

std::vector<std::string_view> split(std::string_view data) {
  std::vector<std::string_view> out;
  while (true) {
    size_t nl = data.find('\n');
    out.push_back(data.substr(0, nl));
    if (nl == std::string_view::npos) return out;
    data.remove_prefix(nl + 1);
  }
}

void drive_server(uint8_t mode, const std::vector<std::string_view>& msgs) {
  std::unique_ptr<Mechanism> m;
  switch (mode & 3) {
    case 0: m = make_plain(); break;
    case 1: m = make_login(); break;
    default: m = make_scram_sha256("%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"); break;
  }
  const bool password_ok = mode & 8;
  const bool fake = mode & 16;
  size_t i = 0;
  Step s = (mode & 4) ? m->start(msgs[i++]) : m->start(std::nullopt);
  for (int rounds = 0; rounds < 16; ++rounds) {
    if (auto* np = std::get_if<NeedPassword>(&s)) {
      check(!np->authcid.empty());
      s = m->finish_password(password_ok);
      if (std::holds_alternative<Success>(s)) check(password_ok);
      continue;
    }
    if (std::holds_alternative<NeedScramKeys>(s)) {
      s = m->provide_keys(fake ? fake_scram_credentials(std::get<NeedScramKeys>(s).authcid, "fuzz") : rfc_keys());
      continue;
    }
    if (auto* ok = std::get_if<Success>(&s)) {
      check(ok->authzid == ok->authcid && !ok->authcid.empty());
      if ((mode & 3) == 2) check(!fake);  // fake SCRAM keys can never verify
      break;
    }
    if (std::holds_alternative<Failure>(s)) break;
    if (i >= msgs.size()) return;
    s = m->step(msgs[i++]);
  }
  // Finished mechanisms refuse everything.
  if (std::holds_alternative<Success>(s) || std::holds_alternative<Failure>(s)) {
    check(std::holds_alternative<Failure>(m->step("x")));
    check(std::holds_alternative<Failure>(m->finish_password(true)));
    check(std::holds_alternative<Failure>(m->provide_keys(rfc_keys())));
  }
}

void drive_client(const std::vector<std::string_view>& msgs) {
  ScramSha256Client c;
  c.client_first("user", "rOprNGfwEbeRWgbNEkqO");
  std::string_view server_first = msgs[0];
  // Keep PBKDF2 cheap under the fuzzer: only small iteration counts are tried.
  size_t ipos = server_first.find(",i=");
  if (ipos == std::string_view::npos || server_first.size() - ipos > 3 + 4) return;
  auto final = c.client_final(server_first, "pencil");
  if (!final.ok()) return;
  check(final->rfind("c=biws,r=rOprNGfwEbeRWgbNEkqO", 0) == 0);
  if (msgs.size() > 1) (void)c.verify_server_final(msgs[1]);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* bytes, size_t size) {
  if (size < 1) return 0;
  std::string_view data(reinterpret_cast<const char*>(bytes) + 1, size - 1);
  auto msgs = split(data);
  for (auto msg : msgs) {
    auto d = decode_client_line(msg);
    if (auto* dec = std::get_if<Decoded>(&d)) check(dec->data.size() <= msg.size());
  }
  if ((bytes[0] & 3) == 3) drive_client(msgs);
  else drive_server(bytes[0], msgs);
  return 0;
}
