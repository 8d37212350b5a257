// `modelvet inventory` of a generated 10,000-file application tree: Python modules,
// JavaScript/TypeScript, YAML configs, Dockerfiles, docs and data files, and a few committed
// model files. As in real applications, one module in ten loads models (the others are
// ordinary code that still imports libraries and calls functions); BM_InventoryDense makes
// every module load one. Reports files/s and bytes read; after timing it checks that every
// reference the generator planted was found (a fast wrong answer fails).
#include <benchmark/benchmark.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "inventory/inventory.h"
#include "synth.h"
#include "verify.h"

namespace {

namespace fs = std::filesystem;

constexpr int kFiles = 10000;

struct Tree {
  fs::path root;
  std::set<std::string> ids;  // distinct model ids planted
  size_t dynamic = 0;         // dynamic references planted
  size_t artifacts = 0;
  uint64_t bytes = 0;
};

void Write(const fs::path& p, const std::string& text, Tree& t) {
  fs::create_directories(p.parent_path());
  std::ofstream(p, std::ios::binary) << text;
  t.bytes += text.size();
}

std::string PlainPythonModule(int i) {
  std::string s =
      "\"\"\"Billing helpers " + std::to_string(i) +
      ".\"\"\"\n"
      "import json\nimport logging\nfrom dataclasses import dataclass\n\n"
      "import numpy as np\nimport requests\n\n"
      "log = logging.getLogger(__name__)\nAPI = \"https://billing.example.com/v1\"\n\n\n"
      "@dataclass\nclass Invoice:\n    number: str\n    amount: float = 0.0\n\n"
      "    def total(self, rate: float) -> float:\n"
      "        return round(self.amount * (1 + rate), 2)\n\n\n"
      "def fetch(number: str) -> Invoice:\n"
      "    r = requests.get(f\"{API}/invoices/{number}\", timeout=10)\n"
      "    r.raise_for_status()\n"
      "    data = json.loads(r.text)\n"
      "    return Invoice(number=data[\"number\"], amount=float(data.get(\"amount\", 0)))\n\n\n";
  for (int k = 0; k < 12; ++k)
    s += "def helper_" + std::to_string(k) +
         "(values, scale=1.0):\n"
         "    arr = np.asarray(values, dtype=float)\n"
         "    total = 0\n"
         "    for v in arr:\n"
         "        if v > " +
         std::to_string(k) +
         ":\n"
         "            total += v * scale\n"
         "    log.debug(\"helper %d: %s\", " +
         std::to_string(k) +
         ", total)\n"
         "    return {\"k\": " +
         std::to_string(k) + ", \"total\": total}\n\n\n";
  return s;
}

std::string PythonModule(int i, Tree& t, bool dense) {
  if (!dense && i % 10 != 0) return PlainPythonModule(i);
  std::string org = "org" + std::to_string(i % 40);
  std::string id = org + "/model-" + std::to_string(i % 300);
  t.ids.insert(id);
  std::string s = "\"\"\"Service module " + std::to_string(i) +
                  ".\n\n"
                  "Example: AutoModel.from_pretrained(\"docs/not-a-reference\")\n\"\"\"\n"
                  "import logging\nimport os\n\n"
                  "from transformers import AutoModel, AutoTokenizer as Tok\n\n"
                  "log = logging.getLogger(__name__)\n"
                  "ORG = \"" +
                  org +
                  "\"\n"
                  "MODEL_ID = f\"{ORG}/model-" +
                  std::to_string(i % 300) +
                  "\"\n\n\n"
                  "class Handler:\n"
                  "    \"\"\"Handles requests for tenant " +
                  std::to_string(i) +
                  ".\"\"\"\n\n"
                  "    def __init__(self, cache_dir: str = \"/tmp/cache\"):\n"
                  "        self.cache_dir = cache_dir\n"
                  "        self.tokenizer = Tok.from_pretrained(MODEL_ID)\n"
                  "        self.model = AutoModel.from_pretrained(\n"
                  "            MODEL_ID,\n"
                  "            cache_dir=self.cache_dir,  # local cache\n"
                  "        )\n\n"
                  "    def handle(self, payload: dict) -> dict:\n"
                  "        text = payload.get(\"text\", \"\")\n"
                  "        tokens = self.tokenizer(text, return_tensors=\"pt\")\n"
                  "        scores = [float(x) for x in self.model(**tokens).logits[0]]\n"
                  "        log.info(\"scored %d tokens\", len(scores))\n"
                  "        return {\"scores\": scores, \"n\": len(scores)}\n\n\n";
  for (int k = 0; k < 12; ++k)
    s += "def helper_" + std::to_string(k) +
         "(values, scale=1.0):\n"
         "    total = 0\n"
         "    for v in values:\n"
         "        if v > " +
         std::to_string(k) +
         ":\n"
         "            total += v * scale\n"
         "    return {\"k\": " +
         std::to_string(k) + ", \"total\": total}\n\n\n";
  if (i % 20 == 0 && i >= 10) {
    // An id kept in another module of the tree (an absolute import from the root): followed
    // there, so it is the id that module plants, not a dynamic reference.
    int j = i - 10;
    s += "from pkg" + std::to_string(j / 100) + ".mod" + std::to_string(j % 7) + ".m" +
         std::to_string(j) +
         " import MODEL_ID as OTHER_ID\n\nother = AutoModel.from_pretrained(OTHER_ID)\n";
  }
  if (i % 100 == 0) {
    s += "def custom(name):\n    return AutoModel.from_pretrained(name)\n";
    ++t.dynamic;
  }
  return s;
}

std::string JsModule(int i, Tree& t, bool dense) {
  if (!dense && i % 10 != 5) {
    std::string s =
        "import { useState } from 'react';\nimport axios from 'axios';\n\n"
        "export async function load(id) {\n"
        "  const { data } = await axios.get(`/api/items/${id}`);\n"
        "  return data.items.map((x) => ({ ...x, seen: true }));\n}\n";
    for (int k = 0; k < 10; ++k)
      s += "export const f" + std::to_string(k) + " = (a, b) => a.map((x) => x * b + " +
           std::to_string(k) + ").filter(Boolean);\n";
    return s;
  }
  std::string id = "Xenova/js-model-" + std::to_string(i % 50);
  t.ids.insert(id);
  std::string s =
      "import { pipeline } from '@huggingface/transformers';\n"
      "// pipeline('ner', 'Xenova/commented');\n"
      "const MODEL = '" +
      id +
      "';\n"
      "export async function run(text) {\n"
      "  const p = await pipeline('feature-extraction', MODEL);\n"
      "  return p(text, { pooling: 'mean', normalize: true });\n"
      "}\n";
  for (int k = 0; k < 10; ++k)
    s += "export const f" + std::to_string(k) + " = (a, b) => a.map((x) => x * b + " +
         std::to_string(k) + ").filter(Boolean);\n";
  return s;
}

// The tree is regenerated on each run (cheap, and it must match what this build plants); the
// expected answer is computed while writing it.
Tree MakeTree(bool dense) {
  Tree t;
  t.root =
      fs::temp_directory_path() / "modelvet-bench" / (dense ? "inventory-dense" : "inventory-tree");
  fs::remove_all(t.root);
  for (int i = 0; i < kFiles; ++i) {
    fs::path dir = t.root / ("pkg" + std::to_string(i / 100)) / ("mod" + std::to_string(i % 7));
    switch (i % 10) {
      case 0:
      case 1:
      case 2:
      case 3:
      case 4: Write(dir / ("m" + std::to_string(i) + ".py"), PythonModule(i, t, dense), t); break;
      case 5:
      case 6: Write(dir / ("c" + std::to_string(i) + ".ts"), JsModule(i, t, dense), t); break;
      case 7: {
        std::string id = "cfg" + std::to_string(i % 20) + "/base";
        t.ids.insert(id);
        Write(dir / ("train" + std::to_string(i) + ".yaml"),
              "run:\n  epochs: 3\n  lr: 0.0001\nmodel:\n  base_model: " + id +
                  "\n  output_dir: ./out\ndata:\n  path: data/train.jsonl\n",
              t);
        break;
      }
      case 8:
        if (i % 100 == 8) {
          std::string id = "docker/m" + std::to_string(i % 30);
          t.ids.insert(id);
          Write(dir / "Dockerfile",
                "FROM python:3.11\nENV MODEL_ID=" + id +
                    "\nRUN pip install -r requirements.txt && \\\n    huggingface-cli download "
                    "$MODEL_ID\n",
                t);
        } else {
          Write(dir / ("README" + std::to_string(i) + ".md"),
                "# Module\n\nLoads `AutoModel.from_pretrained(\"prose/not-a-reference\")`.\n", t);
        }
        break;
      default:
        if (i % 1000 == 9) {
          fs::create_directories(dir);
          mv::bench::WriteTorchZip((dir / ("weights" + std::to_string(i) + ".pt")).string(), 4096);
          ++t.artifacts;
        } else {
          std::string csv = "id,value\n";
          for (int k = 0; k < 40; ++k)
            csv += std::to_string(k) + "," + std::to_string(k * i) + "\n";
          Write(dir / ("data" + std::to_string(i) + ".csv"), csv, t);
        }
    }
  }
  return t;
}

void Run(benchmark::State& state, const Tree& tree) {
  auto kb = mv::kb::KnowledgeBase::Load({});
  if (!kb.ok()) {
    mv::bench::Fail(state, "rules: " + kb.error().message);
    return;
  }
  mv::inventory::Options opts;
  opts.scan.kb = *kb;
  mv::inventory::Inventory inv;
  for (auto _ : state) {
    auto r = mv::inventory::TakeInventory(tree.root.string(), opts);
    if (!r.ok()) {
      mv::bench::Fail(state, r.error().message);
      return;
    }
    inv = std::move(*r);
  }
  state.counters["files_per_s"] = benchmark::Counter(static_cast<double>(inv.files),
                                                     benchmark::Counter::kIsIterationInvariantRate);
  state.counters["files"] = static_cast<double>(inv.files);
  state.counters["bytes_read"] = static_cast<double>(inv.bytes_read);
  state.counters["tree_MiB"] = static_cast<double>(tree.bytes) / (1 << 20);
  state.SetBytesProcessed(static_cast<int64_t>(inv.bytes_read) * state.iterations());
  // The answer must be right, not only fast.
  std::set<std::string> found;
  for (const auto& m : inv.models) found.insert(m.id);
  if (inv.files != static_cast<uint64_t>(kFiles)) {
    mv::bench::Fail(state, "files: " + std::to_string(inv.files));
  } else if (found != tree.ids) {
    mv::bench::Fail(state, "found " + std::to_string(found.size()) + " ids, planted " +
                               std::to_string(tree.ids.size()));
  } else if (inv.dynamic_references.size() != tree.dynamic) {
    mv::bench::Fail(state, "dynamic: " + std::to_string(inv.dynamic_references.size()));
  } else if (inv.artifacts.size() != tree.artifacts || !inv.incomplete.empty()) {
    mv::bench::Fail(state, "artifacts or incomplete files differ");
  }
}
void BM_Inventory10kFiles(benchmark::State& state) {
  static Tree tree = MakeTree(false);
  Run(state, tree);
}
BENCHMARK(BM_Inventory10kFiles)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();

void BM_InventoryDense(benchmark::State& state) {
  static Tree tree = MakeTree(true);
  Run(state, tree);
}
BENCHMARK(BM_InventoryDense)->Unit(benchmark::kMillisecond)->MeasureProcessCPUTime();

}  // namespace

MV_BENCHMARK_MAIN();
