#include "core/lazy_lib.h"

#include <dlfcn.h>

#include <map>
#include <string>

namespace mv {

void* LazySymbol(const char* soname, const char* symbol) {
  static std::mutex mu;
  static std::map<std::string, void*> handles;  // soname -> dlopen handle (nullptr: failed)
  void* handle = nullptr;
  {
    std::lock_guard lock(mu);
    auto it = handles.find(soname);
    if (it == handles.end()) {
      it = handles.emplace(soname, ::dlopen(soname, RTLD_NOW | RTLD_LOCAL)).first;
    }
    handle = it->second;
  }
  return handle == nullptr ? nullptr : ::dlsym(handle, symbol);
}

}  // namespace mv
