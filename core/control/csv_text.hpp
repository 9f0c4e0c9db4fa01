// CSV text per RFC 4180, for the spreadsheet copies of a WORM export (SPEC S-5.4): a
// field is quoted when it holds a comma, a double quote, CR or LF (or starts or ends
// with a space, which spreadsheets would trim), a quote inside is doubled, and records
// end with CRLF. Any bytes pass through unchanged, so the text of a cell is exactly the
// value's text (a price "65000.10" stays "65000.10").
//
// Threads: pure functions, safe from any thread.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace propbot::control {

// One field, quoted when it needs to be.
std::string csv_field(std::string_view value);

// One record: the fields joined by commas, ending with "\r\n".
std::string csv_record(const std::vector<std::string>& fields);

}  // namespace propbot::control
