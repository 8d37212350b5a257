// `modelvet serve` (the HTTP API and web app) and the accounts it uses: `modelvet user …`
// (reviewers and admins, passwords read from stdin or a prompt) and `modelvet token …` (API
// tokens for scripts). docs/server.md describes all three.
#include <fmt/format.h>
#include <pthread.h>
#include <signal.h>
#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>
#include <memory>
#include <string>
#include <thread>

#include "audit/audit.h"
#include "cli/commands.h"
#include "cli/store_arg.h"
#include "core/limits.h"
#include "core/version.h"
#include "hub/client.h"
#include "server/accounts.h"
#include "server/server.h"
#include "store/store.h"

namespace mv::cli {

namespace {

// HOST:PORT, [V6]:PORT or :PORT (127.0.0.1).
bool ParseListen(const std::string& text, std::string* host, int* port) {
  auto colon = text.rfind(':');
  if (colon == std::string::npos) return false;
  std::string h = text.substr(0, colon);
  std::string p = text.substr(colon + 1);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  if (h.empty()) h = "127.0.0.1";
  if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string::npos)
    return false;
  int n = std::stoi(p);
  if (n > 65535) return false;
  *host = h;
  *port = n;
  return true;
}

// ---- serve ----------------------------------------------------------------------------------

struct ServeArgs {
  std::string db;
  std::string listen = "127.0.0.1:8080";
  std::string read_access = "open";
  size_t threads = limits::kServerDefaultThreads;
  bool secure_cookies = false;
  bool access_log = false;
  bool allow_reproduce = false;
};

int RunServe(const ServeArgs& a, Globals& g) {
  server::ServerConfig c;
  if (!ParseListen(a.listen, &c.host, &c.port)) {
    std::cerr << "modelvet: serve: --listen takes HOST:PORT (port 0: any free port)\n";
    return 2;
  }
  c.db_path = StorePath(g, a.db);
  c.read_access = a.read_access == "login" ? server::ReadAccess::kLogin : server::ReadAccess::kOpen;
  c.threads = a.threads;
  c.secure_cookies = a.secure_cookies;
  c.access_log = a.access_log;
  c.allow_reproduce = a.allow_reproduce;
  c.hub = hub::HubConfig::FromEnv();
  c.tool = std::string("modelvet ") + kVersion;
  auto kb = kb::KnowledgeBase::Load(g.rules);
  if (!kb.ok()) {
    std::cerr << "modelvet: rules: " << kb.error().message << "\n";
    return 2;
  }
  c.kb = *kb;

  // SIGINT and SIGTERM stop the server from a thread of their own (sigwait): every thread
  // started from here on inherits the blocked mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  signal(SIGPIPE, SIG_IGN);  // a client that goes away mid-response is not fatal

  auto srv = server::Server::Start(std::move(c));
  if (!srv.ok()) {
    std::cerr << "modelvet: serve: " << srv.error().message << "\n";
    return 2;
  }
  std::printf("modelvet: serving %s\n", (*srv)->Url().c_str());
  std::fflush(stdout);
  server::Server* s = srv->get();
  std::thread stopper([&stop_signals, s] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    s->Stop();
  });
  auto run = s->Run();
  pthread_kill(stopper.native_handle(), SIGTERM);  // wakes sigwait when Run ended by itself
  stopper.join();
  if (!run.ok()) {
    std::cerr << "modelvet: serve: " << run.error().message << "\n";
    return 2;
  }
  return 0;
}

// ---- user, token --------------------------------------------------------------------------

