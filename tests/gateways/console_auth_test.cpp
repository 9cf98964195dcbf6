// Token hashing (SHA-256, as `sequent token` prints it) and the token table.
#include <gtest/gtest.h>

#include "gateways/console/console_auth.hpp"

namespace sequent::console {
namespace {

TEST(ConsoleAuth, Sha256KnownVectors) {
  // FIPS 180-2 test vectors.
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(ConsoleAuth, TokenTableFindsTheUser) {
  const std::vector<ConsoleUser> users = {
      {"alice", Role::kManager, sha256_hex("alice-token")},
      {"bob", Role::kViewer, sha256_hex("bob-token")},
  };
  auto t = TokenTable::make(users);
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t->find("alice-token"), 0u);
  EXPECT_EQ(t->find("bob-token"), 1u);
  EXPECT_FALSE(t->find("bob-token ").has_value());
  EXPECT_FALSE(t->find("").has_value());
  EXPECT_FALSE(t->find(sha256_hex("alice-token")).has_value()) << "the hash itself is not a token";
}

TEST(ConsoleAuth, UpperCaseHexIsAccepted) {
  std::string hex = sha256_hex("t");
  for (char& c : hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  auto t = TokenTable::make({{"u", Role::kAdmin, hex}});
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->find("t"), 0u);
}

TEST(ConsoleAuth, BadConfigurationIsRefusedWithTheUsersName) {
  auto t = TokenTable::make({{"carol", Role::kViewer, "abc"}});
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.error().message.find("carol"), std::string::npos);
  t = TokenTable::make({{"carol", Role::kViewer, std::string(64, 'g')}});
  ASSERT_FALSE(t.ok());
  t = TokenTable::make({{"dave", Role::kViewer, sha256_hex("a")}, {"dave", Role::kAdmin, sha256_hex("b")}});
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.error().message.find("twice"), std::string::npos);
  t = TokenTable::make({{"", Role::kViewer, sha256_hex("a")}});
  ASSERT_FALSE(t.ok());
}

}  // namespace
}  // namespace sequent::console
