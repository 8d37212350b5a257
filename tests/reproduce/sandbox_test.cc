#include "reproduce/sandbox.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "core/text.h"
#include "reproduce/escape.h"
#include "reproduce/loader.h"

namespace mv::reproduce {
namespace {

SandboxInput Input() {
  SandboxInput in;
  in.strace = "/usr/bin/strace";
  in.bwrap = "/usr/bin/bwrap";
  in.workdir = "/tmp/w";
  in.trace_path = "/tmp/w/trace";
  in.root_entries = {{"/lib", "usr/lib", false}, {"/lib64", "", true}};
  in.etc_entries = {"/etc/ld.so.cache"};
  in.model_name = "m.pt";
  in.loader = Loader::kTorch;
  return in;
}

bool HasSeq(const std::vector<std::string>& a, std::vector<std::string> seq) {
  return std::search(a.begin(), a.end(), seq.begin(), seq.end()) != a.end();
}

TEST(Sandbox, IsolatesEverythingAndBindsNothingWritable) {
  auto a = SandboxCommand(Input());
  EXPECT_EQ(a[0], "/usr/bin/strace");
  for (const char* flag : {"--unshare-all", "--unshare-user", "--die-with-parent", "--new-session",
                           "--as-pid-1", "--clearenv"}) {
    EXPECT_NE(std::find(a.begin(), a.end(), flag), a.end()) << flag;
  }
  EXPECT_TRUE(HasSeq(a, {"--seccomp", std::to_string(kSeccompFd)}));
  EXPECT_TRUE(HasSeq(a, {"--ro-bind", "/usr", "/usr"}));
  EXPECT_TRUE(HasSeq(a, {"--symlink", "usr/lib", "/lib"}));
  EXPECT_TRUE(HasSeq(a, {"--ro-bind", "/lib64", "/lib64"}));
  EXPECT_TRUE(HasSeq(a, {"--ro-bind-fd", std::to_string(kModelFd), "/model/m.pt"}));
  EXPECT_TRUE(
      HasSeq(a, {"--size", std::to_string(limits::kReproduceTmpfsBytes), "--tmpfs", "/tmp"}));
  EXPECT_TRUE(
      HasSeq(a, {"--size", std::to_string(limits::kReproduceTmpfsBytes), "--tmpfs", "/home/user"}));
  // No writable or device binds of host paths, no shared network, no host /etc or HOME.
  for (const char* bad : {"--bind", "--dev-bind", "--bind-try", "--share-net"}) {
    EXPECT_EQ(std::find(a.begin(), a.end(), bad), a.end()) << bad;
  }
  EXPECT_FALSE(HasSeq(a, {"--ro-bind", "/etc", "/etc"}));
  EXPECT_FALSE(HasSeq(a, {"--ro-bind", "/", "/"}));
  // The root itself is read-only, remounted after every mount below it was made.
  auto ro = std::find(a.begin(), a.end(), "--remount-ro");
  ASSERT_NE(ro, a.end());
  EXPECT_EQ(*(ro + 1), "/");
  for (const char* mount :
       {"--ro-bind", "--ro-bind-fd", "--tmpfs", "--dir", "--symlink", "--proc", "--dev"}) {
    EXPECT_EQ(std::find(ro, a.end(), mount), a.end()) << mount << " after --remount-ro /";
  }
  // The harness runs last, with its configuration.
  EXPECT_EQ(a[a.size() - 2], "launch");
  EXPECT_NE(a.back().find("\"model\":\"/model/m.pt\""), std::string::npos);
}

TEST(Sandbox, CopiedModelAndBaselineRuns) {
  SandboxInput in = Input();
  in.model_copy = "/tmp/w/model-copy";
  auto a = SandboxCommand(in);
  EXPECT_TRUE(HasSeq(a, {"--ro-bind", "/tmp/w/model-copy", "/model/m.pt"}));
  in.model_name.clear();
  in.baseline = true;
  a = SandboxCommand(in);
  EXPECT_FALSE(HasSeq(a, {"--ro-bind", "/tmp/w/model-copy", "/model/m.pt"}));
  EXPECT_NE(a.back().find("\"baseline\":true"), std::string::npos);
}

TEST(Sandbox, FileNamesAreSafePathComponents) {
  EXPECT_EQ(SandboxFileName("/x/y/model.pt"), "model.pt");
  EXPECT_EQ(SandboxFileName("/x/a b;$(rm).pkl"), "a_b___rm_.pkl");
  EXPECT_EQ(SandboxFileName("/x/.hidden"), "model.hidden");
  EXPECT_EQ(SandboxFileName("/x/"), "model");
  EXPECT_EQ(SandboxFileName("/x/..").find('/'), std::string::npos);
}

TEST(Sandbox, WorkFilesHoldTheHarnessCanariesAndDecoys) {
  Layout l;
  auto files = WorkFiles(l);
  auto find = [&](const std::string& rel) {
    return std::find_if(files.begin(), files.end(),
                        [&](const WorkFile& f) { return f.relative == rel; });
  };
  ASSERT_NE(find("modelvet/harness.py"), files.end());
  EXPECT_NE(find("modelvet/harness.py")->content.find("def launch"), std::string::npos);
  ASSERT_NE(find("modelvet/browser"), files.end());
  EXPECT_TRUE(find("modelvet/browser")->executable);
  EXPECT_NE(find("etc/resolv.conf")->content.find("nameserver 127.0.0.1"), std::string::npos);
  EXPECT_NE(find("home/.ssh/id_rsa"), files.end());
  EXPECT_NE(find("home/.aws/credentials"), files.end());
}

TEST(ReproduceLoader, ChosenFromTheStaticScan) {
  EXPECT_EQ(LoaderForStatic("pytorch-zip", "torch.load"), Loader::kTorch);
  EXPECT_EQ(LoaderForStatic("torch-legacy", ""), Loader::kTorch);
  EXPECT_EQ(LoaderForStatic("zlib+pickle", "joblib.load"), Loader::kJoblib);
  EXPECT_EQ(LoaderForStatic("gzip+pickle", "pickle.load"), Loader::kJoblib);
  EXPECT_EQ(LoaderForStatic("torch-legacy+pickle", "torch.load"), Loader::kTorch);
  EXPECT_EQ(LoaderForStatic("npy", "np.load(allow_pickle=True)"), Loader::kNumpy);
  EXPECT_EQ(LoaderForStatic("npz", ""), Loader::kNumpy);
  EXPECT_EQ(LoaderForStatic("pickle", "pickle.load"), Loader::kPickle);
  EXPECT_EQ(LoaderForStatic("hdf5", "keras.models.load_model"), Loader::kKeras);
  EXPECT_FALSE(LoaderForStatic("safetensors", "safetensors (safe_open / load_file)").has_value());
  EXPECT_FALSE(LoaderForStatic("gguf", "").has_value());
  EXPECT_EQ(RefineByContent(Loader::kPickle, "\x80\x04\x95...joblib.numpy_pickle\x94"),
            Loader::kJoblib);
  EXPECT_EQ(RefineByContent(Loader::kPickle, "\x80\x04\x95...collections\x94"), Loader::kPickle);
  EXPECT_EQ(RefineByContent(Loader::kTorch, "joblib.numpy_pickle"), Loader::kTorch);
  EXPECT_EQ(ParseLoader("numpy"), Loader::kNumpy);
  EXPECT_FALSE(ParseLoader("tensorflow").has_value());
}

TEST(Escape, DisplayTextIsSafeOnTerminalsAndInJson) {
  // The project's escape (core/text.h), bounded.
  EXPECT_EQ(DisplayText("plain/path.pt"), "plain/path.pt");
  EXPECT_EQ(DisplayText("a\x1b[2Jb\n"), "a\\x1b[2Jb\\n");
  EXPECT_EQ(DisplayText("caf\xc3\xa9"), "caf\xc3\xa9");
  EXPECT_EQ(DisplayText("bad\xff\xc3"), "bad\\xff\\xc3");
  EXPECT_EQ(DisplayText("rtl\xe2\x80\xae"), EscapeText("rtl\xe2\x80\xae"));
  EXPECT_EQ(DisplayText("\xc2\x9b"), EscapeText("\xc2\x9b"));  // C1 CSI
  EXPECT_EQ(DisplayText("\xc2\x9b").find('\x9b'), std::string::npos);
  EXPECT_EQ(DisplayText("abcdef", 3), "abc…");
  // A cut never splits a character (it would show as escaped bytes).
  EXPECT_EQ(DisplayText("ab\xc3\xa9", 3), "ab…");
  EXPECT_EQ(DisplayText("ab\xe2\x82\xac", 4), "ab…");
  EXPECT_EQ(DisplayArgv({"sh", "-c", "id; echo 'x'"}), "sh -c 'id; echo '\"'\"'x'\"'\"''");
}

}  // namespace
}  // namespace mv::reproduce