// The password: from a terminal, typed twice without echo; otherwise the first line of stdin.
std::optional<std::string> ReadPassword(const std::string& user) {
  if (!isatty(STDIN_FILENO)) {
    std::string line;
    if (!std::getline(std::cin, line)) return std::nullopt;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
  }
  termios old{};
  tcgetattr(STDIN_FILENO, &old);
  termios quiet = old;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  auto ask = [&](const char* prompt) -> std::optional<std::string> {
    std::fprintf(stderr, "%s", prompt);
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    std::string line;
    bool ok = static_cast<bool>(std::getline(std::cin, line));
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    std::fprintf(stderr, "\n");
    if (!ok) return std::nullopt;
    return line;
  };
  auto first = ask(fmt::format("Password for {}: ", user).c_str());
  if (!first) return std::nullopt;
  auto again = ask("Again: ");
  if (!again || *again != *first) {
    std::cerr << "modelvet: the passwords differ\n";
    return std::nullopt;
  }
  return first;
}

struct UserArgs {
  std::string name;
  std::string role = "reviewer";
  std::string db;
};

int Report(const Status& s) {
  if (!s.ok()) {
    std::cerr << "modelvet: " << s.error().message << "\n";
    return 2;
  }
  return 0;
}

int RunUserAdd(const UserArgs& a, Globals& g, bool reset) {
  if (Report(server::InitCrypto())) return 2;
  auto st = OpenStore(StorePath(g, a.db));
  if (!st) return 2;
  auto password = ReadPassword(a.name);
  if (!password) {
    std::cerr << "modelvet: no password given (stdin)\n";
    return 2;
  }
  if (reset) {
    if (Report(server::SetPassword(*st, a.name, *password))) return 2;
    std::cout << "password changed: " << a.name << "\n";
    return 0;
  }
  if (Report(server::AddUser(*st, a.name, *server::ParseRole(a.role), *password, audit::NowUtc())))
    return 2;
  std::cout << fmt::format("user added: {} ({})\n", a.name, a.role);
  return 0;
}

struct TokenArgs {
  std::string user;
  std::string label;
  int64_t id = 0;
  std::string db;
};

}  // namespace

void AddServeCommand(CLI::App& app, Globals& g) {
  auto a = std::make_shared<ServeArgs>();
  CLI::App* cmd = app.add_subcommand("serve", kServeHelp);
  cmd->add_option("--db", a->db, "Store file (default: $MODELVET_DB or the user data directory)");
  cmd->add_option("--listen", a->listen, "HOST:PORT to listen on (port 0: any free port)")
      ->capture_default_str();
  cmd->add_option("--read-access", a->read_access,
                  "open: anyone who reaches the server reads; login: reading needs an account")
      ->check(CLI::IsMember({"open", "login"}))
      ->capture_default_str();
  cmd->add_option("--threads", a->threads, "Request threads (one store connection each)")
      ->check(CLI::Range(size_t{1}, limits::kServerMaxThreads))
      ->capture_default_str();
  cmd->add_flag("--secure-cookies", a->secure_cookies,
                "Behind a TLS proxy: Secure __Host- cookies and Strict-Transport-Security");
  cmd->add_flag("--access-log", a->access_log, "One line per request on stderr");
  cmd->add_flag("--allow-reproduce", a->allow_reproduce,
                "Let reviewers ask for sandboxed reproduction (off by default): it runs model "
                "files with their real loaders on THIS host, inside the sandbox of `modelvet "
                "reproduce` (never outside it)");
  cmd->callback([a, &g] { g.exit_code = RunServe(*a, g); });
}

