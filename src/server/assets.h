// The web app's static files, embedded at build time (assets/*; cmake/embed_files.cmake). Each is
// served at /static/NAME with a strong ETag; pages link to /static/NAME?v=ETAG so browsers may
// cache them for a year.
#pragma once

#include <string>
#include <string_view>

namespace mv::server {

struct Asset {
  std::string_view name;
  std::string_view body;
  const char* content_type;
  std::string etag;  // hex digest of the body, quoted
};

// nullptr when there is no such file.
const Asset* FindAsset(std::string_view name);

}  // namespace mv::server
