// ScriptFault: a Lua error or budget overrun, located in the script (file:line) so a
// quant can find it, with the traceback for the log. Produced by LuaSandbox::call.
#pragma once

#include <string>

namespace propbot::scripting {

struct ScriptFault {
  std::string message;    // the error as Lua raised it, e.g. "strategies/x.lua:12: boom"
  std::string file;       // "strategies/x.lua", or empty when unknown
  int line = 0;           // 0 when unknown
  std::string traceback;  // Lua stack traceback
  bool budget_exceeded = false;

  std::string where() const { return file.empty() ? "?" : file + ":" + std::to_string(line); }
  // "file:line: message" with the location once (Lua already puts it at the front of
  // most messages).
  std::string located() const {
    const std::string at = where();
    if (message.rfind(at + ":", 0) == 0) return message;
    return at + ": " + message;
  }
};

}  // namespace propbot::scripting
