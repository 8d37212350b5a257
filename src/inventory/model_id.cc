#include "inventory/model_id.h"

#include <vector>

#include "inventory/text.h"

namespace mv::inventory {

namespace {

bool HubChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.';
}

bool ValidPart(std::string_view p) {
  if (p.empty() || p.size() > 96) return false;
  for (char c : p)
    if (!HubChar(c)) return false;
  if (p.front() == '-' || p.front() == '.' || p.back() == '-' || p.back() == '.') return false;
  return p.find("--") == std::string_view::npos && p.find("..") == std::string_view::npos;
}

bool StartsWithI(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && LowerAscii(s.substr(0, p.size())) == p;
}

// Path segments of a hub URL after the host: org/name[/resolve|blob|tree|raw/REV/…].
IdResult FromHubPath(std::string_view path, const Rules& rules) {
  IdResult r;
  std::vector<std::string_view> segs;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    std::string_view seg = path.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    size_t q = seg.find_first_of("?#");
    if (q != std::string_view::npos) {
      seg = seg.substr(0, q);
      if (!seg.empty()) segs.push_back(seg);
      break;
    }
    if (!seg.empty()) segs.push_back(seg);
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  if (segs.empty()) return r;
  if (segs[0] == "datasets" || segs[0] == "spaces" || segs[0] == "api" || segs[0] == "docs" ||
      segs[0] == "models" || segs[0] == "collections" || segs[0] == "papers" ||
      segs[0] == "organizations" || segs[0] == "blog")
    return r;  // not a model repo
  auto is_action = [](std::string_view s) {
    return s == "resolve" || s == "blob" || s == "tree" || s == "raw" || s == "commit";
  };
  std::string id;
  size_t next = 0;
  if (segs.size() >= 2 && !is_action(segs[1])) {
    id = std::string(segs[0]) + "/" + std::string(segs[1]);
    next = 2;
  } else {
    if (!rules.IsCanonical(segs[0])) return r;
    id = std::string(segs[0]);
    next = 1;
  }
  if (id.size() > 4 && id.compare(id.size() - 4, 4, ".git") == 0) id.resize(id.size() - 4);
  if (!ValidHubId(id)) return r;
  r.status = IdResult::Status::kId;
  r.id = id;
  if (next + 1 < segs.size() && is_action(segs[next])) r.revision = std::string(segs[next + 1]);
  return r;
}

}  // namespace

bool ValidHubId(std::string_view id) {
  size_t slash = id.find('/');
  if (slash == std::string_view::npos) return ValidPart(id);
  if (id.find('/', slash + 1) != std::string_view::npos) return false;
  return ValidPart(id.substr(0, slash)) && ValidPart(id.substr(slash + 1));
}

IdResult ParseId(std::string_view text, const Target& t, const Rules& rules) {
  IdResult r;
  std::string_view s = text;
  // Surrounding blanks are a typo away from the id; anything else blank means prose.
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\n'))
    s.remove_suffix(1);
  if (s.empty() || s.size() > 512) return r;
  for (char c : s)
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) return r;
  if (!t.id_prefixes.empty()) {
    bool found = false;
    for (const auto& p : t.id_prefixes) {
      if (s.size() > p.size() && s.compare(0, p.size(), p) == 0) {
        s.remove_prefix(p.size());
        found = true;
        break;
      }
    }
    if (!found) return r;
  }
  auto globs_ok = [&](std::string_view id) {
    if (t.id_globs.empty()) return true;
    for (const auto& g : t.id_globs)
      if (Glob(g, id)) return true;
    return false;
  };

  if (t.form == IdForm::kService) {
    if (s.front() == '/' || s.front() == '.' || s.front() == '~' ||
        s.find("://") != std::string_view::npos)
      return r;
    bool letter = false;
    for (char c : s) {
      bool ok = HubChar(c) || c == ':' || c == '/' || c == '@' || c == '+';
      if (!ok) return r;
      letter = letter || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }
    if (!letter || s.size() > 200 || !globs_ok(s)) return r;
    r.status = IdResult::Status::kId;
    r.id = std::string(s);
    return r;
  }

  if (t.form == IdForm::kGithub) {
    std::string_view repo = s, ref;
    if (size_t colon = s.find(':'); colon != std::string_view::npos) {
      repo = s.substr(0, colon);
      ref = s.substr(colon + 1);
    }
    size_t slash = repo.find('/');
    if (slash == std::string_view::npos || repo.find('/', slash + 1) != std::string_view::npos) {
      r.status = repo.find('/') == std::string_view::npos ? IdResult::Status::kNotId
                                                          : IdResult::Status::kLocal;
      return r;
    }
    if (repo.front() == '.' || repo.front() == '~') {
      r.status = IdResult::Status::kLocal;
      return r;
    }
    std::string_view owner = repo.substr(0, slash), name = repo.substr(slash + 1);
    auto gh_ok = [](std::string_view p) {
      if (p.empty() || p.size() > 100) return false;
      for (char c : p)
        if (!HubChar(c)) return false;
      return true;
    };
    if (!gh_ok(owner) || !gh_ok(name)) return r;
    for (char c : ref)
      if (!(HubChar(c) || c == '/')) return r;
    r.status = IdResult::Status::kId;
    r.id = std::string(repo);
    r.revision = std::string(ref);
    return r;
  }

  // Hub ids. URLs first: only the hub's own hosts name a model.
  for (std::string_view host :
       {"https://huggingface.co/", "http://huggingface.co/", "https://www.huggingface.co/",
        "https://hf.co/", "http://hf.co/", "hf://", "git@hf.co:", "git@huggingface.co:"}) {
    if (StartsWithI(s, host)) {
      IdResult u = FromHubPath(s.substr(host.size()), rules);
      if (u.status == IdResult::Status::kId &&
          (!globs_ok(u.id) || (t.require_org && u.id.find('/') == std::string::npos)))
        return IdResult{};
      return u;
    }
  }
  if (s.find("://") != std::string_view::npos || StartsWithI(s, "git@")) return r;  // other hosts
  IdResult local;
  local.status = IdResult::Status::kLocal;
  if (s.front() == '/' || s.front() == '.' || s.front() == '~' || s.front() == '$' ||
      s.find('\\') != std::string_view::npos || s.back() == '/' ||
      (s.size() >= 2 && s[1] == ':' &&
       ((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z'))))
    return local;
  size_t slash = s.find('/');
  if (slash != std::string_view::npos && s.find('/', slash + 1) != std::string_view::npos)
    return local;  // a/b/c: the hub has no such ids
  std::string_view name = slash == std::string_view::npos ? s : s.substr(slash + 1);
  if (rules.HasLocalSuffix(name)) return local;
  if (slash == std::string_view::npos) {
    std::string id;
    if (!t.require_org && rules.IsCanonical(s)) {
      id = std::string(s);
    } else if (!t.bare_name_org.empty() && ValidPart(s)) {
      id = t.bare_name_org + "/" + std::string(s);
    } else {
      return ValidPart(s) ? local : r;  // a bare word: most likely a directory next to the code
    }
    if (!globs_ok(id)) return r;
    r.status = IdResult::Status::kId;
    r.id = std::move(id);
    return r;
  }
  if (!ValidHubId(s) || !globs_ok(s)) return r;
  r.status = IdResult::Status::kId;
  r.id = std::string(s);
  return r;
}

}  // namespace mv::inventory
