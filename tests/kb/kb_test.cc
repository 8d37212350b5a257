#include "kb/kb.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "kb/impl.h"

namespace mv::kb {
namespace {

std::shared_ptr<const KnowledgeBase> Embedded() {
  static auto kb = [] {
    auto r = KnowledgeBase::Load({});
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? *r : nullptr;
  }();
  return kb;
}

Result<std::shared_ptr<const KnowledgeBase>> One(const std::string& text) {
  return KnowledgeBase::FromStrings({{"t.toml", text}});
}

std::string ErrorOf(const std::string& text) {
  auto r = One(text);
  return r.ok() ? std::string("<loaded>") : r.error().message;
}

TEST(Embedded, LoadsAndHasRules) {
  auto kb = Embedded();
  ASSERT_NE(kb, nullptr);
  EXPECT_GT(kb->rule_count(), 500u);
  EXPECT_GE(EmbeddedRules().size(), 5u);
  EXPECT_GT(kb->semantics().size(), 40u);
}

TEST(Embedded, DangerousStdlib) {
  auto kb = Embedded();
  struct Case {
    const char* name;
    const char* category;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"posix.system", "process"},
           {"nt.system", "process"},
           {"os.system", "process"},
           {"os.popen", "process"},
           {"posix.execv", "process"},
           {"subprocess.Popen", "process"},
           {"commands.getoutput", "process"},
           {"builtins.eval", "code-execution"},
           {"__builtin__.exec", "code-execution"},
           {"runpy._run_code", "code-execution"},
           {"webbrowser.open", "browser"},
           {"pdb.set_trace", "debugger"},
           {"bdb.Bdb.run", "debugger"},
           {"pip.main", "package-install"},
           {"pip._internal.cli.main.main", "package-install"},
           {"ensurepip._run_pip", "package-install"},
           {"_pickle.loads", "deserialization"},
           {"ctypes.CDLL", "native-code"},
           {"_ctypes.dlopen", "native-code"},
           {"socket.create_connection", "network"},
           {"urllib.request.urlopen", "network"},
           {"urllib2.urlopen", "network"},
           {"shutil.rmtree", "file-system"},
           {"_io.FileIO", "file-system"},
           {"timeit.timeit", "code-execution"},
           {"asyncio.unix_events._UnixSubprocessTransport._start", "deferred-execution"},
           {"uuid._get_command_stdout", "process"},
           {"idlelib.run.Executive.runcode", "code-execution"},
           {"numpy.testing._private.utils.runstring", "code-execution"},
           {"numpy.f2py.crackfortran.getlincoef", "code-execution"},
           {"torch.jit.unsupported_tensor_ops.execWrapper", "code-execution"},
           {"torch.utils.collect_env.run", "process"},
           {"torch._inductor.codecache.compile_file", "process"},
           {"torch.hub.load", "remote-load"},
           {"mlflow.projects.backend.local._run_entry_point", "process"},
           {"setuptools._distutils.spawn.spawn", "package-install"},
           {"sys.modules", "module-poisoning"},
           {"antigravity.x", "browser"},
       }) {
    const Rule* r = kb->Match(c.name);
    ASSERT_NE(r, nullptr) << c.name;
    EXPECT_EQ(r->stance, Stance::kDangerous) << c.name;
    EXPECT_EQ(r->category, c.category) << c.name;
  }
  EXPECT_TRUE(kb->Match("antigravity.x")->import_acts);
  EXPECT_FALSE(kb->Match("os.system")->import_acts);
}

TEST(Embedded, BenignAllowlist) {
  auto kb = Embedded();
  for (const char* n : {"torch._utils._rebuild_tensor_v2",
                        "torch.nn.modules.linear.Linear",
                        "torch.FloatStorage",
                        "torch.Size",
                        "torch.device",
                        "torch.bfloat16",
                        "collections.OrderedDict",
                        "__builtin__.set",
                        "builtins.frozenset",
                        "numpy.core.multiarray._reconstruct",
                        "numpy._core.multiarray.scalar",
                        "numpy.dtype",
                        "copy_reg._reconstructor",
                        "_codecs.encode",
                        "sklearn.linear_model._logistic.LogisticRegression",
                        "joblib.numpy_pickle.NumpyArrayWrapper",
                        "transformers.training_args.TrainingArguments",
                        "transformers.trainer_utils.IntervalStrategy",
                        "ultralytics.nn.tasks.SegmentationModel",
                        "ultralytics.nn.modules.head.Detect.forward",
                        "argparse.Namespace",
                        "pathlib.PosixPath",
                        "posixpath.join",
                        "io.BytesIO",
                        "_io.BytesIO",
                        "os.stat_result",
                        "builtins.getattr",
                        "functools.partial",
                        "uuid.UUID",
                        "datetime.datetime"}) {
    const Rule* r = kb->Match(n);
    ASSERT_NE(r, nullptr) << n;
    EXPECT_EQ(r->stance, Stance::kBenign) << n;
  }
}

