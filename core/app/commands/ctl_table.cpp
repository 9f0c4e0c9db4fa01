#include "core/app/commands/ctl_table.hpp"

#include <algorithm>
#include <utility>

namespace propbot::app {
namespace {

std::string one_line(std::string cell) {
  std::replace(cell.begin(), cell.end(), '\n', ' ');
  std::replace(cell.begin(), cell.end(), '\r', ' ');
  if (cell.size() > TextTable::kMaxCellChars) {
    std::size_t cut = TextTable::kMaxCellChars - 1;
    while (cut > 0 && (static_cast<unsigned char>(cell[cut]) & 0xC0) == 0x80) --cut;  // keep UTF-8 whole
    cell = cell.substr(0, cut) + "\xE2\x80\xA6";
  }
  return cell;
}

// Display width: UTF-8 continuation bytes take no column.
std::size_t width_of(const std::string& text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

}  // namespace

TextTable::TextTable(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void TextTable::add(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  for (auto& cell : cells) cell = one_line(std::move(cell));
  rows_.push_back(std::move(cells));
}

std::string TextTable::render() const {
  std::vector<std::size_t> widths(headers_.size());
  for (std::size_t c = 0; c < headers_.size(); ++c) {
    widths[c] = width_of(headers_[c]);
    for (const auto& row : rows_) widths[c] = std::max(widths[c], width_of(row[c]));
  }
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    std::string text;
    for (std::size_t c = 0; c < cells.size(); ++c) {
      text += cells[c];
      if (c + 1 < cells.size()) text += std::string(widths[c] - width_of(cells[c]) + 2, ' ');
    }
    out += text + "\n";
  };
  line(headers_);
  std::vector<std::string> rule;
  for (std::size_t width : widths) rule.emplace_back(width, '-');
  line(rule);
  for (const auto& row : rows_) line(row);
  return out;
}

}  // namespace propbot::app
