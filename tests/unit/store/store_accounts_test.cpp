// Conformance tests, part 1: domains, accounts, mailboxes created with an
// account, aliases and recipient resolution — against every backend.
#include <algorithm>

#include "store_test_support.h"

namespace postamt::store::test {

namespace {

std::vector<int64_t> resolve(Store& s, const std::string& address) {
  auto r = s.resolve_recipient(address);
  if (!r) return {};
  auto ids = *r;
  std::sort(ids.begin(), ids.end());
  return ids;
}

ErrorCode resolve_error(Store& s, const std::string& address) {
  auto r = s.resolve_recipient(address);
  EXPECT_FALSE(r.ok()) << address;
  return r ? ErrorCode::internal : r.error().code;
}

}  // namespace

TEST_P(StoreTest, DomainsCrudAndErrors) {
  ASSERT_TRUE(store_->add_domain("Example.COM").ok());
  ASSERT_TRUE(store_->add_domain("other.org").ok());
  auto dup = store_->add_domain("example.com");
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.error().code, ErrorCode::exists);
  EXPECT_EQ(store_->add_domain("not a domain").error().code, ErrorCode::params);
  EXPECT_EQ(store_->add_domain("").error().code, ErrorCode::params);

  auto list = store_->list_domains();
  ASSERT_TRUE(list.ok());
  EXPECT_EQ(*list, (std::vector<std::string>{"example.com", "other.org"}));
  EXPECT_TRUE(*store_->is_local_domain("EXAMPLE.com"));
  EXPECT_FALSE(*store_->is_local_domain("nowhere.net"));
  EXPECT_FALSE(*store_->is_local_domain("bad domain"));

  EXPECT_EQ(store_->remove_domain("nowhere.net").error().code, ErrorCode::not_found);
  ASSERT_TRUE(store_->remove_domain("OTHER.org").ok());
  EXPECT_FALSE(*store_->is_local_domain("other.org"));
}

TEST_P(StoreTest, RemoveDomainRefusedWhileInUse) {
  make_account("bob@example.com");
  auto r = store_->remove_domain("example.com");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::params);

  ASSERT_TRUE(store_->add_domain("alias.org").ok());
  ASSERT_TRUE(store_->add_alias("info@alias.org", {"bob@example.com"}).ok());
  EXPECT_EQ(store_->remove_domain("alias.org").error().code, ErrorCode::params);
  ASSERT_TRUE(store_->remove_alias("info@alias.org").ok());
  EXPECT_TRUE(store_->remove_domain("alias.org").ok());

  ASSERT_TRUE(store_->remove_account("bob@example.com").ok());
  EXPECT_TRUE(store_->remove_domain("example.com").ok());
}

TEST_P(StoreTest, AddAccountRequiresDomain) {
  auto r = store_->add_account("bob@unknown.org", "h", ScramKeys{}, 0);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, ErrorCode::params);
  EXPECT_NE(r.error().message.find("unknown.org"), std::string::npos) << r.error().message;
  ASSERT_TRUE(store_->add_domain("example.com").ok());
  EXPECT_EQ(store_->add_account("no-at-sign", "h", ScramKeys{}, 0).error().code, ErrorCode::params);
  EXPECT_EQ(store_->add_account("@example.com", "h", ScramKeys{}, 0).error().code, ErrorCode::params);
  EXPECT_EQ(store_->add_account("a b@example.com", "h", ScramKeys{}, 0).error().code, ErrorCode::params);
}