TEST(Embedded, UnknownIsNull) {
  auto kb = Embedded();
  EXPECT_EQ(kb->Match("mypkg.models.Net"), nullptr);
  EXPECT_EQ(kb->Match("__main__.Net"), nullptr);
  EXPECT_EQ(kb->Match(""), nullptr);
  // Substring traps (FP-23): names that merely contain dangerous words.
  EXPECT_EQ(kb->Match("mypkg.system_prompt.Config"), nullptr);
  EXPECT_EQ(kb->Match("open_clip.model.CLIP"), nullptr);
}

TEST(Embedded, LaunderedDottedNames) {
  auto kb = Embedded();
  // OB-08: a dangerous tail under an allowlisted or unknown module.
  for (const char* n :
       {"pathlib.os.system", "torch.nn.modules.os.system", "numpy.core._internal.sys.modules",
        "builtins.print.__self__.exec", "numpy.core._internal.sys.modules.__setitem__",
        "torch.os.system.x", "numpy.__builtins__", "ultralytics.nn.Foo.__init__.__globals__",
        "posixpath.os.system", "transformers.AutoModel.from_pretrained"}) {
    const Rule* r = kb->Match(n);
    ASSERT_NE(r, nullptr) << n;
    EXPECT_EQ(r->stance, Stance::kDangerous) << n;
  }
  // A tail must match a dangerous name exactly, not through a wildcard.
  EXPECT_EQ(kb->Match("mypkg.code.Model"), nullptr);
}

TEST(Embedded, AliasesAndCanonical) {
  auto kb = Embedded();
  EXPECT_EQ(kb->Canonical("posix.system"), "os.system");
  EXPECT_EQ(kb->Canonical("nt.system"), "os.system");
  EXPECT_EQ(kb->Canonical("__builtin__.getattr"), "builtins.getattr");
  EXPECT_EQ(kb->Canonical("copy_reg._reconstructor"), "copyreg._reconstructor");
  EXPECT_EQ(kb->Canonical("commands.getoutput"), "subprocess.getoutput");
  EXPECT_EQ(kb->Canonical("_operator.attrgetter"), "operator.attrgetter");
  EXPECT_EQ(kb->Canonical("numpy._core.multiarray._reconstruct"),
            "numpy.core.multiarray._reconstruct");
  EXPECT_EQ(kb->Canonical("posixpathx.join"), "posixpathx.join");  // component boundary
  EXPECT_EQ(kb->Canonical("os.system"), "os.system");
}

TEST(Embedded, MostSpecificWins) {
  auto kb = Embedded();
  // Exact benign beats the dangerous module wildcard (documented in benign.toml).
  EXPECT_EQ(kb->Match("io.BytesIO")->stance, Stance::kBenign);
  EXPECT_EQ(kb->Match("io.FileIO")->stance, Stance::kDangerous);
  EXPECT_EQ(kb->Match("os.path.join")->stance, Stance::kBenign);
  EXPECT_EQ(kb->Match("os.path.expanduser")->stance, Stance::kDangerous);
  EXPECT_EQ(kb->Match("inspect.getattr_static")->stance, Stance::kBenign);
  EXPECT_EQ(kb->Match("inspect.currentframe")->stance, Stance::kDangerous);
  // Longer dangerous prefix inside a benign library.
  EXPECT_EQ(kb->Match("sklearn.datasets.fetch_openml")->stance, Stance::kDangerous);
  EXPECT_EQ(kb->Match("sklearn.tree._tree.Tree")->stance, Stance::kBenign);
  EXPECT_EQ(kb->Match("torch.jit._pickle.build_intlist")->stance, Stance::kBenign);
  EXPECT_EQ(kb->Match("torch.jit.load")->stance, Stance::kDangerous);
  // A pickled torch.fx GraphModule exec()s the Python source it carries.
  EXPECT_EQ(kb->Match("torch.fx.graph_module.reduce_graph_module")->category, "code-execution");
  EXPECT_EQ(kb->Match("marshal.loads")->stance, Stance::kDangerous);
  EXPECT_EQ(kb->Match("marshal.dumps")->stance, Stance::kReview);
  EXPECT_EQ(kb->Match("cloudpickle.cloudpickle.subimport")->stance, Stance::kReview);
}

TEST(Embedded, SemanticsIncludeAliasSpellings) {
  auto kb = Embedded();
  const pickle::Semantics& table = kb->semantics();
  ASSERT_NE(table.Find("builtins.getattr"), nullptr);
  struct {
    const pickle::Semantics& table;
    pickle::SemanticEntry at(std::string_view name) const {
      const pickle::SemanticEntry* e = table.Find(name);
      EXPECT_NE(e, nullptr) << name;
      return e != nullptr ? *e : pickle::SemanticEntry{};
    }
  } s{table};
  EXPECT_EQ(s.at("builtins.getattr").semantic, pickle::Semantic::kGetattr);
  EXPECT_EQ(s.at("builtins.getattr").data_arg, 1);
  EXPECT_EQ(s.at("_operator.attrgetter").semantic, pickle::Semantic::kAttrGetter);
  EXPECT_EQ(s.at("_pickle.loads").semantic, pickle::Semantic::kDeserialize);
  EXPECT_EQ(s.at("_frozen_importlib._gcd_import").semantic, pickle::Semantic::kImportModule);
  EXPECT_EQ(s.at("numpy._core._ufunc_reconstruct").semantic, pickle::Semantic::kImportFrom);
  EXPECT_EQ(s.at("_io.BytesIO").semantic, pickle::Semantic::kBytesIO);
  EXPECT_EQ(s.at("pkgutil.resolve_name").semantic, pickle::Semantic::kResolveName);
  EXPECT_EQ(s.at("weakref.finalize").semantic, pickle::Semantic::kDeferredCall);
  EXPECT_EQ(s.at("weakref.finalize").func_arg, 1);
  EXPECT_EQ(s.at("base64.b64decode").codec, "base64");
  EXPECT_EQ(s.at("_codecs.encode").codec, "latin1-encode");
  EXPECT_EQ(s.at("functools.partial").semantic, pickle::Semantic::kPartial);
}

