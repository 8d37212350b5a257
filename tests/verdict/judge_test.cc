#include "verdict/judge.h"

#include <gtest/gtest.h>

#include <chrono>

#include "core/limits.h"

namespace mv::verdict {
namespace {

using pickle::Call;
using pickle::CallKind;
using pickle::Import;
using pickle::Trace;
using pickle::Value;
using pickle::ValueKind;
using pickle::ValuePtr;

const kb::KnowledgeBase& KB() {
  static auto kb = [] {
    auto r = kb::KnowledgeBase::Load({});
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return *r;
  }();
  return *kb;
}

ValuePtr V(ValueKind k, std::string text = "") {
  auto v = std::make_shared<Value>();
  v->kind = k;
  v->text = std::move(text);
  return v;
}
ValuePtr Str(std::string s) {
  return V(ValueKind::kStr, std::move(s));
}
ValuePtr Global(std::string name) {
  auto v = V(ValueKind::kGlobal, name);
  v->type_name = name;
  return v;
}
ValuePtr List(std::vector<ValuePtr> items) {
  auto v = V(ValueKind::kList);
  v->items = std::move(items);
  return v;
}

// Builds a trace the way the engine records one: every call gets a kObject result.
struct TraceBuilder {
  Trace t;
  TraceBuilder() {
    t.complete = true;
    t.pickles = 1;
    t.protocol = 2;
  }
  void Imp(const std::string& module, const std::string& name, uint64_t off) {
    Import im;
    im.module = module;
    im.name = name;
    im.resolved = module + "." + name;
    im.offset = off;
    im.opcode = "GLOBAL";
    t.imports.push_back(im);
  }
  ValuePtr CallOf(CallKind kind, uint64_t off, ValuePtr callable, const std::string& resolved,
                  std::vector<ValuePtr> args, const std::string& via = "",
                  ValuePtr result = nullptr, ValuePtr target = nullptr) {
    Call c;
    c.kind = kind;
    c.offset = off;
    c.callable = std::move(callable);
    c.resolved = resolved;
    c.via = via;
    c.args = std::move(args);
    c.target = std::move(target);
    c.opcode = "REDUCE";
    if (!result) {
      result = V(ValueKind::kObject);
      result->call = static_cast<int64_t>(t.calls.size());
      result->type_name = resolved;
    }
    c.result = result;
    t.calls.push_back(c);
    return result;
  }
  ValuePtr Reduce(const std::string& name, std::vector<ValuePtr> args, uint64_t off,
                  ValuePtr result = nullptr, const std::string& via = "") {
    return CallOf(CallKind::kReduce, off, Global(name), name, std::move(args), via, result);
  }
};

Judgement JudgeOne(const Trace& t, const std::string& location = "archive/data.pkl",
                   const std::string& loader = "torch.load") {
  PayloadFacts f;
  f.location = location;
  f.format = "pickle";
  f.loader = loader;
  f.trace = &t;
  return Judge({f}, KB());
}

std::string Dump(const Judgement& j) {
  std::string s = std::string(VerdictName(j.verdict)) + " | " + j.summary + "\n";
  for (const auto& f : j.findings) {
    s += std::string("  ") + SeverityName(f.severity) + " " + f.category + " " + f.rule + " " +
         f.callable + " " + f.evidence + " @" + f.location + " :: " + f.message + "\n";
  }
  return s;
}

TEST(Judge, FormatLocation) {
  EXPECT_EQ(FormatLocation("archive/data.pkl", 30), "archive/data.pkl@30");
  EXPECT_EQ(FormatLocation("", 30), "@30");
}

TEST(Judge, DirectCallIsUnsafeCritical) {
  TraceBuilder b;
  b.Imp("posix", "system", 2);
  b.Reduce("posix.system", {Str("ls")}, 30);
  Judgement j = JudgeOne(b.t);
  ASSERT_EQ(j.verdict, Verdict::kUnsafe) << Dump(j);
  ASSERT_EQ(j.findings.size(), 1u) << Dump(j);
  const Finding& f = j.findings[0];
  EXPECT_EQ(f.severity, Severity::kCritical);
  EXPECT_EQ(f.category, "process");
  EXPECT_EQ(f.callable, "posix.system");
  EXPECT_EQ(f.evidence, "posix.system('ls')");
  EXPECT_EQ(f.location, "archive/data.pkl@30");
  EXPECT_EQ(f.rule, "stdlib.toml:os.system");
  EXPECT_NE(f.message.find("torch.load calls it while loading"), std::string::npos) << f.message;
  EXPECT_EQ(j.summary, "runs a shell command `ls` on load");
}

TEST(Judge, SummariesInPlainLanguage) {
  struct Case {
    const char* callable;
    std::vector<ValuePtr> args;
    const char* summary;
  };
  std::vector<Case> cases = {
      {"webbrowser.open",
       {Str("https://example.invalid/x")},
       "opens a web browser at `https://example.invalid/x` on load"},
      {"pdb.set_trace", {}, "starts the debugger through pdb.set_trace on load"},
      {"pip.main",
       {List({Str("install"), Str("evil-pkg")})},
       "installs a package with pip `install evil-pkg` on load"},
      {"builtins.eval",
       {Str("__import__('os').system('id')")},
       "evaluates Python code `__import__('os').system('id')` on load"},
      {"subprocess.Popen", {List({Str("ls"), Str("-l")})}, "runs a command `ls -l` on load"},
  };
  for (const auto& c : cases) {
    TraceBuilder b;
    b.Reduce(c.callable, c.args, 10);
    Judgement j = JudgeOne(b.t);
    EXPECT_EQ(j.verdict, Verdict::kUnsafe) << c.callable;
    EXPECT_EQ(j.summary, c.summary) << Dump(j);
  }
}

TEST(Judge, GetattrChainIsFollowed) {
  TraceBuilder b;
  b.Imp("builtins", "getattr", 2);
  b.Imp("builtins", "__import__", 20);
  auto mod = V(ValueKind::kModule, "os");
  b.Reduce("builtins.__import__", {Str("os")}, 40, mod);
  auto sys = Global("os.system");
  b.Reduce("builtins.getattr", {mod, Str("system")}, 50, sys);
  b.CallOf(CallKind::kReduce, 60, sys, "os.system", {Str("id")}, "builtins.getattr");
  Judgement j = JudgeOne(b.t);
  ASSERT_EQ(j.verdict, Verdict::kUnsafe) << Dump(j);
  ASSERT_FALSE(j.findings.empty());
  EXPECT_EQ(j.findings[0].severity, Severity::kCritical);
  EXPECT_EQ(j.findings[0].evidence, "os.system('id')");
  EXPECT_EQ(j.findings[0].location, "archive/data.pkl@60");
  EXPECT_NE(j.findings[0].message.find("reached through builtins.getattr"), std::string::npos);
  // Called, so no separate "reference" finding; the os module reference is a high finding.
  for (const auto& f : j.findings) {
    EXPECT_FALSE(f.callable == "os.system" && f.severity == Severity::kHigh) << Dump(j);
    EXPECT_NE(f.category, "unknown-callable") << Dump(j);
  }
  EXPECT_EQ(j.summary.rfind("runs a shell command `id` on load", 0), 0u) << j.summary;
}

TEST(Judge, ReferenceOnlyIsUnsafeHigh) {
  TraceBuilder b;
  b.Imp("posix", "system", 5);
  Judgement j = JudgeOne(b.t);
  ASSERT_EQ(j.verdict, Verdict::kUnsafe) << Dump(j);
  ASSERT_EQ(j.findings.size(), 1u);
  EXPECT_EQ(j.findings[0].severity, Severity::kHigh);
  EXPECT_EQ(j.findings[0].evidence, "posix.system");
  EXPECT_EQ(j.findings[0].location, "archive/data.pkl@5");
  EXPECT_EQ(j.summary,
            "references posix.system, which runs a shell command (not called on load); no benign "
            "model needs it");
}

TEST(Judge, ResolverResultNotCalledIsReference) {
  TraceBuilder b;
  b.Imp("pkgutil", "resolve_name", 2);
  b.Reduce("pkgutil.resolve_name", {Str("os:system")}, 40, Global("os.system"));
  Judgement j = JudgeOne(b.t);
  ASSERT_EQ(j.verdict, Verdict::kUnsafe) << Dump(j);
  EXPECT_EQ(j.findings[0].callable, "os.system");
  EXPECT_EQ(j.findings[0].severity, Severity::kHigh);
  EXPECT_NE(j.findings[0].message.find("resolved through pkgutil.resolve_name"), std::string::npos);
}

TEST(Judge, ImportThatActsCountsAsCall) {
  TraceBuilder b;
  b.Imp("antigravity", "x", 7);
  Judgement j = JudgeOne(b.t);
  ASSERT_EQ(j.verdict, Verdict::kUnsafe) << Dump(j);
  EXPECT_EQ(j.findings[0].severity, Severity::kCritical);
  EXPECT_EQ(j.findings[0].category, "browser");
  EXPECT_EQ(j.summary, "opens a web browser through antigravity.x on load");
}

TEST(Judge, BenignStateDictIsSafeAndFast) {
  TraceBuilder b;
  b.Imp("collections", "OrderedDict", 2);
  b.Imp("torch._utils", "_rebuild_tensor_v2", 30);
  b.Imp("torch", "FloatStorage", 60);
  auto od = b.Reduce("collections.OrderedDict", {}, 25);
  const size_t kCalls = 1'000'000;
  b.t.calls.reserve(kCalls + 10);
  for (size_t i = 0; i < kCalls / 2; ++i) {
    b.CallOf(CallKind::kPersistentLoad, 100 + i, nullptr, "", {});
    b.Reduce("torch._utils._rebuild_tensor_v2", {V(ValueKind::kObject)}, 101 + i);
  }
  b.CallOf(CallKind::kBuild, 999, Global("collections.OrderedDict.__setstate__"),
           "collections.OrderedDict.__setstate__", {V(ValueKind::kDict)}, "", nullptr, od);
  auto start = std::chrono::steady_clock::now();
  Judgement j = JudgeOne(b.t);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  start)
                .count();
  EXPECT_EQ(j.verdict, Verdict::kSafe) << Dump(j);
  EXPECT_TRUE(j.findings.empty()) << Dump(j);
  EXPECT_EQ(j.summary, "every call the loader makes is a known-benign reconstructor");
  RecordProperty("judge_ms", static_cast<int>(ms));
  EXPECT_LT(ms, 3000) << "1M benign calls took " << ms << " ms";
}

TEST(Judge, YoloGetattrOfBenignClassIsSafe) {
  // FP-01: __builtin__.getattr(ultralytics...Detect, 'forward') stored, never called; and a
  // bound method of a benign instance (fused Conv).
  TraceBuilder b;
  b.Imp("ultralytics.nn.modules.head", "Segment", 2);
  b.Imp("__builtin__", "getattr", 40);
  b.t.imports.back().resolved = "builtins.getattr";
  b.Imp("ultralytics.nn.modules.head", "Detect", 60);
  b.Imp("ultralytics.nn.modules.conv", "Conv", 80);
  b.CallOf(CallKind::kNewObj, 30, Global("ultralytics.nn.modules.head.Segment"),
           "ultralytics.nn.modules.head.Segment", {});
  b.Reduce("builtins.getattr", {Global("ultralytics.nn.modules.head.Detect"), Str("forward")}, 90,
           Global("ultralytics.nn.modules.head.Detect.forward"));
  auto conv = b.CallOf(CallKind::kNewObj, 95, Global("ultralytics.nn.modules.conv.Conv"),
                       "ultralytics.nn.modules.conv.Conv", {});
  b.Reduce("builtins.getattr", {conv, Str("forward_fuse")}, 120,
           Global("ultralytics.nn.modules.conv.Conv.forward_fuse"));
  Judgement j = JudgeOne(b.t);
  ASSERT_EQ(j.verdict, Verdict::kSafe) << Dump(j);
  ASSERT_EQ(j.findings.size(), 1u) << Dump(j);
  EXPECT_EQ(j.findings[0].severity, Severity::kInfo);
  EXPECT_EQ(j.findings[0].callable, "builtins.getattr");
  // The clearing shows the reconstructed call and what it resolves to.
  EXPECT_EQ(j.findings[0].evidence,
            "builtins.getattr(ultralytics.nn.modules.head.Detect, 'forward')");
  EXPECT_NE(j.findings[0].message.find("resolves ultralytics.nn.modules.head.Detect.forward"),
            std::string::npos);
  EXPECT_EQ(j.summary, "builtins.getattr only resolves methods and attributes of benign objects");
}

TEST(Judge, GetattrOfDunderUnderBenignClassIsUnsafe) {
  TraceBuilder b;
  b.Imp("ultralytics.nn.modules.head", "Detect", 2);
  b.Reduce("builtins.getattr",
           {Global("ultralytics.nn.modules.head.Detect.forward"), Str("__globals__")}, 90,
           Global("ultralytics.nn.modules.head.Detect.forward.__globals__"));
  Judgement j = JudgeOne(b.t);
  EXPECT_EQ(j.verdict, Verdict::kUnsafe) << Dump(j);
  EXPECT_EQ(j.findings[0].category, "introspection");
}

TEST(Judge, UnresolvedGetattrNeedsReview) {
  TraceBuilder b;
  b.Reduce("builtins.getattr", {V(ValueKind::kUnknown), Str("x")}, 90);
  Judgement j = JudgeOne(b.t);
  EXPECT_EQ(j.verdict, Verdict::kNeedsReview) << Dump(j);
  EXPECT_EQ(j.findings[0].rule, "pickle.unresolved-resolver");
}

TEST(Judge, UnknownClassNeedsReviewLow) {
  TraceBuilder b;
  b.Imp("mypkg.models", "Net", 2);
  b.Imp("collections", "OrderedDict", 20);
  b.CallOf(CallKind::kNewObj, 30, Global("mypkg.models.Net"), "mypkg.models.Net", {});
  b.Reduce("collections.OrderedDict", {}, 40);
  Judgement j = JudgeOne(b.t);
  ASSERT_EQ(j.verdict, Verdict::kNeedsReview) << Dump(j);
  ASSERT_EQ(j.findings.size(), 1u) << Dump(j);  // one per distinct unknown name
  EXPECT_EQ(j.findings[0].severity, Severity::kLow);
  EXPECT_EQ(j.findings[0].category, "unknown-callable");
  EXPECT_EQ(j.findings[0].callable, "mypkg.models.Net");
  EXPECT_EQ(j.findings[0].location, "archive/data.pkl@30");
  EXPECT_EQ(j.summary, "loading needs your module `mypkg.models` (`mypkg.models.Net`)");
}

TEST(Judge, TruncatedTraceNeverSafe) {
  TraceBuilder b;
  b.t.complete = false;
  b.t.end_offset = 77;
  b.Reduce("collections.OrderedDict", {}, 40);
  b.t.anomalies.push_back(
      Anomaly::Defect("pickle.truncated", "stream ended inside a frame", 77).Incomplete());
  Judgement j = JudgeOne(b.t);
  ASSERT_EQ(j.verdict, Verdict::kNeedsReview) << Dump(j);
  EXPECT_EQ(j.findings[0].category, "anomaly");
  EXPECT_EQ(j.findings[0].severity, Severity::kMedium);
  EXPECT_EQ(j.findings[0].location, "archive/data.pkl@77");
  EXPECT_EQ(j.summary.rfind("could not be fully analysed: stream ended inside a frame", 0), 0u)
      << j.summary;
}

TEST(Judge, AnomaliesOnlyNeedReviewAndNeverLowerUnsafe) {
  PayloadFacts zip;
  zip.location = "";
  zip.format = "pytorch-zip";
  zip.anomalies.push_back(Anomaly::Defect("zip.local-central-name-mismatch",
                                          "local header names x, central names y", 1234));
  Judgement j = Judge({zip}, KB());
  ASSERT_EQ(j.verdict, Verdict::kNeedsReview) << Dump(j);
  ASSERT_EQ(j.findings.size(), 1u);
  EXPECT_EQ(j.findings[0].rule, "zip.local-central-name-mismatch");
  EXPECT_EQ(j.findings[0].location, "@1234");
  EXPECT_EQ(j.findings[0].severity, Severity::kLow);

  TraceBuilder b;
  b.Reduce("posix.system", {Str("id")}, 30);
  PayloadFacts p;
  p.location = "archive/data.pkl";
  p.format = "pickle";
  p.loader = "torch.load";
  p.trace = &b.t;
  Judgement j2 = Judge({zip, p}, KB());
  EXPECT_EQ(j2.verdict, Verdict::kUnsafe);
  EXPECT_EQ(j2.findings.size(), 2u);
  EXPECT_EQ(j2.findings[0].severity, Severity::kCritical);  // most severe first
  EXPECT_EQ(j2.summary, "runs a shell command `id` on load");
}

TEST(Judge, UnknownFormatIsSafeWithNote) {
  PayloadFacts f;
  f.format = "unknown";
  Judgement j = Judge({f}, KB());
  EXPECT_EQ(j.verdict, Verdict::kSafe);
  EXPECT_EQ(j.summary, "not a model format; holds no executable content");
  ASSERT_EQ(j.findings.size(), 1u);
  EXPECT_EQ(j.findings[0].severity, Severity::kInfo);
}

TEST(Judge, UnreadableKnownFormatNeedsReview) {
  PayloadFacts f;
  f.format = "safetensors";
  f.unreadable = true;
  Judgement j = Judge({f}, KB());
  EXPECT_EQ(j.verdict, Verdict::kNeedsReview);
  EXPECT_EQ(j.findings[0].rule, "format.unreadable");
}

Observation Obs(std::string kind, std::string subject, bool executes = true) {
  Observation o;
  o.kind = std::move(kind);
  o.subject = std::move(subject);
  o.offset = 12;
  o.executes = executes;
  return o;
}

Judgement JudgeObs(std::vector<Observation> obs) {
  PayloadFacts f;
  f.location = "model";
  f.format = "savedmodel";
  f.loader = "tf.saved_model.load";
  f.observations = std::move(obs);
  return Judge({f}, KB());
}

TEST(Judge, Observations) {
  Judgement j = JudgeObs({Obs("tf.op", "ReadFile"), Obs("tf.op", "SaveV2")});
  ASSERT_EQ(j.verdict, Verdict::kUnsafe) << Dump(j);
  ASSERT_EQ(j.findings.size(), 1u);
  EXPECT_EQ(j.findings[0].callable, "ReadFile");
  EXPECT_EQ(j.findings[0].location, "model@12");
  EXPECT_EQ(j.summary, "reads files through the TensorFlow op `ReadFile` on load");

  EXPECT_EQ(JudgeObs({Obs("tf.op", "SaveV2"), Obs("tf.op", "RestoreV2")}).verdict, Verdict::kSafe);

  Judgement k = JudgeObs({Obs("keras.module-ref", "os.system")});
  EXPECT_EQ(k.verdict, Verdict::kUnsafe) << Dump(k);
  EXPECT_EQ(k.findings[0].severity, Severity::kCritical);
  EXPECT_EQ(JudgeObs({Obs("keras.module-ref", "keras.layers.Dense")}).verdict, Verdict::kSafe);
  EXPECT_EQ(JudgeObs({Obs("keras.module-ref", "mylib.layers.Custom")}).verdict,
            Verdict::kNeedsReview);
  EXPECT_EQ(JudgeObs({Obs("keras.lambda", "lambda_1")}).verdict, Verdict::kNeedsReview);
  Judgement lam = JudgeObs({Obs("keras.lambda", "lambda_1"), Obs("python.code-name", "system")});
  EXPECT_EQ(lam.verdict, Verdict::kUnsafe) << Dump(lam);
  EXPECT_EQ(JudgeObs({Obs("jinja.attr", "__globals__")}).verdict, Verdict::kUnsafe);
  EXPECT_EQ(JudgeObs({Obs("jinja.attr", "content")}).verdict, Verdict::kSafe);
  EXPECT_EQ(JudgeObs({Obs("file-read", "../../etc/passwd", false)}).verdict, Verdict::kUnsafe);
  EXPECT_EQ(JudgeObs({Obs("file-read", "model.onnx_data", false)}).verdict, Verdict::kSafe);
  EXPECT_EQ(JudgeObs({Obs("torchscript.code", "")}).verdict, Verdict::kSafe);  // calls judged
  Judgement ts = JudgeObs({Obs("torchscript.code", ""), Obs("torchscript.call", "os.system")});
  EXPECT_EQ(ts.verdict, Verdict::kUnsafe) << Dump(ts);
  EXPECT_EQ(ts.findings[0].category, "process");
  EXPECT_EQ(JudgeObs({Obs("onnx.custom-domain", "com.microsoft", false)}).verdict, Verdict::kSafe);
  EXPECT_EQ(JudgeObs({Obs("onnx.custom-domain", "my.ops", false)}).verdict, Verdict::kNeedsReview);
  Judgement u = JudgeObs({Obs("brand.new-kind", "x")});
  EXPECT_EQ(u.verdict, Verdict::kNeedsReview);
  EXPECT_EQ(u.findings[0].rule, "kb.unknown-feature");
}

// A TorchScript archive's own classes are `__torch__.*` only: a class its code/os.py defines
// (reported or not) never makes the pickle's os.system a class of the archive.
TEST(Judge, ArchiveClassesAreTorchPrefixedOnly) {
  TraceBuilder b;
  b.Imp("os", "system", 2);
  b.Reduce("os.system", {Str("echo PWNED")}, 30);
  PayloadFacts code;
  code.location = "archive/code/os.py";
  code.format = "torchscript-code";
  code.loader = "torch.jit.load";
  code.observations = {Obs("torchscript.code", "", false), Obs("torchscript.class", "os.system")};
  PayloadFacts data;
  data.location = "archive/data.pkl";
  data.format = "pickle";
  data.loader = "torch.load";
  data.trace = &b.t;
  Judgement j = Judge({code, data}, KB());
  ASSERT_EQ(j.verdict, Verdict::kUnsafe) << Dump(j);
  EXPECT_EQ(j.findings[0].callable, "os.system") << Dump(j);
  EXPECT_EQ(j.findings[0].evidence, "os.system('echo PWNED')") << Dump(j);

  // The archive's own class resolves: benign.
  TraceBuilder own;
  own.Imp("__torch__", "Net", 2);
  own.Reduce("__torch__.Net", {}, 30);
  code.observations = {Obs("torchscript.code", "", false),
                       Obs("torchscript.class", "__torch__.Net")};
  data.trace = &own.t;
  Judgement k = Judge({code, data}, KB());
  EXPECT_EQ(k.verdict, Verdict::kSafe) << Dump(k);
}

// What the knowledge base says of a name is remembered per thread (judge.cc): the answer must
// be the knowledge base's own, whichever was judged before on the thread, and a file's own
// TorchScript class must not become every later file's.
PayloadFacts Facts(std::string location, std::string format, std::string loader,
                   const Trace* trace = nullptr) {
  PayloadFacts f;
  f.location = std::move(location);
  f.format = std::move(format);
  f.loader = std::move(loader);
  f.trace = trace;
  return f;
}

TEST(Judge, RememberedNamesFollowTheKnowledgeBaseAndTheFile) {
  auto load = [](const char* stance) {
    std::string text = std::string("[[") + stance + "]]\n" +
                       (std::string(stance) == "dangerous" ? "category = 'process'\n" : "") +
                       "why = 'test'\npattern = 'mylib.run'\n";
    auto r = kb::KnowledgeBase::FromStrings({{"t.toml", text}});
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return *r;
  };
  // Built one after the other, so the second may sit where the first was.
  auto benign = load("benign");
  TraceBuilder b;
  b.Imp("mylib", "run", 2);
  b.Reduce("mylib.run", {Str("x")}, 30);
  PayloadFacts f = Facts("x.pkl", "pickle", "pickle.load", &b.t);
  EXPECT_EQ(Judge({f}, *benign).verdict, Verdict::kSafe);
  auto dangerous = load("dangerous");
  EXPECT_EQ(Judge({f}, *dangerous).verdict, Verdict::kUnsafe);
  EXPECT_EQ(Judge({f}, *benign).verdict, Verdict::kSafe);
  benign.reset();
  auto dangerous2 = load("dangerous");
  EXPECT_EQ(Judge({f}, *dangerous2).verdict, Verdict::kUnsafe);

  // __torch__.Net is benign in the archive that defines it, and only there.
  TraceBuilder own;
  own.Imp("__torch__", "Net", 2);
  own.Reduce("__torch__.Net", {}, 30);
  PayloadFacts code = Facts("archive/code/__torch__.py", "torchscript-code", "torch.jit.load");
  code.observations = {Obs("torchscript.code", "", false),
                       Obs("torchscript.class", "__torch__.Net")};
  PayloadFacts data = Facts("archive/data.pkl", "pickle", "torch.load", &own.t);
  EXPECT_EQ(Judge({code, data}, KB()).verdict, Verdict::kSafe);
  Judgement alone = Judge({data}, KB());
  EXPECT_NE(alone.verdict, Verdict::kSafe) << Dump(alone);
  EXPECT_EQ(Judge({code, data}, KB()).verdict, Verdict::kSafe);
}

TEST(Judge, DeferredCallThroughAtexit) {
  TraceBuilder b;
  b.Reduce("atexit.register", {Global("posix.system"), Str("id")}, 20);
  b.CallOf(CallKind::kDerived, 20, Global("posix.system"), "posix.system", {Str("id")},
           "atexit.register");
  Judgement j = JudgeOne(b.t);
  ASSERT_EQ(j.verdict, Verdict::kUnsafe) << Dump(j);
  EXPECT_EQ(j.findings[0].severity, Severity::kCritical);
  bool saw_system = false;
  for (const auto& f : j.findings) {
    if (f.evidence == "posix.system('id')") {
      saw_system = true;
      EXPECT_NE(f.message.find("reached through atexit.register"), std::string::npos);
    }
  }
  EXPECT_TRUE(saw_system) << Dump(j);
}

TEST(Judge, PartialOfBenignIsSafeAndOfDangerousIsNot) {
  TraceBuilder b;
  b.Imp("functools", "partial", 2);
  b.Imp("torch.optim.adamw", "AdamW", 20);
  b.Reduce("functools.partial", {Global("torch.optim.adamw.AdamW")}, 30);
  Judgement j = JudgeOne(b.t);
  EXPECT_EQ(j.verdict, Verdict::kSafe) << Dump(j);
  EXPECT_EQ(j.summary, "functools.partial wraps only benign callables");

  TraceBuilder d;
  d.Imp("functools", "partial", 2);
  d.Imp("posix", "system", 20);
  d.Reduce("functools.partial", {Global("posix.system"), Str("id")}, 30);
  Judgement k = JudgeOne(d.t);
  EXPECT_EQ(k.verdict, Verdict::kUnsafe) << Dump(k);  // a reference, even if never invoked
}

TEST(Judge, CodeObjectCarriedAndCalled) {
  TraceBuilder b;
  auto code = b.Reduce("marshal.loads", {V(ValueKind::kBytes, "\xe3...")}, 10);
  auto fn = b.Reduce("types.FunctionType", {code, V(ValueKind::kDict)}, 20);
  Judgement carried = JudgeOne(b.t);  // FP-16 policy: building code from the file is unsafe
  EXPECT_EQ(carried.verdict, Verdict::kUnsafe) << Dump(carried);
  EXPECT_EQ(carried.findings[0].severity, Severity::kHigh);
  EXPECT_EQ(carried.findings[0].category, "code-object");
  b.CallOf(CallKind::kReduce, 30, fn, "types.FunctionType.__call__", {});
  Judgement run = JudgeOne(b.t);
  ASSERT_EQ(run.verdict, Verdict::kUnsafe) << Dump(run);
  EXPECT_EQ(run.findings[0].severity, Severity::kCritical);
  EXPECT_EQ(run.findings[0].location, "archive/data.pkl@30");
  EXPECT_EQ(run.summary.rfind("runs Python code carried in the file", 0), 0u) << run.summary;
}

TEST(Judge, NestedPayloadFromConstantBytesIsLeftToItsOwnAnalysis) {
  TraceBuilder b;
  b.Reduce("torch.storage._load_from_bytes", {V(ValueKind::kBytes, "\x80\x02...")}, 50);
  pickle::NestedPayload n;
  n.via = "torch.storage._load_from_bytes";
  n.offset = 50;
  b.t.nested.push_back(n);
  Judgement j = JudgeOne(b.t);
  EXPECT_EQ(j.verdict, Verdict::kSafe) << Dump(j);

  TraceBuilder p;  // a path: another file is loaded, nothing to analyse
  p.Reduce("torch.load", {Str("other.bin")}, 50);
  Judgement k = JudgeOne(p.t);
  EXPECT_EQ(k.verdict, Verdict::kUnsafe) << Dump(k);
  EXPECT_EQ(k.findings[0].category, "deserialization");
  EXPECT_EQ(k.summary, "loads another payload (its code runs) `other.bin` on load");
}

TEST(Judge, PathArgumentIsNotANestedPayload) {
  // The engine may hand a str argument on as "bytes"; a str is a path, so the call decides.
  TraceBuilder p;
  p.Reduce("torch.load", {Str("other.bin")}, 50);
  pickle::NestedPayload n;
  n.via = "torch.load";
  n.offset = 50;
  p.t.nested.push_back(n);
  EXPECT_EQ(JudgeOne(p.t).verdict, Verdict::kUnsafe);
}

TEST(Judge, LegacyTorchPersistentModuleClassesAreFollowed) {
  // Legacy torch: persistent_load(('module', cls, source_file, source)) returns cls.
  TraceBuilder b;
  b.Imp("torch.nn.modules.conv", "Conv2d", 2);
  auto pid = V(ValueKind::kPersistentId);
  auto tup = V(ValueKind::kTuple);
  tup->items = {Str("module"), Global("torch.nn.modules.conv.Conv2d"), Str("/x.py"), Str("src")};
  pid->items = {tup};
  b.CallOf(CallKind::kPersistentLoad, 10, nullptr, "", {tup});
  auto inst = b.CallOf(CallKind::kNewObj, 20, pid, "", {});
  inst->type_name.clear();
  b.Reduce("builtins.getattr", {inst, Str("forward")}, 30);
  Judgement j = JudgeOne(b.t);
  EXPECT_EQ(j.verdict, Verdict::kSafe) << Dump(j);

  auto bad = V(ValueKind::kTuple);
  bad->items = {Str("module"), Global("posix.system"), Str("/x.py"), Str("src")};
  auto badpid = V(ValueKind::kPersistentId);
  badpid->items = {bad};
  b.CallOf(CallKind::kReduce, 40, badpid, "", {Str("id")});
  Judgement k = JudgeOne(b.t);
  EXPECT_EQ(k.verdict, Verdict::kUnsafe) << Dump(k);
  EXPECT_EQ(k.findings[0].location, "archive/data.pkl@40");
}

TEST(Judge, ResolverReferenceShowsTheResolverCall) {
  TraceBuilder b;
  b.Reduce("builtins.__import__", {Str("os")}, 40, V(ValueKind::kModule, "os"));
  Judgement j = JudgeOne(b.t);
  ASSERT_EQ(j.verdict, Verdict::kUnsafe) << Dump(j);
  EXPECT_EQ(j.findings[0].evidence, "builtins.__import__('os') -> os");
  EXPECT_EQ(j.findings[0].callable, "os");
}

TEST(Judge, ReconstructorWithDangerousBase) {
  TraceBuilder b;
  b.Reduce("copyreg._reconstructor",
           {Global("mypkg.X"), Global("subprocess.Popen"), List({Str("id")})}, 40);
  Judgement j = JudgeOne(b.t);
  ASSERT_EQ(j.verdict, Verdict::kUnsafe) << Dump(j);
  EXPECT_EQ(j.findings[0].callable, "subprocess.Popen");
  EXPECT_EQ(j.findings[0].severity, Severity::kCritical);

  TraceBuilder ok;
  ok.Reduce("copyreg._reconstructor",
            {Global("argparse.Namespace"), Global("builtins.object"), V(ValueKind::kNone)}, 40);
  EXPECT_EQ(JudgeOne(ok.t).verdict, Verdict::kSafe) << Dump(JudgeOne(ok.t));
}

TEST(Judge, SummaryPrefersWhatRunsOverWhatPrepares) {
  TraceBuilder b;
  b.Reduce("copyreg.add_extension", {Str("os"), Str("system"), V(ValueKind::kInt, "240")}, 10);
  b.Reduce("os.system", {Str("id")}, 40);
  Judgement j = JudgeOne(b.t);
  EXPECT_EQ(j.findings[0].category, "process") << Dump(j);
  EXPECT_EQ(j.summary, "runs a shell command `id` on load (+1 more dangerous finding)");
}

TEST(Judge, ReportTextIsValidUtf8) {
  TraceBuilder b;
  b.Reduce("posix.system", {V(ValueKind::kBytes, "echo \xff\xfe ok \xc3\xa9")}, 10);
  b.Reduce("bad\xffmod.fn", {}, 20);
  Judgement j = JudgeOne(b.t);
  EXPECT_EQ(j.summary.rfind("runs a shell command `echo \\xff\\xfe ok \xc3\xa9` on load", 0), 0u)
      << j.summary;
  bool found = false;
  for (const auto& f : j.findings) found |= f.callable == "bad\\xffmod.fn";
  EXPECT_TRUE(found) << Dump(j);
}

TEST(Judge, LowSeverityDangerousRuleOnlyNeedsReview) {
  TraceBuilder b;
  b.Reduce("getpass.getuser", {}, 10);
  Judgement j = JudgeOne(b.t);
  EXPECT_EQ(j.verdict, Verdict::kNeedsReview) << Dump(j);
  EXPECT_EQ(j.findings[0].category, "information");
  EXPECT_EQ(j.findings[0].severity, Severity::kLow);
}

TEST(Judge, BuildOnGlobalIsPoisoning) {
  TraceBuilder b;
  b.CallOf(CallKind::kBuild, 70, Global("torch._utils.__setstate__"), "torch._utils.__setstate__",
           {V(ValueKind::kDict)}, "", nullptr, V(ValueKind::kModule, "torch._utils"));
  Judgement j = JudgeOne(b.t);
  EXPECT_EQ(j.verdict, Verdict::kUnsafe) << Dump(j);
  EXPECT_EQ(j.findings[0].category, "module-poisoning");
}

TEST(Judge, DuplicatesCollapseAndRepeatsAreCapped) {
  TraceBuilder b;
  for (int i = 0; i < 100; ++i) b.Reduce("posix.system", {Str("id")}, 30 + i);
  b.Reduce("posix.system", {Str("id")}, 30);  // identical to the first
  Judgement j = JudgeOne(b.t);
  EXPECT_EQ(j.verdict, Verdict::kUnsafe);
  EXPECT_EQ(j.findings.size(), limits::kMaxFindingsPerRule + 1) << Dump(j);
  EXPECT_EQ(j.findings.back().severity, Severity::kInfo);
  EXPECT_EQ(j.summary, "runs a shell command `id` on load (+" +
                           std::to_string(limits::kMaxFindingsPerRule - 1) +
                           " more dangerous findings)");
}

// ---------------------------------------------------------------- values and rebuild-only classes
TEST(Judge, EnumMemberReferencedIsSafeButCalledNeedsReview) {
  // signal.SIGUSR1 as a value (how Python pickles the enum member) is not a signal sent:
  // the knowledge base names it a constant, which beats the dangerous signal.* wildcard.
  TraceBuilder ref;
  ref.Imp("signal", "SIGUSR1", 2);
  ref.Imp("_signal", "SIGTERM", 20);
  Judgement j = JudgeOne(ref.t);
  EXPECT_EQ(j.verdict, Verdict::kSafe) << Dump(j);

  TraceBuilder call;
  call.Imp("signal", "SIGUSR1", 2);
  call.Reduce("signal.SIGUSR1", {Str("x")}, 30);
  j = JudgeOne(call.t);
  ASSERT_EQ(j.verdict, Verdict::kNeedsReview) << Dump(j);
  EXPECT_EQ(j.findings[0].category, "anomaly");
  EXPECT_EQ(j.summary, "calls signal.SIGUSR1, which is a value, not a callable");

  // A dangerous function referenced without a call stays unsafe (high).
  TraceBuilder fn;
  fn.Imp("signal", "signal", 2);
  j = JudgeOne(fn.t);
  ASSERT_EQ(j.verdict, Verdict::kUnsafe) << Dump(j);
  EXPECT_EQ(j.findings[0].severity, Severity::kHigh);
}

TEST(Judge, EnumMemberThroughGetattrIsSafe) {
  // Python 3.11+ pickles enum members as getattr(EnumClass, 'NAME').
  TraceBuilder b;
  b.Imp("builtins", "getattr", 2);
  b.Imp("re", "RegexFlag", 20);
  b.Reduce("builtins.getattr", {Global("re.RegexFlag"), Str("IGNORECASE")}, 40,
           Global("re.RegexFlag.IGNORECASE"));
  Judgement j = JudgeOne(b.t);
  EXPECT_EQ(j.verdict, Verdict::kSafe) << Dump(j);
}

TEST(Judge, TypeOfNoneNamesNoneType) {
  // typing.Optional[int] pickles as operator.getitem(typing.Union, (int, type(None))).
  TraceBuilder b;
  b.Imp("_operator", "getitem", 2);
  b.Imp("typing", "Union", 20);
  b.Imp("builtins", "int", 30);
  b.Imp("builtins", "type", 40);
  auto none_type = b.Reduce("builtins.type", {V(ValueKind::kNone)}, 50);
  auto args = V(ValueKind::kTuple);
  args->items = {Global("builtins.int"), none_type};
  b.Reduce("_operator.getitem", {Global("typing.Union"), args}, 60);
  Judgement j = JudgeOne(b.t);
  EXPECT_EQ(j.verdict, Verdict::kSafe) << Dump(j);

  // type(name, bases, dict) builds a class: still not cleared.
  TraceBuilder cls;
  cls.Imp("builtins", "type", 2);
  cls.Reduce("builtins.type", {Str("X"), V(ValueKind::kTuple), V(ValueKind::kDict)}, 30);
  j = JudgeOne(cls.t);
  EXPECT_EQ(j.verdict, Verdict::kNeedsReview) << Dump(j);
}

const kb::KnowledgeBase& PolicyKB() {
  static auto kb = [] {
    auto r = kb::KnowledgeBase::FromStrings({{"policy.toml", R"toml(
[[benign]]
category = "rebuild-only"
why = "mylib 1.0 (generated)"
pattern = "mylib.Model"

[[benign]]
category = "reconstructor"
why = "copyreg"
summary = "copyreg._reconstructor only rebuilds instances of benign classes"
patterns = ["copyreg._reconstructor", "copyreg.__newobj__", "functools.partial"]

[[benign]]
why = "data"
patterns = ["builtins.object"]

[[semantic]]
kind = "call-arg"
func_arg = 0
names = ["copyreg.__newobj__"]
)toml"}});
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return *r;
  }();
  return *kb;
}

Judgement JudgePolicy(const Trace& t) {
  PayloadFacts f;
  f.location = "x.pkl";
  f.format = "pickle";
  f.loader = "pickle.load";
  f.trace = &t;
  return Judge({f}, PolicyKB());
}

TEST(Judge, RebuildOnlyClassIsClearedOnlyWhenRebuiltWithoutInit) {
  auto model = Global("mylib.Model");
  TraceBuilder newobj;  // NEWOBJ: cls.__new__(cls), then BUILD
  newobj.Imp("mylib", "Model", 2);
  newobj.CallOf(CallKind::kNewObj, 10, model, "mylib.Model", {});
  Judgement j = JudgePolicy(newobj.t);
  EXPECT_EQ(j.verdict, Verdict::kSafe) << Dump(j);

  TraceBuilder via_newobj;  // protocol 0/1 style copyreg.__newobj__(cls)
  via_newobj.Reduce("copyreg.__newobj__", {model}, 10);
  via_newobj.CallOf(CallKind::kDerived, 10, model, "mylib.Model", {}, "copyreg.__newobj__");
  j = JudgePolicy(via_newobj.t);
  EXPECT_EQ(j.verdict, Verdict::kSafe) << Dump(j);

  TraceBuilder reconstructed;  // copyreg._reconstructor(cls, object, None): no __init__
  reconstructed.Reduce("copyreg._reconstructor",
                       {model, Global("builtins.object"), V(ValueKind::kNone)}, 10);
  j = JudgePolicy(reconstructed.t);
  EXPECT_EQ(j.verdict, Verdict::kSafe) << Dump(j);

  TraceBuilder direct;  // REDUCE: Model(*args) runs __init__ with arguments from the file
  direct.Reduce("mylib.Model", {Str("/etc/passwd")}, 10);
  j = JudgePolicy(direct.t);
  ASSERT_EQ(j.verdict, Verdict::kNeedsReview) << Dump(j);
  EXPECT_EQ(j.findings[0].rule, "policy.toml:mylib.Model");
  EXPECT_EQ(j.findings[0].evidence, "mylib.Model('/etc/passwd')");
  EXPECT_EQ(j.summary,
            "calls mylib.Model directly (its __init__ can act; cleared only when rebuilt)");

  TraceBuilder partial;  // any other way of calling it runs __init__ too
  partial.Reduce("functools.partial", {model, Str("a")}, 10);
  partial.CallOf(CallKind::kDerived, 10, model, "mylib.Model", {Str("a")}, "functools.partial");
  EXPECT_EQ(JudgePolicy(partial.t).verdict, Verdict::kNeedsReview);

  TraceBuilder base;  // _reconstructor(X, Model, state) runs Model.__init__(obj, state)
  base.Reduce("copyreg._reconstructor", {Global("builtins.object"), model, Str("s")}, 10);
  EXPECT_EQ(JudgePolicy(base.t).verdict, Verdict::kNeedsReview);
}

}  // namespace
}  // namespace mv::verdict
