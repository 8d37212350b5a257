// Projects in the SQLite store: an inventory is replaced whole, references keep their model,
// a model used by several projects is counted once with its projects, and deleting nothing
// else (audits, reviews) when a project changes.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "store/store.h"
#include "test_backends.h"

namespace mv::store {
namespace {

namespace fs = std::filesystem;

class ProjectsTest : public testing::OpenStoreTest {
 protected:
  static ProjectInventory Inventory(const std::string& name, const std::string& time) {
    ProjectInventory p;
    p.project = {name, "/src/" + name, time, "modelvet test"};
    ProjectModel hub;
    hub.provider = "huggingface";
    hub.model = "org/shared";
    hub.category = "self-hosted";
    hub.remote_code = true;
    hub.references = {{"app/a.py", 3, "from_pretrained"}, {"app/b.py", 9, "pipeline"}};
    ProjectModel service;
    service.provider = "openai";
    service.model = "gpt-4o";
    service.category = "ai-service";
    service.references = {{"app/llm.py", 12, "chat.completions.create"}};
    p.models = {hub, service};
    p.dynamic_references = {{"app/a.py", 20, "AutoModel.from_pretrained(name)"}};
    p.artifacts = {{"weights/x.pkl", "pickle", Verdict::kUnsafe, "runs a command", "", 120}};
    return p;
  }
};

TEST_P(ProjectsTest, RoundTrip) {
  ASSERT_TRUE(store_->CommitProject(Inventory("bot", "2026-01-01T00:00:00Z")).ok());
  auto got = store_->GetProject("bot");
  ASSERT_TRUE(got.ok()) << got.error().message;
  ASSERT_TRUE(got->has_value());
  const ProjectInventory& p = **got;
  EXPECT_EQ(p.project.root, "/src/bot");
  EXPECT_EQ(p.project.last_inventory, "2026-01-01T00:00:00Z");
  ASSERT_EQ(p.models.size(), 2u);
  EXPECT_EQ(p.models[0].model, "org/shared");
  EXPECT_TRUE(p.models[0].remote_code);
  ASSERT_EQ(p.models[0].references.size(), 2u);
  EXPECT_EQ(p.models[0].references[1].path, "app/b.py");
  EXPECT_EQ(p.models[0].references[1].line, 9);
  EXPECT_EQ(p.models[1].provider, "openai");
  EXPECT_EQ(p.models[1].category, "ai-service");
  ASSERT_EQ(p.dynamic_references.size(), 1u);
  EXPECT_EQ(p.dynamic_references[0].line, 20);
  ASSERT_EQ(p.artifacts.size(), 1u);
  EXPECT_EQ(p.artifacts[0].verdict, Verdict::kUnsafe);
  EXPECT_EQ(p.artifacts[0].size, 120u);
  auto missing = store_->GetProject("nope");
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());
}

TEST_P(ProjectsTest, ANewInventoryReplacesTheOld) {
  ASSERT_TRUE(store_->CommitProject(Inventory("bot", "2026-01-01T00:00:00Z")).ok());
  ProjectInventory next = Inventory("bot", "2026-02-01T00:00:00Z");
  next.models.pop_back();  // the service is gone
  next.models[0].references.resize(1);
  next.artifacts.clear();
  ASSERT_TRUE(store_->CommitProject(next).ok());
  auto got = store_->GetProject("bot");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->project.last_inventory, "2026-02-01T00:00:00Z");
  ASSERT_EQ((*got)->models.size(), 1u);
  EXPECT_EQ((*got)->models[0].references.size(), 1u);
  EXPECT_TRUE((*got)->artifacts.empty());
}

TEST_P(ProjectsTest, ModelsAreCountedOncePerProject) {
  ASSERT_TRUE(store_->CommitProject(Inventory("bot", "t1")).ok());
  ProjectInventory other = Inventory("search", "t2");
  other.models.pop_back();
  ProjectModel pinned = other.models[0];
  pinned.revision = "v2";  // another revision of the same model: still one project
  other.models.push_back(pinned);
  ASSERT_TRUE(store_->CommitProject(other).ok());
  auto usage = store_->ListModelUsage();
  ASSERT_TRUE(usage.ok()) << usage.error().message;
  ASSERT_EQ(usage->size(), 2u);
  EXPECT_EQ((*usage)[0].model, "org/shared");
  EXPECT_EQ((*usage)[0].projects, (std::vector<std::string>{"bot", "search"}));
  EXPECT_EQ((*usage)[1].model, "gpt-4o");
  EXPECT_EQ((*usage)[1].projects, (std::vector<std::string>{"bot"}));
  auto projects = store_->ListProjects();
  ASSERT_TRUE(projects.ok());
  ASSERT_EQ(projects->size(), 2u);
  EXPECT_EQ((*projects)[1].name, "search");
}

TEST_P(ProjectsTest, InvalidRowsRollBackTheWholeInventory) {
  ASSERT_TRUE(store_->CommitProject(Inventory("bot", "t1")).ok());
  ProjectInventory bad = Inventory("bot", "t2");
  // No verdict (its text is ""): the CHECK constraint refuses the row.
  bad.artifacts[0].verdict = static_cast<Verdict>(200);
  EXPECT_FALSE(store_->CommitProject(bad).ok());
  auto got = store_->GetProject("bot");
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->project.last_inventory, "t1");
  EXPECT_EQ((*got)->models.size(), 2u);
  EXPECT_EQ((*got)->artifacts.size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Backends, ProjectsTest, ::testing::ValuesIn(testing::TestBackends()),
                         testing::BackendName);

}  // namespace
}  // namespace mv::store
