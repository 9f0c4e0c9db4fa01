// ForensicSink: the hook through which every P0 incident asks for a forensic bundle
// (SPEC S-4.3, S-9.4). IncidentLog calls capture() once for each P0 it records, right
// after the incident row is committed; what a bundle holds and where it is written
// belong to the implementation: the daemon's is forensics::ForensicWriter
// (core/forensics/forensic_writer.hpp).
//
// Contract for implementations:
// - Called on the IncidentLog's thread (the caller's), synchronously: return quickly.
//   A slow capture should queue the work and return "" now, then record the reference
//   later with IncidentLog::set_forensic_ref().
// - Return the bundle's reference (a path or id) when it is already captured, or ""
//   when it is not (yet). An exception is caught by IncidentLog and treated as "".
//   Either way the incident stays recorded; forensic_captured shows the difference.
//
// NoForensicSink is the default: it captures nothing.
#pragma once

#include <string>

namespace propbot::control {

struct Incident;

class ForensicSink {
 public:
  virtual ~ForensicSink() = default;
  virtual std::string capture(const Incident& incident) = 0;
};

class NoForensicSink final : public ForensicSink {
 public:
  std::string capture(const Incident&) override { return {}; }
};

}  // namespace propbot::control
