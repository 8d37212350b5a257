// `modelvet audit --reproduce`: files the static engine calls unsafe or needs-review are loaded
// with their real loader in the sandbox (reproduce/), and what was observed is merged into the
// file's record as evidence of its own kind, by these rules:
//   - an observation makes the file `unsafe`, with the observation as its summary, and is
//     added to its findings (category `reproduced`);
//   - a quiet run, or one that did not complete, changes no verdict: it never clears a
//     statically unsafe or needs-review file (an info finding records it);
//   - files the static engine calls safe are never run, so a static `safe` is never
//     overturned without an observation.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/scan_result.h"
#include "core/source.h"
#include "reproduce/loader.h"
#include "reproduce/observation.h"
#include "store/store.h"

namespace mv::audit {

// Loads a local file in the sandbox (reproduce::Reproducer::Reproduce, shared by the audit).
using ReproduceFn =
    std::function<reproduce::RunReport(const std::string& local_path, reproduce::Loader loader)>;

// Whether the audit loads this file in the sandbox.
bool WantsReproduction(const FileReport& r);

// Copies `src` whole into a private temporary file (at most limits::kReproduceMaxDownloadBytes)
// and runs `fn` on it with the loader the static report names. nullopt, with `why` set, when
// nothing was run (no loader for the format, too large, not readable).
std::optional<reproduce::RunReport> ReproduceSource(const SourcePtr& src, const FileReport& r,
                                                    const ReproduceFn& fn, std::string& why);

// Merges a run into the file's static report and record (the rules above).
void MergeReproduction(const reproduce::RunReport& run, FileReport& report,
                       store::FileRecord& record);

// The stored form of a run of `record`'s file.
store::Reproduction ToReproduction(const reproduce::RunReport& run, const store::FileRecord& record,
                                   const std::string& time);

// "reproduced in the sandbox: model.pt: loading it ran `sh -c id`" for the status history;
// "" when no run observed anything.
std::string ReproducedReason(const std::vector<store::Reproduction>& runs);

}  // namespace mv::audit
