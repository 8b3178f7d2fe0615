// Unit tests for the SASL mechanisms: PLAIN, LOGIN, SCRAM-SHA-256 (with the RFC 7677
// §3 test vector), fake credentials, and wire-line decoding.
#include <gtest/gtest.h>

#include "auth/password.h"
#include "base/base64.h"
#include "proto/sasl/sasl.h"

using namespace postamt;
using namespace postamt::proto::sasl;
using namespace std::string_literals;

namespace {

// RFC 7677 §3 example exchange.
constexpr std::string_view kClientFirst = "n,,n=user,r=rOprNGfwEbeRWgbNEkqO";
constexpr std::string_view kServerNonce = "%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
constexpr std::string_view kServerFirst =
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096";
constexpr std::string_view kClientFinal =
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
constexpr std::string_view kServerFinal = "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=";

ScramCredentials rfc_keys() {
  return scram_sha256_keys("pencil", *base64_decode("W22ZaJ0SNY7soEsUEjb6gQ=="), 4096);
}

// By value: callers often pass a temporary Step.
template <class T>
T as(const Step& s) {
  EXPECT_TRUE(std::holds_alternative<T>(s)) << "step index " << s.index();
  return std::holds_alternative<T>(s) ? std::get<T>(s) : T{};
}

bool failed(const Step& s) { return std::holds_alternative<Failure>(s); }
bool malformed(const Step& s) { return failed(s) && std::get<Failure>(s).malformed; }

// Runs the server up to the client-final message; returns the step after it.
Step scram_until_final(std::string_view client_first, std::string_view client_final,
                       const ScramCredentials& keys = rfc_keys()) {
  auto m = make_scram_sha256(std::string(kServerNonce));
  Step s = m->start(client_first);
  if (failed(s)) return s;
  EXPECT_EQ(as<NeedScramKeys>(s).authcid, "user");
  s = m->provide_keys(keys);
  if (failed(s)) return s;
  return m->step(client_final);
}

}  // namespace

TEST(SaslPlain, SuccessWithAndWithoutInitialResponse) {
  auto m = make_plain();
  Step s = m->start("\0alice\0s3cret pw"s);
  const auto& np = as<NeedPassword>(s);
  EXPECT_EQ(np.authcid, "alice");
  EXPECT_EQ(np.password, "s3cret pw");
  EXPECT_EQ(np.authzid, "alice");
  const auto& ok = as<Success>(m->finish_password(true));
  EXPECT_EQ(ok.authcid, "alice");
  EXPECT_EQ(ok.authzid, "alice");
  EXPECT_TRUE(failed(m->step("more")));  // finished

  auto m2 = make_plain();
  EXPECT_EQ(as<Challenge>(m2->start(std::nullopt)).data, "");
  EXPECT_EQ(as<NeedPassword>(m2->step("bob\0bob\0pw"s)).authcid, "bob");
  EXPECT_TRUE(failed(m2->finish_password(false)));
  EXPECT_FALSE(malformed(m2->finish_password(false)));
}

TEST(SaslPlain, Malformed) {
  for (std::string bad : {""s, "alice"s, "\0alice"s, "\0\0pw"s, "\0alice\0"s, "\0alice\0pw\0x"s, "\0al\nice\0pw"s})
    EXPECT_TRUE(malformed(make_plain()->start(bad))) << bad.size();
  // authzid different from authcid: a policy failure, not malformed.
  Step s = make_plain()->start("admin\0alice\0pw"s);
  EXPECT_TRUE(failed(s));
  EXPECT_FALSE(malformed(s));
  // Calls out of order.
  auto m = make_plain();
  EXPECT_TRUE(failed(m->finish_password(true)));
  EXPECT_TRUE(failed(make_plain()->provide_keys(rfc_keys())));
}

TEST(SaslLogin, Exchange) {
  auto m = make_login();
  EXPECT_EQ(as<Challenge>(m->start(std::nullopt)).data, "Username:");
  EXPECT_EQ(as<Challenge>(m->step("alice")).data, "Password:");
  const auto& np = as<NeedPassword>(m->step("pw with space"));
  EXPECT_EQ(np.authcid, "alice");
  EXPECT_EQ(np.password, "pw with space");
  EXPECT_EQ(as<Success>(m->finish_password(true)).authcid, "alice");

  auto m2 = make_login();
  EXPECT_EQ(as<Challenge>(m2->start("bob")).data, "Password:");  // user as initial response
  as<NeedPassword>(m2->step("x"));
  EXPECT_TRUE(failed(m2->finish_password(false)));
}

TEST(SaslLogin, Malformed) {
  auto m = make_login();
  m->start(std::nullopt);
  EXPECT_TRUE(malformed(m->step("")));
  auto m2 = make_login();
  m2->start(std::nullopt);
  EXPECT_TRUE(malformed(m2->step("a\0b"s)));
  auto m3 = make_login();
  m3->start("alice");
  EXPECT_TRUE(malformed(m3->step("p\0w"s)));
  auto m4 = make_login();
  m4->start("alice");
  EXPECT_TRUE(failed(m4->finish_password(true)));  // before the password arrived
}

