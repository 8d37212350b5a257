#include "audit/status.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>

namespace mv::audit {

namespace {

enum class Effect : uint8_t { kProven, kCleared, kOpen };

struct Judged {
  const FileInput* file;
  const ReviewInput* review;  // applicable review, or null
  Effect effect;
  bool raised;
};

std::string Short(const std::string& id) {
  return id.size() > 12 ? id.substr(0, 12) : (id.empty() ? "unknown" : id);
}

// "and 2 more files" suffix for one-line texts.
std::string More(size_t n) {
  if (n == 0) return "";
  return fmt::format(" (+{} more file{})", n, n == 1 ? "" : "s");
}

std::string OpenWhy(const FileInput& f) {
  if (!f.ours) return "not analysed";
  if (*f.ours == Verdict::kError) return f.summary.empty() ? "could not be read" : f.summary;
  if (f.summary.empty()) return "needs review";
  return f.summary;
}

}  // namespace

Outcome Decide(const std::vector<FileInput>& files, const std::vector<ReviewInput>& reviews) {
  Outcome out;
  std::map<std::string, const FileInput*> by_path;
  for (const FileInput& f : files) by_path[f.path] = &f;

  // The last active review per path wins; stale ones are reported and ignored.
  std::map<std::string, const ReviewInput*> applicable;
  for (const ReviewInput& r : reviews) {
    auto it = by_path.find(r.path);
    std::string why;
    if (it == by_path.end()) {
      why = "file removed";
    } else if (it->second->content_id.empty()) {
      why = "file hash unknown";
    } else if (it->second->content_id != r.file_sha) {
      why =
          fmt::format("file changed ({} -> {})", Short(r.file_sha), Short(it->second->content_id));
    }
    if (!why.empty()) {
      out.stale_reviews.push_back(
          {r.id, fmt::format("review by {} of {} ({}) no longer applies: {}", r.reviewer, r.path,
                             DecisionName(r.decision), why)});
      continue;
    }
    auto [slot, inserted] = applicable.emplace(r.path, &r);
    if (!inserted) {
      out.stale_reviews.push_back(
          {slot->second->id, fmt::format("review by {} of {} replaced by a later review by {}",
                                         slot->second->reviewer, r.path, r.reviewer)});
      slot->second = &r;
    }
  }

  std::vector<Judged> judged;
  for (const FileInput& f : files) {
    Judged j{&f, nullptr, Effect::kOpen, false};
    j.raised = f.hub_flagged || !f.ours || *f.ours != Verdict::kSafe;
    if (auto it = applicable.find(f.path); it != applicable.end()) {
      j.review = it->second;
      j.effect =
          j.review->decision == Decision::kConfirmedUnsafe ? Effect::kProven : Effect::kCleared;
    } else if (f.ours == Verdict::kUnsafe) {
      j.effect = Effect::kProven;
    } else if (f.ours == Verdict::kSafe) {
      j.effect = Effect::kCleared;
    }
    judged.push_back(j);
  }

  std::vector<const Judged*> proven, open, cleared_raised;
  for (const Judged& j : judged) {
    if (j.effect == Effect::kProven) proven.push_back(&j);
    if (j.effect == Effect::kOpen) open.push_back(&j);
    if (j.effect == Effect::kCleared && j.raised) cleared_raised.push_back(&j);
  }
  std::vector<const Judged*> decisive;

  std::vector<std::string> reasons;
  if (!proven.empty()) {
    out.status = ModelStatus::kConfirmedUnsafe;
    decisive = proven;
    for (const Judged* j : proven) {
      if (!j->file->hub_flagged) out.missed_by_hub = true;
      std::string what =
          j->review ? fmt::format("confirmed unsafe by {}: {}", j->review->reviewer,
                                  j->review->note.empty() ? j->file->summary : j->review->note)
                    : fmt::format("unsafe: {}", j->file->summary);
      reasons.push_back(fmt::format("{} {}{}", j->file->path, what,
                                    j->file->hub_flagged ? "" : " (not flagged by the hub)"));
    }
    const Judged& first = *proven.front();
    std::string text = first.review
                           ? (first.review->note.empty() ? first.file->summary : first.review->note)
                           : first.file->summary;
    if (text.empty()) text = "dangerous content in " + first.file->path;
    out.verification =
        fmt::format("Verified unsafe{}: {}{}", first.review ? " by " + first.review->reviewer : "",
                    text, More(proven.size() - 1));
  } else if (!open.empty()) {
    out.status = ModelStatus::kSuspected;
    decisive = open;
    for (const Judged* j : open)
      reasons.push_back(fmt::format("{} {}{}", j->file->path, OpenWhy(*j->file),
                                    j->file->hub_flagged ? " (flagged by the hub)" : ""));
    // Hub-flagged open files first: they are what the table is about.
    const Judged* first = open.front();
    for (const Judged* j : open)
      if (j->file->hub_flagged) {
        first = j;
        break;
      }
    out.verification = fmt::format("Needs review: {}: {}{}", first->file->path,
                                   OpenWhy(*first->file), More(open.size() - 1));
  } else if (!cleared_raised.empty()) {
    out.status = ModelStatus::kFalsePositive;
    decisive = cleared_raised;
    for (const Judged* j : cleared_raised) {
      std::string what =
          j->review ? fmt::format("cleared by {}: {}", j->review->reviewer,
                                  j->review->note.empty() ? j->file->summary : j->review->note)
                    : fmt::format("cleared: {}", j->file->summary);
      reasons.push_back(fmt::format("{} {}{}", j->file->path, what,
                                    j->file->hub_flagged ? " (flagged by the hub)" : ""));
    }
    const Judged& first = *cleared_raised.front();
    std::string text = first.review
                           ? (first.review->note.empty() ? first.file->summary : first.review->note)
                           : first.file->summary;
    if (text.empty()) text = first.file->path + " is safe";
    out.verification =
        fmt::format("False positive{}: {}{}", first.review ? " per " + first.review->reviewer : "",
                    text, More(cleared_raised.size() - 1));
  } else {
    out.status = ModelStatus::kNoFindings;
    out.verification = fmt::format("No findings: {} file{} checked, none flagged by the hub",
                                   files.size(), files.size() == 1 ? "" : "s");
    reasons.push_back(out.verification);
  }

  std::vector<std::string> who;
  for (const Judged* j : decisive)
    if (j->review) {
      out.by_reviewer = true;
      if (std::find(who.begin(), who.end(), j->review->reviewer) == who.end())
        who.push_back(j->review->reviewer);
    }
  out.reviewers = fmt::format("{}", fmt::join(who, ","));
  out.reason = fmt::format("{}", fmt::join(reasons, "; "));
  return out;
}

}  // namespace mv::audit
