#include "core/venues/sim/fault_fields.hpp"

#include <algorithm>
#include <limits>

namespace propbot::venues::sim {
namespace {

using nlohmann::json;

template <typename... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <typename... F>
Overloaded(F...) -> Overloaded<F...>;

Error field_error(std::string_view field, const std::string& message) {
  return make_error(Errc::invalid_argument, std::string(field) + ": " + message);
}

Status set_field(const FaultField& field, const json& value, FaultPlan& plan) {
  return std::visit(
      Overloaded{
          [&](const FaultField::Int& f) -> Status {
            if (!value.is_number_integer()) return field_error(field.name, "must be an integer");
            const auto number = value.get<long long>();
            if (number < f.min || number > f.max) {
              return field_error(field.name,
                                 "must be in [" + std::to_string(f.min) + ", " + std::to_string(f.max) + "]");
            }
            plan.*f.member = static_cast<int>(number);
            return {};
          },
          [&](const FaultField::Int64& f) -> Status {
            if (!value.is_number_integer()) return field_error(field.name, "must be an integer");
            plan.*f.member = value.get<std::int64_t>();
            return {};
          },
          [&](const FaultField::Ratio& f) -> Status {
            if (!value.is_number()) return field_error(field.name, "must be a number");
            const double ratio = value.get<double>();
            if (!(ratio >= 0 && ratio < 1)) return field_error(field.name, "must be in [0, 1) (0 = off)");
            plan.*f.member = ratio;
            return {};
          },
          [&](const FaultField::Flag& f) -> Status {
            if (!value.is_boolean()) return field_error(field.name, "must be true or false");
            plan.*f.member = value.get<bool>();
            return {};
          },
          [&](const FaultField::Text& f) -> Status {
            if (!value.is_string()) return field_error(field.name, "must be a string");
            plan.*f.member = value.get<std::string>();
            return {};
          },
      },
      field.value);
}

json value_of(const FaultField& field, const FaultPlan& plan) {
  return std::visit([&](const auto& f) { return json(plan.*f.member); }, field.value);
}

}  // namespace

const std::vector<FaultField>& fault_fields() {
  constexpr long long kMaxInt = std::numeric_limits<int>::max();
  static const std::vector<FaultField> fields{
      {"added_latency_ms", FaultField::Int{&FaultPlan::added_latency_ms, 0, 60000}},
      {"partial_fill_ratio", FaultField::Ratio{&FaultPlan::partial_fill_ratio}},
      {"reject_nth_order", FaultField::Int{&FaultPlan::reject_nth_order, 0, kMaxInt}},
      {"reject_code", FaultField::Text{&FaultPlan::reject_code}},
      {"rate_limit_429_count", FaultField::Int{&FaultPlan::rate_limit_429_count, 0, kMaxInt}},
      {"retry_after_s", FaultField::Int{&FaultPlan::retry_after_s, 0, 86400}},
      {"ban_after_429s", FaultField::Int{&FaultPlan::ban_after_429s, 0, kMaxInt}},
      {"ban_s", FaultField::Int{&FaultPlan::ban_s, 0, 86400}},
      {"disconnect_websockets", FaultField::Flag{&FaultPlan::disconnect_websockets}, /*one_shot=*/true},
      {"websockets_down", FaultField::Flag{&FaultPlan::websockets_down}},
      {"drop_every_nth_diff", FaultField::Int{&FaultPlan::drop_every_nth_diff, 0, kMaxInt}},
      {"corrupt_next_snapshot", FaultField::Flag{&FaultPlan::corrupt_next_snapshot}},
      {"stale_books", FaultField::Flag{&FaultPlan::stale_books}},
      {"maintenance", FaultField::Flag{&FaultPlan::maintenance}},
      {"read_only", FaultField::Flag{&FaultPlan::read_only}},
      {"clock_skew_ms", FaultField::Int64{&FaultPlan::clock_skew_ms}},
      {"skip_funding", FaultField::Int{&FaultPlan::skip_funding, 0, kMaxInt}},
  };
  return fields;
}

json fault_plan_json(const FaultPlan& plan, bool with_one_shot) {
  json out = json::object();
  for (const FaultField& field : fault_fields()) {
    if (field.one_shot && !with_one_shot) continue;
    out[std::string(field.name)] = value_of(field, plan);
  }
  return out;
}

Result<FaultPlan> merge_fault_fields(const FaultPlan& base, const json& patch) {
  if (!patch.is_object()) return make_error(Errc::invalid_argument, "body: must be a JSON object");
  FaultPlan result = base;
  for (const auto& [name, value] : patch.items()) {
    const FaultField* found = nullptr;
    for (const FaultField& field : fault_fields()) {
      if (field.name == name) found = &field;
    }
    if (found == nullptr) {
      // Listed in name order, as the admin API always did.
      std::vector<std::string_view> names;
      for (const FaultField& field : fault_fields()) names.push_back(field.name);
      std::sort(names.begin(), names.end());
      std::string known;
      for (auto n : names) known += (known.empty() ? "" : ", ") + std::string(n);
      return field_error(name, "unknown field; known: " + known);
    }
    if (Status set = set_field(*found, value, result); !set) return set.error();
  }
  return result;
}

}  // namespace propbot::venues::sim