TEST(SaslScram, Rfc7677VectorServer) {
  auto m = make_scram_sha256(std::string(kServerNonce));
  EXPECT_EQ(as<NeedScramKeys>(m->start(kClientFirst)).authcid, "user");
  EXPECT_EQ(as<Challenge>(m->provide_keys(rfc_keys())).data, kServerFirst);
  const auto& ok = as<Success>(m->step(kClientFinal));
  EXPECT_EQ(ok.authcid, "user");
  EXPECT_EQ(ok.authzid, "user");
  EXPECT_EQ(ok.final_data, kServerFinal);
  EXPECT_TRUE(failed(m->step(kClientFinal)));
}

TEST(SaslScram, WithoutInitialResponse) {
  auto m = make_scram_sha256(std::string(kServerNonce));
  EXPECT_EQ(as<Challenge>(m->start(std::nullopt)).data, "");
  as<NeedScramKeys>(m->step(kClientFirst));
  as<Challenge>(m->provide_keys(rfc_keys()));
  EXPECT_EQ(as<Success>(m->step(kClientFinal)).final_data, kServerFinal);
}

TEST(SaslScram, Rfc7677VectorClient) {
  ScramSha256Client c;
  EXPECT_EQ(c.client_first("user", "rOprNGfwEbeRWgbNEkqO"), kClientFirst);
  auto final = c.client_final(kServerFirst, "pencil");
  ASSERT_TRUE(final.ok());
  EXPECT_EQ(*final, kClientFinal);
  EXPECT_TRUE(c.verify_server_final(kServerFinal));
  EXPECT_FALSE(c.verify_server_final("v=AAAATRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="));
  EXPECT_FALSE(c.verify_server_final("e=invalid-proof"));
  // Server nonce not extending the client's, bad salt, absurd iterations.
  ScramSha256Client c2;
  c2.client_first("user", "abc");
  EXPECT_FALSE(c2.client_final("r=xyz123,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096", "p").ok());
  EXPECT_FALSE(c2.client_final("r=abc123,s=!!,i=4096", "p").ok());
  EXPECT_FALSE(c2.client_final("r=abc123,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=99999999", "p").ok());
  EXPECT_FALSE(c2.client_final("r=abc123,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=0", "p").ok());
}

TEST(SaslScram, ClientAndServerWithAuthKeys) {
  // Keys as auth:: stores them, a user name needing saslname escapes.
  auth::ScramKeys k = auth::derive_scram_sha256("correct horse", 4096);
  ScramCredentials keys{k.salt, k.iterations, k.stored_key, k.server_key};
  for (const char* pw : {"correct horse", "wrong"}) {
    ScramSha256Client c;
    auto m = make_scram_sha256("SERVERNONCE");
    EXPECT_EQ(as<NeedScramKeys>(m->start(c.client_first("a,b=c@x", "clientnonce"))).authcid, "a,b=c@x");
    std::string server_first = as<Challenge>(m->provide_keys(keys)).data;
    auto final = c.client_final(server_first, pw);
    ASSERT_TRUE(final.ok());
    Step s = m->step(*final);
    if (std::string_view(pw) == "correct horse") {
      EXPECT_TRUE(c.verify_server_final(as<Success>(s).final_data));
    } else {
      EXPECT_TRUE(failed(s));
      EXPECT_FALSE(malformed(s));
    }
  }
}

TEST(SaslScram, WrongPasswordAndFakeCredentialsFailAtProof) {
  ScramSha256Client c;
  auto m = make_scram_sha256(std::string(kServerNonce));
  as<NeedScramKeys>(m->start(c.client_first("user", "rOprNGfwEbeRWgbNEkqO")));
  std::string server_first = as<Challenge>(m->provide_keys(rfc_keys())).data;
  Step s = m->step(*c.client_final(server_first, "pencil2"));
  EXPECT_TRUE(failed(s));
  EXPECT_FALSE(malformed(s));

  // Unknown user: fake keys, stable per user, different per user; fails at the proof.
  ScramCredentials f1 = fake_scram_credentials("nobody", "secret");
  EXPECT_EQ(f1.salt, fake_scram_credentials("nobody", "secret").salt);
  EXPECT_NE(f1.salt, fake_scram_credentials("nobody2", "secret").salt);
  EXPECT_NE(f1.salt, fake_scram_credentials("nobody", "secret2").salt);
  EXPECT_EQ(f1.salt.size(), 16u);
  EXPECT_EQ(f1.iterations, 4096u);
  ScramSha256Client c2;
  auto m2 = make_scram_sha256("n0nce");
  as<NeedScramKeys>(m2->start(c2.client_first("nobody", "cn")));
  std::string sf = as<Challenge>(m2->provide_keys(f1)).data;
  EXPECT_NE(sf.find(",i=4096"), std::string::npos);
  Step s2 = m2->step(*c2.client_final(sf, "pencil"));
  EXPECT_TRUE(failed(s2));
  EXPECT_FALSE(malformed(s2));
  EXPECT_EQ(std::get<Failure>(s2).reason, std::get<Failure>(s).reason);  // same as wrong password
}

