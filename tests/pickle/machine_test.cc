// Opcode-level and resolution tests of the pickle abstract machine over hand-built streams.
#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <utility>

#include "core/limits.h"
#include "pickle/engine.h"
#include "pickle/value.h"
#include "pickle_builder.h"

namespace mv::pickle {
namespace {

using testing::AnalyzeBytes;
using testing::P;
using testing::TestSemantics;

const Call* LastCall(const Trace& t) {
  return t.calls.empty() ? nullptr : &t.calls.back();
}
bool HasAnomaly(const Trace& t, const std::string& code) {
  for (const auto& a : t.anomalies) {
    if (a.code == code) return true;
  }
  return false;
}
const Call* FindResolved(const Trace& t, const std::string& name) {
  for (const auto& c : t.calls) {
    if (c.resolved == name) return &c;
  }
  return nullptr;
}
std::string B64(const std::string& in) {
  static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : in) {
    acc = (acc << 8) | c;
    bits += 8;
    while (bits >= 6) {
      bits -= 6;
      out.push_back(k[(acc >> bits) & 63]);
    }
  }
  if (bits > 0) out.push_back(k[(acc << (6 - bits)) & 63]);
  while (out.size() % 4) out.push_back('=');
  return out;
}

TEST(Machine, DirectReduceRecordsCallWithArgsAndOffset) {
  std::string b = P().Proto(2).Call1("posix", "system", "ls").Stop().bytes();
  Trace t = AnalyzeBytes(b);
  ASSERT_TRUE(t.complete);
  ASSERT_EQ(t.imports.size(), 1u);
  EXPECT_EQ(t.imports[0].resolved, "posix.system");
  EXPECT_EQ(t.imports[0].offset, 2u);
  EXPECT_EQ(t.imports[0].opcode, "GLOBAL");
  ASSERT_EQ(t.calls.size(), 1u);
  const Call& c = t.calls[0];
  EXPECT_EQ(c.kind, CallKind::kReduce);
  EXPECT_EQ(c.resolved, "posix.system");
  EXPECT_EQ(c.via, "");
  EXPECT_EQ(c.opcode, "REDUCE");
  EXPECT_EQ(c.offset, b.size() - 2);
  ASSERT_EQ(c.args.size(), 1u);
  EXPECT_EQ(Render(c.args[0]), "'ls'");
  EXPECT_EQ(t.protocol, 2);
  EXPECT_EQ(t.pickles, 1);
}

TEST(Machine, Python2NamesMappedBelowProtocol3Only) {
  Trace t2 = AnalyzeBytes(P().Proto(2).Call1("__builtin__", "eval", "1").Stop().bytes());
  ASSERT_EQ(t2.imports.size(), 1u);
  EXPECT_EQ(t2.imports[0].module, "__builtin__");
  EXPECT_EQ(t2.imports[0].resolved, "builtins.eval");
  Trace t0 = AnalyzeBytes(P().Global("urllib2", "urlopen").Stop().bytes());
  EXPECT_EQ(t0.imports[0].resolved, "urllib.request.urlopen");
  Trace tc = AnalyzeBytes(P().Global("cPickle", "loads").Stop().bytes());
  EXPECT_EQ(tc.imports[0].resolved, "pickle.loads");
  Trace tcr = AnalyzeBytes(P().Global("copy_reg", "_reconstructor").Stop().bytes());
  EXPECT_EQ(tcr.imports[0].resolved, "copyreg._reconstructor");
  Trace t3 = AnalyzeBytes(P().Proto(3).Global("__builtin__", "eval").Stop().bytes());
  EXPECT_EQ(t3.imports[0].resolved, "__builtin__.eval");
}

TEST(Machine, GetattrImportChainResolvesToFinalCallable) {
  SemanticTable sem = TestSemantics();
  std::string b = P().Proto(2)
                      .Global("builtins", "getattr")
                      .Call1("builtins", "__import__", "os")
                      .Str("system")
                      .Tuple2()
                      .Reduce()
                      .Str("ls")
                      .Tuple1()
                      .Reduce()
                      .Stop()
                      .bytes();
  Trace t = AnalyzeBytes(b, &sem);
  ASSERT_TRUE(t.complete);
  ASSERT_EQ(t.calls.size(), 3u);
  EXPECT_EQ(t.calls[0].resolved, "builtins.__import__");
  EXPECT_EQ(Render(t.calls[0].result), "module os");
  EXPECT_EQ(t.calls[1].resolved, "builtins.getattr");
  EXPECT_EQ(Render(t.calls[1].result), "os.system");
  const Call* c = LastCall(t);
  EXPECT_EQ(c->resolved, "os.system");
  EXPECT_EQ(c->via, "builtins.getattr");
  EXPECT_EQ(Render(c->args[0]), "'ls'");
}

TEST(Machine, WithoutSemanticsNothingIsFollowed) {
  std::string b = P().Proto(2)
                      .Global("builtins", "getattr")
                      .Call1("builtins", "__import__", "os")
                      .Str("system")
                      .Tuple2()
                      .Reduce()
                      .Str("ls")
                      .Tuple1()
                      .Reduce()
                      .Stop()
                      .bytes();
  Trace t = AnalyzeBytes(b);
  EXPECT_EQ(LastCall(t)->resolved, "builtins.getattr.__call__");
}

TEST(Machine, ImportModuleStackGlobalFromMemo) {
  SemanticTable sem = TestSemantics();
  // Names memoized first, then STACK_GLOBAL reads them back through BINGET.
  std::string b = P().Proto(4)
                      .Str("importlib")
                      .Put(0)
                      .Op(Op::kPop)
                      .Str("import_module")
                      .Put(1)
                      .Op(Op::kPop)
                      .Get(0)
                      .Get(1)
                      .Op(Op::kStackGlobal)
                      .Str("subprocess")
                      .Tuple1()
                      .Reduce()
                      .Put(2)
                      .Op(Op::kPop)
                      .Global("builtins", "getattr")
                      .Get(2)
                      .Str("check_output")
                      .Tuple2()
                      .Reduce()
                      .Str("id")
                      .Tuple1()
                      .Reduce()
                      .Stop()
                      .bytes();
  Trace t = AnalyzeBytes(b, &sem);
  ASSERT_TRUE(t.complete) << t.anomalies[0].message;
  ASSERT_EQ(t.imports.size(), 2u);
  EXPECT_EQ(t.imports[0].resolved, "importlib.import_module");
  EXPECT_EQ(t.imports[0].opcode, "STACK_GLOBAL");
  EXPECT_EQ(LastCall(t)->resolved, "subprocess.check_output");
  EXPECT_EQ(LastCall(t)->via, "builtins.getattr");
}

TEST(Machine, Protocol4DottedNameResolves) {
  std::string b = P().Proto(4)
                      .Str("numpy")
                      .Str("core._internal.sys.modules")
                      .Op(Op::kStackGlobal)
                      .Stop()
                      .bytes();
  Trace t = AnalyzeBytes(b);
  ASSERT_EQ(t.imports.size(), 1u);
  EXPECT_EQ(t.imports[0].resolved, "numpy.core._internal.sys.modules");
}

TEST(Machine, AttrGetterMethodCallerAndPartial) {
  SemanticTable sem = TestSemantics();
  // operator.attrgetter('system')(__import__('os'))('id')
  std::string a = P().Proto(2)
                      .Call1("operator", "attrgetter", "system")
                      .Call1("builtins", "__import__", "os")
                      .Tuple1()
                      .Reduce()
                      .Str("id")
                      .Tuple1()
                      .Reduce()
                      .Stop()
                      .bytes();
  Trace ta = AnalyzeBytes(a, &sem);
  EXPECT_EQ(LastCall(ta)->resolved, "os.system");
  EXPECT_EQ(LastCall(ta)->via, "operator.attrgetter");

  // operator.methodcaller('system', 'id')(__import__('os'))
  std::string m = P().Proto(2)
                      .Global("operator", "methodcaller")
                      .Str("system")
                      .Str("id")
                      .Tuple2()
                      .Reduce()
                      .Call1("builtins", "__import__", "os")
                      .Tuple1()
                      .Reduce()
                      .Stop()
                      .bytes();
  Trace tm = AnalyzeBytes(m, &sem);
  const Call* c = LastCall(tm);
  EXPECT_EQ(c->kind, CallKind::kDerived);
  EXPECT_EQ(c->resolved, "os.system");
  EXPECT_EQ(c->via, "operator.methodcaller");
  ASSERT_EQ(c->args.size(), 1u);
  EXPECT_EQ(Render(c->args[0]), "'id'");

  // functools.partial(os.system, 'id')()
  std::string p = P().Proto(2)
                      .Global("functools", "partial")
                      .Global("os", "system")
                      .Str("id")
                      .Tuple2()
                      .Reduce()
                      .Op(Op::kEmptyTuple)
                      .Reduce()
                      .Stop()
                      .bytes();
  Trace tp = AnalyzeBytes(p, &sem);
  c = LastCall(tp);
  EXPECT_EQ(c->kind, CallKind::kDerived);
  EXPECT_EQ(c->resolved, "os.system");
  EXPECT_EQ(c->via, "functools.partial");
  EXPECT_EQ(Render(c->args[0]), "'id'");
}

TEST(Machine, ItemGetterTakesLastDuplicateKey) {
  // Found by random_diff_test (duplicate dict keys): Python keeps the LAST value of a repeated
  // key, so operator.itemgetter('f')({'f': print, 'f': os.system})('id') runs os.system.
  SemanticTable sem = TestSemantics();
  std::string b = P().Proto(2)
                      .Call1("operator", "itemgetter", "f")
                      .Op(Op::kEmptyDict)
                      .Mark()
                      .Str("f")
                      .Global("builtins", "print")
                      .Str("f")
                      .Global("os", "system")
                      .Op(Op::kSetItems)
                      .Tuple1()
                      .Reduce()
                      .Str("id")
                      .Tuple1()
                      .Reduce()
                      .Stop()
                      .bytes();
  Trace t = AnalyzeBytes(b, &sem);
  EXPECT_EQ(LastCall(t)->resolved, "os.system");
}

TEST(Machine, PartialStateFromBuildIsFollowed) {
  SemanticTable sem = TestSemantics();
  // What pickle.dumps(partial(os.system, 'id')) writes: partial(f) then BUILD (f, args, kw, d).
  std::string b = P().Proto(2)
                      .Global("functools", "partial")
                      .Global("os", "system")
                      .Tuple1()
                      .Reduce()
                      .Mark()
                      .Global("os", "system")
                      .Str("id")
                      .Tuple1()
                      .Op(Op::kEmptyDict)
                      .Op(Op::kNone)
                      .Op(Op::kTuple)
                      .Op(Op::kBuild)
                      .Op(Op::kEmptyTuple)
                      .Reduce()
                      .Stop()
                      .bytes();
  Trace t = AnalyzeBytes(b, &sem);
  ASSERT_TRUE(t.complete);
  const Call* build = nullptr;
  for (const auto& c : t.calls) {
    if (c.kind == CallKind::kBuild) build = &c;
  }
  ASSERT_NE(build, nullptr);
  EXPECT_EQ(build->resolved, "functools.partial.__setstate__");
  const Call* c = LastCall(t);
  EXPECT_EQ(c->kind, CallKind::kDerived);
  EXPECT_EQ(c->resolved, "os.system");
  EXPECT_EQ(Render(c->args[0]), "'id'");
}

TEST(Machine, MapAppliesFunctionToEachItem) {
  SemanticTable sem = TestSemantics();
  std::string b = P().Proto(2)
                      .Global("builtins", "map")
                      .Global("os", "system")
                      .Op(Op::kEmptyList)
                      .Mark()
                      .Str("id")
                      .Str("ls")
                      .Op(Op::kAppends)
                      .Tuple2()
                      .Reduce()
                      .Stop()
                      .bytes();
  Trace t = AnalyzeBytes(b, &sem);
  ASSERT_EQ(t.calls.size(), 3u);
  EXPECT_EQ(t.calls[1].kind, CallKind::kDerived);
  EXPECT_EQ(t.calls[1].resolved, "os.system");
  EXPECT_EQ(t.calls[1].via, "builtins.map");
  EXPECT_EQ(Render(t.calls[1].args[0]), "'id'");
  EXPECT_EQ(Render(t.calls[2].args[0]), "'ls'");
}

TEST(Machine, GroupbyAppliesItsKeyGivenAfterTheItems) {
  SemanticTable sem = TestSemantics();
  std::string b = P().Proto(2)
                      .Global("itertools", "groupby")
                      .Op(Op::kEmptyList)
                      .Mark()
                      .Str("id")
                      .Op(Op::kAppends)
                      .Global("os", "system")
                      .Tuple2()
                      .Reduce()
                      .Stop()
                      .bytes();
  Trace t = AnalyzeBytes(b, &sem);
  const Call* c = LastCall(t);
  EXPECT_EQ(c->resolved, "os.system");
  EXPECT_EQ(c->via, "itertools.groupby");
  ASSERT_EQ(c->args.size(), 1u);
  EXPECT_EQ(Render(c->args[0]), "'id'");
}

// sorted/min with key=: functools.partial carries the keyword (its BUILD state); a REDUCE calls
// the partial with the items.
std::string KeyApplyPickle(const char* name, const std::vector<std::string>& keys,
                           const std::vector<const char*>& key_funcs, bool list_items) {
  P p;
  p.Proto(2).Global("functools", "partial").Global("builtins", name).Tuple1().Reduce().Mark();
  p.Global("builtins", name).Op(Op::kEmptyTuple).Op(Op::kEmptyDict).Mark();
  for (size_t i = 0; i < keys.size(); ++i) {
    p.Str(keys[i]);
    if (key_funcs[i] == nullptr) {
      p.Op(Op::kNone);
    } else {
      p.Global("os", key_funcs[i]);
    }
  }
  p.Op(Op::kSetItems).Op(Op::kNone).Op(Op::kTuple).Op(Op::kBuild);
  if (list_items) {
    p.Op(Op::kEmptyList).Mark().Str("id").Str("ls").Op(Op::kAppends).Tuple1();
  } else {
    p.Str("id").Str("ls").Tuple2();
  }
  return p.Reduce().Stop().bytes();
}

// The derived calls of a trace as "name(arg, …)", leaving out a partial's own invocation.
std::vector<std::string> DerivedCalls(const Trace& t) {
  std::vector<std::string> out;
  for (const auto& c : t.calls) {
    if (c.kind != CallKind::kDerived || c.via == "functools.partial") continue;
    std::string args;
    for (const auto& a : c.args) args += (args.empty() ? "" : ", ") + Render(a);
    out.push_back(c.resolved + "(" + args + ")");
  }
  return out;
}

TEST(Machine, KeyFunctionRunsOnEveryItem) {
  SemanticTable sem = TestSemantics();
  using V = std::vector<std::string>;
  // sorted(['id', 'ls'], key=os.system)
  Trace t = AnalyzeBytes(KeyApplyPickle("sorted", {"key"}, {"system"}, true), &sem);
  EXPECT_EQ(DerivedCalls(t), (V{"os.system('id')", "os.system('ls')"}));
  // min('id', 'ls', key=os.system): several positional arguments are the items themselves.
  t = AnalyzeBytes(KeyApplyPickle("min", {"key"}, {"system"}, false), &sem);
  EXPECT_EQ(DerivedCalls(t), (V{"os.system('id')", "os.system('ls')"}));
  // A repeated keyword: Python keeps the last value.
  t = AnalyzeBytes(KeyApplyPickle("sorted", {"key", "key"}, {"getcwd", "system"}, true), &sem);
  EXPECT_EQ(DerivedCalls(t), (V{"os.system('id')", "os.system('ls')"}));
  // key=None, or another keyword: nothing is called.
  t = AnalyzeBytes(KeyApplyPickle("sorted", {"key"}, {nullptr}, true), &sem);
  EXPECT_EQ(DerivedCalls(t), V{});
  t = AnalyzeBytes(KeyApplyPickle("sorted", {"reverse"}, {"system"}, true), &sem);
  EXPECT_EQ(DerivedCalls(t), V{});
}

TEST(Machine, WrapperCallsItsFunctionWithTheCallersArguments) {
  SemanticTable sem = TestSemantics();
  using V = std::vector<std::string>;
  // functools.lru_cache(os.system)('id')
  std::string b = P().Proto(2)
                      .Global("functools", "lru_cache")
                      .Global("os", "system")
                      .Tuple1()
                      .Reduce()
                      .Str("id")
                      .Tuple1()
                      .Reduce()
                      .Stop()
                      .bytes();
  Trace t = AnalyzeBytes(b, &sem);
  EXPECT_EQ(DerivedCalls(t), V{"os.system('id')"});
  EXPECT_EQ(LastCall(t)->via, "functools.lru_cache");
  // lru_cache(128) is a decorator factory: calling it with a function wraps that function,
  // it does not call it.
  b = P().Proto(2)
          .Global("functools", "lru_cache")
          .Int(128)
          .Tuple1()
          .Reduce()
          .Global("os", "system")
          .Tuple1()
          .Reduce()
          .Stop()
          .bytes();
  t = AnalyzeBytes(b, &sem);
  EXPECT_EQ(DerivedCalls(t), V{});
}

TEST(Machine, BoundCallOfAWrapperIsItsCallNotOfAName) {
  SemanticTable sem = TestSemantics();
  // getattr(functools.lru_cache(os.system), '__call__')('id') runs os.system('id').
  std::string b = P().Proto(2)
                      .Global("builtins", "getattr")
                      .Global("functools", "lru_cache")
                      .Global("os", "system")
                      .Tuple1()
                      .Reduce()
                      .Str("__call__")
                      .Tuple2()
                      .Reduce()
                      .Str("id")
                      .Tuple1()
                      .Reduce()
                      .Stop()
                      .bytes();
  Trace t = AnalyzeBytes(b, &sem);
  EXPECT_EQ(DerivedCalls(t), std::vector<std::string>{"os.system('id')"});
  // getattr(Cls, '__call__') is the instances' method, not the constructor: it keeps its name.
  b = P().Proto(2)
          .Global("builtins", "getattr")
          .Global("torch.nn", "Module")
          .Str("__call__")
          .Tuple2()
          .Reduce()
          .Str("x")
          .Tuple1()
          .Reduce()
          .Stop()
          .bytes();
  t = AnalyzeBytes(b, &sem);
  EXPECT_EQ(LastCall(t)->resolved, "torch.nn.Module.__call__");
}

TEST(Machine, VectorizeCallsItsFunctionOnEachElement) {
  SemanticTable sem = TestSemantics();
  using V = std::vector<std::string>;
  // numpy.vectorize(os.system)(['id', 'ls']), then (… )('pwd'): a scalar is one call.
  auto vectorized = [](P& p) {
    p.Global("numpy", "vectorize").Global("os", "system").Tuple1().Reduce();
  };
  P list;
  list.Proto(2);
  vectorized(list);
  list.Op(Op::kEmptyList).Mark().Str("id").Str("ls").Op(Op::kAppends).Tuple1().Reduce().Stop();
  Trace t = AnalyzeBytes(list.bytes(), &sem);
  EXPECT_EQ(DerivedCalls(t), (V{"os.system('id')", "os.system('ls')"}));
  P scalar;
  scalar.Proto(2);
  vectorized(scalar);
  scalar.Str("pwd").Tuple1().Reduce().Stop();
  t = AnalyzeBytes(scalar.bytes(), &sem);
  EXPECT_EQ(DerivedCalls(t), V{"os.system('pwd')"});
}

TEST(Machine, StarmapUnpacksEachItemAndFilterOfNoneCallsNothing) {
  SemanticTable sem = TestSemantics();
  using V = std::vector<std::string>;
  // itertools.starmap(os.system, [('id',)]) calls os.system('id'), not os.system(('id',)).
  std::string b = P().Proto(2)
                      .Global("itertools", "starmap")
                      .Global("os", "system")
                      .Op(Op::kEmptyList)
                      .Mark()
                      .Str("id")
                      .Tuple1()
                      .Op(Op::kAppends)
                      .Tuple2()
                      .Reduce()
                      .Stop()
                      .bytes();
  EXPECT_EQ(DerivedCalls(AnalyzeBytes(b, &sem)), V{"os.system('id')"});
  // filter(None, items) keeps the true items: no function runs.
  b = P().Proto(2)
          .Global("builtins", "filter")
          .Op(Op::kNone)
          .Op(Op::kEmptyList)
          .Mark()
          .Str("id")
          .Op(Op::kAppends)
          .Tuple2()
          .Reduce()
          .Stop()
          .bytes();
  Trace t = AnalyzeBytes(b, &sem);
  EXPECT_EQ(t.calls.size(), 1u);  // filter itself
}

TEST(Machine, IterWithASentinelCallsItsFunctionWithoutArguments) {
  SemanticTable sem = TestSemantics();
  using V = std::vector<std::string>;
  // iter(os.getcwd, 0): iterating calls os.getcwd() until it returns 0.
  std::string b = P().Proto(2)
                      .Global("builtins", "iter")
                      .Global("os", "getcwd")
                      .Int(0)
                      .Tuple2()
                      .Reduce()
                      .Stop()
                      .bytes();
  EXPECT_EQ(DerivedCalls(AnalyzeBytes(b, &sem)), V{"os.getcwd()"});
  // iter(items) only iterates the items.
  b = P().Proto(2)
          .Global("builtins", "iter")
          .Global("os", "getcwd")
          .Tuple1()
          .Reduce()
          .Stop()
          .bytes();
  EXPECT_EQ(DerivedCalls(AnalyzeBytes(b, &sem)), V{});
}

TEST(Machine, ReduceCallsItsFunctionWithTheAccumulatorAndEachItem) {
  SemanticTable sem = TestSemantics();
  using V = std::vector<std::string>;
  auto reduce = [&](std::vector<std::string> items, const char* initial) {
    P p;
    p.Proto(2).Global("functools", "reduce").Mark().Global("os", "system");
    p.Op(Op::kEmptyList);
    if (!items.empty()) {
      p.Mark();
      for (const auto& i : items) p.Str(i);
      p.Op(Op::kAppends);
    }
    if (initial != nullptr) p.Str(initial);
    p.Op(Op::kTuple).Reduce().Stop();
    return DerivedCalls(AnalyzeBytes(p.bytes(), &sem));
  };
  // One item, no initial: Python returns the item and calls nothing.
  EXPECT_EQ(reduce({"id"}, nullptr), V{});
  EXPECT_EQ(reduce({}, "id"), V{});
  // f(initial, item), then f(result, next item).
  EXPECT_EQ(reduce({"a"}, "id"), V{"os.system('id', 'a')"});
  V two = reduce({"a", "b"}, nullptr);
  ASSERT_EQ(two.size(), 1u);
  EXPECT_EQ(two[0], "os.system('a', 'b')");
  V three = reduce({"a", "b", "c"}, nullptr);
  ASSERT_EQ(three.size(), 2u);
  EXPECT_EQ(three[1].rfind("os.system(", 0), 0u);
  EXPECT_NE(three[1].find(", 'c')"), std::string::npos);  // the first call's result, then 'c'
}

TEST(Machine, ItemsPastTheDerivedCallLimitMakeTheTraceIncomplete) {
  // map(os.system, items) and numpy.vectorize(os.system)(items) past the per-opcode limit: the
  // calls not followed are said, never dropped silently.
  SemanticTable sem = TestSemantics();
  auto items = [](P& p) {
    p.Op(Op::kEmptyList).Mark();
    for (size_t i = 0; i <= limits::kMaxDerivedCallsPerOp; ++i) p.Str("x");
    p.Op(Op::kAppends);
  };
  P map;
  map.Proto(2).Global("builtins", "map").Global("os", "system");
  items(map);
  map.Tuple2().Reduce().Stop();
  P vec;
  vec.Proto(2).Global("numpy", "vectorize").Global("os", "system").Tuple1().Reduce();
  items(vec);
  vec.Tuple1().Reduce().Stop();
  for (P* p : {&map, &vec}) {
    Trace t = AnalyzeBytes(p->bytes(), &sem);
    EXPECT_EQ(DerivedCalls(t).size(), limits::kMaxDerivedCallsPerOp);
    EXPECT_TRUE(HasAnomaly(t, "limit.derived-calls"));
    EXPECT_FALSE(t.complete);
  }
}

TEST(Machine, AtexitRegisterIsADerivedCall) {
  SemanticTable sem = TestSemantics();
  std::string b = P().Proto(2)
                      .Global("atexit", "register")
                      .Global("os", "system")
                      .Str("id")
                      .Tuple2()
                      .Reduce()
                      .Stop()
                      .bytes();
  Trace t = AnalyzeBytes(b, &sem);
  const Call* c = FindResolved(t, "os.system");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->kind, CallKind::kDerived);
  EXPECT_EQ(c->via, "atexit.register");
  EXPECT_EQ(Render(c->args[0]), "'id'");
}

