#include "tests/unit/scripting/lua_differential.hpp"

#include <array>
#include <stdexcept>

extern "C" {
#include <luajit-2.1/lauxlib.h>
#include <luajit-2.1/lua.h>
#include <luajit-2.1/luajit.h>
#include <luajit-2.1/lualib.h>
}

namespace propbot::scripting::testing {
namespace {

constexpr const char* kChunk = "diff.lua";

// Serialises any number of values: "#<count>|s<len>:<bytes>|n<number>|<type>...".
constexpr const char kSerialise[] = R"(local select, type, tostring = select, type, tostring
local function ser(...)
  local n = select('#', ...)
  local out = "#" .. n
  for i = 1, n do
    local v = select(i, ...)
    local t = type(v)
    if t == "string" then out = out .. "|s" .. #v .. ":" .. v
    elseif t == "number" then out = out .. "|n" .. tostring(v)
    elseif t == "boolean" then out = out .. "|b" .. tostring(v)
    else out = out .. "|" .. t end
  end
  return out
end
)";

constexpr const char kHarness[] = R"(local H = {}
function H.find(s, p, i, plain) return (ser(string.find(s, p, i, plain))) end
function H.match(s, p, i) return (ser(string.match(s, p, i))) end
function H.gmatch(s, p)
  local it = string.gmatch(s, p)
  local out = ""
  for k = 1, 64 do
    local r = ser(it())
    if r == "#0" then break end
    out = out .. "{" .. r .. "}"
  end
  return out
end
function H.gsub(s, p, r, n) return (ser(string.gsub(s, p, r, n))) end
local replacements = {
  function() return nil end,
  function(a) return a end,
  function(...) return select('#', ...) end,
  function(a, b) if b ~= nil then return tostring(b) .. tostring(a) end return false end,
  function(a) if a == "a" then return {} end return "<" .. tostring(a) .. ">" end,
  function(a) if a == "b" then error("callback refused " .. tostring(a)) end return "T" end,
  function() return true end,
}
function H.gsub_fn(s, p, k, n) return (ser(string.gsub(s, p, replacements[k], n))) end
local lookup = setmetatable({ a = "A", b = false, c = {}, ["1"] = 7, [""] = "E", ab = "AB" },
  { __index = function(t, k) if k == "x" then return "X" end end })
function H.gsub_table(s, p, n) return (ser(string.gsub(s, p, lookup, n))) end
local seed = 0
local comparators = {
  function(a, b) return a < b end,
  function(a, b) return a > b end,
  function(a, b) return true end,
  function(a, b) seed = (seed * 1103515245 + 12345) % 2147483648 return seed % 3 == 0 end,
  function(a, b) return a <= b end,
}
function H.sort(csv, k)
  local t = {}
  for v in string.gmatch(csv, "[^,]+") do
    if v == "nan" then t[#t + 1] = 0 / 0 else t[#t + 1] = tonumber(v) or v end
  end
  local log, compare = "", comparators[k]
  seed = 7
  local order = compare and function(a, b) log = log .. tostring(a) .. "<" .. tostring(b) .. ";" return compare(a, b) end
  local ok, err = pcall(table.sort, t, order)
  local out = tostring(ok) .. " " .. tostring(err) .. " ["
  for i = 1, #t do out = out .. tostring(t[i]) .. "," end
  return out .. "] " .. log
end
function H.maxn(...)
  local t = {}
  for i = 1, select('#', ...) do t[(select(i, ...))] = true end
  return (ser(table.maxn(t)))
end
return H
)";

void push(lua_State* L, const Arg& a) {
  if (std::holds_alternative<Nil>(a)) {
    lua_pushnil(L);
  } else if (const bool* b = std::get_if<bool>(&a)) {
    lua_pushboolean(L, *b ? 1 : 0);
  } else if (const double* d = std::get_if<double>(&a)) {
    lua_pushnumber(L, *d);
  } else {
    const std::string& s = std::get<std::string>(a);
    lua_pushlstring(L, s.data(), s.size());
  }
}

std::string top_string(lua_State* L) {
  std::size_t n = 0;
  const char* s = lua_tolstring(L, -1, &n);
  return s != nullptr ? std::string(s, n) : std::string("(not a string)");
}

std::string snippet_source(const std::string& body) {
  return std::string(kSerialise) + "return (ser((function()\n" + body + "\nend)()))\n";
}

Outcome reference_pcall(lua_State* L, int nargs) {
  Outcome out;
  out.ok = lua_pcall(L, nargs, 1, 0) == 0;
  out.text = top_string(L);
  lua_settop(L, 0);
  return out;
}

Outcome from_sandbox(lua_State* L, bool ok, const ScriptFault& fault) {
  Outcome out;
  out.ok = ok;
  out.text = ok ? top_string(L) : fault.message;
  out.budget_exceeded = !ok && fault.budget_exceeded;
  lua_settop(L, 0);
  return out;
}

}  // namespace

LuaDifferential::LuaDifferential(std::int64_t sandbox_budget) {
  reference_ = luaL_newstate();
  if (reference_ == nullptr) throw std::runtime_error("no Lua state");
  luaL_openlibs(reference_);
  luaJIT_setmode(reference_, 0, LUAJIT_MODE_ENGINE | LUAJIT_MODE_OFF);
  const std::string harness = std::string(kSerialise) + kHarness;
  const std::string chunk = std::string("@") + kChunk;
  if (luaL_loadbuffer(reference_, harness.data(), harness.size(), chunk.c_str()) != 0 ||
      lua_pcall(reference_, 0, 1, 0) != 0) {
    throw std::runtime_error("reference harness: " + top_string(reference_));
  }
  reference_harness_ = luaL_ref(reference_, LUA_REGISTRYINDEX);

  SandboxLimits limits;
  limits.instruction_budget = sandbox_budget;
  sandbox_ = std::make_unique<LuaSandbox>(limits, clock_);
  ScriptFault fault;
  if (!sandbox_->load_module(harness, kChunk, &fault)) throw std::runtime_error("sandbox harness: " + fault.message);
  sandbox_harness_ = luaL_ref(sandbox_->state(), LUA_REGISTRYINDEX);
}

