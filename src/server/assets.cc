#include "server/assets.h"

#include <map>
#include <utility>
#include <vector>

#include "core/sha256.h"

namespace mv::server {

const std::vector<std::pair<std::string_view, std::string_view>>& EmbeddedAssets();

namespace {

const char* ContentType(std::string_view name) {
  auto ends = [&](std::string_view ext) {
    return name.size() >= ext.size() && name.substr(name.size() - ext.size()) == ext;
  };
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".js")) return "text/javascript; charset=utf-8";
  if (ends(".svg")) return "image/svg+xml";
  return "application/octet-stream";
}

const std::map<std::string_view, Asset>& Table() {
  static const std::map<std::string_view, Asset> table = [] {
    std::map<std::string_view, Asset> t;
    for (const auto& [name, body] : EmbeddedAssets()) {
      std::string etag(1, '"');  // built forward: GCC 12 -O3 -Wrestrict misreads "\"" + string
      etag += Sha256Hex(body).substr(0, 16);
      etag.push_back('"');
      t[name] = Asset{name, body, ContentType(name), std::move(etag)};
    }
    return t;
  }();
  return table;
}

}  // namespace

const Asset* FindAsset(std::string_view name) {
  auto it = Table().find(name);
  return it == Table().end() ? nullptr : &it->second;
}

}  // namespace mv::server