TEST(Machine, NestedBase64PickleBecomesPayload) {
  SemanticTable sem = TestSemantics();
  std::string inner = P().Proto(2).Call1("os", "system", "id").Stop().bytes();
  std::string b = P().Proto(2)
                      .Global("pickle", "loads")
                      .Call1("base64", "b64decode", B64(inner))
                      .Tuple1()
                      .Reduce()
                      .Stop()
                      .bytes();
  Trace t = AnalyzeBytes(b, &sem);
  ASSERT_EQ(t.nested.size(), 1u);
  EXPECT_EQ(std::string(t.nested[0].data.begin(), t.nested[0].data.end()), inner);
  EXPECT_EQ(t.nested[0].via, "pickle.loads");
}

TEST(Machine, NestedZlibAndCodecsEncodePayloads) {
  SemanticTable sem = TestSemantics();
  std::string inner = P().Proto(2).Call1("os", "system", "id").Stop().bytes();
  std::string z(compressBound(inner.size()), '\0');
  uLongf zl = z.size();
  ASSERT_EQ(compress(reinterpret_cast<Bytef*>(z.data()), &zl,
                     reinterpret_cast<const Bytef*>(inner.data()), inner.size()),
            Z_OK);
  z.resize(zl);
  // Protocol 2 writes bytes as _codecs.encode('<latin-1 text>', 'latin1').
  std::string latin;
  for (unsigned char c : z) {
    if (c < 0x80) {
      latin.push_back(static_cast<char>(c));
    } else {
      latin.push_back(static_cast<char>(0xC0 | (c >> 6)));
      latin.push_back(static_cast<char>(0x80 | (c & 0x3F)));
    }
  }
  std::string b = P().Proto(2)
                      .Global("pickle", "loads")
                      .Global("zlib", "decompress")
                      .Global("_codecs", "encode")
                      .BinUnicode(latin)
                      .Str("latin1")
                      .Tuple2()
                      .Reduce()
                      .Tuple1()
                      .Reduce()
                      .Tuple1()
                      .Reduce()
                      .Stop()
                      .bytes();
  Trace t = AnalyzeBytes(b, &sem);
  ASSERT_EQ(t.nested.size(), 1u) << (t.anomalies.empty() ? "" : t.anomalies[0].message);
  EXPECT_EQ(std::string(t.nested[0].data.begin(), t.nested[0].data.end()), inner);
}