LuaDifferential::~LuaDifferential() {
  if (reference_ != nullptr) lua_close(reference_);
}

Outcome LuaDifferential::reference(const char* function, const std::vector<Arg>& args) {
  lua_State* L = reference_;
  lua_rawgeti(L, LUA_REGISTRYINDEX, reference_harness_);
  lua_getfield(L, -1, function);
  lua_remove(L, -2);
  for (const Arg& a : args) push(L, a);
  return reference_pcall(L, static_cast<int>(args.size()));
}

Outcome LuaDifferential::sandboxed(const char* function, const std::vector<Arg>& args) {
  lua_State* L = sandbox_->state();
  lua_settop(L, 0);
  lua_rawgeti(L, LUA_REGISTRYINDEX, sandbox_harness_);
  lua_getfield(L, -1, function);
  lua_remove(L, -2);
  for (const Arg& a : args) push(L, a);
  ScriptFault fault;
  const bool ok = sandbox_->call(static_cast<int>(args.size()), 1, &fault);
  return from_sandbox(L, ok, fault);
}

Outcome LuaDifferential::reference_snippet(const std::string& body) {
  lua_State* L = reference_;
  const std::string source = snippet_source(body);
  const std::string chunk = std::string("@") + kChunk;
  if (luaL_loadbuffer(L, source.data(), source.size(), chunk.c_str()) != 0) {
    Outcome out{false, top_string(L)};
    lua_settop(L, 0);
    return out;
  }
  return reference_pcall(L, 0);
}

Outcome LuaDifferential::sandboxed_snippet(const std::string& body) {
  lua_State* L = sandbox_->state();
  lua_settop(L, 0);
  ScriptFault fault;
  const bool ok = sandbox_->load_module(snippet_source(body), kChunk, &fault).ok();
  return from_sandbox(L, ok, fault);
}

// --- the generator ---

namespace {

constexpr std::array<const char*, 52> kAtoms = {
    "a", "b", "c", "x", ".", "%a", "%d", "%s", "%w", "%l", "%u", "%p", "%c", "%x", "%g", "%A", "%D", "%S", "%W",
    "%z", "%Z", "%%", "%.", "%]", "[ab]", "[^a]", "[a-c]", "[%a_]", "[]]", "[^]a]", "[a-]", "[%]]", "[^%d%s]",
    "%b()", "%bab", "%f[%w]", "%f[%W]", "%f[a]", "%1", "%2", "%0", "" /* a NUL byte */, "-", "^",
    "$", "(", ")", "()", "%", "[", "[a", "%f"};
constexpr std::array<const char*, 5> kQuantifiers = {"", "*", "+", "-", "?"};
constexpr std::string_view kSubjectBytes("aaabbbccx()()_ 1Z-%.\0]", 23);

}  // namespace

std::string PatternGenerator::pattern() {
  std::string p;
  if (below(6) == 0) p += '^';
  const int items = 1 + below(7);
  for (int i = 0; i < items; ++i) {
    const int which = below(static_cast<int>(kAtoms.size()));
    const char* atom = kAtoms[static_cast<std::size_t>(which)];
    if (atom[0] == '\0') {
      p += '\0';
    } else if (below(8) == 0) {
      p += '(';
      p += atom;
      p += kQuantifiers[static_cast<std::size_t>(below(5))];
      p += ')';
    } else {
      p += atom;
      if (below(2) == 0) p += kQuantifiers[static_cast<std::size_t>(below(5))];
    }
  }
  if (below(6) == 0) p += '$';
  return p;
}

std::string PatternGenerator::subject() {
  std::string s;
  const int length = below(13);
  for (int i = 0; i < length; ++i) s += kSubjectBytes[static_cast<std::size_t>(below(static_cast<int>(kSubjectBytes.size())))];
  return s;
}

Arg PatternGenerator::init() {
  switch (below(10)) {
    case 0: return static_cast<double>(below(31) - 15);
    case 1: return 0.0;
    case 2: return static_cast<double>(below(3) == 0 ? -3e9 : 1e9);
    case 3: return 2.5;
    default: return Nil{};
  }
}

std::string PatternGenerator::replacement() {
  static constexpr std::array<const char*, 10> kPieces = {"x", "%0", "%1", "%2", "%%", "%a", "-", "%9", "", "%"};
  std::string r;
  const int n = below(4);
  for (int i = 0; i < n; ++i) r += kPieces[static_cast<std::size_t>(below(static_cast<int>(kPieces.size())))];
  return r;
}

std::string describe_call(const char* function, const std::vector<Arg>& args) {
  std::string out = std::string(function) + "(";
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (i > 0) out += ", ";
    const Arg& a = args[i];
    if (std::holds_alternative<Nil>(a)) {
      out += "nil";
    } else if (const bool* b = std::get_if<bool>(&a)) {
      out += *b ? "true" : "false";
    } else if (const double* d = std::get_if<double>(&a)) {
      out += std::to_string(*d);
    } else {
      out += '"';
      for (char c : std::get<std::string>(a)) {
        if (c == '\0') {
          out += "\\0";
        } else if (c == '"' || c == '\\') {
          out += '\\';
          out += c;
        } else {
          out += c;
        }
      }
      out += '"';
    }
  }
  return out + ")";
}

}  // namespace propbot::scripting::testing
