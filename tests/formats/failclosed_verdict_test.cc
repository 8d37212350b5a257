// Verdicts for the fail-closed classes: what a model reads, writes or deletes when loaded
// (file-read / file-write / file-delete evidence), code in every function-carrying Keras field,
// ONNX local functions, TorchScript code resolved and analysed, and files whose magic, length
// prefix, name or container position announces a format their bytes do not parse as.
// Fixtures: tests/fixtures/formats (gen.py; which ones are hand-made and why is in
// docs/testing.md).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "kb/kb.h"
#include "scan/scanner.h"

namespace mv {
namespace {

namespace fs = std::filesystem;

struct Case {
  const char* path;  // under tests/fixtures/formats/
  Verdict verdict;
  const char* evidence;  // substring of some finding's evidence, callable or message
};

const Case kCases[] = {
    // Keras vocabulary files (read by StringLookup when load_model rebuilds the layer).
    {"keras/vocab-ssh-key.json", Verdict::kUnsafe, ".ssh/id_rsa"},
    {"keras/vocab-relative.json", Verdict::kNeedsReview, "$PWD/vocab.txt"},
    {"keras/vocab-inline.json", Verdict::kSafe, ""},
    // Code in output_shape / mask, not only in function.
    {"hdf5/lambda-output-shape.h5", Verdict::kUnsafe, "os.system"},
    {"hdf5/lambda-mask.h5", Verdict::kUnsafe, "os.system"},
    // A UTF-16 config.json (json.loads detects the encoding).
    {"keras/utf16-config.keras", Verdict::kUnsafe, "subprocess.run"},
    // SavedModel file ops: the standard saver's placeholder paths are the model's own.
    {"savedmodel/saver-placeholders/saved_model.pb", Verdict::kSafe, ""},
    {"savedmodel/printv2-file/saved_model.pb", Verdict::kUnsafe, "/home/user/.bashrc"},
    {"savedmodel/merge-delete/saved_model.pb", Verdict::kUnsafe, "/home/user/project/ckpt"},
    {"savedmodel/immutable-const/saved_model.pb", Verdict::kUnsafe, "/etc/shadow"},
    {"savedmodel/vocab-credentials/saved_model.pb", Verdict::kUnsafe, "~/.aws/credentials"},
    // Saver graphs as TF2 (functions called with saver_filename, an asset vocabulary) and TF1
    // (save/Const) write them: the model's own files.
    {"savedmodel/tf2-saver/saved_model.pb", Verdict::kSafe, ""},
    {"savedmodel/tf1-saver/saved_model.pb", Verdict::kSafe, ""},
    // Paths traced through Identity/Snapshot/IdentityN, calls and joins of constants.
    {"savedmodel/merge-identity/saved_model.pb", Verdict::kUnsafe, "/home/user/project"},
    {"savedmodel/textline-identityn/saved_model.pb", Verdict::kUnsafe, "/etc/passwd"},
    {"savedmodel/read-through-call/saved_model.pb", Verdict::kUnsafe, ".ssh/id_rsa"},
    {"savedmodel/stringjoin-consts/saved_model.pb", Verdict::kUnsafe, "/home/user/.ssh/id_rsa"},
    // Paths known only when the graph runs, or not the saver's own: review, naming the op.
    {"savedmodel/merge-args/saved_model.pb", Verdict::kNeedsReview, "MergeV2Checkpoints"},
    {"savedmodel/saver-traversal/saved_model.pb", Verdict::kNeedsReview, "SaveV2"},
    // A name cut at the keep size: a limit finding, never a silent miss.
    {"savedmodel/long-const-name/saved_model.pb", Verdict::kNeedsReview, "longer than the reader"},
    // ONNX: a domain the model defines as local functions needs no host library.
    {"onnx/local-function.onnx", Verdict::kSafe, ""},
    {"onnx/local-function-and-custom.onnx", Verdict::kNeedsReview, "com.vendor"},
    // A custom domain equal to a local function's only in the bytes the reader keeps.
    {"onnx/cut-domain.onnx", Verdict::kNeedsReview, "longer than the reader keeps"},
    // TorchScript: classes resolve to the archive's code; file access is evidence.
    {"torchscript/benign.pt", Verdict::kSafe, ""},
    {"torchscript/from-file-forward.pt", Verdict::kUnsafe, "/etc/hostname"},
    {"torchscript/from-file-setstate.pt", Verdict::kUnsafe, ".ssh/id_rsa"},
    // Only `__torch__.*` names are the archive's classes: code/os.py shadows nothing.
    {"torchscript/shadow-os-system.pt", Verdict::kUnsafe, "os.system('echo modelvet-ts-shadow"},
    // A path the code computes (an attribute whose value is in data.pkl): the call is evidence.
    {"torchscript/attr-path-forward.pt", Verdict::kNeedsReview, "`path = self.path`"},
    {"torchscript/attr-path-setstate.pt", Verdict::kNeedsReview, "`p = self.p`"},
    // Code torch.jit.load is given but this reader cannot lex fully.
    {"torchscript/junk-code.pt", Verdict::kNeedsReview, "a NUL byte"},
    {"torchscript/unterminated-code.pt", Verdict::kNeedsReview, "not terminated"},
    {"torchscript/unbalanced-code.pt", Verdict::kNeedsReview, "brackets do not balance"},
    // Announced formats that do not parse are findings, never data.
    {"safetensors/length-near-2-64.safetensors", Verdict::kNeedsReview, ""},
    {"safetensors/metadata-not-string.safetensors", Verdict::kNeedsReview, "__metadata__"},
    {"safetensors/header-leading-space.safetensors", Verdict::kSafe, ""},
    {"gguf/version-99.gguf", Verdict::kNeedsReview, "version 99"},
    {"announced/model.safetensors", Verdict::kNeedsReview, ""},
    {"announced/weights.npy", Verdict::kNeedsReview, ""},
    {"announced/model.pkl", Verdict::kNeedsReview, ""},
    {"announced/torch-garbage-data-pkl.pt", Verdict::kNeedsReview, ""},
};

std::shared_ptr<const kb::KnowledgeBase> Kb() {
  static auto kb = kb::KnowledgeBase::Load({});
  EXPECT_TRUE(kb.ok());
  return *kb;
}

bool Mentions(const FileReport& r, const std::string& what) {
  for (const auto& f : r.findings) {
    if (f.evidence.find(what) != std::string::npos || f.callable.find(what) != std::string::npos ||
        f.message.find(what) != std::string::npos) {
      return true;
    }
  }
  return false;
}

std::string Dump(const FileReport& r) {
  std::string s = r.summary;
  for (const auto& f : r.findings) s += "\n  " + f.rule + " | " + f.callable + " | " + f.evidence;
  return s;
}

class FailClosedVerdict : public ::testing::TestWithParam<Case> {};

TEST_P(FailClosedVerdict, Fixture) {
  scan::Options opts;
  opts.kb = Kb();
  const Case& c = GetParam();
  FileReport r = scan::ScanFile(std::string(MV_FIXTURES) + "/formats/" + c.path, opts);
  EXPECT_EQ(VerdictName(r.verdict), std::string(VerdictName(c.verdict)))
      << c.path << ": " << Dump(r);
  if (*c.evidence) {
    EXPECT_TRUE(Mentions(r, c.evidence)) << c.path << ": " << Dump(r);
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, FailClosedVerdict, ::testing::ValuesIn(kCases),
                         [](const auto& info) {
                           std::string n = info.param.path;
                           for (char& ch : n) {
                             if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return n;
                         });

// A directory of this test's own (test name + pid): ctest runs the tests of this binary in
// parallel processes, and several builds may run at once; a fixed path would be shared.
fs::path OwnTempDir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  return fs::path(::testing::TempDir()) / ("mv_" + std::string(info->test_suite_name()) + "." +
                                           info->name() + "." + std::to_string(::getpid()));
}

// ONNX external data named as a file beside the model, where that file is a link out of the
// model's folder (made here: git would carry such a link in a repository).
TEST(FailClosedOnnxLinks, LinkOutOfTheFolderIsReadOutside) {
  fs::path dir = OwnTempDir();
  fs::remove_all(dir);
  fs::create_directories(dir);
  fs::copy_file(fs::path(MV_FIXTURES) / "formats/onnx/external-sibling.onnx", dir / "m.onnx");
  fs::create_symlink("/etc/hostname", dir / "model.onnx_data");
  scan::Options opts;
  opts.kb = Kb();
  FileReport r = scan::ScanFile((dir / "m.onnx").string(), opts);
  EXPECT_EQ(r.verdict, Verdict::kUnsafe) << Dump(r);
  EXPECT_TRUE(Mentions(r, "/etc/hostname")) << Dump(r);
  fs::remove_all(dir);
}

TEST(FailClosedOnnxLinks, HuggingFaceCacheBlobsAreTheModels) {
  // snapshots/<rev>/ files are links into the repository's blobs/: that is the model.
  fs::path repo = OwnTempDir() / "models--org--name";
  fs::remove_all(repo.parent_path());
  fs::create_directories(repo / "blobs");
  fs::create_directories(repo / "snapshots" / "abc123");
  fs::copy_file(fs::path(MV_FIXTURES) / "formats/onnx/external-sibling.onnx", repo / "blobs/b1");
  { std::ofstream(repo / "blobs/b2") << std::string(16, '\0'); }
  fs::create_symlink("../../blobs/b1", repo / "snapshots/abc123/model.onnx");
  fs::create_symlink("../../blobs/b2", repo / "snapshots/abc123/model.onnx_data");
  scan::Options opts;
  opts.kb = Kb();
  FileReport r = scan::ScanFile((repo / "snapshots/abc123/model.onnx").string(), opts);
  EXPECT_EQ(r.verdict, Verdict::kSafe) << Dump(r);
  fs::remove_all(repo.parent_path());
}

// The example: a protocol-0 pickle whose memo indices use forms Python's int()
// accepts, placed before the import so a strict sniffer calls the file data.
TEST(FailClosedPickle, MemoIndexFormsBeforeTheImport) {
  std::string p = "S'x'\np+0_1\n0g 01 \n0cposix\nsystem\n(S'id'\ntR.";
  scan::Options opts;
  opts.kb = Kb();
  FileReport r = scan::ScanSource(MakeMemorySource(p), "x.bin", opts);
  EXPECT_EQ(r.verdict, Verdict::kUnsafe) << Dump(r);
}

}  // namespace
}  // namespace mv