TEST(Machine, DeserializeOfUnknownDataIsIncomplete) {
  SemanticTable sem = TestSemantics();
  std::string b = P().Proto(2)
                      .Global("pickle", "loads")
                      .Global("some", "thing")
                      .Op(Op::kEmptyTuple)
                      .Reduce()
                      .Tuple1()
                      .Reduce()
                      .Stop()
                      .bytes();
  Trace t = AnalyzeBytes(b, &sem);
  EXPECT_TRUE(HasAnomaly(t, "pickle.nested-unresolved"));
  EXPECT_FALSE(t.complete);
}

TEST(Machine, ExtensionRegistryFromStream) {
  // copyreg.add_extension('os', 'system', 0xF0) then EXT1 0xF0.
  std::string b = P().Proto(2)
                      .Global("copyreg", "add_extension")
                      .Str("os")
                      .Str("system")
                      .Int(0xF0)
                      .Op(Op::kTuple3)
                      .Reduce()
                      .Op(Op::kPop)
                      .Op(Op::kExt1)
                      .U8(0xF0)
                      .Str("id")
                      .Tuple1()
                      .Reduce()
                      .Stop()
                      .bytes();
  Trace t = AnalyzeBytes(b);
  ASSERT_TRUE(t.complete);
  ASSERT_EQ(t.imports.size(), 2u);
  EXPECT_EQ(t.imports[1].resolved, "os.system");
  EXPECT_EQ(t.imports[1].opcode, "EXT1");
  EXPECT_EQ(LastCall(t)->resolved, "os.system");
  EXPECT_EQ(LastCall(t)->via, "ext 0xf0");
}

