#include "inventory/enrich.h"

#include <set>

namespace mv::inventory {

void ApplyRecord(ModelUse& m, const store::ModelRecord& rec,
                 const std::vector<store::FileRecord>& files) {
  if (rec.status) m.status = rec.status;
  m.missed_by_hub = rec.missed_by_hub;
  m.verification = rec.verification;
  // A license is known once the hub listed or audited the model.
  if (!rec.last_audit.empty() || !rec.license.empty()) {
    m.license = rec.license;
    m.license_risk = rec.license_risk;
  }
  if (m.revision.empty()) m.sha = rec.sha;
  m.sha256.clear();
  for (const auto& f : files)
    if (f.sha256.size() == 64) m.sha256.push_back(f.sha256);
}

Result<EnrichResult> Enrich(Inventory& inv, store::Store& st, hub::HubClient* client,
                            const EnrichOptions& options) {
  EnrichResult out;
  std::set<std::string> audited;  // one audit per repo, whatever revisions the code pins
  for (ModelUse& m : inv.models) {
    if (m.provider != "huggingface") continue;
    MV_ASSIGN_OR_RETURN(std::optional<store::ModelRecord> rec, st.GetModel(m.id));
    if (rec && rec->status) {
      MV_ASSIGN_OR_RETURN(std::vector<store::FileRecord> files, st.ListFiles(m.id));
      ApplyRecord(m, *rec, files);
      ++out.known;
      continue;
    }
    if (!client) {
      if (rec) ApplyRecord(m, *rec, {});
      continue;
    }
    if (options.queue) {
      if (!rec) {
        store::ModelRecord r;
        r.id = m.id;
        r.author = m.id.find('/') == std::string::npos ? "" : m.id.substr(0, m.id.find('/'));
        MV_RETURN_IF_ERROR(st.UpsertListing(r));
      }
      ++out.queued;
      continue;
    }
    if (!audited.insert(m.id).second) continue;
    if (options.progress) options.progress("auditing " + m.id);
    hub::RepoRef ref;
    ref.repo = m.id;
    ref.revision = m.revision.empty() ? "main" : m.revision;
    auto r = audit::AuditModel(*client, st, ref, options.audit);
    if (!r.ok()) {
      m.audit_error = r.error().message;
      ++out.failed;
      continue;
    }
    ++out.audited;
    ApplyRecord(m, r->model, r->files);
  }
  // Other entries of a repo audited above (another pinned revision) take the same status.
  for (ModelUse& m : inv.models) {
    if (m.provider != "huggingface" || m.status || !m.audit_error.empty() || !audited.count(m.id))
      continue;
    MV_ASSIGN_OR_RETURN(std::optional<store::ModelRecord> rec, st.GetModel(m.id));
    if (rec) {
      MV_ASSIGN_OR_RETURN(std::vector<store::FileRecord> files, st.ListFiles(m.id));
      ApplyRecord(m, *rec, files);
    }
  }
  return out;
}

store::ProjectInventory ToProject(const Inventory& inv, const std::string& name,
                                  const std::string& time, const std::string& tool_version) {
  store::ProjectInventory p;
  p.project.name = name;
  p.project.root = inv.root;
  p.project.last_inventory = time;
  p.project.tool_version = tool_version;
  for (const ModelUse& m : inv.models) {
    store::ProjectModel pm;
    pm.provider = m.provider;
    pm.model = m.id;
    pm.revision = m.revision;
    pm.category = CategoryName(m.category);
    pm.remote_code = m.remote_code;
    for (const Reference& r : m.references) pm.references.push_back({r.path, r.line, r.via});
    p.models.push_back(std::move(pm));
  }
  for (const DynamicReference& d : inv.dynamic_references)
    p.dynamic_references.push_back({d.path, d.line, d.text});
  for (const Artifact& a : inv.artifacts)
    p.artifacts.push_back({a.path, a.format, a.verdict, a.summary, a.sha256.value_or(""), a.size});
  return p;
}

Inventory FromProject(const store::ProjectInventory& p) {
  Inventory inv;
  inv.root = p.project.root;
  for (const store::ProjectModel& pm : p.models) {
    ModelUse m;
    m.provider = pm.provider;
    m.id = pm.model;
    m.revision = pm.revision;
    m.category = pm.category == "ai-service" ? Category::kAiService : Category::kSelfHosted;
    m.remote_code = pm.remote_code;
    for (const auto& r : pm.references)
      m.references.push_back({r.path, static_cast<uint32_t>(r.line), r.via});
    inv.models.push_back(std::move(m));
  }
  for (const auto& d : p.dynamic_references)
    inv.dynamic_references.push_back({d.path, static_cast<uint32_t>(d.line), d.text, ""});
  for (const auto& a : p.artifacts) {
    Artifact x;
    x.path = a.path;
    x.format = a.format;
    x.verdict = a.verdict;
    x.summary = a.summary;
    x.size = a.size;
    if (!a.sha256.empty()) x.sha256 = a.sha256;
    inv.artifacts.push_back(std::move(x));
  }
  return inv;
}

}  // namespace mv::inventory
