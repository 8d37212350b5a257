// Synthetic large inputs for benchmarks, written as sparse files so that making a 1 GiB model
// costs no disk and no time. Payload bytes are zeros; only the structure is real.
#pragma once

#include <cstdint>
#include <string>

namespace mv::bench {

// pickle.dumps(numpy.zeros(n, uint8), protocol=4) shape: ndarray reconstruct + BINBYTES8.
void WriteNumpyPickle(const std::string& path, uint64_t n);
// torch.save(state_dict) zip: archive/data.pkl with one float tensor of `numel` elements stored
// in archive/data/0, plus archive/version. Stored (uncompressed) like torch writes it.
void WriteTorchZip(const std::string& path, uint64_t numel);

}  // namespace mv::bench
