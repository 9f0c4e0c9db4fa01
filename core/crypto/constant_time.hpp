// constant_time_equal: compares two byte strings in time that depends only on their
// lengths, never on where they differ, so a server checking a signature (the venue
// simulator, the control-state loader) does not leak how many leading bytes of a
// forged signature were right. Lengths are not secret (signatures have a fixed size).
//
// Threads: pure function, safe from any thread. Never throws.
#pragma once

#include <string_view>

namespace propbot::crypto {

bool constant_time_equal(std::string_view a, std::string_view b) noexcept;

}  // namespace propbot::crypto