TEST(Embedded, Features) {
  auto kb = Embedded();
  const FeatureRule* f = kb->MatchFeature("tf.op", "ReadFile");
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->stance, Stance::kDangerous);
  EXPECT_EQ(kb->MatchFeature("tf.op", "SaveV2")->stance, Stance::kBenign);
  EXPECT_EQ(kb->MatchFeature("tf.op", "PyFunc")->category, "code-execution");
  EXPECT_EQ(kb->MatchFeature("jinja.attr", "__globals__")->stance, Stance::kDangerous);
  EXPECT_EQ(kb->MatchFeature("jinja.attr", "__weird__")->stance, Stance::kReview);
  EXPECT_EQ(kb->MatchFeature("jinja.attr", "content")->stance, Stance::kBenign);
  EXPECT_EQ(kb->MatchFeature("file-read", "../../etc/passwd")->stance, Stance::kDangerous);
  EXPECT_EQ(kb->MatchFeature("file-read", "/etc/passwd")->stance, Stance::kDangerous);
  EXPECT_EQ(kb->MatchFeature("file-read", "model.onnx_data")->stance, Stance::kBenign);
  EXPECT_EQ(kb->MatchFeature("keras.lambda", "lambda_1")->stance, Stance::kReview);
  EXPECT_EQ(kb->MatchFeature("keras.module-ref", "keras.layers.Dense")->stance, Stance::kBenign);
  EXPECT_EQ(kb->MatchFeature("keras.module-ref", "keras.utils.get_file")->stance,
            Stance::kDangerous);
  EXPECT_EQ(kb->MatchFeature("no.such.kind", "x"), nullptr);
}

// ------------------------------------------------------------------ loader strictness

TEST(Loader, MinimalFile) {
  auto r = One(R"(
[alias]
"posix" = "os"

[[dangerous]]
category = "process"
why = "runs a shell command"
phrase = "runs a shell command"
role = "command"
patterns = ["os.system", "os.*"]

[[benign]]
why = "data"
pattern = "os.stat_result"
)");
  ASSERT_TRUE(r.ok()) << r.error().message;
  const Rule* sys = (*r)->Match("posix.system");
  ASSERT_NE(sys, nullptr);
  EXPECT_EQ(sys->pattern, "os.system");
  EXPECT_EQ(sys->id, "t.toml:os.system");
  EXPECT_EQ(sys->source, "t.toml:10");
  EXPECT_EQ(sys->severity, Severity::kCritical);
  EXPECT_EQ((*r)->Match("os.getcwd")->pattern, "os.*");
  EXPECT_EQ((*r)->Match("os")->pattern, "os.*");  // the module itself
  EXPECT_EQ((*r)->Match("osx.foo"), nullptr);
  EXPECT_EQ((*r)->Match("os.stat_result")->stance, Stance::kBenign);
  EXPECT_EQ((*r)->rule_count(), 3u);
}

TEST(Loader, UnknownTopLevelKeyNamesLine) {
  EXPECT_EQ(ErrorOf("\n\n[[dangerus]]\nwhy = 'x'\n"),
            "t.toml:3: unknown top-level key 'dangerus' (dangerous, benign, review, attribute, "
            "feature, semantic, alias, trust, category)");
}

TEST(Loader, UnknownKeyInTableNamesLine) {
  std::string e = ErrorOf(
      "[[dangerous]]\ncategory = 'process'\nwhy = 'x'\npattern = 'os.system'\nsevrity = 'high'\n");
  EXPECT_EQ(e.rfind("t.toml:5: unknown key 'sevrity' in [[dangerous]]", 0), 0u) << e;
}

