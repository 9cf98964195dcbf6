#include "gateways/binance/signing.hpp"

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include <algorithm>

namespace sequent::binance {

Secret& Secret::operator=(Secret&& o) noexcept {
  if (this != &o) {
    wipe();
    key_ = std::move(o.key_);
    o.wipe();
  }
  return *this;
}

void Secret::wipe() noexcept {
  if (!key_.empty()) OPENSSL_cleanse(key_.data(), key_.size());
  key_.clear();
}

HexSignature hmac_sha256_hex(const Secret& secret, std::string_view payload) noexcept {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  const std::string_view key = secret.bytes();
  HexSignature out;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(payload.data()),
           payload.size(), mac, &len) == nullptr ||
      len != 32)
    return out;  // all zero bytes: never a valid signature
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned i = 0; i < 32; ++i) {
    out.hex[2 * i] = kHex[mac[i] >> 4];
    out.hex[2 * i + 1] = kHex[mac[i] & 0xF];
  }
  OPENSSL_cleanse(mac, sizeof(mac));
  return out;
}

void percent_encode(std::string_view text, std::string& out) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  for (char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                            c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
}

QueryBuilder& QueryBuilder::add(std::string_view name, std::string_view value) {
  if (!q_.empty()) q_ += '&';
  percent_encode(name, q_);
  q_ += '=';
  percent_encode(value, q_);
  return *this;
}

QueryBuilder& QueryBuilder::add(std::string_view name, std::int64_t value) {
  const std::string digits = std::to_string(value);
  return add(name, std::string_view(digits));
}

std::string ws_api_payload(std::vector<std::pair<std::string_view, std::string_view>> params) {
  std::sort(params.begin(), params.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  QueryBuilder q;
  for (const auto& [k, v] : params)
    if (k != "signature") q.add(k, v);
  return std::string(q.view());
}

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(n < 0 ? 0 : static_cast<std::size_t>(n));
  return out;
}

struct Ed25519Key::Impl {
  EVP_PKEY* key = nullptr;
  ~Impl() { EVP_PKEY_free(key); }
};

Ed25519Key::Ed25519Key(Ed25519Key&&) noexcept = default;
Ed25519Key& Ed25519Key::operator=(Ed25519Key&&) noexcept = default;
Ed25519Key::~Ed25519Key() = default;

Result<Ed25519Key> Ed25519Key::from_pem(std::string_view pem) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  if (bio == nullptr) return Error{ErrorCode::kInternal, "ed25519: BIO_new_mem_buf failed"};
  EVP_PKEY* pkey = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  if (pkey == nullptr) return Error{ErrorCode::kInvalidArgument, "ed25519: not a PEM private key"};
  if (EVP_PKEY_id(pkey) != EVP_PKEY_ED25519) {
    EVP_PKEY_free(pkey);
    return Error{ErrorCode::kInvalidArgument, "ed25519: the PEM key is not an Ed25519 key"};
  }
  Ed25519Key k;
  k.impl_ = std::make_unique<Impl>();
  k.impl_->key = pkey;
  return k;
}

Result<std::string> Ed25519Key::sign_base64(std::string_view payload) const {
  if (!impl_ || impl_->key == nullptr) return Error{ErrorCode::kInvalidArgument, "ed25519: no key"};
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  if (ctx == nullptr) return Error{ErrorCode::kInternal, "ed25519: EVP_MD_CTX_new failed"};
  unsigned char sig[64];
  std::size_t len = sizeof(sig);
  const bool ok = EVP_DigestSignInit(ctx, nullptr, nullptr, nullptr, impl_->key) == 1 &&
                  EVP_DigestSign(ctx, sig, &len, reinterpret_cast<const unsigned char*>(payload.data()), payload.size()) == 1;
  EVP_MD_CTX_free(ctx);
  if (!ok || len != sizeof(sig)) return Error{ErrorCode::kInternal, "ed25519: signing failed"};
  return base64_encode(std::string_view(reinterpret_cast<const char*>(sig), len));
}

}  // namespace sequent::binance