TEST_P(StoreTest, AccountCrud) {
  ASSERT_TRUE(store_->add_domain("example.com").ok());
  ScramKeys scram{std::string("s\0alt", 5), 4096, std::string("st\0red\xff", 7), "server"};
  auto acct = store_->add_account("Bob@Example.COM", "$argon2id$x", scram, 1000);
  ASSERT_TRUE(acct.ok()) << acct.error().describe();
  EXPECT_GT(acct->id, 0);
  EXPECT_EQ(acct->address, "Bob@example.com");  // domain lower-cased, local part kept
  EXPECT_EQ(acct->password_hash, "$argon2id$x");
  EXPECT_EQ(acct->scram.salt, scram.salt);
  EXPECT_EQ(acct->scram.iterations, 4096u);
  EXPECT_EQ(acct->scram.stored_key, scram.stored_key);
  EXPECT_EQ(acct->scram.server_key, "server");
  EXPECT_EQ(acct->quota_bytes, 1000u);
  EXPECT_EQ(acct->used_bytes, 0u);

  EXPECT_EQ(store_->add_account("Bob@example.com", "", ScramKeys{}, 0).error().code, ErrorCode::exists);
  EXPECT_EQ(store_->add_account("bob@EXAMPLE.com", "", ScramKeys{}, 0).error().code, ErrorCode::exists);

  auto found = store_->find_account("bob@example.com");  // case-insensitive fallback
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->id, acct->id);
  EXPECT_EQ(store_->find_account("alice@example.com").error().code, ErrorCode::not_found);
  EXPECT_EQ(store_->find_account("garbage").error().code, ErrorCode::not_found);
  ASSERT_TRUE(store_->get_account(acct->id).ok());
  EXPECT_EQ(store_->get_account(acct->id + 1000).error().code, ErrorCode::not_found);

  ScramKeys scram2{"salt2", 8192, "sk2", "svk2"};
  ASSERT_TRUE(store_->set_password("Bob@example.com", "$argon2id$y", scram2).ok());
  ASSERT_TRUE(store_->set_quota("BOB@example.com", 5000).ok());
  auto updated = store_->get_account(acct->id);
  ASSERT_TRUE(updated.ok());
  EXPECT_EQ(updated->password_hash, "$argon2id$y");
  EXPECT_EQ(updated->scram.iterations, 8192u);
  EXPECT_EQ(updated->scram.stored_key, "sk2");
  EXPECT_EQ(updated->quota_bytes, 5000u);
  EXPECT_EQ(store_->set_password("x@example.com", "", scram2).error().code, ErrorCode::not_found);
  EXPECT_EQ(store_->set_quota("x@example.com", 1).error().code, ErrorCode::not_found);

  make_account("carol@other.org");
  auto all = store_->list_accounts("");
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 2u);
  auto only = store_->list_accounts("OTHER.ORG");
  ASSERT_TRUE(only.ok());
  ASSERT_EQ(only->size(), 1u);
  EXPECT_EQ((*only)[0].address, "carol@other.org");

  ASSERT_TRUE(store_->remove_account("bob@example.com").ok());
  EXPECT_EQ(store_->find_account("Bob@example.com").error().code, ErrorCode::not_found);
  EXPECT_EQ(store_->remove_account("Bob@example.com").error().code, ErrorCode::not_found);
  auto boxes = store_->list_mailboxes(acct->id);
  ASSERT_TRUE(boxes.ok());
  EXPECT_TRUE(boxes->empty());
}