TEST(Loader, Errors) {
  EXPECT_EQ(ErrorOf("[[dangerous]]\ncategory = 'process'\npattern = 'os.system'\n"),
            "t.toml:1: [[dangerous]] needs key 'why'");
  EXPECT_EQ(ErrorOf("[[dangerous]]\ncategory = 'proces'\nwhy = 'x'\npattern = 'os.system'\n"),
            "t.toml:2: unknown category 'proces'");
  EXPECT_EQ(ErrorOf("[[dangerous]]\ncategory = 'process'\nwhy = 'x'\nseverity = 'huge'\n"
                    "pattern = 'os.system'\n"),
            "t.toml:1: unknown severity 'huge' (info|low|medium|high|critical)");
  const std::string want_pattern =
      "' (want module.name, module.* or a glob such as module.*.convert_*.*)";
  EXPECT_EQ(ErrorOf("[[dangerous]]\ncategory = 'process'\nwhy = 'x'\npattern = 'os.*.x'\n"),
            "t.toml:4: bad pattern 'os.*.x" + want_pattern);
  EXPECT_EQ(ErrorOf("[[dangerous]]\ncategory = 'process'\nwhy = 'x'\npattern = 'os..x'\n"),
            "t.toml:4: bad pattern 'os..x" + want_pattern);
  EXPECT_EQ(ErrorOf("[[dangerous]]\ncategory = 'unswept-library'\nwhy = 'x'\npattern = 'a.*'\n"),
            "t.toml:1: category 'unswept-library' is for [[benign]] rules only");
  // A glob is anchored to a module, ends in `.*`, and only says dangerous or review.
  EXPECT_EQ(ErrorOf("[[dangerous]]\ncategory = 'process'\nwhy = 'x'\npattern = 'o*.x.*'\n"),
            "t.toml:4: bad pattern 'o*.x.*" + want_pattern);
  EXPECT_EQ(ErrorOf("[[dangerous]]\ncategory = 'process'\nwhy = 'x'\npattern = 'a.b-*.*'\n"),
            "t.toml:4: bad pattern 'a.b-*.*" + want_pattern);
  EXPECT_EQ(ErrorOf("[[benign]]\nwhy = 'x'\npattern = 'lib.*.models.*'\n"),
            "t.toml:3: a [[benign]] rule names modules, not globs ('lib.*.models.*' could clear "
            "names nobody checked)");
  EXPECT_EQ(ErrorOf("[[dangerous]]\ncategory = 'process'\nwhy = 'x'\n"),
            "t.toml:1: give exactly one of 'pattern' or 'patterns'");
  EXPECT_EQ(ErrorOf("[[dangerous]]\ncategory = 'process'\nwhy = 'x'\npatterns = [1]\n"),
            "t.toml:4: 'patterns' must hold strings");
  EXPECT_EQ(ErrorOf("[[benign]]\nwhy = 'x'\npattern = 'a.b'\n[[benign]]\nwhy = 'y'\n"
                    "pattern = 'a.b'\n"),
            "t.toml:6: duplicate pattern 'a.b' (first at t.toml:3)");
  EXPECT_EQ(ErrorOf("[alias]\nposix = 'os'\n[[benign]]\nwhy = 'x'\npattern = 'posix.stat'\n"),
            "t.toml:5: pattern 'posix.stat' uses an aliased module; write 'os.stat'");
  EXPECT_EQ(ErrorOf("dangerous = 3\n"),
            "t.toml:1: 'dangerous' must be an array of tables ([[dangerous]])");
  EXPECT_EQ(ErrorOf("[[semantic]]\nkind = 'getatr'\nnames = ['builtins.getattr']\n"),
            "t.toml:2: unknown semantic kind 'getatr'");
  EXPECT_EQ(ErrorOf("[[semantic]]\nkind = 'decode'\nnames = ['zlib.decompress']\n"),
            "t.toml:1: decode needs a known 'codec', got ''");
  EXPECT_EQ(ErrorOf("[[semantic]]\nkind = 'getattr'\ncodec = 'zlib'\nnames = ['a.b']\n"),
            "t.toml:3: 'codec' is only for kind = \"decode\"");
  EXPECT_EQ(ErrorOf("[[feature]]\nkind = 'tf.op'\nstance = 'evil'\nwhy = 'x'\npattern = 'A'\n"),
            "t.toml:1: unknown stance 'evil' (dangerous|benign|review)");
  // TOML syntax errors carry the line too.
  std::string e = ErrorOf("[[benign]]\nwhy = 'x'\npattern = \n");
  EXPECT_EQ(e.rfind("t.toml:3: ", 0), 0u) << e;
}

TEST(Loader, AttributeAndFeatureRules) {
  auto r = One(R"(
[[attribute]]
category = "introspection"
why = "dunder"
names = ["__globals__"]

[[benign]]
why = "lib"
pattern = "lib.*"

[[dangerous]]
category = "process"
why = "x"
pattern = "os.system"

[[feature]]
kind = "tf.op"
stance = "dangerous"
category = "file-system"
why = "reads"
patterns = ["Read*", "ReadFile"]

[[feature]]
kind = "tf.op"
stance = "benign"
why = "other"
pattern = "*"
)");
  ASSERT_TRUE(r.ok()) << r.error().message;
  auto& kb = **r;
  EXPECT_EQ(kb.Match("lib.Model")->stance, Stance::kBenign);
  EXPECT_EQ(kb.Match("lib.Model.__globals__")->pattern, "*.__globals__");
  EXPECT_EQ(kb.Match("lib.os.system")->pattern, "os.system");
  EXPECT_EQ(kb.Match("__globals__"), nullptr);  // module position is not an attribute
  EXPECT_EQ(kb.MatchFeature("tf.op", "ReadFile")->pattern, "ReadFile");
  EXPECT_EQ(kb.MatchFeature("tf.op", "ReadSomething")->pattern, "Read*");
  EXPECT_EQ(kb.MatchFeature("tf.op", "Add")->pattern, "*");
  EXPECT_EQ(kb.MatchFeature("keras.lambda", "x"), nullptr);
}

