#include "reproduce/baseline.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace mv::reproduce {

std::string BaselineKey(const Observation& o) {
  std::string key = KindName(o.kind);
  key += ':';
  bool in_digits = false;
  for (char c : o.detail) {
    bool digit = std::isdigit(static_cast<unsigned char>(c));
    if (digit && in_digits) continue;
    key += digit ? '#' : c;
    in_digits = digit;
  }
  return key;
}

std::vector<Observation> SubtractBaseline(std::vector<Observation> observed,
                                          const std::vector<Observation>& baseline) {
  std::set<std::string> normal;
  for (const auto& o : baseline) normal.insert(BaselineKey(o));
  observed.erase(std::remove_if(observed.begin(), observed.end(),
                                [&](const Observation& o) { return normal.count(BaselineKey(o)); }),
                 observed.end());
  return observed;
}

}  // namespace mv::reproduce
