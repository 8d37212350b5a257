// Synthetic large inputs for benchmarks and the bytes-read tests (tests/scan/bytes_read_test.cc),
// written as sparse files so that making a 1 GiB model costs no disk and no time. Payload bytes
// are zeros (holes); only the structure is real.
#pragma once

#include <cstdint>
#include <string>

namespace mv::bench {

// What a scan of each input below may read, in bytes: the figures docs/benchmarks.md states
// (measured values in the comments). Enforced by tests/scan/bytes_read_test.cc and by the
// benchmarks' self-checks; tests/e2e/test_bytes_read.py holds the CLI to the same numbers.
// A change that reads more must update these and the documented figures together.
inline constexpr uint64_t kNumpyPickleReadBudget = 1600;  // 512 MiB BINBYTES8 pickle: 1576
inline constexpr uint64_t kTorchZipReadBudget = 1100;     // 1 GiB torch zip state dict: 1068
inline constexpr uint64_t kSafetensorsReadBudget = 552;   // 2 GiB safetensors: 552
inline constexpr uint64_t kGgufReadBudget = 552;          // 2 GiB GGUF: 512
inline constexpr uint64_t kOnnxReadBudget = 600;          // ONNX with a 1 GiB raw tensor: 552

// pickle.dumps(numpy.zeros(n, uint8), protocol=4) shape: ndarray reconstruct + BINBYTES8.
void WriteNumpyPickle(const std::string& path, uint64_t n);
// torch.save(state_dict) zip: archive/data.pkl with one float tensor of `numel` elements stored
// in archive/data/0, plus archive/version. Stored (uncompressed) like torch writes it.
void WriteTorchZip(const std::string& path, uint64_t numel);
// safetensors: an 8-byte length, the JSON header (one F32 tensor `w` of `tensor_bytes`, padded
// to 8) and the tensor bytes.
void WriteSafetensors(const std::string& path, uint64_t tensor_bytes);
// GGUF v3: one KV (general.architecture = "llama"), one F32 tensor `w` of `tensor_bytes`,
// data aligned to 32.
void WriteGguf(const std::string& path, uint64_t tensor_bytes);
// ONNX ModelProto{ir_version, graph{name, initializer{dims, FLOAT, name, raw_data}}} with
// `raw_bytes` of raw_data last, so the file ends with the tensor bytes.
void WriteOnnx(const std::string& path, uint64_t raw_bytes);

}  // namespace mv::bench