TEST(Loader, UserFileRefinesEmbeddedRule) {
  namespace fs = std::filesystem;
  // Per process: other ctest runs (another build, another checkout) share the temp directory.
  fs::path dir = fs::temp_directory_path() / ("mv_kb_test_rules." + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  {
    std::ofstream(dir / "mine.toml") << "[[benign]]\nwhy = 'our class'\npattern = "
                                        "'mypkg.models.*'\n\n[[dangerous]]\ncategory = "
                                        "'process'\nseverity = 'high'\nwhy = 'override'\n"
                                        "pattern = 'os.system'\n";
    std::ofstream(dir / "ignored.txt") << "not toml";
  }
  auto r = KnowledgeBase::Load({dir.string()});
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ((*r)->Match("mypkg.models.Net")->stance, Stance::kBenign);
  EXPECT_EQ((*r)->Match("os.system")->severity, Severity::kHigh);
  EXPECT_EQ((*r)->Match("os.system")->why, "override");
  auto missing = KnowledgeBase::Load({(dir / "nope.toml").string()});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.error().message.find("nope.toml: cannot open rule file"), std::string::npos);
  fs::remove_all(dir);
}

// ---------------------------------------------------------------- generated library rules
TEST(Embedded, GeneratedLibraryFilesAreDeferredAndLoadCleanly) {
  auto kb = Embedded();
  EXPECT_GE(kb->deferred_file_count(), 40u);
  Status st = kb->LoadAllDeferred();
  EXPECT_TRUE(st.ok()) << st.error().message;
}

TEST(Embedded, GeneratedNamesClearExactlyAndNarrowly) {
  auto kb = Embedded();
  struct Case {
    const char* name;
    Stance stance;
    const char* category;
  };
  for (const Case& c : {
           Case{"networkx.classes.graph.Graph", Stance::kBenign, "library-class"},
           Case{"gensim.models.ldamodel.LdaModel", Stance::kBenign, "rebuild-only"},
           Case{"numpy.core._multiarray_umath.add", Stance::kBenign, "library-function"},
           Case{"numpy._core._multiarray_umath.log1p", Stance::kBenign, "library-function"},
           Case{"pytz._UTC", Stance::kBenign, "reconstructor"},
           Case{"signal.SIGUSR1", Stance::kBenign, "constant"},
           Case{"re.RegexFlag.IGNORECASE", Stance::kBenign, "constant"},
           Case{"builtins.hash", Stance::kBenign, "library-function"},
           // A hand-written benign wildcard (scipy.stats._continuous_distns.*) would clear it,
           // but its __setstate__ execs source carried in the pickle: the exact review wins.
           Case{"scipy.stats._continuous_distns.norm_gen", Stance::kReview, "code-object"},
       }) {
    const Rule* r = kb->Match(c.name);
    ASSERT_NE(r, nullptr) << c.name;
    EXPECT_EQ(r->stance, c.stance) << c.name;
    EXPECT_EQ(r->category, c.category) << c.name;
  }
  // Exact names clear neither methods nor what the dangerous rules name.
  EXPECT_EQ(kb->Match("networkx.classes.graph.Graph.add_edge"), nullptr);
  for (const char* n : {"signal.signal", "pandas.read_csv", "sympy.sympify", "numpy.load",
                        "networkx.readwrite.gml.read_gml"}) {
    const Rule* r = kb->Match(n);
    EXPECT_TRUE(r == nullptr || r->stance != Stance::kBenign) << n;
  }
}

TEST(Embedded, BenignWildcardDoesNotClearWhatItsModulesImported) {
  auto kb = Embedded();
  // pandas.core.generic.* is benign; pandas.core.generic imports pickle, and an unpickler
  // resolves `pandas.core.generic` + `pickle.loads` to pickle.loads.
  EXPECT_EQ(kb->Match("pandas.core.generic.pickle.loads"), nullptr);
  EXPECT_EQ(kb->Match("sklearn.ensemble._forest.threading.Thread"), nullptr);
  // Conventional import names are aliases, so the dangerous tail is found exactly.
  const Rule* np_load = kb->Match("sklearn.base.np.load");
  ASSERT_NE(np_load, nullptr);
  EXPECT_EQ(np_load->stance, Stance::kDangerous);
  // Re-exported dangerous callables are named exactly (rules/generated_reexports.toml).
  for (const char* n : {"sklearn.utils._joblib.load", "numpy.core.umath.fromfile",
                        "joblib._store_backends.concurrency_safe_rename"}) {
    const Rule* r = kb->Match(n);
    ASSERT_NE(r, nullptr) << n;
    EXPECT_EQ(r->stance, Stance::kDangerous) << n;
  }
  // The library's own names stay cleared.
  for (const char* n : {"torch.nn.modules.linear.Linear", "sklearn.pipeline.Pipeline",
                        "pandas.core.indexes.base.Index", "scipy.sparse._csr.csr_matrix"}) {
    const Rule* r = kb->Match(n);
    ASSERT_NE(r, nullptr) << n;
    EXPECT_EQ(r->stance, Stance::kBenign) << n;
  }
}

