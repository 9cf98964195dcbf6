// The role table of docs/console-protocol.md: every op × every role, and the admin command each
// op becomes.
#include <gtest/gtest.h>

#include <map>

#include "gateways/console/console_request.hpp"

namespace sequent::console {
namespace {

TEST(ConsoleRoles, EveryOpTimesEveryRole) {
  // The least role per op, written out from the doc's table.
  const std::map<ConsoleOp, Role> least = {
      {ConsoleOp::kAuth, Role::kViewer},          {ConsoleOp::kPing, Role::kViewer},
      {ConsoleOp::kWhoami, Role::kViewer},        {ConsoleOp::kSubscribe, Role::kViewer},
      {ConsoleOp::kUnsubscribe, Role::kViewer},   {ConsoleOp::kSnapshot, Role::kViewer},
      {ConsoleOp::kCancelAll, Role::kTrader},     {ConsoleOp::kStrategyStart, Role::kTrader},
      {ConsoleOp::kStrategyStop, Role::kTrader},  {ConsoleOp::kKillSwitch, Role::kManager},
      {ConsoleOp::kResume, Role::kManager},       {ConsoleOp::kFlatten, Role::kManager},
      {ConsoleOp::kSetRiskLimit, Role::kManager}, {ConsoleOp::kSetStrategyParam, Role::kManager},
      {ConsoleOp::kUsers, Role::kAdmin},
  };
  ASSERT_EQ(least.size(), kConsoleOpCount);
  for (const auto& [op, min_role] : least) {
    EXPECT_EQ(required_role(op), min_role) << to_string(op);
    for (Role role : {Role::kViewer, Role::kTrader, Role::kManager, Role::kAdmin}) {
      EXPECT_EQ(role_allows(role, op), role >= min_role) << to_string(op) << " as " << to_string(role);
    }
  }
  // Spot checks in words.
  EXPECT_FALSE(role_allows(Role::kViewer, ConsoleOp::kCancelAll));
  EXPECT_TRUE(role_allows(Role::kTrader, ConsoleOp::kCancelAll));
  EXPECT_FALSE(role_allows(Role::kTrader, ConsoleOp::kKillSwitch));
  EXPECT_FALSE(role_allows(Role::kManager, ConsoleOp::kUsers));
  EXPECT_TRUE(role_allows(Role::kAdmin, ConsoleOp::kUsers));
}

TEST(ConsoleRoles, CommandsMapToAdminCommands) {
  EXPECT_EQ(admin_command_of(ConsoleOp::kKillSwitch), AdminCommand::kKillSwitch);
  EXPECT_EQ(admin_command_of(ConsoleOp::kResume), AdminCommand::kResume);
  EXPECT_EQ(admin_command_of(ConsoleOp::kCancelAll), AdminCommand::kCancelAll);
  EXPECT_EQ(admin_command_of(ConsoleOp::kFlatten), AdminCommand::kFlatten);
  EXPECT_EQ(admin_command_of(ConsoleOp::kSetRiskLimit), AdminCommand::kSetRiskLimit);
  EXPECT_EQ(admin_command_of(ConsoleOp::kStrategyStart), AdminCommand::kStrategyStart);
  EXPECT_EQ(admin_command_of(ConsoleOp::kStrategyStop), AdminCommand::kStrategyStop);
  EXPECT_EQ(admin_command_of(ConsoleOp::kSetStrategyParam), AdminCommand::kSetStrategyParam);
  for (ConsoleOp op : {ConsoleOp::kAuth, ConsoleOp::kPing, ConsoleOp::kWhoami, ConsoleOp::kSubscribe,
                       ConsoleOp::kUnsubscribe, ConsoleOp::kSnapshot, ConsoleOp::kUsers}) {
    EXPECT_EQ(admin_command_of(op), AdminCommand::kNone) << to_string(op);
  }
  // The op names are the AdminCommand names, so replies and the journal say the same thing.
  for (std::size_t i = 0; i < kConsoleOpCount; ++i) {
    const auto op = static_cast<ConsoleOp>(i);
    if (admin_command_of(op) != AdminCommand::kNone) {
      EXPECT_EQ(to_string(op), to_string(admin_command_of(op)));
    }
  }
}

TEST(ConsoleRoles, RoleNames) {
  for (Role r : {Role::kViewer, Role::kTrader, Role::kManager, Role::kAdmin}) EXPECT_EQ(role_from(to_string(r)), r);
  EXPECT_FALSE(role_from("root").has_value());
}

}  // namespace
}  // namespace sequent::console
