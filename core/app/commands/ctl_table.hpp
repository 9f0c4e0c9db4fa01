// TextTable: the plain-text tables `propbot ctl` prints — a header row, a dashed rule,
// then rows, each column as wide as its widest cell (left-aligned, two spaces apart).
//
// Guarantees: a cell longer than kMaxCellChars is cut to that many bytes with "…", so
// one long summary cannot push the other columns off a terminal; a newline in a cell
// becomes a space, so each row stays one line; a row with fewer cells than headers is
// padded with "", extra cells are dropped. Rows are held until render(): the caller
// bounds them (every daemon list it prints is bounded by the daemon).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace propbot::app {

class TextTable {
 public:
  static constexpr std::size_t kMaxCellChars = 80;

  explicit TextTable(std::vector<std::string> headers);
  void add(std::vector<std::string> cells);
  std::size_t rows() const { return rows_.size(); }
  // The whole table, each line ending in '\n'; with no rows, the header and rule only.
  std::string render() const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace propbot::app
