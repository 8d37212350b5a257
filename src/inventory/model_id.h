// Reads a literal string as a model id of a rule's form: ORG/NAME on the Hugging Face hub
// (also hub URLs, hf:// paths and the canonical names without an organisation), OWNER/REPO[:REF]
// on GitHub, or a provider's model name. Local paths (./ckpt, /srv/models/x, ~/m, C:\m,
// a/b/c, model.bin) are told apart and never count.
#pragma once

#include <string>
#include <string_view>

#include "inventory/rules.h"

namespace mv::inventory {

struct IdResult {
  enum class Status : uint8_t {
    kId,     // id (and revision when the text pins one)
    kLocal,  // a local path
    kNotId,  // anything else (other URLs, prose, datasets and spaces on the hub)
  };
  Status status = Status::kNotId;
  std::string id;
  std::string revision;
};

IdResult ParseId(std::string_view text, const Target& target, const Rules& rules);

// ORG/NAME (or NAME) that the hub accepts as a repo id: letters, digits, '-', '_', '.', at
// most 96 characters a part, no leading/trailing '-' or '.', no "--" or "..".
bool ValidHubId(std::string_view id);

}  // namespace mv::inventory