TEST(Machine, RepeatedExtensionCodeImportsOnce) {
  // Found by random_diff_test: the C unpickler caches EXT results (copyreg._extension_cache),
  // so the second EXT1 0xF0 calls no find_class; both calls still resolve to os.system.
  std::string b = P().Proto(2)
                      .Global("copyreg", "add_extension")
                      .Str("os")
                      .Str("system")
                      .Int(0xF0)
                      .Op(Op::kTuple3)
                      .Reduce()
                      .Op(Op::kPop)
                      .Op(Op::kExt1)
                      .U8(0xF0)
                      .Str("id")
                      .Tuple1()
                      .Reduce()
                      .Op(Op::kPop)
                      .Op(Op::kExt1)
                      .U8(0xF0)
                      .Str("ls")
                      .Tuple1()
                      .Reduce()
                      .Stop()
                      .bytes();
  Trace t = AnalyzeBytes(b);
  ASSERT_TRUE(t.complete);
  ASSERT_EQ(t.imports.size(), 2u);
  EXPECT_EQ(t.imports[1].resolved, "os.system");
  ASSERT_EQ(t.calls.size(), 3u);
  EXPECT_EQ(t.calls[1].resolved, "os.system");
  EXPECT_EQ(t.calls[2].resolved, "os.system");
  EXPECT_EQ(t.calls[2].via, "ext 0xf0");
}