TEST(Loader, NarrowCategoriesAreBenignAndExact) {
  EXPECT_EQ(ErrorOf("[[dangerous]]\ncategory = 'constant'\nwhy = 'x'\npattern = 'a.b'\n"),
            "t.toml:1: category 'constant' is for [[benign]] rules only");
  EXPECT_EQ(ErrorOf("[[review]]\ncategory = 'rebuild-only'\nwhy = 'x'\npattern = 'a.b'\n"),
            "t.toml:1: category 'rebuild-only' is for [[benign]] rules only");
  EXPECT_EQ(ErrorOf("[[benign]]\ncategory = 'constant'\nwhy = 'x'\npattern = 'a.*'\n"),
            "t.toml:4: a 'constant' rule names classes or values exactly, not 'a.*'");
  EXPECT_EQ(ErrorOf("[[benign]]\ncategory = 'rebuild-only'\nwhy = 'x'\npattern = 'a.b'\n"),
            "<loaded>");
}

TEST(Loader, DeferredLibraryFile) {
  const std::string base =
      "[[dangerous]]\ncategory = 'process'\nwhy = 'x'\npattern = 'os.*'\n"
      "[[benign]]\nwhy = 'x'\npattern = 'mylib.Hand'\n";
  auto load = [&](const std::string& lib) {
    return KnowledgeBase::FromStrings({{"base.toml", base}, {"benign_lib_mylib.toml", lib}});
  };
  auto ok = load("[[benign]]\ncategory = 'rebuild-only'\nwhy = 'gen'\npattern = 'mylib.m.C'\n");
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ((*ok)->deferred_file_count(), 1u);
  const Rule* r = (*ok)->Match("mylib.m.C");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->category, "rebuild-only");
  EXPECT_EQ(r->id, "benign_lib_mylib.toml:mylib.m.C");
  EXPECT_EQ((*ok)->Match("mylib.Hand")->why, "x");  // eager exact rules answer first
  EXPECT_TRUE((*ok)->LoadAllDeferred().ok());

  // A deferred file that breaks its contract clears nothing and says why.
  struct Bad {
    const char* text;
    const char* error;
  };
  for (const Bad& b : {
           Bad{"[[benign]]\nwhy = 'x'\npattern = 'other.C'\n",
               "benign_lib_mylib.toml:3: 'other.C' is not under module 'mylib'"},
           Bad{"[[benign]]\nwhy = 'x'\npattern = 'mylib.Hand'\n",
               "benign_lib_mylib.toml:3: duplicate pattern 'mylib.Hand' (first at base.toml:7)"},
           Bad{"[[dangerous]]\ncategory = 'process'\nwhy = 'x'\npattern = 'mylib.run'\n",
               "benign_lib_mylib.toml:4: a generated library file holds no [[dangerous]] rule"},
           Bad{"[[benign]]\nwhy = 'x'\npattern = 'mylib.*'\n",
               "benign_lib_mylib.toml: a generated library file holds only exact "
               "[[benign]]/[[review]] names"},
           Bad{"[[benign]]\nwhy = 'x'\npattern = \n", "benign_lib_mylib.toml:3: "},
       }) {
    auto kb = load(std::string(b.text) + "[[benign]]\nwhy = 'y'\npattern = 'mylib.ok'\n");
    ASSERT_TRUE(kb.ok()) << b.text;  // loading is lazy: the error shows on first use
    EXPECT_EQ((*kb)->Match("mylib.ok"), nullptr) << b.text;
    Status st = (*kb)->LoadAllDeferred();
    ASSERT_FALSE(st.ok()) << b.text;
    EXPECT_EQ(st.error().message.rfind(b.error, 0), 0u) << st.error().message;
  }
}

}  // namespace
}  // namespace mv::kb