TEST_P(StoreTest, NewAccountHasSixMailboxesWithSpecialUse) {
  auto acct = make_account("bob@example.com");
  auto boxes = store_->list_mailboxes(acct.id);
  ASSERT_TRUE(boxes.ok());
  std::vector<std::pair<std::string, std::string>> got;
  std::vector<uint32_t> validities;
  for (const auto& mb : *boxes) {
    got.emplace_back(mb.name, mb.special_use);
    validities.push_back(mb.uidvalidity);
    EXPECT_EQ(mb.account_id, acct.id);
    EXPECT_EQ(mb.uidnext, 1u);
    EXPECT_EQ(mb.messages, 0u);
    EXPECT_TRUE(mb.subscribed);
    EXPECT_NE(mb.uidvalidity, 0u);
  }
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, (std::vector<std::pair<std::string, std::string>>{{"Archive", "\\Archive"},
                                                                     {"Drafts", "\\Drafts"},
                                                                     {"INBOX", ""},
                                                                     {"Junk", "\\Junk"},
                                                                     {"Sent", "\\Sent"},
                                                                     {"Trash", "\\Trash"}}));
  auto other = make_account("carol@example.com");
  auto other_boxes = store_->list_mailboxes(other.id);  // named: a range-for over *temporary dangles
  ASSERT_TRUE(other_boxes.ok());
  for (const auto& mb : *other_boxes) validities.push_back(mb.uidvalidity);
  std::sort(validities.begin(), validities.end());
  EXPECT_EQ(std::adjacent_find(validities.begin(), validities.end()), validities.end()) << "uidvalidity reused";

  // RFC 9051 §5.1: INBOX is case-insensitive, other names are not.
  auto inbox = store_->get_mailbox(acct.id, "inbox");
  ASSERT_TRUE(inbox.ok());
  EXPECT_EQ(inbox->name, "INBOX");
  EXPECT_TRUE(store_->get_mailbox(acct.id, "Sent").ok());
  EXPECT_EQ(store_->get_mailbox(acct.id, "sent").error().code, ErrorCode::not_found);
  EXPECT_EQ(store_->get_mailbox(other.id + 100, "INBOX").error().code, ErrorCode::not_found);
}

TEST_P(StoreTest, AliasCrudAndErrors) {
  auto bob = make_account("bob@example.com");
  ASSERT_TRUE(store_->add_alias("Info@Example.com", {"bob@example.com", "ext@remote.net"}).ok());
  ASSERT_TRUE(store_->add_alias("@example.com", {"bob@example.com"}).ok());
  EXPECT_EQ(store_->add_alias("info@example.com", {"bob@example.com"}).error().code, ErrorCode::exists);
  EXPECT_EQ(store_->add_alias("bob@example.com", {"x@example.com"}).error().code, ErrorCode::exists);
  EXPECT_EQ(store_->add_alias("x@example.com", {}).error().code, ErrorCode::params);
  EXPECT_EQ(store_->add_alias("x@example.com", {"not an address"}).error().code, ErrorCode::params);
  EXPECT_EQ(store_->add_alias("x@unknown.org", {"bob@example.com"}).error().code, ErrorCode::params);
  EXPECT_EQ(store_->add_alias("x", {"bob@example.com"}).error().code, ErrorCode::params);
  // An account cannot shadow an alias either.
  EXPECT_EQ(store_->add_account("info@example.com", "", ScramKeys{}, 0).error().code, ErrorCode::exists);

  make_account("carol@other.org");
  ASSERT_TRUE(store_->add_alias("team@other.org", {"carol@other.org"}).ok());
  auto all = store_->list_aliases("");
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  auto ex = store_->list_aliases("example.com");
  ASSERT_TRUE(ex.ok());
  ASSERT_EQ(ex->size(), 2u);
  EXPECT_EQ((*ex)[0].source, "@example.com");
  EXPECT_EQ((*ex)[1].source, "Info@example.com");
  EXPECT_EQ((*ex)[1].targets, (std::vector<std::string>{"bob@example.com", "ext@remote.net"}));

  EXPECT_EQ(store_->remove_alias("nobody@example.com").error().code, ErrorCode::not_found);
  ASSERT_TRUE(store_->remove_alias("info@example.com").ok());  // case-insensitive fallback
  ASSERT_TRUE(store_->remove_alias("@EXAMPLE.com").ok());
  EXPECT_EQ(store_->list_aliases("example.com")->size(), 0u);
  (void)bob;
}

TEST_P(StoreTest, ResolveAccountCaseAndUnknown) {
  auto bob = make_account("bob@example.com");
  EXPECT_EQ(resolve(*store_, "bob@example.com"), std::vector<int64_t>{bob.id});
  EXPECT_EQ(resolve(*store_, "BOB@EXAMPLE.COM"), std::vector<int64_t>{bob.id});
  EXPECT_EQ(resolve_error(*store_, "nobody@example.com"), ErrorCode::not_found);
  EXPECT_EQ(resolve_error(*store_, "bob@elsewhere.net"), ErrorCode::not_found);
  EXPECT_EQ(resolve_error(*store_, "garbage"), ErrorCode::params);
}

