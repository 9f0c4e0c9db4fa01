// PolicyVerdict: what the policy stage (core/engine/policy_stage.hpp) concluded about a
// strategy's intent — regime → policy → sizing (SPEC S-7.3):
//   ok             — the policy would trade it at the sized notional;
//   below_min_edge — a hedged pair's net_spread_bps is under the regime's entry threshold;
//   size_zero      — sizing answered nothing to trade;
//   warming_up     — no market features for the intent's venue(s) in the window yet;
//   no_policies    — the bundle has no policies/: the intent's size, clamped to the caps.
//
// The string forms are stable: the "policy" field of every opportunity the API answers
// (GET /api/opportunities, the snapshot) and docs/STRATEGY_GUIDE.md §6 name them.
//
// Threads: pure functions, safe from any thread; to_string never allocates.
#pragma once

#include <array>
#include <string_view>

namespace propbot {

enum class PolicyVerdict { ok, below_min_edge, size_zero, warming_up, no_policies };

inline constexpr std::array<PolicyVerdict, 5> kAllPolicyVerdicts = {
    PolicyVerdict::ok, PolicyVerdict::below_min_edge, PolicyVerdict::size_zero, PolicyVerdict::warming_up,
    PolicyVerdict::no_policies};

constexpr std::string_view to_string(PolicyVerdict verdict) {
  switch (verdict) {
    case PolicyVerdict::ok: return "ok";
    case PolicyVerdict::below_min_edge: return "below_min_edge";
    case PolicyVerdict::size_zero: return "size_zero";
    case PolicyVerdict::warming_up: return "warming_up";
    case PolicyVerdict::no_policies: return "no_policies";
  }
  return "size_zero";  // an out-of-range value reads as a refusal
}

// Whether the policy lets the intent through: ok, or no policy to ask.
constexpr bool policy_allows(PolicyVerdict verdict) {
  return verdict == PolicyVerdict::ok || verdict == PolicyVerdict::no_policies;
}

}  // namespace propbot