namespace mv::kb {
namespace {

// Name globs (`lib.models.*.convert_*.*`): dangerous or review, beating milder wildcards.
TEST(Loader, NameGlobs) {
  auto r = One(R"(
[[benign]]
why = "lib"
patterns = ["lib.*", "lib.models.bert.convert_ok"]

[[dangerous]]
category = "deserialization"
why = "conversion scripts load what they are given"
pattern = "lib.models.*.convert_*.*"

[[review]]
category = "process"
why = "tools"
pattern = "lib.models.*.tool?.*"

[[dangerous]]
category = "process"
why = "tools that run"
pattern = "lib.models.x.tool*.*"

[[dangerous]]
category = "network"
why = "x"
pattern = "net.*"

[[review]]
category = "network"
why = "x"
pattern = "net.*.up*.*"

[[attribute]]
category = "introspection"
why = "dunder"
names = ["__globals__"]
)");
  ASSERT_TRUE(r.ok()) << r.error().message;
  auto& kb = **r;
  auto pattern = [&](std::string_view name) {
    const Rule* m = kb.Match(name);
    return m == nullptr ? std::string("<none>") : m->pattern;
  };
  // The glob beats the benign wildcard, for the module and everything below it.
  EXPECT_EQ(pattern("lib.models.bert.convert_tf.run"), "lib.models.*.convert_*.*");
  EXPECT_EQ(pattern("lib.models.bert.convert_tf"), "lib.models.*.convert_*.*");
  EXPECT_EQ(pattern("lib.models.bert.convert_.a.b"), "lib.models.*.convert_*.*");
  // Components match one for one: no `*` spans a dot, and a shorter name is not covered.
  EXPECT_EQ(pattern("lib.models.bert.x.convert_tf"), "lib.*");
  EXPECT_EQ(pattern("lib.models.bert"), "lib.*");
  EXPECT_EQ(pattern("lib.models.convnext.modeling"), "lib.*");
  EXPECT_EQ(pattern("lib.models.bert.converter"), "lib.*");
  // An exact benign name still wins (it launders nothing).
  EXPECT_EQ(pattern("lib.models.bert.convert_ok"), "lib.models.bert.convert_ok");
  // Several globs: the strictest stance, then the most literal characters.
  EXPECT_EQ(pattern("lib.models.y.tool1.f"), "lib.models.*.tool?.*");
  EXPECT_EQ(pattern("lib.models.x.tool1.f"), "lib.models.x.tool*.*");
  // A review glob does not hide a dangerous attribute, nor soften a dangerous wildcard.
  EXPECT_EQ(pattern("lib.models.y.tool1.f.__globals__"), "*.__globals__");
  EXPECT_EQ(pattern("net.a.upload.f"), "net.*");
  // Trusting a module a glob covers is refused.
  auto trusted = KnowledgeBase::FromStrings(
      {{"t.toml",
        "[[dangerous]]\ncategory = 'process'\nwhy = 'x'\npattern = 'a.*.b_*.*'\n"
        "[[trust]]\nmodule = 'a.x.b_y'\n"}});
  ASSERT_FALSE(trusted.ok());
  EXPECT_NE(trusted.error().message.find("cannot trust 'a.x.b_y'"), std::string::npos)
      << trusted.error().message;
}

// --trust-module / [[trust]]: the user's own module is cleared with the trust as evidence;
// dangerous names inside it stay dangerous; a module the rules call dangerous cannot be trusted.
TEST(Trust, TrustedModuleIsBenignWithReason) {
  auto kb = KnowledgeBase::Load({}, {"mv_models"});
  ASSERT_TRUE(kb.ok()) << kb.error().message;
  const Rule* r = (*kb)->Match("mv_models.nets.Net");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->stance, Stance::kBenign);
  EXPECT_EQ(r->category, "trusted-module");
  EXPECT_NE(r->summary.find("mv_models"), std::string::npos);
  const Rule* d = (*kb)->Match("mv_models.os.system");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->stance, Stance::kDangerous);
  // Without trust the module is unknown.
  auto plain = KnowledgeBase::Load({});
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ((*plain)->Match("mv_models.nets.Net"), nullptr);
}

TEST(Trust, RuleFileTrustTable) {
  auto kb = KnowledgeBase::FromStrings(
      {{"mine.toml", "[[trust]]\nmodule = \"__main__\"\nwhy = \"my training script\"\n"}});
  ASSERT_TRUE(kb.ok()) << kb.error().message;
  const Rule* r = (*kb)->Match("__main__.Net");
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->stance, Stance::kBenign);
  EXPECT_EQ(r->why, "my training script");
}

TEST(Trust, RefusesDangerousAndMalformedModules) {
  EXPECT_FALSE(KnowledgeBase::Load({}, {"os"}).ok());
  EXPECT_FALSE(KnowledgeBase::Load({}, {"subprocess"}).ok());
  EXPECT_FALSE(KnowledgeBase::Load({}, {"torch.hub"}).ok());
  EXPECT_FALSE(KnowledgeBase::Load({}, {"a\"\n[[benign]]"}).ok());
  EXPECT_FALSE(KnowledgeBase::Load({}, {"mv.*"}).ok());
  auto bad = KnowledgeBase::FromStrings({{"t.toml", "[[trust]]\nmodule = \"x\"\nextra = 1\n"}});
  EXPECT_FALSE(bad.ok());
}

TEST(Actions, CategoryDefaultsRoleArgKeywordAndCases) {
  auto r = One(R"(
[[category]]
name = "network"
phrase = "opens a network connection"
role = "address"
effect = "network"

[[dangerous]]
category = "network"
why = "x"
pattern = "socket.create_connection"

[[dangerous]]
category = "file-system"
why = "x"
phrase = "moves a file over another"
role = "path"
arg = 1
keyword = "dst"
pattern = "os.rename"

[[dangerous]]
category = "file-system"
why = "x"
phrase = "sends a control request"
role = "none"
pattern = "fcntl.ioctl"

[[dangerous.when]]
if_arg = 1
equals = 0x5412
phrase = "types keystrokes into the terminal"
role = "keys"
arg = 2
effect = "execute"
)");
  ASSERT_TRUE(r.ok()) << r.error().message;
  const Rule* c = (*r)->Match("socket.create_connection");
  EXPECT_EQ(c->action.phrase, "opens a network connection");  // the category's
  EXPECT_EQ(c->action.arg.role, Role::kAddress);
  EXPECT_EQ(c->action.arg.position, 0);
  EXPECT_EQ(c->action.effect, Effect::kNetwork);
  const Rule* mv = (*r)->Match("os.rename");
  EXPECT_EQ(mv->action.arg.position, 1);
  EXPECT_EQ(mv->action.arg.keyword, "dst");
  EXPECT_EQ(mv->action.effect, Effect::kOther);  // file-system has no [[category]] here
  const Rule* io = (*r)->Match("fcntl.ioctl");
  EXPECT_EQ(io->action.arg.role, Role::kNone);
  EXPECT_EQ(io->action.arg.position, -1);
  ASSERT_EQ(io->cases.size(), 1u);
  EXPECT_TRUE(io->cases[0].is_int);
  EXPECT_EQ(io->cases[0].int_value, 0x5412);
  EXPECT_EQ(io->cases[0].action.arg.role, Role::kKeys);
  EXPECT_EQ(io->cases[0].action.arg.position, 2);
  EXPECT_EQ(io->cases[0].action.effect, Effect::kExecute);
}

