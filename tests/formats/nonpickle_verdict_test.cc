// End to end through the scanner and the embedded rules: each non-pickle fixture gets the
// verdict a user would see. A table, so a new fixture is one line.
#include <gtest/gtest.h>

#include "kb/kb.h"
#include "scan/scanner.h"

namespace mv {
namespace {

struct Case {
  const char* path;  // under tests/fixtures/formats/
  Verdict verdict;
  const char* evidence;  // substring of some finding's evidence or callable ("" = none needed)
};

const Case kCases[] = {
    {"gguf/benign-chatml.gguf", Verdict::kSafe, ""},
    {"gguf/benign-llama2.gguf", Verdict::kSafe, ""},
    {"gguf/ssti-named-template.gguf", Verdict::kUnsafe, "__subclasses__"},
    {"gguf/ssti-obfuscated.gguf", Verdict::kUnsafe, "attr('\\x5f\\x5finit"},
    {"gguf/broken-string-length.gguf", Verdict::kNeedsReview, ""},
    {"safetensors/benign.safetensors", Verdict::kSafe, ""},
    {"safetensors/overlap.safetensors", Verdict::kNeedsReview, "overlaps"},
    {"safetensors/duplicate-key.safetensors", Verdict::kNeedsReview, "twice"},
    {"safetensors/trailing-pickle.safetensors", Verdict::kUnsafe, "echo trailing"},
    {"onnx/benign.onnx", Verdict::kSafe, ""},
    {"onnx/external-sibling.onnx", Verdict::kSafe, ""},
    {"onnx/external-traversal.onnx", Verdict::kUnsafe, "../../etc/passwd"},
    {"onnx/external-in-subgraph.onnx", Verdict::kUnsafe, "subdir/../../etc/hosts"},
    {"hdf5/benign-keras2.h5", Verdict::kSafe, ""},
    {"hdf5/plain.h5", Verdict::kSafe, ""},
    {"hdf5/lambda-os-system.h5", Verdict::kUnsafe, "os.system"},
    {"hdf5/lambda-module-function.h5", Verdict::kUnsafe, "os.system"},
    {"keras/benign-config.json", Verdict::kSafe, ""},
    {"keras/not-keras.json", Verdict::kSafe, ""},
    {"keras/lambda-config.json", Verdict::kUnsafe, "subprocess.run"},
    {"keras/module-function-config.json", Verdict::kUnsafe, "subprocess.run"},
    {"keras/get-file-config.json", Verdict::kUnsafe, "keras.utils.get_file"},
    {"savedmodel/benign/saved_model.pb", Verdict::kSafe, ""},
    {"savedmodel/writefile/saved_model.pb", Verdict::kUnsafe, "WriteFile"},
    {"savedmodel/writefile/keras_metadata.pb", Verdict::kUnsafe, "builtins.exec"},
    {"torchscript/hostile-code.py.txt", Verdict::kUnsafe, "torch.ops.load_library"},
};

class NonPickleVerdict : public ::testing::TestWithParam<Case> {};

TEST_P(NonPickleVerdict, Fixture) {
  static auto kb = kb::KnowledgeBase::Load({});
  ASSERT_TRUE(kb.ok()) << kb.error().message;
  scan::Options opts;
  opts.kb = *kb;
  const Case& c = GetParam();
  FileReport r = scan::ScanFile(std::string(MV_FIXTURES) + "/formats/" + c.path, opts);
  EXPECT_EQ(VerdictName(r.verdict), std::string(VerdictName(c.verdict)))
      << c.path << ": " << r.summary;
  if (*c.evidence) {
    bool found = false;
    for (const auto& f : r.findings) {
      found |= f.evidence.find(c.evidence) != std::string::npos ||
               f.callable.find(c.evidence) != std::string::npos ||
               f.message.find(c.evidence) != std::string::npos;
    }
    EXPECT_TRUE(found) << c.path << ": no finding mentions " << c.evidence;
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, NonPickleVerdict, ::testing::ValuesIn(kCases),
                         [](const auto& info) {
                           std::string n = info.param.path;
                           for (char& ch : n) {
                             if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return n;
                         });

}  // namespace
}  // namespace mv
