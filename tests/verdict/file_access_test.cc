// Policy for file-read / file-write / file-delete evidence: the path is resolved (file:// URLs,
// `.`/`..`, backslashes, working-directory paths) before rules/features.toml judges it.
#include <gtest/gtest.h>

#include "kb/kb.h"
#include "verdict/judge.h"

namespace mv::verdict {
namespace {

Judgement One(const std::string& kind, const std::string& path, bool cwd = false,
              bool executes = false) {
  static auto kb = kb::KnowledgeBase::Load({});
  EXPECT_TRUE(kb.ok());
  PayloadFacts f;
  f.format = "test";
  Observation o;
  o.kind = kind;
  o.subject = path;
  o.cwd_relative = cwd;
  o.executes = executes;  // read while loading (else the severity is capped at high)
  f.observations.push_back(o);
  return Judge({f}, **kb);
}

Verdict V(const std::string& kind, const std::string& path, bool cwd = false) {
  return One(kind, path, cwd).verdict;
}

TEST(FileAccess, ReadsInsideTheModelFolderAreBenign) {
  EXPECT_EQ(V("file-read", "model.onnx_data"), Verdict::kSafe);
  EXPECT_EQ(V("file-read", "weights/part-0.bin"), Verdict::kSafe);
  EXPECT_EQ(V("file-read", "./a/../b.bin"), Verdict::kSafe);  // stays inside
}

TEST(FileAccess, LeavingTheFolderIsUnsafe) {
  EXPECT_EQ(V("file-read", "../x.bin"), Verdict::kUnsafe);
  EXPECT_EQ(V("file-read", "a/../../x.bin"), Verdict::kUnsafe);
  EXPECT_EQ(V("file-read", "a\\..\\..\\x.bin"), Verdict::kUnsafe);
  EXPECT_EQ(V("file-read", "/tmp/x.bin"), Verdict::kUnsafe);
  EXPECT_EQ(V("file-read", "C:\\data\\x.bin"), Verdict::kUnsafe);
  EXPECT_EQ(V("file-read", "//server/share/x"), Verdict::kUnsafe);
  EXPECT_EQ(V("file-read", "file:///tmp/x"), Verdict::kUnsafe);
  EXPECT_EQ(V("file-read", "gs://bucket/vocab.txt"), Verdict::kUnsafe);  // fetched
}

TEST(FileAccess, SecretsAndSystemFilesAreCritical) {
  for (const char* p :
       {"/etc/passwd", "~/.ssh/id_rsa", "/home/u/.aws/credentials", "file:///root/.bashrc"}) {
    Judgement j = One("file-read", p, false, true);
    EXPECT_EQ(j.verdict, Verdict::kUnsafe) << p;
    ASSERT_FALSE(j.findings.empty());
    EXPECT_EQ(j.findings[0].severity, Severity::kCritical) << p << ": " << j.findings[0].rule;
  }
  // A relative path resolved against the working directory still names a secret.
  EXPECT_EQ(V("file-read", ".ssh/id_rsa", true), Verdict::kUnsafe);
}

TEST(FileAccess, WorkingDirectoryPaths) {
  Judgement j = One("file-read", "vocab.txt", true);
  EXPECT_EQ(j.verdict, Verdict::kNeedsReview);
  ASSERT_FALSE(j.findings.empty());
  EXPECT_EQ(j.findings[0].callable, "$PWD/vocab.txt");
  EXPECT_EQ(V("file-write", "log.txt", true), Verdict::kUnsafe);
  EXPECT_EQ(V("file-delete", "ckpt", true), Verdict::kUnsafe);
}

TEST(FileAccess, WritesAndDeletes) {
  EXPECT_EQ(V("file-write", "/home/u/.bashrc"), Verdict::kUnsafe);
  EXPECT_EQ(V("file-write", "cache.bin"), Verdict::kNeedsReview);
  EXPECT_EQ(V("file-delete", "/tmp/ckpt"), Verdict::kUnsafe);
  EXPECT_EQ(V("file-delete", "old"), Verdict::kNeedsReview);
}

}  // namespace
}  // namespace mv::verdict