TEST(Actions, BadActionFieldsAreErrors) {
  EXPECT_NE(ErrorOf("[[dangerous]]\ncategory = 'process'\nwhy = 'x'\nsummary = 'runs {0}'\n"
                    "pattern = 'os.system'\n")
                .find("not 'summary'"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[[dangerous]]\ncategory = 'process'\nwhy = 'x'\nrole = 'shell'\n"
                    "pattern = 'os.system'\n")
                .find("unknown role 'shell'"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[[dangerous]]\ncategory = 'process'\nwhy = 'x'\nrole = 'none'\narg = 1\n"
                    "pattern = 'os.system'\n")
                .find("takes no 'arg'"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[[dangerous]]\ncategory = 'process'\nwhy = 'x'\neffect = 'bad'\n"
                    "pattern = 'os.system'\n")
                .find("unknown effect 'bad'"),
            std::string::npos);
  EXPECT_NE(ErrorOf("[[dangerous]]\ncategory = 'process'\nwhy = 'x'\npattern = 'os.system'\n"
                    "[[dangerous.when]]\nif_arg = 0\n")
                .find("needs key 'equals'"),
            std::string::npos);
}

TEST(Actions, EveryEmbeddedDangerousRuleHasAPhrase) {
  auto r = KnowledgeBase::Load({});
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_TRUE((*r)->LoadAllDeferred().ok());
  size_t n = 0;
  for (const Rule* rule : (*r)->AllRules()) {
    if (rule->stance == Stance::kBenign) continue;
    EXPECT_FALSE(rule->action.phrase.empty()) << rule->id;
    ++n;
  }
  EXPECT_GT(n, 3000u);
}

// Match and Canonical remember their answers per thread. The memo belongs to one knowledge
// base: asking another (or one loaded at the same address after the first is gone) about the
// same names gets that one's answers, and the memo's answers agree with a fresh lookup.
TEST(NameMemo, AnswersBelongToTheirKnowledgeBase) {
  auto with = [](const std::string& alias, bool dangerous) {
    std::string rule = dangerous ? "[[dangerous]]\ncategory = \"process\"\nwhy = \"w\"\n"
                                   "phrase = \"runs it\"\nrole = \"command\"\n"
                                 : "[[benign]]\nwhy = \"w\"\n";
    auto kb = One("[alias]\n\"mylib_alias\" = \"" + alias + "\"\n" + rule + "pattern = \"" + alias +
                  ".run\"\n");
    EXPECT_TRUE(kb.ok()) << kb.error().message;
    return *kb;
  };
  for (int round = 0; round < 3; ++round) {
    auto a = with("mylib", true);
    EXPECT_EQ(a->Canonical("mylib_alias.run"), "mylib.run");
    ASSERT_NE(a->Match("mylib_alias.run"), nullptr);
    EXPECT_EQ(a->Match("mylib_alias.run")->stance, Stance::kDangerous);  // remembered
    EXPECT_EQ(a->Canonical("mylib_alias.run"), "mylib.run");
    a.reset();  // the next one may be built where this one was
    auto b = with("otherlib", false);
    EXPECT_EQ(b->Canonical("mylib_alias.run"), "otherlib.run");
    ASSERT_NE(b->Match("mylib_alias.run"), nullptr);
    EXPECT_EQ(b->Match("mylib_alias.run")->stance, Stance::kBenign);
    EXPECT_EQ(b->Match("mylib.run"), nullptr);
  }
  // Many more names than the memo keeps, asked twice in turn: every answer is the fresh one.
  auto kb = Embedded();
  const auto& impl = kb->impl();
  const char* known[] = {"posix.system",
                         "os.system",
                         "builtins.eval",
                         "__builtin__.eval",
                         "torch._utils._rebuild_tensor_v2",
                         "collections.OrderedDict"};
  for (int i = 0; i < 20000; ++i) {
    std::string name = i % 3 == 0 ? known[(i / 3) % 6] : "pkg" + std::to_string(i % 9000) + ".f";
    for (int twice = 0; twice < 2; ++twice) {
      EXPECT_EQ(kb->Canonical(name), impl.Canonical(name)) << name;
      EXPECT_EQ(kb->Match(name), impl.MatchCanonical(impl.Canonical(name))) << name;
    }
  }
  ASSERT_NE(kb->Match("posix.system"), nullptr);
  EXPECT_EQ(kb->Match("posix.system")->stance, Stance::kDangerous);
}

}  // namespace
}  // namespace mv::kb
