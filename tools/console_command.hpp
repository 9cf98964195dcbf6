// `sequent console ws://HOST:PORT [--token TOKEN] [COMMAND ...]` (INTERFACE.md): the terminal client
// of the admin console (docs/console-protocol.md).
//
// With a command it authenticates, sends it, prints the reply JSON on stdout and exits 0 (ok:true),
// 1 (an error reply; its code and message on stderr) or 2 (usage or connection error). `subscribe`
// then prints each update as one JSON line until Ctrl-C or --count updates.
// Without a command it is a REPL (libedit): history in ~/.sequent_console_history, tab completion,
// updates printed as they arrive.
//
// The token comes from --token or, better, the environment variable SEQUENT_CONSOLE_TOKEN: a
// command-line argument is visible to every user of the machine in `ps`.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sequent::tools {

struct ConsoleOptions {
  std::string url;                     // ws://HOST:PORT or wss://HOST:PORT
  std::optional<std::string> token;    // --token; otherwise $SEQUENT_CONSOLE_TOKEN
  std::vector<std::string> command;    // OP [key=value ...] [channels ...], or one raw JSON object
  std::optional<std::uint64_t> count;  // subscribe: stop after this many updates
  bool insecure = false;               // wss: do not verify the server's certificate
};

int run_console(const ConsoleOptions& options);

}  // namespace sequent::tools
