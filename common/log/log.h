// One-line structured JSON logs on stderr:
//   {"ts":"2025-10-24T15:10:00.000Z","level":"info","service":"contacts","event":"rpc",...}
//
// Personal data (message bodies, names, contact details) must never be passed as a field: log
// identifiers (school id, enquiry id, request id) and outcomes only. Fields are values the caller
// chooses; nothing is logged implicitly.
#pragma once

#include <string_view>

#include "nlohmann/json.hpp"

namespace parley::log {

enum class Level { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// Process-wide settings, set once in main before threads start.
void SetService(std::string_view service);
void SetMinLevel(Level level);
// Parses "debug" | "info" | "warning" | "error"; false when unknown.
bool ParseLevel(std::string_view text, Level* level);

// Where lines go (stderr by default); tests capture lines with this.
using Sink = void (*)(std::string_view line);
void SetSinkForTesting(Sink sink);

// Whether a line at `level` would be written: lets a hot path skip building its fields (a call
// that succeeded is logged at debug, which is off by default).
bool Enabled(Level level);

void Write(Level level, std::string_view event, const nlohmann::json& fields = nlohmann::json::object());

inline void Debug(std::string_view e, const nlohmann::json& f = nlohmann::json::object()) {
  Write(Level::kDebug, e, f);
}
inline void Info(std::string_view e, const nlohmann::json& f = nlohmann::json::object()) { Write(Level::kInfo, e, f); }
inline void Warning(std::string_view e, const nlohmann::json& f = nlohmann::json::object()) {
  Write(Level::kWarning, e, f);
}
inline void Error(std::string_view e, const nlohmann::json& f = nlohmann::json::object()) {
  Write(Level::kError, e, f);
}

}  // namespace parley::log
