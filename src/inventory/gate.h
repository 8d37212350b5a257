// The CI gate of `modelvet inventory --fail-on`: which of its conditions hold for an enriched
// inventory, and what keeps the gate from being decided. Fail closed: a gate over statuses is
// undecided while a hub model has none, a gate over committed model files is undecided while one
// could not be decided by the engine, and any part of the tree that was not read leaves every
// gate undecided.
#pragma once

#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "core/enum_text.h"
#include "core/result.h"
#include "inventory/inventory.h"

namespace mv::inventory {

enum class Gate : uint8_t { kConfirmedUnsafe, kSuspected, kUnsafeArtifact };

// The gates named by --fail-on values, each a name or a comma-separated list of names. An
// unknown name is a kMalformed error that names it and the valid ones.
Result<std::set<Gate>> ParseGates(const std::vector<std::string>& values);

struct GateOutcome {
  std::vector<std::string> tripped;    // names of the conditions that hold (exit 1)
  std::vector<std::string> undecided;  // what keeps the gate from being decided (exit 2)
};

GateOutcome EvaluateGate(const Inventory& v, const std::set<Gate>& gate);

}  // namespace mv::inventory

namespace mv {

template <>
struct EnumTable<inventory::Gate> {
  static constexpr EnumRow<inventory::Gate> kRows[] = {
      {inventory::Gate::kConfirmedUnsafe, "confirmed-unsafe"},
      {inventory::Gate::kSuspected, "suspected"},
      {inventory::Gate::kUnsafeArtifact, "unsafe-artifact"}};
};

}  // namespace mv
