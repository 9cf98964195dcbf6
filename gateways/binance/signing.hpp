// Request signing for Binance: HMAC-SHA256 (REST and WebSocket API, hex signature) and Ed25519
// (FIX logon / WS-API session keys, base64 signature), plus the query-string builder.
//
//   Secret secret = Secret::from_string(key_from_vault);   // never printed
//   QueryBuilder q;
//   q.add("symbol", "BTCUSDT").add("side", "BUY").add("quantity", "0.01").add("timestamp", now_ms);
//   HexSignature sig = hmac_sha256_hex(secret, q.view());
//   q.add("signature", sig.view());                         // REST: ...&signature=<hex>
//
// WebSocket API: the payload is every parameter except `signature`, sorted by name, as
// name=value joined by '&' (ws_api_payload()). REST: the query string (and/or the form body)
// exactly as sent, in the order sent.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/result.hpp"

namespace sequent::binance {

// Key material. No operator<<, no implicit conversion; to_string() is redacted; the bytes are
// wiped (OPENSSL_cleanse) on destruction. bytes() is for the signer only.
class Secret {
 public:
  Secret() = default;
  static Secret from_string(std::string_view key) { return Secret(std::string(key)); }
  Secret(const Secret&) = delete;
  Secret& operator=(const Secret&) = delete;
  Secret(Secret&& o) noexcept : key_(std::move(o.key_)) { o.wipe(); }
  Secret& operator=(Secret&& o) noexcept;
  ~Secret() { wipe(); }

  bool empty() const noexcept { return key_.empty(); }
  std::size_t size() const noexcept { return key_.size(); }
  std::string to_string() const { return "<redacted " + std::to_string(key_.size()) + " bytes>"; }
  std::string_view bytes() const noexcept { return key_; }

 private:
  explicit Secret(std::string key) : key_(std::move(key)) {}
  void wipe() noexcept;
  std::string key_;
};

struct HexSignature {
  std::array<char, 64> hex{};
  std::string_view view() const noexcept { return std::string_view(hex.data(), hex.size()); }
};

// HMAC-SHA256 of payload with the secret, lower-case hex (64 chars). No allocation.
HexSignature hmac_sha256_hex(const Secret& secret, std::string_view payload) noexcept;

// Appends RFC 3986 percent-encoding of text (unreserved A-Z a-z 0-9 - . _ ~ kept; everything
// else, UTF-8 bytes included, as %XX upper-case) — how Binance expects non-ASCII symbols.
void percent_encode(std::string_view text, std::string& out);

// name=value&name=value with percent-encoded values, in the order added. Reuse with clear().
class QueryBuilder {
 public:
  QueryBuilder() { q_.reserve(512); }
  QueryBuilder& add(std::string_view name, std::string_view value);
  QueryBuilder& add(std::string_view name, std::int64_t value);
  void clear() noexcept { q_.clear(); }
  std::string_view view() const noexcept { return q_; }

 private:
  std::string q_;
};

// The WebSocket-API signature payload: params sorted by name (a "signature" entry is left out),
// name=value joined by '&', values percent-encoded as in QueryBuilder.
std::string ws_api_payload(std::vector<std::pair<std::string_view, std::string_view>> params);

// Ed25519 private key (PKCS#8 PEM, as Binance's docs generate it). Cold to load, cheap to sign.
class Ed25519Key {
 public:
  static Result<Ed25519Key> from_pem(std::string_view pem);
  Ed25519Key(Ed25519Key&&) noexcept;
  Ed25519Key& operator=(Ed25519Key&&) noexcept;
  ~Ed25519Key();
  std::string to_string() const { return "<redacted ed25519 key>"; }
  // Signature of payload, base64 (88 chars).
  Result<std::string> sign_base64(std::string_view payload) const;

 private:
  Ed25519Key() = default;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

std::string base64_encode(std::string_view bytes);

}  // namespace sequent::binance
