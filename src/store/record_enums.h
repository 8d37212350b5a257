// The closed vocabularies of the store's records (store.h), each with its one text table
// (core/enum_text.h). Records carry these values; text exists only where it leaves or enters the
// program: the SQLite and PostgreSQL mappings (store/rows.h), the JSON, HTML and terminal output,
// and the parsing of user input (CLI options, API bodies, hub fields). The texts are the ones the
// databases hold: changing one is a schema migration.
#pragma once

#include <cstdint>

#include "core/enum_text.h"

namespace mv::store {

// A model's status (docs/design.md "Model statuses"); a model seen in a listing but never
// audited has none (std::optional).
enum class ModelStatus : uint8_t { kNoFindings, kSuspected, kConfirmedUnsafe, kFalsePositive };

// Who set a model's current status.
enum class StatusSource : uint8_t { kAutomatic, kReviewer };

// A reviewer's decision on one file.
enum class Decision : uint8_t { kConfirmedUnsafe, kFalsePositive };

}  // namespace mv::store

namespace mv {

template <>
struct EnumTable<store::ModelStatus> {
  static constexpr EnumRow<store::ModelStatus> kRows[] = {
      {store::ModelStatus::kNoFindings, "no-findings"},
      {store::ModelStatus::kSuspected, "suspected"},
      {store::ModelStatus::kConfirmedUnsafe, "confirmed-unsafe"},
      {store::ModelStatus::kFalsePositive, "false-positive"}};
};

template <>
struct EnumTable<store::StatusSource> {
  static constexpr EnumRow<store::StatusSource> kRows[] = {
      {store::StatusSource::kAutomatic, "automatic"}, {store::StatusSource::kReviewer, "reviewer"}};
};

template <>
struct EnumTable<store::Decision> {
  static constexpr EnumRow<store::Decision> kRows[] = {
      {store::Decision::kConfirmedUnsafe, "confirmed-unsafe"},
      {store::Decision::kFalsePositive, "false-positive"}};
};

}  // namespace mv
