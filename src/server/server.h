// `modelvet serve`: the HTTP API (/api/v1/…, JSON) and the AI Models web app (server-rendered
// HTML) over the audit store, from one binary. docs/server.md describes the routes, the
// accounts, the configuration and the security headers.
#pragma once

#include <memory>
#include <string>

#include "core/result.h"
#include "hub/client.h"
#include "kb/kb.h"

namespace mv::server {

enum class ReadAccess : uint8_t {
  kOpen,   // anyone who reaches the server may read the table, model pages and GET API
  kLogin,  // reading needs a session or an API token too
};

struct ServerConfig {
  std::string db_path;
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port
  ReadAccess read_access = ReadAccess::kOpen;
  size_t threads = 0;  // 0: limits::kServerDefaultThreads
  // Behind a TLS-terminating proxy: cookies get Secure and the __Host- prefix, and responses
  // carry Strict-Transport-Security.
  bool secure_cookies = false;
  bool access_log = false;  // one line per request on stderr
  // `--allow-reproduce`: reviewers may ask for sandboxed reproduction (POST /api/v1/audits with
  // "reproduce": true, the model page's form). It loads model files with their real loaders on
  // this host, inside the sandbox of reproduce/; off by default.
  bool allow_reproduce = false;
  // Audits (POST /api/v1/audits) and links back to the hub.
  hub::HubConfig hub;
  std::shared_ptr<const kb::KnowledgeBase> kb;
  std::string tool;  // "modelvet 0.1.0": who automatic history entries name
};

class Server {
 public:
  // Opens the store (migrating it) and binds the socket; nothing is served before Run().
  static Result<std::unique_ptr<Server>> Start(ServerConfig config);
  ~Server();
  // "http://HOST:PORT" with the bound port.
  std::string Url() const;
  // Serves until Stop() (callable from any thread).
  Status Run();
  void Stop();

  struct Impl;

 private:
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace mv::server