TEST(Machine, UnregisteredExtensionIsAnomaly) {
  Trace t = AnalyzeBytes(
      P().Proto(2).Op(Op::kExt2).Le(0x1d, 2).Op(Op::kEmptyTuple).Reduce().Stop().bytes());
  EXPECT_TRUE(HasAnomaly(t, "pickle.ext-unregistered"));
  ASSERT_EQ(t.imports.size(), 1u);
  EXPECT_EQ(t.imports[0].resolved, "ext:29");
  EXPECT_EQ(LastCall(t)->resolved, "ext:29");
  EXPECT_FALSE(t.complete);
}

TEST(Machine, GetattrOnObjectGivesBoundMethodName) {
  SemanticTable sem = TestSemantics();
  std::string b = P().Proto(2)
                      .Global("builtins", "getattr")
                      .Global("ultralytics.nn.modules.head", "Detect")
                      .Op(Op::kEmptyTuple)
                      .Op(Op::kNewObj)
                      .Str("forward")
                      .Tuple2()
                      .Reduce()
                      .Stop()
                      .bytes();
  Trace t = AnalyzeBytes(b, &sem);
  ASSERT_EQ(t.calls.size(), 2u);
  EXPECT_EQ(t.calls[0].kind, CallKind::kNewObj);
  const ValuePtr& r = t.calls[1].result;
  ASSERT_TRUE(r);
  EXPECT_EQ(r->kind, ValueKind::kGlobal);
  EXPECT_EQ(r->type_name, "ultralytics.nn.modules.head.Detect.forward");
}

TEST(Machine, SetstateInstalledByBuildIsCalledByNextBuild) {
  std::string b = P().Proto(2)
                      .Global("copyreg", "_reconstructor")
                      .Global("builtins", "object")
                      .Op(Op::kNone)
                      .Tuple2()
                      .Reduce()
                      .Op(Op::kEmptyDict)
                      .Str("__setstate__")
                      .Global("os", "system")
                      .Op(Op::kSetItem)
                      .Op(Op::kBuild)
                      .Str("id")
                      .Op(Op::kBuild)
                      .Stop()
                      .bytes();
  Trace t = AnalyzeBytes(b);
  const Call* c = FindResolved(t, "os.system");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->kind, CallKind::kDerived);
  EXPECT_EQ(Render(c->args[0]), "'id'");
}