void AddUserCommand(CLI::App& app, Globals& g) {
  CLI::App* user = app.add_subcommand("user", kUserHelp);
  user->require_subcommand(1);
  auto add = std::make_shared<UserArgs>();
  CLI::App* a = user->add_subcommand(
      "add", "Add an account; the password is read from stdin (or prompted for twice)");
  a->add_option("name", add->name, "User name")->required();
  a->add_option("--role", add->role,
                "reviewer: records reviews, requests audits; admin: also "
                "lists accounts")
      ->check(CLI::IsMember({"reviewer", "admin"}))
      ->capture_default_str();
  a->add_option("--db", add->db, "Store file");
  a->callback([add, &g] { g.exit_code = RunUserAdd(*add, g, false); });

  auto pw = std::make_shared<UserArgs>();
  CLI::App* p = user->add_subcommand("passwd", "Set an account's password (stdin or prompt)");
  p->add_option("name", pw->name, "User name")->required();
  p->add_option("--db", pw->db, "Store file");
  p->callback([pw, &g] { g.exit_code = RunUserAdd(*pw, g, true); });

  auto list = std::make_shared<UserArgs>();
  CLI::App* l = user->add_subcommand("list", "List the accounts");
  l->add_option("--db", list->db, "Store file");
  l->callback([list, &g] {
    auto st = OpenStore(StorePath(g, list->db));
    if (!st) return void(g.exit_code = 2);
    auto users = st->ListUsers();
    if (!users.ok()) return void(g.exit_code = Report(users.error()));
    for (const auto& u : *users)
      std::cout << fmt::format("{}  {}  created {}{}\n", u.name, u.role, u.created,
                               u.disabled ? "  (disabled)" : "");
  });

  auto rm = std::make_shared<UserArgs>();
  CLI::App* r = user->add_subcommand("remove", "Remove an account, its sessions and tokens");
  r->add_option("name", rm->name, "User name")->required();
  r->add_option("--db", rm->db, "Store file");
  r->callback([rm, &g] {
    auto st = OpenStore(StorePath(g, rm->db));
    if (!st) return void(g.exit_code = 2);
    g.exit_code = Report(server::RemoveUser(*st, rm->name));
    if (g.exit_code == 0) std::cout << "user removed: " << rm->name << "\n";
  });
}

void AddTokenCommand(CLI::App& app, Globals& g) {
  CLI::App* token = app.add_subcommand("token", kTokenHelp);
  token->require_subcommand(1);
  auto create = std::make_shared<TokenArgs>();
  CLI::App* c = token->add_subcommand(
      "create", "Create a token acting as USER; prints it once (send it as Bearer)");
  c->add_option("user", create->user, "The account the token acts as")->required();
  c->add_option("--label", create->label, "What the token is for");
  c->add_option("--db", create->db, "Store file");
  c->callback([create, &g] {
    if (Report(server::InitCrypto())) return void(g.exit_code = 2);
    auto st = OpenStore(StorePath(g, create->db));
    if (!st) return void(g.exit_code = 2);
    auto t = server::CreateToken(*st, create->user, create->label, audit::NowUtc());
    if (!t.ok()) return void(g.exit_code = Report(t.error()));
    std::cerr << fmt::format(
        "token {} for {} (shown once; revoke with `modelvet token revoke "
        "{}`):\n",
        t->id, create->user, t->id);
    std::cout << t->token << "\n";
  });

  auto list = std::make_shared<TokenArgs>();
  CLI::App* l = token->add_subcommand("list", "List tokens (never their value)");
  l->add_option("--db", list->db, "Store file");
  l->callback([list, &g] {
    auto st = OpenStore(StorePath(g, list->db));
    if (!st) return void(g.exit_code = 2);
    auto tokens = st->ListTokens();
    if (!tokens.ok()) return void(g.exit_code = Report(tokens.error()));
    for (const auto& t : *tokens)
      std::cout << fmt::format("{}  {}  {}  created {}{}\n", t.id, t.user,
                               t.label.empty() ? "-" : t.label, t.created,
                               t.revoked ? "  (revoked)" : "");
  });

  auto revoke = std::make_shared<TokenArgs>();
  CLI::App* r = token->add_subcommand("revoke", "Revoke a token by id");
  r->add_option("id", revoke->id, "Token id (`modelvet token list`)")->required();
  r->add_option("--db", revoke->db, "Store file");
  r->callback([revoke, &g] {
    auto st = OpenStore(StorePath(g, revoke->db));
    if (!st) return void(g.exit_code = 2);
    auto done = st->RevokeToken(revoke->id);
    if (!done.ok()) return void(g.exit_code = Report(done.error()));
    if (!*done) {
      std::cerr << "modelvet: no active token " << revoke->id << "\n";
      return void(g.exit_code = 2);
    }
    std::cout << "token revoked: " << revoke->id << "\n";
  });
}

}  // namespace mv::cli
