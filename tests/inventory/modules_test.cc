// Names imported from other files of the tree (modules.h): constants modules, packages,
// re-exports, star imports, clients made elsewhere, JavaScript relative and aliased imports;
// libraries, functions, cycles and paths outside the tree stay unresolved.
#include "inventory/modules.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "detect_testutil.h"
#include "inventory/js_reader.h"

namespace mv::inventory {
namespace {

namespace fs = std::filesystem;
using testing::Describe;
using V = std::vector<std::string>;

class Modules : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("mv-modules-" + std::to_string(::getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override { fs::remove_all(root_); }

  void Write(const std::string& rel, const std::string& text) {
    fs::create_directories((root_ / rel).parent_path());
    std::ofstream(root_ / rel, std::ios::binary) << text;
  }

  // The findings of `rel` with the tree's modules followed.
  V Run(const std::string& rel) {
    std::unordered_set<std::string> paths;
    for (const auto& e : fs::recursive_directory_iterator(root_))
      paths.insert(fs::relative(e.path(), root_).generic_string());
    const Rules& rules = Rules::Embedded();
    ModuleIndex index(root_, paths, rules);
    std::ifstream in(root_ / rel, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    FileKind kind = rules.KindOf(fs::path(rel).filename().string(), "");
    Program p = kind == FileKind::kJavaScript ? ReadJs(text) : ReadPython(text);
    FileFindings f;
    DetectCalls(p, rules, LocalCheck(), f, index.HookFor(rel, kind));
    return Describe(f);
  }

  fs::path root_;
};

TEST_F(Modules, PythonRelativeAndPackageImports) {
  Write("app/config.py", "import os\nMODEL_ID = 'org/relative'\nOTHER = 'org/other'\n");
  Write("app/main.py",
        "from transformers import AutoModel\n"
        "from .config import MODEL_ID\n"
        "from . import config\n"
        "AutoModel.from_pretrained(MODEL_ID)\n"
        "AutoModel.from_pretrained(config.OTHER)\n");
  EXPECT_EQ(Run("app/main.py"), (V{"huggingface org/relative L4", "huggingface org/other L5"}));
}

TEST_F(Modules, PythonAbsoluteFromRootSrcLayoutAndScriptDir) {
  Write("src/svc/consts.py", "BASE = 'org/from-package'\n");
  Write("src/svc/jobs/run.py",
        "from transformers import AutoModel\nfrom svc.consts import BASE\n"
        "import settings\n"
        "AutoModel.from_pretrained(BASE)\nAutoModel.from_pretrained(settings.NAME)\n");
  Write("src/svc/jobs/settings.py", "NAME = 'org/beside-script'\n");
  EXPECT_EQ(Run("src/svc/jobs/run.py"),
            (V{"huggingface org/from-package L4", "huggingface org/beside-script L5"}));
}

TEST_F(Modules, ReExportsStarImportsAndEnvironmentDefaults) {
  Write("pkg/__init__.py", "from .defaults import BASE\n");
  Write("pkg/defaults.py",
        "import os\nBASE = 'org/re-exported'\nTUNED = os.getenv('TUNED', 'org/env-default')\n");
  Write("use.py",
        "from transformers import AutoModel\nfrom pkg import BASE\nfrom pkg.defaults import *\n"
        "AutoModel.from_pretrained(BASE)\nAutoModel.from_pretrained(TUNED)\n");
  EXPECT_EQ(Run("use.py"),
            (V{"huggingface org/re-exported L4", "huggingface org/env-default L5", "dynamic L5"}));
}

TEST_F(Modules, ClientMadeInAnotherFileKeepsItsSdk) {
  Write("llm/clients.py", "from openai import OpenAI\nclient = OpenAI()\n");
  Write("llm/chat.py",
        "from .clients import client\n"
        "client.chat.completions.create(model='gpt-4o', messages=[])\n");
  EXPECT_EQ(Run("llm/chat.py"), (V{"openai gpt-4o (service) L2"}));
}

TEST_F(Modules, FunctionsLibrariesCyclesAndOutsideTheTreeStayUnresolved) {
  Write("a.py", "from b import X\nY = X\n");
  Write("b.py", "from a import Y as X\n");
  Write("helpers.py", "def pick():\n    return 'org/never'\n");
  Write("transformers.py", "AutoModel = None\n");  // a shadowing file is not the library
  Write("pkg/deep.py",
        "from transformers import AutoModel\nfrom a import Y\nfrom helpers import pick\n"
        "from .... import OUTSIDE\n"
        "AutoModel.from_pretrained(Y)\nAutoModel.from_pretrained(pick)\n"
        "AutoModel.from_pretrained(OUTSIDE)\n");
  EXPECT_EQ(Run("pkg/deep.py"), (V{"dynamic L5", "dynamic L6", "dynamic L7"}));
}

TEST_F(Modules, JavaScriptRelativeAliasedAndRequiredModules) {
  Write("src/lib/constants.ts",
        "export const EMBED = 'Xenova/all-MiniLM-L6-v2';\nexport const CHAT = 'gpt-4o-mini';\n");
  Write("src/config/index.js",
        "module.exports = { x: 1 };\nconst NER = 'Xenova/bert-base-NER';\n"
        "exports.NER = NER;\n");
  Write("src/app/page.tsx",
        "import { pipeline } from '@huggingface/transformers';\n"
        "import OpenAI from 'openai';\n"
        "import { EMBED } from '../lib/constants';\n"
        "import * as C from '@/lib/constants.js';\n"
        "const cfg = require('../config');\n"
        "await pipeline('feature-extraction', EMBED);\n"
        "await new OpenAI().chat.completions.create({ model: C.CHAT, messages: [] });\n"
        "await pipeline('ner', cfg.NER);\n");
  EXPECT_EQ(Run("src/app/page.tsx"),
            (V{"huggingface Xenova/all-MiniLM-L6-v2 L6", "openai gpt-4o-mini (service) L7",
               "huggingface Xenova/bert-base-NER L8"}));
}

TEST_F(Modules, WithoutTheIndexImportedNamesAreDynamic) {
  Write("app/config.py", "MODEL_ID = 'org/relative'\n");
  std::string src =
      "from transformers import AutoModel\nfrom .config import MODEL_ID\n"
      "AutoModel.from_pretrained(MODEL_ID)\n";
  EXPECT_EQ(testing::Py(src), (V{"dynamic L3"}));
}

}  // namespace
}  // namespace mv::inventory
