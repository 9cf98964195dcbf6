// `sequent token`: a new random console token and the SHA-256 that goes in the configuration.
#pragma once

#include <string>

namespace sequent::tools {

// SHA-256 of text as 64 lower-case hex digits (OpenSSL).
std::string sha256_hex(const std::string& text);

int run_token_command(const std::string& name, const std::string& role);

}  // namespace sequent::tools