TEST(SaslScram, ChannelBindingAndAuthzid) {
  auto m = make_scram_sha256("x");
  EXPECT_TRUE(failed(m->start("p=tls-server-end-point,,n=user,r=abc")));
  // "y": client supports binding but thinks we do not: fine without -PLUS.
  std::string y_first = "y,,n=user,r=rOprNGfwEbeRWgbNEkqO";
  std::string y_final = "c=eSws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=" +
                        base64_encode(std::string(32, '\0'));
  Step s = scram_until_final(y_first, y_final);
  EXPECT_FALSE(malformed(s));  // channel binding matched; only the proof is wrong
  // c= must repeat the gs2 header exactly.
  EXPECT_TRUE(malformed(scram_until_final("y,,n=user,r=rOprNGfwEbeRWgbNEkqO", kClientFinal)));
  // authzid equal to the user is fine, a different one is refused.
  EXPECT_TRUE(std::holds_alternative<NeedScramKeys>(make_scram_sha256("x")->start("n,a=user,n=user,r=abc")));
  Step az = make_scram_sha256("x")->start("n,a=admin,n=user,r=abc");
  EXPECT_TRUE(failed(az));
  EXPECT_FALSE(malformed(az));
}

TEST(SaslScram, MalformedMessagesFailCleanly) {
  for (std::string bad : {""s, "n"s, "n,"s, "n,,"s, "x,,n=user,r=abc"s, "n,b=x,n=user,r=abc"s, "n,,r=abc,n=user"s,
                          "n,,n=user"s, "n,,n=,r=abc"s, "n,,n=us=er,r=abc"s, "n,,n=us=2x,r=abc"s, "n,,n=user,r="s,
                          "n,,n=user,r=a b"s, "n,,n=u\0r,r=abc"s, "n,,n=user,,r=abc"s, "n,,n=user,r=abc,"s,
                          "n,,n=user,r=abc,x"s}) {
    Step s = make_scram_sha256("x")->start(bad);
    EXPECT_TRUE(malformed(s)) << bad;
  }
  // Mandatory extension: refused (not supported).
  EXPECT_TRUE(failed(make_scram_sha256("x")->start("n,,m=ext,n=user,r=abc")));
  // saslname escapes are decoded.
  EXPECT_EQ(as<NeedScramKeys>(make_scram_sha256("x")->start("n,,n=a=2Cb=3Dc,r=abc")).authcid, "a,b=c");

  std::string nonce = "rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0";
  std::string good_proof = "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=";
  for (std::string bad : {""s, "c=biws"s, "c=biws,r=" + nonce, "r=" + nonce + ",c=biws," + good_proof,
                          "c=biws,r=" + nonce + "X," + good_proof, "c=biws,r=" + nonce + ",p=dHzb",
                          "c=biws,r=" + nonce + ",p=!!!!", "c=bixx,r=" + nonce + "," + good_proof,
                          "c=biws,r=" + nonce + "," + good_proof + ",x=1", "c=biws,,r=" + nonce + "," + good_proof}) {
    EXPECT_TRUE(malformed(scram_until_final(kClientFirst, bad))) << bad;
  }
  // Extensions before the proof are allowed (and covered by the AuthMessage, so the
  // RFC proof no longer matches).
  Step ext = scram_until_final(kClientFirst, "c=biws,r=" + nonce + ",x=1," + good_proof);
  EXPECT_TRUE(failed(ext));
  EXPECT_FALSE(malformed(ext));
}

TEST(SaslScram, OrderAndCallerErrors) {
  auto m = make_scram_sha256(std::string(kServerNonce));
  EXPECT_TRUE(failed(m->provide_keys(rfc_keys())));  // before start
  auto m2 = make_scram_sha256(std::string(kServerNonce));
  m2->start(kClientFirst);
  EXPECT_TRUE(failed(m2->step(kClientFinal)));  // keys not provided yet
  auto m3 = make_scram_sha256(std::string(kServerNonce));
  m3->start(kClientFirst);
  EXPECT_TRUE(failed(m3->provide_keys(ScramCredentials{})));  // unusable keys
  EXPECT_TRUE(failed(make_scram_sha256("bad,nonce")->start(kClientFirst)));
  EXPECT_TRUE(failed(make_scram_sha256("")->start(kClientFirst)));
  EXPECT_TRUE(failed(make_scram_sha256("x")->finish_password(true)));
}

TEST(SaslDecode, ClientLine) {
  EXPECT_TRUE(std::holds_alternative<Cancel>(decode_client_line("*")));
  EXPECT_EQ(std::get<Decoded>(decode_client_line("=")).data, "");
  EXPECT_EQ(std::get<Decoded>(decode_client_line("")).data, "");
  EXPECT_EQ(std::get<Decoded>(decode_client_line("AGFsaWNlAHB3")).data, "\0alice\0pw"s);
  EXPECT_EQ(std::get<Decoded>(decode_client_line("biws")).data, "n,,");
  for (const char* bad : {"biw", "bi ws", "biws ", "**", "b!ws", "=biws", "bi=s"})
    EXPECT_TRUE(std::holds_alternative<BadBase64>(decode_client_line(bad))) << bad;
}