TEST(Machine, InstObjNewObjExAndPersistentLoad) {
  std::string b = P().Mark()
                      .Str("a")
                      .Op(Op::kInst)
                      .Raw("mod\nKlass\n")
                      .Op(Op::kPop)
                      .Mark()
                      .Global("m2", "C")
                      .Int(1)
                      .Op(Op::kObj)
                      .Op(Op::kPop)
                      .Global("m3", "D")
                      .Op(Op::kEmptyTuple)
                      .Op(Op::kEmptyDict)
                      .Op(Op::kNewObjEx)
                      .Op(Op::kPop)
                      .Op(Op::kPersId)
                      .Raw("pid1\n")
                      .Stop()
                      .bytes();
  Trace t = AnalyzeBytes(b);
  ASSERT_TRUE(t.complete) << t.anomalies[0].message;
  ASSERT_EQ(t.calls.size(), 4u);
  EXPECT_EQ(t.calls[0].opcode, "INST");
  EXPECT_EQ(t.calls[0].resolved, "mod.Klass");
  EXPECT_EQ(Render(t.calls[0].args[0]), "'a'");
  EXPECT_EQ(t.calls[1].opcode, "OBJ");
  EXPECT_EQ(t.calls[1].resolved, "m2.C");
  EXPECT_EQ(Render(t.calls[1].args[0]), "1");
  EXPECT_EQ(t.calls[2].opcode, "NEWOBJ_EX");
  EXPECT_EQ(t.calls[2].kind, CallKind::kNewObj);
  EXPECT_EQ(t.calls[3].kind, CallKind::kPersistentLoad);
  EXPECT_EQ(Render(t.calls[3].args[0]), "'pid1'");
}

TEST(Machine, ContainerOpsAndAppendOnObjects) {
  std::string b = P().Proto(4)
                      .Op(Op::kEmptyList)
                      .Int(1)
                      .Op(Op::kAppend)
                      .Mark()
                      .Int(2)
                      .Int(3)
                      .Op(Op::kAppends)
                      .Op(Op::kEmptyDict)
                      .Str("k")
                      .Int(4)
                      .Op(Op::kSetItem)
                      .Op(Op::kEmptySet)
                      .Mark()
                      .Int(5)
                      .Op(Op::kAddItems)
                      .Mark()
                      .Int(6)
                      .Op(Op::kFrozenSet)
                      .Op(Op::kTuple3)
                      .Tuple2()
                      .Global("collections", "OrderedDict")
                      .Op(Op::kEmptyTuple)
                      .Reduce()
                      .Str("a")
                      .Int(7)
                      .Op(Op::kSetItem)
                      .Tuple2()
                      .Stop()
                      .bytes();
  Trace t = AnalyzeBytes(b);
  ASSERT_TRUE(t.complete) << t.anomalies[0].message;
  ASSERT_EQ(t.calls.size(), 2u);
  EXPECT_EQ(t.calls[1].kind, CallKind::kSetItem);
  EXPECT_EQ(t.calls[1].resolved, "collections.OrderedDict.__setitem__");
  EXPECT_EQ(Render(t.calls[1].result), "<collections.OrderedDict.__setitem__ object>");
}

TEST(Machine, PopMarkDupAndMarkPop) {
  // POP with a mark on top pops the mark (the C unpickler's rule), DUP copies the 1 below it
  // and POP_MARK drops the 9 with its mark: m.f gets ((1, 1),) — as CPython's loads does.
  std::string b = P().Proto(2)
                      .Global("m", "f")
                      .Int(1)
                      .Mark()
                      .Op(Op::kPop)
                      .Op(Op::kDup)
                      .Op(Op::kTuple2)
                      .Mark()
                      .Int(9)
                      .Op(Op::kPopMark)
                      .Tuple1()
                      .Reduce()
                      .Stop()
                      .bytes();
  Trace t = AnalyzeBytes(b);
  EXPECT_TRUE(t.complete) << (t.anomalies.empty() ? "" : t.anomalies[0].message);
  EXPECT_TRUE(t.anomalies.empty());
  ASSERT_EQ(t.calls.size(), 1u);
  EXPECT_EQ(t.calls[0].resolved, "m.f");
  ASSERT_EQ(t.calls[0].args.size(), 1u);
  EXPECT_EQ(Render(t.calls[0].args[0]), "(1, 1)");
}

TEST(Machine, StackUnderflowAndMissingMemoAreIncomplete) {
  Trace t = AnalyzeBytes(P().Op(Op::kPop).Stop().bytes());
  EXPECT_TRUE(HasAnomaly(t, "pickle.stack-underflow"));
  EXPECT_FALSE(t.complete);
  Trace t2 = AnalyzeBytes(P().Get(3).Stop().bytes());
  EXPECT_TRUE(HasAnomaly(t2, "pickle.memo-missing"));
  // Popping below a mark is an underflow even when the stack is not empty.
  Trace t3 = AnalyzeBytes(P().Int(1).Mark().Op(Op::kTuple1).Stop().bytes());
  EXPECT_TRUE(HasAnomaly(t3, "pickle.stack-underflow"));
}

TEST(Machine, TruncatedStreamKeepsEarlierCalls) {
  std::string full = P().Proto(2).Call1("os", "system", "id").Str("more").Stop().bytes();
  std::string cut = full.substr(0, full.size() - 3);
  Trace t = AnalyzeBytes(cut);
  EXPECT_FALSE(t.complete);
  ASSERT_EQ(t.calls.size(), 1u);
  EXPECT_EQ(t.calls[0].resolved, "os.system");
  ASSERT_FALSE(t.anomalies.empty());
  EXPECT_EQ(t.anomalies.back().code, "pickle.truncated");
  EXPECT_TRUE(t.anomalies.back().incomplete);
}

TEST(Machine, MalformedOpcodeIsAnomaly) {
  Trace t = AnalyzeBytes(P().Proto(2).Int(1).Raw("\xff").Stop().bytes());
  EXPECT_TRUE(HasAnomaly(t, "pickle.malformed"));
  EXPECT_EQ(t.anomalies[0].offset, 4u);
}

TEST(Machine, MultiplePicklesAndDataAfterStop) {
  std::string one = P().Proto(2).Call1("os", "getcwd", "x").Stop().bytes();
  std::string two = P().Proto(2).Call1("os", "system", "id").Stop().bytes();
  Trace t = AnalyzeBytes(one + two);
  EXPECT_TRUE(t.complete);
  EXPECT_EQ(t.pickles, 2);
  ASSERT_EQ(t.calls.size(), 2u);
  EXPECT_EQ(t.calls[1].pickle_index, 1);
  EXPECT_EQ(t.calls[1].offset, one.size() + two.size() - 2);

  Trace junk = AnalyzeBytes(one + "this is plain text, not a pickle\n");
  EXPECT_TRUE(HasAnomaly(junk, "pickle.data-after-stop"));
  EXPECT_EQ(junk.pickles, 1);
  Options o;
  o.trailing_data_expected = true;
  Trace ok = AnalyzeBytes(one + "this is plain text, not a pickle\n", nullptr, o);
  EXPECT_FALSE(HasAnomaly(ok, "pickle.data-after-stop"));
}

