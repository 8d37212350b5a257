// What `modelvet audit --all` audits: every model in the store, within one audit run that
// survives a kill. A run that was never finished is resumed (the models it finished are not
// audited again, but a confirmed-unsafe one among them still counts for the exit code);
// `restart` starts a new run instead. Ids the store holds are checked again before any request
// is made with them (the store may have been written by an older modelvet or another writer).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"
#include "hub/client.h"
#include "store/store.h"

namespace mv::audit {

struct AuditAllPlan {
  int64_t run = 0;                   // the run the audits count towards
  bool resumed = false;              // an unfinished run was taken up
  std::string resumed_started;       // when the resumed run started
  size_t done = 0;                   // models the resumed run had finished
  bool unsafe_before = false;        // one of those is confirmed unsafe
  std::vector<hub::RepoRef> refs;    // what is left to audit, in the store's order
  std::vector<std::string> skipped;  // stored ids refused by the hub's id rules (why, one each)
};

// Opens or resumes the run and lists what is left. Errors: the store's.
Result<AuditAllPlan> PlanAuditAll(store::Store& st, bool restart, const std::string& now);

}  // namespace mv::audit
