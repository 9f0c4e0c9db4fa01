// The dashboard page served at /ui/dashboard. Self-contained (no external assets, works
// offline); it polls the read endpoints once a second. The full operator dashboard
// (S-11.9: stream updates, controls, banners, ru/en) replaces this page later.
#pragma once

#include <string_view>

namespace propbot::api {
std::string_view dashboard_page_html();
}
