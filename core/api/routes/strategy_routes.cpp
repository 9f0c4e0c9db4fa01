#include "core/api/routes/strategy_routes.hpp"

#include "core/api/routes/risk_routes.hpp"

namespace propbot::api {

// The longest strategy name the route looks up (configured names are far shorter).
inline constexpr std::size_t kMaxStrategyNameBytes = 128;

void add_strategy_routes(GuardedRouter& router, engine::EngineHandle& engine) {
  router.add("GET", "/api/ui/strategies/{name}", [&engine](const net::HttpRequest& request) {
    const std::string& name = request.params.at("name");
    if (name.empty() || name.size() > kMaxStrategyNameBytes) {
      return net::HttpResponse::error(400, "bad_request",
                                      "path 'name': a strategy name of 1 to " + std::to_string(kMaxStrategyNameBytes) +
                                          " bytes, as configured in strategies[].name");
    }
    auto detail = engine.strategy_detail(name, std::chrono::seconds(2));
    if (!detail) return engine_refusal(detail.error());
    return net::HttpResponse::json(200, *detail);
  });
}

}  // namespace propbot::api
