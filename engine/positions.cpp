#include "engine/positions.hpp"

namespace sequent {

namespace {
std::int64_t abs64(std::int64_t v) noexcept { return v < 0 ? -v : v; }
}  // namespace

void Position::apply_fill(Side side, Price price, Qty qty, Money fee) noexcept {
  fees_ += fee;
  if (side == Side::kBuy) bought_ += qty; else sold_ += qty;
  const std::int64_t signed_fill = side == Side::kBuy ? qty.raw() : -qty.raw();
  const std::int64_t pos = qty_.raw();
  if (pos == 0 || (pos > 0) == (signed_fill > 0)) {
    // Opening or adding: weighted average entry price.
    const std::int64_t new_abs = abs64(pos) + qty.raw();
    const Int128 weighted = static_cast<Int128>(avg_price_.raw()) * abs64(pos) +
                              static_cast<Int128>(price.raw()) * qty.raw();
    avg_price_ = Price::from_raw(static_cast<std::int64_t>(div_round_half_even(weighted, new_abs)));
    qty_ = Qty::from_raw(pos + signed_fill);
    return;
  }
  // Reducing, closing or flipping.
  const std::int64_t closed = abs64(signed_fill) < abs64(pos) ? abs64(signed_fill) : abs64(pos);
  const std::int64_t direction = pos > 0 ? 1 : -1;
  const Int128 pnl = div_round_half_even(
      static_cast<Int128>(price.raw() - avg_price_.raw()) * closed * direction, kFixedScale);
  realised_ += Money::from_raw(static_cast<std::int64_t>(pnl));
  const std::int64_t new_pos = pos + signed_fill;
  qty_ = Qty::from_raw(new_pos);
  if (new_pos == 0) {
    avg_price_ = Price{};
  } else if ((new_pos > 0) != (pos > 0)) {
    avg_price_ = price;  // flipped: the remainder opened at this fill's price
  }
}

Money Position::unrealised() const noexcept {
  if (qty_.is_zero() || !last_price_.is_positive()) return Money{};
  return Money::from_raw(static_cast<std::int64_t>(
      div_round_half_even(static_cast<Int128>(last_price_.raw() - avg_price_.raw()) * qty_.raw(), kFixedScale)));
}

void Position::archive(StateArchive& a) noexcept {
  a.fixed(qty_);
  a.fixed(avg_price_);
  a.fixed(realised_);
  a.fixed(fees_);
  a.fixed(last_price_);
  a.fixed(bought_);
  a.fixed(sold_);
}

Money StrategyPositions::net_pnl(StrategyId strategy) const noexcept { return sum(strategy, &Position::net_pnl); }

Money StrategyPositions::realised(StrategyId strategy) const noexcept { return sum(strategy, &Position::realised); }

Money StrategyPositions::unrealised(StrategyId strategy) const noexcept { return sum(strategy, &Position::unrealised); }

Money StrategyPositions::fees(StrategyId strategy) const noexcept { return sum(strategy, &Position::fees); }

bool StrategyPositions::empty(StrategyId strategy) const noexcept {
  for (std::size_t i = 0; i < instruments_; ++i) {
    const Position& p = books_[book_of(strategy) * instruments_ + i];
    if (p.bought().is_positive() || p.sold().is_positive()) return false;
  }
  return true;
}

void StrategyPositions::archive(StateArchive& a) noexcept {
  a.tag("books");
  a.expect_count(books_.size());
  for (Position& p : books_) p.archive(a);
  for (Mark& m : marks_) {
    a.fixed(m.last);
    a.u32(m.used);
  }
}

}  // namespace sequent