TEST(Machine, LimitsAreAnomalies) {
  Options o;
  o.max_steps = 5;
  std::string b = P().Mark().Int(1).Int(2).Int(3).Int(4).Int(5).Int(6).Op(Op::kList).Stop().bytes();
  Trace t = AnalyzeBytes(b, nullptr, o);
  EXPECT_TRUE(HasAnomaly(t, "limit.steps"));
  EXPECT_FALSE(t.complete);

  Options p;
  p.max_pickles = 2;
  std::string one = P().Proto(2).Int(1).Stop().bytes();
  Trace tp = AnalyzeBytes(one + one + one, nullptr, p);
  EXPECT_TRUE(HasAnomaly(tp, "limit.pickles"));
}

TEST(Machine, FrameStraddleIsAnomalyButFollowed) {
  // FRAME of 3 bytes, but the frame holds K 1 + half of the next op.
  std::string b = P().Proto(4).Op(Op::kFrame).Le(3, 8).Int(1).Str("ab").Tuple2().Stop().bytes();
  Trace t = AnalyzeBytes(b);
  EXPECT_TRUE(HasAnomaly(t, "pickle.frame-straddle"));
  EXPECT_TRUE(t.complete);
}

// Counts the bytes a reader asked for, so a test can tell a skip from a read.
class CountingSource : public Source {
 public:
  explicit CountingSource(std::string bytes) : inner_(MakeMemorySource(std::move(bytes))) {}
  uint64_t size() const override { return inner_->size(); }
  Result<ByteSpan> Read(uint64_t off, size_t len) override {
    auto r = inner_->Read(off, len);
    if (r.ok()) delivered_ += r->size();
    return r;
  }
  uint64_t bytes_read() const override { return delivered_; }

 private:
  SourcePtr inner_;
  uint64_t delivered_ = 0;
};

TEST(Machine, HugeBytesSkippedByLength) {
  // m.f(b'xxx…') with 16 MiB of bytes: the engine keeps a kMaxKeptString prefix, records where
  // the whole value lies, and steps over the rest by its length without reading it.
  const uint64_t n = 16ull << 20;
  std::string head = P().Proto(4).Global("m", "f").Op(Op::kBinBytes8).Le(n, 8).bytes();
  std::string b = head + std::string(n, 'x') + P().Tuple1().Reduce().Stop().bytes();
  CountingSource src(b);
  Trace t = Analyze(src, 0, src.size(), Options{});
  EXPECT_TRUE(t.complete);
  EXPECT_EQ(t.end_offset, b.size());
  ASSERT_EQ(t.imports.size(), 1u);
  ASSERT_EQ(t.calls.size(), 1u);
  ASSERT_EQ(t.calls[0].args.size(), 1u);
  const ValuePtr& v = t.calls[0].args[0];
  EXPECT_EQ(v->kind, ValueKind::kBytes);
  EXPECT_TRUE(v->truncated);
  EXPECT_EQ(v->length, n);
  EXPECT_EQ(v->data_offset, head.size());
  EXPECT_LE(v->text.size(), limits::kMaxKeptString);
  EXPECT_EQ(v->text, std::string(v->text.size(), 'x'));
  EXPECT_LT(src.bytes_read(), 2 * limits::kMaxKeptString + 4096) << "of " << b.size();
}

TEST(Machine, CycleThroughAPersistentIdIsBroken) {
  // d = {}; d[persistent_load(d)] = 1 — the key refers back to the dict through the persistent
  // id, not through a container. Found by the fresh-seed differential run under LeakSanitizer:
  // the cycle kept the whole graph alive after the trace was gone. Everything the trace holds
  // must be freed with it.
  std::string b = P().Proto(2)
                      .Op(Op::kEmptyDict)
                      .Put(0)
                      .Get(0)
                      .Op(Op::kBinPersId)
                      .Int(1)
                      .Op(Op::kSetItem)
                      .Stop()
                      .bytes();
  std::weak_ptr<Value> dict, pid;
  {
    Trace t = AnalyzeBytes(b);
    EXPECT_TRUE(t.complete);
    ASSERT_EQ(t.calls.size(), 1u);
    ASSERT_EQ(t.calls[0].kind, CallKind::kPersistentLoad);
    ASSERT_EQ(t.calls[0].args.size(), 1u);
    dict = t.calls[0].args[0];
    pid = t.calls[0].result;
    ASSERT_FALSE(dict.expired());
    EXPECT_EQ(dict.lock()->kind, ValueKind::kDict);
  }
  EXPECT_TRUE(dict.expired()) << "the dict outlived its trace (a reference cycle)";
  EXPECT_TRUE(pid.expired());
}

TEST(Machine, SelfReferentialListRendersBounded) {
  // f(l) where l = []; l.append(l)
  std::string b = P().Proto(2)
                      .Global("m", "f")
                      .Op(Op::kEmptyList)
                      .Put(0)
                      .Get(0)
                      .Op(Op::kAppend)
                      .Tuple1()
                      .Reduce()
                      .Stop()
                      .bytes();
  Trace t = AnalyzeBytes(b);
  ASSERT_TRUE(t.complete);
  ASSERT_EQ(t.calls.size(), 1u);
  EXPECT_EQ(Render(t.calls[0].args[0]), "[[…]]");
}

TEST(Machine, JoblibInlineArraysAreSkipped) {
  for (const char* name : {"joblib-float-array", "joblib-object-array", "joblib-mixed"}) {
    std::ifstream in(std::string(MV_FIXTURES) + "/pickle/joblib/" + name + ".joblib",
                     std::ios::binary);
    std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ASSERT_FALSE(data.empty()) << name;
    Trace t = AnalyzeBytes(data);
    EXPECT_TRUE(t.complete) << name << ": " << (t.anomalies.empty() ? "" : t.anomalies[0].message);
    EXPECT_EQ(t.pickles, 1) << name;
    EXPECT_EQ(t.end_offset, data.size()) << name;
    bool wrapper = false;
    for (const auto& c : t.calls) wrapper |= c.resolved == "joblib.numpy_pickle.NumpyArrayWrapper";
    EXPECT_TRUE(wrapper) << name;
  }
}

