// Starts tests/hubstub/hubstub.py on loopback for a test suite and talks to its control
// endpoints. Header-only so other test folders (store/audit, cli) can reuse it.
#pragma once

#include <curl/curl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

extern char** environ;

namespace mv::testing {

class HubStub {
 public:
  // extra_args: e.g. {"--repos", dir}; the bundled tests/hubstub/repos is always served first.
  bool Start(const std::vector<std::string>& extra_args = {}) {
    std::string src = MV_SOURCE_DIR;
    std::string py = access("/usr/bin/python3", X_OK) == 0 ? "/usr/bin/python3" : "python3";
    std::vector<std::string> args = {
        py,        src + "/tests/hubstub/hubstub.py", "--port", "0", "--exit-on-stdin-eof",
        "--repos", src + "/tests/hubstub/repos"};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    int out[2], in[2];
    if (pipe(out) != 0 || pipe(in) != 0) return false;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_addclose(&fa, out[0]);
    posix_spawn_file_actions_addclose(&fa, in[1]);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    int rc = posix_spawnp(&pid_, argv[0], &fa, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&fa);
    close(out[1]);
    close(in[0]);
    stdin_fd_ = in[1];
    if (rc != 0) return false;
    FILE* f = fdopen(out[0], "r");
    char line[256] = {0};
    bool got = fgets(line, sizeof line, f) != nullptr;
    fclose(f);
    if (!got || std::sscanf(line, "HUBSTUB port=%d cdn_port=%d", &port_, &cdn_port_) != 2) {
      Stop();
      return false;
    }
    return true;
  }
  void Stop() {
    if (pid_ > 0) {
      kill(pid_, SIGTERM);
      waitpid(pid_, nullptr, 0);
      pid_ = -1;
    }
    if (stdin_fd_ >= 0) {
      close(stdin_fd_);
      stdin_fd_ = -1;
    }
  }
  ~HubStub() { Stop(); }

  int port() const { return port_; }
  int cdn_port() const { return cdn_port_; }
  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // GET {endpoint}{path} with plain libcurl (no retry logic); the body.
  std::string RawGet(const std::string& path) const {
    std::string body;
    CURL* c = curl_easy_init();
    std::string url = endpoint() + path;
    curl_easy_setopt(c, CURLOPT_URL, url.c_str());
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(
        c, CURLOPT_WRITEFUNCTION, +[](char* p, size_t s, size_t n, void* u) {
          static_cast<std::string*>(u)->append(p, s * n);
          return s * n;
        });
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    curl_easy_perform(c);
    curl_easy_cleanup(c);
    return body;
  }
  nlohmann::json Stats() const { return nlohmann::json::parse(RawGet("/_stub/stats")); }
  void Reset() const { RawGet("/_stub/reset"); }
  void Config(const std::string& query) const { RawGet("/_stub/config?" + query); }

 private:
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  int port_ = 0, cdn_port_ = 0;
};

}  // namespace mv::testing
