// Accounts: Argon2id passwords, sessions and API tokens, with only hashes in the store.
#include "server/accounts.h"

#include <gtest/gtest.h>

namespace mv::server {
namespace {

class Accounts : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(InitCrypto().ok());
    auto s = store::OpenSqliteStore(":memory:");
    ASSERT_TRUE(s.ok());
    store_ = std::move(*s);
  }
  std::unique_ptr<store::Store> store_;
  const std::time_t now_ = 1'790'000'000;  // 2026-09-20
};

TEST_F(Accounts, PasswordsAreArgon2idAndVerified) {
  auto h = HashPassword("correct horse");
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->rfind("$argon2id$", 0), 0u);
  EXPECT_EQ(h->find("correct horse"), std::string::npos);
  EXPECT_NE(*h, *HashPassword("correct horse")) << "salted";
  EXPECT_TRUE(VerifyPassword(*h, "correct horse"));
  EXPECT_FALSE(VerifyPassword(*h, "correct horsE"));
  EXPECT_FALSE(VerifyPassword("", "x"));
  EXPECT_FALSE(VerifyPassword("not a hash", "x"));
}

TEST_F(Accounts, NamesAndPasswordsAreValidated) {
  EXPECT_TRUE(ValidateUserName("alice.b-c_1").ok());
  for (const char* bad : {"", "a b", "a<b", "ä", "a/b"}) EXPECT_FALSE(ValidateUserName(bad).ok());
  EXPECT_FALSE(ValidateUserName(std::string(65, 'a')).ok());
  EXPECT_FALSE(ValidatePassword("1234567").ok());
  EXPECT_TRUE(ValidatePassword("12345678").ok());
  EXPECT_FALSE(ValidatePassword(std::string(1025, 'x')).ok());
}

TEST_F(Accounts, LoginOpensASessionThatExpires) {
  ASSERT_TRUE(AddUser(*store_, "alice", Role::kReviewer, "correct horse", IsoUtc(now_)).ok());
  EXPECT_FALSE(AddUser(*store_, "alice", Role::kAdmin, "another one", IsoUtc(now_)).ok());
  EXPECT_FALSE(Login(*store_, "alice", "wrong pass", now_)->has_value());
  EXPECT_FALSE(Login(*store_, "bob", "correct horse", now_)->has_value());
  auto s = Login(*store_, "alice", "correct horse", now_);
  ASSERT_TRUE(s.ok() && s->has_value());
  const NewSession& session = **s;
  EXPECT_EQ(session.cookie_value.size(), 43u);
  EXPECT_EQ(session.principal.role, Role::kReviewer);
  EXPECT_TRUE(session.principal.via_session);
  EXPECT_FALSE(session.principal.csrf.empty());
  // The store keeps the hash, never the cookie value.
  EXPECT_FALSE(store_->GetSession(session.cookie_value, IsoUtc(now_))->has_value());
  auto who = FromSession(*store_, session.cookie_value, now_ + 60);
  ASSERT_TRUE(who.ok() && who->has_value());
  EXPECT_EQ((*who)->user, "alice");
  EXPECT_EQ((*who)->csrf, session.principal.csrf);
  EXPECT_FALSE(FromSession(*store_, session.cookie_value, now_ + 13 * 3600)->has_value());
  EXPECT_FALSE(FromSession(*store_, "forged", now_)->has_value());
  // Logging out ends it; so does removing the user.
  ASSERT_TRUE(Logout(*store_, **who, now_).ok());
  EXPECT_FALSE(FromSession(*store_, session.cookie_value, now_ + 60)->has_value());
  auto again = Login(*store_, "alice", "correct horse", now_);
  ASSERT_TRUE(RemoveUser(*store_, "alice").ok());
  EXPECT_FALSE(FromSession(*store_, (*again)->cookie_value, now_ + 60)->has_value());
}

TEST_F(Accounts, PasswordChangesAndDisabledUsers) {
  ASSERT_TRUE(AddUser(*store_, "bob", Role::kAdmin, "first password", IsoUtc(now_)).ok());
  ASSERT_TRUE(SetPassword(*store_, "bob", "second password").ok());
  EXPECT_FALSE(Login(*store_, "bob", "first password", now_)->has_value());
  EXPECT_TRUE(Login(*store_, "bob", "second password", now_)->has_value());
  auto u = **store_->GetUser("bob");
  u.disabled = true;
  ASSERT_TRUE(store_->PutUser(u).ok());
  EXPECT_FALSE(Login(*store_, "bob", "second password", now_)->has_value());
  EXPECT_FALSE(SetPassword(*store_, "nobody", "whatever pw").ok());
}

TEST_F(Accounts, TokensActAsTheirUserUntilRevoked) {
  ASSERT_TRUE(AddUser(*store_, "ci", Role::kReviewer, "correct horse", IsoUtc(now_)).ok());
  EXPECT_FALSE(CreateToken(*store_, "nobody", "", IsoUtc(now_)).ok());
  auto t = CreateToken(*store_, "ci", "nightly", IsoUtc(now_));
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->token.rfind("mvt_", 0), 0u);
  auto who = FromToken(*store_, t->token);
  ASSERT_TRUE(who.ok() && who->has_value());
  EXPECT_EQ((*who)->user, "ci");
  EXPECT_FALSE((*who)->via_session) << "tokens need no CSRF token";
  EXPECT_FALSE(FromToken(*store_, t->token + "x")->has_value());
  EXPECT_FALSE(FromToken(*store_, t->token.substr(4))->has_value());
  EXPECT_EQ((*store_->ListTokens())[0].token_hash, HashSecret(t->token));
  ASSERT_TRUE(*store_->RevokeToken(t->id));
  EXPECT_FALSE(FromToken(*store_, t->token)->has_value());
}

TEST_F(Accounts, SecretsAreRandomAndComparedInConstantTime) {
  EXPECT_NE(RandomSecret(), RandomSecret());
  EXPECT_TRUE(ConstantTimeEqual("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEqual("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEqual("abc", "abcd"));
  EXPECT_FALSE(ConstantTimeEqual("", "a"));
  EXPECT_TRUE(ConstantTimeEqual("", ""));
}

}  // namespace
}  // namespace mv::server