TEST_P(StoreTest, ResolveAliases) {
  auto bob = make_account("bob@example.com");
  auto carol = make_account("carol@example.com");
  auto dave = make_account("dave@other.org");
  ASSERT_TRUE(store_->add_alias("postmaster@example.com", {"bob@example.com"}).ok());
  ASSERT_TRUE(
      store_->add_alias("team@example.com", {"bob@example.com", "carol@example.com", "BOB@example.com"}).ok());
  ASSERT_TRUE(store_->add_alias("all@example.com", {"team@example.com", "dave@other.org"}).ok());
  ASSERT_TRUE(store_->add_alias("fwd@example.com", {"someone@remote.net", "carol@example.com"}).ok());
  ASSERT_TRUE(store_->add_alias("remote@example.com", {"someone@remote.net"}).ok());

  EXPECT_EQ(resolve(*store_, "Postmaster@example.com"), std::vector<int64_t>{bob.id});
  EXPECT_EQ(resolve(*store_, "team@example.com"), (std::vector<int64_t>{bob.id, carol.id}));  // deduplicated
  EXPECT_EQ(resolve(*store_, "all@example.com"), (std::vector<int64_t>{bob.id, carol.id, dave.id}));
  // Non-local targets are ignored for now.
  EXPECT_EQ(resolve(*store_, "fwd@example.com"), std::vector<int64_t>{carol.id});
  EXPECT_EQ(resolve_error(*store_, "remote@example.com"), ErrorCode::not_found);
}

TEST_P(StoreTest, ResolveCyclesAndDepth) {
  auto bob = make_account("bob@example.com");
  ASSERT_TRUE(store_->add_alias("a@example.com", {"b@example.com"}).ok());
  ASSERT_TRUE(store_->add_alias("b@example.com", {"a@example.com", "bob@example.com"}).ok());
  ASSERT_TRUE(store_->add_alias("loop@example.com", {"loop@example.com"}).ok());
  EXPECT_EQ(resolve(*store_, "a@example.com"), std::vector<int64_t>{bob.id});
  EXPECT_EQ(resolve_error(*store_, "loop@example.com"), ErrorCode::not_found);

  // A chain of 8 aliases resolves; 9 is beyond the depth bound.
  for (int i = 1; i <= 9; ++i) {
    std::string next = i == 1 ? "bob@example.com" : "c" + std::to_string(i - 1) + "@example.com";
    ASSERT_TRUE(store_->add_alias("c" + std::to_string(i) + "@example.com", {next}).ok());
  }
  EXPECT_EQ(resolve(*store_, "c8@example.com"), std::vector<int64_t>{bob.id});
  EXPECT_EQ(resolve_error(*store_, "c9@example.com"), ErrorCode::not_found);
}

TEST_P(StoreTest, ResolveCatchAllPrecedence) {
  auto bob = make_account("bob@example.com");
  auto carol = make_account("carol@example.com");
  auto catcher = make_account("catch@example.com");
  ASSERT_TRUE(store_->add_alias("info@example.com", {"carol@example.com"}).ok());
  ASSERT_TRUE(store_->add_alias("@example.com", {"catch@example.com"}).ok());
  EXPECT_EQ(resolve(*store_, "bob@example.com"), std::vector<int64_t>{bob.id});
  EXPECT_EQ(resolve(*store_, "info@example.com"), std::vector<int64_t>{carol.id});
  EXPECT_EQ(resolve(*store_, "anything@Example.com"), std::vector<int64_t>{catcher.id});
  ASSERT_TRUE(store_->add_domain("empty.org").ok());
  EXPECT_EQ(resolve_error(*store_, "x@empty.org"), ErrorCode::not_found);
}

}  // namespace postamt::store::test