TEST(Render, PythonLikeRepr) {
  auto v = std::make_shared<Value>();
  v->kind = ValueKind::kTuple;
  auto s = std::make_shared<Value>();
  s->kind = ValueKind::kStr;
  s->text = "it's";
  auto b = std::make_shared<Value>();
  b->kind = ValueKind::kBytes;
  b->text = std::string("a\x00\xff", 3);
  v->items = {s, b};
  EXPECT_EQ(Render(v), "(\"it's\", b'a\\x00\\xff')");
  auto one = std::make_shared<Value>();
  one->kind = ValueKind::kTuple;
  one->items = {s};
  EXPECT_EQ(Render(one), "(\"it's\",)");
  auto d = std::make_shared<Value>();
  d->kind = ValueKind::kDict;
  d->items = {s, one};
  EXPECT_EQ(Render(d), "{\"it's\": (\"it's\",)}");
  auto lst = std::make_shared<Value>();
  lst->kind = ValueKind::kList;
  for (int i = 0; i < 20; ++i) lst->items.push_back(s);
  std::string r = Render(lst);
  EXPECT_NE(r.find(", …]"), std::string::npos) << r;
  EXPECT_EQ(Render(lst, 20).substr(0, 10), "[\"it's\", \"");
  EXPECT_LE(Render(lst, 20).size(), 20u + 3);
}

}  // namespace
}  // namespace mv::pickle

namespace mv::pickle {
namespace {

using testing::AnalyzeBytes;
using testing::P;

bool Has(const Trace& t, const std::string& code) {
  for (const auto& a : t.anomalies) {
    if (a.code == code) return true;
  }
  return false;
}

TEST(Machine, StrJoinAndConcatAssembleNames) {
  SemanticTable sem = testing::TestSemantics();
  sem.entries["builtins.str.join"] = {Semantic::kStrJoin, 0, 0, ""};
  sem.entries["operator.add"] = {Semantic::kConcat, 0, 0, ""};
  // getattr(__import__("".join(["o","s"])), "sys" + "tem")("id")
  std::string b = P().Proto(2)
                      .Global("builtins", "getattr")
                      .Mark()
                      .Global("builtins", "__import__")
                      .Global("builtins", "str.join")
                      .Str("")
                      .Mark()
                      .Str("o")
                      .Str("s")
                      .Op(Op::kList)
                      .Tuple2()
                      .Reduce()
                      .Tuple1()
                      .Reduce()
                      .Global("operator", "add")
                      .Str("sys")
                      .Str("tem")
                      .Tuple2()
                      .Reduce()
                      .Op(Op::kTuple)
                      .Reduce()
                      .Str("id")
                      .Tuple1()
                      .Reduce()
                      .Stop()
                      .bytes();
  Trace t = AnalyzeBytes(b, &sem);
  ASSERT_FALSE(t.calls.empty());
  EXPECT_EQ(t.calls.back().resolved, "os.system");
  EXPECT_EQ(Render(t.calls.back().args[0]), "'id'");
}

TEST(Machine, CodecsDecodeNamesItsCodec) {
  SemanticTable sem = testing::TestSemantics();
  sem.entries["codecs.decode"] = {Semantic::kDecode, 0, 0, "by-arg"};
  std::string inner = P().Proto(2).Call1("os", "system", "id").Stop().bytes();
  std::string hex;
  for (unsigned char c : inner) {
    static const char* d = "0123456789abcdef";
    hex += d[c >> 4];
    hex += d[c & 15];
  }
  std::string b = P().Proto(2)
                      .Global("pickle", "loads")
                      .Global("codecs", "decode")
                      .Str(hex)
                      .Str("hex_codec")
                      .Tuple2()
                      .Reduce()
                      .Tuple1()
                      .Reduce()
                      .Stop()
                      .bytes();
  Trace t = AnalyzeBytes(b, &sem);
  ASSERT_EQ(t.nested.size(), 1u);
  EXPECT_EQ(std::string(t.nested[0].data.begin(), t.nested[0].data.end()), inner);
}

TEST(Machine, PickleHiddenBehindJunkIsFound) {
  std::string one = P().Proto(2).Int(1).Stop().bytes();
  std::string two = P().Proto(2).Call1("os", "system", "id").Stop().bytes();
  std::string junk = std::string("\x00\xffjunk", 6) + std::string(100, '\x01');
  Trace t = AnalyzeBytes(one + junk + two);
  EXPECT_TRUE(Has(t, "pickle.data-after-stop"));
  EXPECT_TRUE(Has(t, "pickle.hidden-after-junk"));
  ASSERT_EQ(t.calls.size(), 1u);
  EXPECT_EQ(t.calls[0].resolved, "os.system");
  EXPECT_EQ(t.calls[0].pickle_index, 1);
  // Trailing bytes that hold no pickle: anomaly only.
  Trace plain = AnalyzeBytes(one + junk);
  EXPECT_FALSE(Has(plain, "pickle.hidden-after-junk"));
  EXPECT_TRUE(plain.calls.empty());
}

TEST(Machine, OpcodesSwallowedByFrameStraddleAreAnalysedSeparately) {
  // OB-13 shape: FRAME(2) holds 'B' and one length byte; the bytes literal swallows a call.
  std::string hidden = P().Global("os", "system").Str("id").Tuple1().Reduce().bytes();
  std::string b = P().Proto(5).Op(Op::kFrame).Le(2, 8).bytes();
  b += std::string("B\x07\x01\x00\x00", 5) + std::string("\x00\x00", 2) + hidden;
  b += std::string(0x107 - 2 - hidden.size(), 'N') + "0.";
  Trace t = AnalyzeBytes(b);
  EXPECT_TRUE(Has(t, "pickle.frame-straddle"));
  EXPECT_TRUE(Has(t, "pickle.frame-divergence"));
  ASSERT_EQ(t.nested.size(), 1u);
  EXPECT_EQ(t.nested[0].via, "frame-straddle");
  EXPECT_EQ(std::string(t.nested[0].data.begin(), t.nested[0].data.begin() + 10),
            hidden.substr(0, 10));
}

TEST(Sniff, PositiveEvidenceOnly) {
  auto looks = [](const std::string& s) {
    SourcePtr src = MakeMemorySource(s);
    return LooksLikePickle(*src, 0);
  };
  // Payload then garbage (nullifAI): the import is evidence enough.
  EXPECT_TRUE(looks(P().Proto(2).Call1("os", "system", "id").bytes() + "\x00garbage"));
  // STACK_GLOBAL of memoised strings without PROTO (OB-03/OB-05).
  EXPECT_TRUE(looks(P().Str("os")
                        .Put(0)
                        .Op(Op::kPop)
                        .Str("system")
                        .Put(1)
                        .Op(Op::kPop)
                        .Get(0)
                        .Get(1)
                        .Op(Op::kStackGlobal)
                        .Str("id")
                        .Tuple1()
                        .Reduce()
                        .Stop()
                        .bytes()));
  // A tensor that happens to start like a long string: no evidence.
  std::string tensor = std::string("X\x10\x00\x00\x00", 5) + std::string(16, '\x3f') +
                       std::string("\x00\x80\x3f\x00\x00\x80", 6);
  EXPECT_FALSE(looks(tensor));
  EXPECT_FALSE(looks("{\"a\": 1}\n"));
}

}  // namespace
}  // namespace mv::pickle
