// The FaultPlan's fields, listed once: the name the admin API uses, the member, and what
// an admin may set it to. The admin API's reader and writer (host/admin_json.cpp) and
// every venue's describe() (FaultGate::describe) walk this one list, so a new fault is
// its FaultPlan member, one row in fault_fields(), and the FaultGate query the
// frontends ask.
//
// Pure data and functions; any thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/common/result.hpp"
#include "core/venues/sim/faults.hpp"

namespace propbot::venues::sim {

struct FaultField {
  // An integer in [min, max].
  struct Int {
    int FaultPlan::*member;
    long long min, max;
  };
  // Any integer.
  struct Int64 {
    std::int64_t FaultPlan::*member;
  };
  // A ratio in [0, 1); 0 is off.
  struct Ratio {
    double FaultPlan::*member;
  };
  struct Flag {
    bool FaultPlan::*member;
  };
  struct Text {
    std::string FaultPlan::*member;
  };

  std::string_view name;
  std::variant<Int, Int64, Ratio, Flag, Text> value;
  // An action rather than a state (the frontend clears it once done): shown by the
  // admin API's plan, not in a venue's describe().
  bool one_shot = false;
};

const std::vector<FaultField>& fault_fields();

// The plan as JSON, one key per field (one-shot fields only when asked).
nlohmann::json fault_plan_json(const FaultPlan& plan, bool with_one_shot);
// `base` with the fields `patch` names; errors name the field and the allowed values
// ("added_latency_ms: must be in [0, 60000]"), and an unknown field lists the known ones.
Result<FaultPlan> merge_fault_fields(const FaultPlan& base, const nlohmann::json& patch);

}  // namespace propbot::venues::sim
