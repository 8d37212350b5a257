// The local Hugging Face hub cache, as huggingface_hub lays it out:
// <cache>/models--ORG--NAME/snapshots/REV/<path> (links into ../../blobs/<hash>).
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace mv::scan {

using GetEnv = std::function<const char*(const char*)>;

// huggingface_hub's resolution: $HF_HUB_CACHE, else $HF_HOME/hub, else
// $XDG_CACHE_HOME/huggingface/hub, else ~/.cache/huggingface/hub. Empty variables are unset.
std::string HfCacheDir(const GetEnv& env);

struct HfCachedFile {
  std::string path;     // file to open (the snapshot link)
  std::string display;  // "ORG/NAME@REV/path" ("NAME@REV/path" for repos without an owner)
  std::string error;    // non-empty: not scanned (a directory that could not be listed); why
  std::string limit;    // the limit rule behind `error`, if any (scan/walk.h)
};

// Every file of every model snapshot under `dir`, sorted by display name. Links to files are
// followed (that is how snapshots reference blobs); links to directories are not (scan/walk.h).
// Datasets and spaces are skipped. A missing directory yields nothing; any other error listing the
// cache, a repo's `snapshots` or a snapshot directory is an entry with `error` set ("cannot list
// directory: …", named by the cache path, ORG/NAME or ORG/NAME@REV), never skipped silently.
std::vector<HfCachedFile> ListHfCache(const std::string& dir);

}  // namespace mv::scan
