// Statuses for an inventory's hub models from the audit store, auditing (or queueing) the ones
// the store does not know yet with the audit engine (audit/audit.h), and the conversion of an
// inventory to and from a store project (store::ProjectInventory).
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "audit/audit.h"
#include "hub/client.h"
#include "inventory/inventory.h"
#include "store/store.h"

namespace mv::inventory {

struct EnrichOptions {
  // Models the store has never audited: audited now through `client` (when given), or only
  // added to the store for a later `modelvet audit --all` (queue).
  bool queue = false;
  audit::AuditOptions audit;  // audit.scan.kb required when auditing
  std::function<void(std::string_view)> progress;
};

struct EnrichResult {
  size_t known = 0;    // statuses read from the store
  size_t audited = 0;  // audited by this run
  size_t queued = 0;
  size_t failed = 0;  // audits that failed (ModelUse::audit_error says why)
};

// `client` null: offline, the store only. Errors: the store's.
Result<EnrichResult> Enrich(Inventory& inv, store::Store& store, hub::HubClient* client,
                            const EnrichOptions& options);

// Fills status, license, hashes … of one model from a store record and its files.
void ApplyRecord(ModelUse& m, const store::ModelRecord& rec,
                 const std::vector<store::FileRecord>& files);

store::ProjectInventory ToProject(const Inventory& inv, const std::string& name,
                                  const std::string& time, const std::string& tool_version);
Inventory FromProject(const store::ProjectInventory& project);

}  // namespace mv::inventory
