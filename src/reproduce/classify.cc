#include "reproduce/classify.h"

#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <set>
#include <unordered_map>

#include "core/limits.h"
#include "reproduce/escape.h"

namespace mv::reproduce {

namespace {

// Process trees deeper than this are not walked further (a fork chain is bounded by
// RLIMIT_NPROC long before).
constexpr int kMaxAncestry = 100000;

bool StartsWith(std::string_view s, std::string_view p) {
  return s.substr(0, p.size()) == p;
}
bool HasFlag(std::string_view flags, std::string_view flag) {
  size_t pos = 0;
  while ((pos = flags.find(flag, pos)) != std::string_view::npos) {
    size_t end = pos + flag.size();
    bool left = pos == 0 || flags[pos - 1] == '|';
    bool right = end == flags.size() || flags[end] == '|';
    if (left && right) return true;
    pos = end;
  }
  return false;
}

std::string StringArg(const Value* v) {
  return v && v->type == Value::Type::kString ? v->text : std::string();
}

std::vector<std::string> StringArray(const Value* v) {
  std::vector<std::string> out;
  if (!v || v->type != Value::Type::kArray) return out;
  for (const auto& [k, item] : v->items) {
    if (item.type == Value::Type::kString) out.push_back(item.text);
  }
  return out;
}

// A socket address as strace decodes it.
struct Address {
  std::string family;  // "AF_INET", "AF_INET6", "AF_UNIX", …
  std::string host;    // numeric address, or the unix path ("@name" when abstract)
  int port = 0;

  bool Inet() const { return family == "AF_INET" || family == "AF_INET6"; }
  bool Loopback() const {
    return (family == "AF_INET" && StartsWith(host, "127.")) ||
           (family == "AF_INET6" && host == "::1");
  }
  std::string Text() const {
    if (family == "AF_INET") return fmt::format("{}:{}", host, port);
    if (family == "AF_INET6") return fmt::format("[{}]:{}", host, port);
    if (family == "AF_UNIX") return "unix:" + host;
    return family;
  }
};

int CallInt(const Value* v) {
  // htons(53) / htonl(0): the number inside.
  if (!v) return 0;
  const Value* n = v->type == Value::Type::kCall && !v->items.empty() ? &v->items[0].second : v;
  try {
    return std::stoi(n->text, nullptr, 0);
  } catch (...) {
    return 0;
  }
}

std::optional<Address> ParseAddress(const Value* v) {
  if (!v || v->type != Value::Type::kStruct) return std::nullopt;
  const Value* fam = v->Field("sa_family");
  if (!fam) return std::nullopt;
  Address a;
  a.family = fam->text;
  if (a.family == "AF_INET") {
    a.port = CallInt(v->Field("sin_port"));
    if (const Value* ad = v->Field("sin_addr"); ad && !ad->items.empty()) {
      a.host = ad->items[0].second.text;
    }
  } else if (a.family == "AF_INET6") {
    a.port = CallInt(v->Field("sin6_port"));
    // inet_pton(AF_INET6, "::1", &sin6_addr) is printed without a key.
    for (const auto& [k, item] : v->items) {
      if (item.type == Value::Type::kCall && item.text == "inet_pton" && item.items.size() >= 2) {
        a.host = item.items[1].second.text;
      }
    }
  } else if (a.family == "AF_UNIX") {
    a.host = StringArg(v->Field("sun_path"));
  }
  return a;
}

// Bytes of every buffer a send call carries (sendto's buffer, the iovecs of sendmsg/sendmmsg).
void CollectBuffers(const Value& v, std::vector<std::string>& out, int depth = 0) {
  if (depth > 8) return;
  for (const auto& [k, item] : v.items) {
    if (k == "iov_base" && item.type == Value::Type::kString) out.push_back(item.text);
    CollectBuffers(item, out, depth + 1);
  }
}

struct Socket {
  std::string family;
  bool datagram = false;
  std::optional<Address> peer;  // connect()ed address
};

struct FdTable {
  std::map<int64_t, Socket> sockets;
};

class Classifier {
 public:
  Classifier(const Trace& trace, const HarnessReport& report, const Layout& layout,
             std::string_view loader)
      : trace_(trace), report_(report), layout_(layout), loader_(loader) {}

  Classification Run() {
    BuildTree();
    FindMarkers();
    ReadHarnessSetup();
    std::vector<const Syscall*> calls;
    for (const auto& c : trace_.calls) calls.push_back(&c);
    std::stable_sort(calls.begin(), calls.end(),
                     [](const Syscall* a, const Syscall* b) { return a->time < b->time; });
    for (const Syscall* c : calls) {
      if (!InScope(c->pid)) continue;
      TrackFds(*c);
      if (!started_ || c->time < t_start_) continue;
      if (IsMarker(*c)) continue;
      Visit(*c);
    }
    FlushFailedExecs();
    for (const auto& ex : trace_.exits) {
      if (!InScope(ex.pid)) continue;
      if (ex.signal == "SIGXCPU") Limit(LimitHit::kCpuTime);
      if (ex.signal == "SIGXFSZ") Limit(LimitHit::kFileSize);
      if (ex.pid == root_) root_exit_ = &ex;
    }
    ReadHarnessEvents();
    return Finish();
  }

 private:
  // ------------------------------------------------------------ processes
  void BuildTree() {
    for (const auto& c : trace_.calls) {
      if (c.child_pid && *c.child_pid > 0) {
        parent_[*c.child_pid] = c.pid;
        std::string flags = FlagsOf(c);
        shares_files_[*c.child_pid] = HasFlag(flags, "CLONE_FILES");
      }
      if (root_ == 0 && (c.name == "execve" || c.name == "execveat") && c.has_return &&
          c.ret == 0) {
        auto argv = StringArray(c.Arg(c.name == "execve" ? 1 : 2));
        for (size_t i = 0; i + 1 < argv.size(); ++i) {
          if (argv[i] == layout_.harness && argv[i + 1] == "load") root_ = c.pid;
        }
      }
    }
  }

  static std::string FlagsOf(const Syscall& c) {
    if (const Value* f = c.Arg("flags")) return f->text;
    if (c.name == "clone3" && c.Arg(0)) {
      if (const Value* f = c.Arg(0)->Field("flags")) return f->text;
    }
    return {};
  }

  bool InScope(int pid) {
    if (root_ == 0) return false;
    auto it = scope_.find(pid);
    if (it != scope_.end()) return it->second;
    bool in = false;
    int p = pid;
    for (int i = 0; i < kMaxAncestry; ++i) {
      if (p == root_) {
        in = true;
        break;
      }
      auto up = parent_.find(p);
      if (up == parent_.end()) break;
      p = up->second;
    }
    scope_[pid] = in;
    return in;
  }

  FdTable& TableOf(int pid) {
    auto it = table_of_.find(pid);
    if (it != table_of_.end()) return tables_[it->second];
    tables_.emplace_back();
    table_of_[pid] = tables_.size() - 1;
    return tables_.back();
  }

  void TrackFds(const Syscall& c) {
    if (c.child_pid && *c.child_pid > 0) {
      size_t parent_table = (TableOf(c.pid), table_of_[c.pid]);
      if (shares_files_[*c.child_pid]) {
        table_of_[*c.child_pid] = parent_table;
      } else {
        FdTable copy = tables_[parent_table];
        tables_.push_back(std::move(copy));
        table_of_[*c.child_pid] = tables_.size() - 1;
      }
    }
    if (c.name == "socket" && c.has_return && c.ret >= 0) {
      Socket s;
      if (c.Arg(0)) s.family = c.Arg(0)->text;
      if (c.Arg(1)) s.datagram = HasFlag(c.Arg(1)->text, "SOCK_DGRAM");
      TableOf(c.pid).sockets[c.ret] = std::move(s);
    }
  }

  Socket* SocketOf(int pid, const Value* fd) {
    if (!fd) return nullptr;
    try {
      int64_t n = std::stoll(fd->text);
      auto& t = TableOf(pid).sockets;
      auto it = t.find(n);
      return it == t.end() ? nullptr : &it->second;
    } catch (...) {
      return nullptr;
    }
  }

  // ------------------------------------------------------------ markers
  bool IsMarker(const Syscall& c) const {
    return (c.name == "openat" || c.name == "open") &&
           StartsWith(StringArg(c.Arg(c.name == "openat" ? 1 : 0)), layout_.marker_dir + "/");
  }

  void FindMarkers() {
    std::map<int, double> open_window;
    for (const auto& c : trace_.calls) {
      if (!IsMarker(c) || !InScope(c.pid)) continue;
      std::string path = StringArg(c.Arg(c.name == "openat" ? 1 : 0));
      std::string name = path.substr(layout_.marker_dir.size() + 1);
      if (name == "import-begin") {
        open_window.emplace(c.pid, c.time);
      } else if (name == "import-end") {
        if (auto it = open_window.find(c.pid); it != open_window.end()) {
          windows_.push_back({it->second, c.time});
          open_window.erase(it);
        }
      }
      if (c.pid != root_) continue;
      if (name == "load-start" && !started_) {
        started_ = true;
        started_from_trace_ = true;
        t_start_ = c.time;
      } else if (name == "load-returned" && !returned_marker_) {
        returned_marker_ = true;
        t_returned_ = c.time;
      }
    }
  }

  // Whether a write or removal at `path` is an installed library's own import-time work: it
  // happened inside an import window (harness.py ImportWindows) and in a scratch location
  // (temporary directories, shared memory, the cache directory). Writes anywhere else, and
  // every other kind of observation, are reported even inside a window: the markers come
  // from the load process, which the file's code can imitate.
  bool LibraryImportScratch(double t, const std::string& path) const {
    bool scratch = false;
    for (const char* dir : {"/tmp/", "/var/tmp/", "/dev/shm/"})
      scratch = scratch || StartsWith(path, dir);
    scratch = scratch || StartsWith(path, layout_.home + "/.cache/");
    if (!scratch || path.find("/../") != std::string::npos) return false;
    return std::any_of(windows_.begin(), windows_.end(),
                       [t](const auto& w) { return t >= w.first && t <= w.second; });
  }

  When WhenAt(double t) const {
    return returned_marker_ && t > t_returned_ ? When::kAfterLoad : When::kDuringLoad;
  }

  void Add(double t, Kind kind, std::string detail) {
    found_.push_back({t, Observation{kind, std::move(detail), WhenAt(t)}});
  }
  void Limit(LimitHit l) {
    if (out_.limit_hit == LimitHit::kNone) out_.limit_hit = l;
  }

  std::string ShowPath(const std::string& path) const {
    if (StartsWith(path, layout_.home + "/")) {
      return DisplayText("~" + path.substr(layout_.home.size()));
    }
    return DisplayText(path);
  }

  static std::string Failure(const Syscall& c) {
    if (!c.has_return) return " (did not return)";
    if (c.ret >= 0) return "";
    if (c.error == "EROFS") return " (refused: read-only in the sandbox)";
    if (c.error == "ENOENT") return " (failed: no such file in the sandbox)";
    if (c.error == "EACCES" || c.error == "EPERM") return " (denied)";
    return " (failed: " + DisplayText(c.error) + ")";
  }

  // ------------------------------------------------------------ calls
  void Visit(const Syscall& c) {
    const std::string& n = c.name;
    if (n == "execve" || n == "execveat") return Exec(c);
    if (n == "open" || n == "openat" || n == "openat2" || n == "creat") return Open(c);
    if (n == "unlink" || n == "rmdir") return Delete(c, StringArg(c.Arg(0)), n == "rmdir");
    if (n == "unlinkat") {
      bool dir = c.Arg(2) && HasFlag(c.Arg(2)->text, "AT_REMOVEDIR");
      return Delete(c, StringArg(c.Arg(1)), dir);
    }
    if (n == "rename") return Rename(c, StringArg(c.Arg(0)), StringArg(c.Arg(1)));
    if (n == "renameat" || n == "renameat2") {
      return Rename(c, StringArg(c.Arg(1)), StringArg(c.Arg(3)));
    }
    if (n == "mkdir") return Write(c, StringArg(c.Arg(0)), "created directory ");
    if (n == "mkdirat") return Write(c, StringArg(c.Arg(1)), "created directory ");
    if (n == "link" || n == "symlink") return Write(c, StringArg(c.Arg(1)), "linked ");
    if (n == "linkat") return Write(c, StringArg(c.Arg(3)), "linked ");
    if (n == "symlinkat") return Write(c, StringArg(c.Arg(2)), "linked ");
    if (n == "truncate") return Write(c, StringArg(c.Arg(0)), "truncated ");
    if (n == "connect") return Connect(c);
    if (n == "bind") return Bind(c);
    if (n == "sendto" || n == "sendmsg" || n == "sendmmsg") return Send(c);
    if ((n == "clone" || n == "clone3" || n == "fork" || n == "vfork") && c.error == "EAGAIN") {
      Limit(LimitHit::kProcesses);
    }
  }

  void Exec(const Syscall& c) {
    bool at = c.name == "execveat";
    std::string path = StringArg(c.Arg(at ? 1 : 0));
    auto argv = StringArray(c.Arg(at ? 2 : 1));
    if (argv.empty()) argv.push_back(path);
    if (path == layout_.browser || argv[0] == layout_.browser) {
      std::vector<std::string> rest(argv.begin() + 1, argv.end());
      std::string url;
      for (const auto& a : rest) url += (url.empty() ? "" : " ") + a;
      Add(c.time, Kind::kBrowser, DisplayText(url));
      return;
    }
    auto key = std::make_pair(c.pid, argv);
    if (c.has_return && c.ret < 0) {
      // A shell searching PATH tries each directory; only a search that never succeeded in
      // this process is reported, once.
      if (!failed_exec_.count(key)) failed_exec_[key] = {c.time, c.error};
      return;
    }
    failed_exec_.erase(key);
    succeeded_exec_.insert(key);
    Add(c.time, Kind::kExec, DisplayArgv(argv));
  }

  void FlushFailedExecs() {
    for (const auto& [key, info] : failed_exec_) {
      if (succeeded_exec_.count(key)) continue;
      std::string why = info.second == "ENOENT" ? "not found in the sandbox"
                                                : "failed: " + DisplayText(info.second);
      Add(info.first, Kind::kExec, DisplayArgv(key.second) + " (" + why + ")");
    }
  }

  bool IsDecoy(const std::string& path, bool& dir) const {
    for (const auto& d : layout_.decoys) {
      std::string p = layout_.DecoyPath(d);
      if (path == p) {
        dir = false;
        return true;
      }
      // The decoy's own directories below HOME (~/.ssh, ~/.aws, …).
      for (size_t s = p.rfind('/'); s != std::string::npos && s > layout_.home.size();
           s = p.rfind('/', s - 1)) {
        if (path == p.substr(0, s) || path == p.substr(0, s) + "/") {
          dir = true;
          return true;
        }
      }
    }
    return false;
  }

  void Open(const Syscall& c) {
    std::string path, flags;
    if (c.name == "open" || c.name == "creat") {
      path = StringArg(c.Arg(0));
      flags = c.name == "creat" ? "O_CREAT|O_WRONLY|O_TRUNC" : (c.Arg(1) ? c.Arg(1)->text : "");
    } else {
      path = StringArg(c.Arg(1));
      const Value* f = c.Arg(2);
      if (c.name == "openat2" && f) f = f->Field("flags");
      flags = f ? f->text : "";
    }
    bool write = HasFlag(flags, "O_WRONLY") || HasFlag(flags, "O_RDWR") ||
                 HasFlag(flags, "O_CREAT") || HasFlag(flags, "O_TRUNC") ||
                 HasFlag(flags, "O_APPEND");
    bool dir = false;
    if (!write) {
      if (IsDecoy(path, dir)) {
        Add(c.time, Kind::kReadSecret, (dir ? "listed " : "opened ") + ShowPath(path) + Failure(c));
      }
      return;
    }
    // Device nodes (/dev/null, the terminal) are not files; /dev/shm is.
    if (StartsWith(path, "/dev/") && !StartsWith(path, "/dev/shm/")) return;
    if (LibraryImportScratch(c.time, path)) return;
    std::string how =
        HasFlag(flags, "O_CREAT") ? "created or opened for writing " : "opened for writing ";
    Add(c.time, Kind::kWrite, how + ShowPath(path) + Failure(c));
  }

  void Write(const Syscall& c, const std::string& path, const char* how) {
    if (LibraryImportScratch(c.time, path)) return;
    Add(c.time, Kind::kWrite, how + ShowPath(path) + Failure(c));
  }

  void Delete(const Syscall& c, const std::string& path, bool dir) {
    if (LibraryImportScratch(c.time, path)) return;
    Add(c.time, Kind::kDelete,
        (dir ? "removed directory " : "removed ") + ShowPath(path) + Failure(c));
  }

  void Rename(const Syscall& c, const std::string& from, const std::string& to) {
    if (LibraryImportScratch(c.time, from) && LibraryImportScratch(c.time, to)) return;
    Add(c.time, Kind::kWrite, "renamed " + ShowPath(from) + " to " + ShowPath(to) + Failure(c));
  }

  // Whether the loopback canary took this connection: it listens on 127.0.0.1 only, and a
  // non-blocking connect counts when the canary reported accepting on that port.
  bool CanaryAccepted(const Syscall& c, const Address& a) const {
    if (a.family != "AF_INET" || !a.Loopback() || !canary_ports_.count(a.port)) return false;
    return c.ret == 0 || (c.error == "EINPROGRESS" && canary_accepts_.count(a.port));
  }

  std::string ConnectResult(const Syscall& c, const Address& a) const {
    if (!c.has_return) return " (did not return)";
    if (CanaryAccepted(c, a)) return " (accepted by the loopback canary)";
    if (a.Loopback() && (c.ret == 0 || c.error == "EINPROGRESS" || c.error == "ECONNREFUSED")) {
      // Only the canary listens on the sandbox's loopback.
      return " (refused: nothing listens there in the sandbox)";
    }
    if (c.ret == 0) return " (connected)";
    if (c.error == "EINPROGRESS") return " (started)";
    if (c.error == "ECONNREFUSED") return " (refused: nothing listens there in the sandbox)";
    if (c.error == "ENETUNREACH" || c.error == "EHOSTUNREACH") {
      return " (unreachable: the sandbox has no network)";
    }
    if (c.error == "ENOENT") return " (no such socket in the sandbox)";
    return " (failed: " + DisplayText(c.error) + ")";
  }

  // The C library's name-service cache socket: probed by every user or host lookup.
  static bool LibcProbe(const Address& a) {
    return a.family == "AF_UNIX" &&
           (StartsWith(a.host, "/var/run/nscd/") || StartsWith(a.host, "/run/nscd/"));
  }

  void Connect(const Syscall& c) {
    auto a = ParseAddress(c.Arg(1));
    if (!a || a->family == "AF_NETLINK" || a->family == "AF_UNSPEC") return;
    if (LibcProbe(*a)) return;
    Socket* s = SocketOf(c.pid, c.Arg(0));
    if (s && s->datagram) {
      // Datagram "connects" send nothing (getaddrinfo uses them to sort addresses): what is
      // sent later on the socket is what counts.
      s->peer = a;
      return;
    }
    std::string detail = DisplayText(a->Text()) + ConnectResult(c, *a);
    if (CanaryAccepted(c, *a)) accepted_index_[a->port].push_back(found_.size());
    Add(c.time, Kind::kConnect, std::move(detail));
  }

  void Bind(const Syscall& c) {
    auto a = ParseAddress(c.Arg(1));
    if (!a || !a->Inet() || a->port == 0) return;
    Add(c.time, Kind::kConnect, "listens on " + DisplayText(a->Text()) + Failure(c));
  }

  void Send(const Syscall& c) {
    std::optional<Address> dest;
    const Value* msg = c.Arg(1);
    if (c.name == "sendto") dest = ParseAddress(c.Arg(4));
    if (c.name == "sendmsg" && msg) dest = ParseAddress(msg->Field("msg_name"));
    Socket* s = SocketOf(c.pid, c.Arg(0));
    if (!dest && s && s->peer) dest = s->peer;
    if (!dest || !dest->Inet()) return;
    if (s && !s->datagram) return;  // stream sends: the connect was reported
    std::vector<std::string> buffers;
    if (c.name == "sendto") {
      if (c.Arg(1) && c.Arg(1)->type == Value::Type::kString) buffers.push_back(c.Arg(1)->text);
    } else if (msg) {
      CollectBuffers(*msg, buffers);
    }
    if (dest->port == 53) {
      bool any = false;
      for (const auto& b : buffers) {
        if (auto name = DnsQueryName(b)) {
          AddDns(c.time, *name);
          any = true;
        }
      }
      if (any) return;
    }
    size_t bytes = 0;
    for (const auto& b : buffers) bytes += b.size();
    Add(c.time, Kind::kConnect,
        fmt::format("udp {} ({} bytes sent){}", DisplayText(dest->Text()), bytes, Failure(c)));
  }

  void AddDns(double t, std::string name) {
    while (!name.empty() && name.back() == '.') name.pop_back();
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char ch) { return static_cast<char>(std::tolower(ch)); });
    if (name.empty() || IpLiteral(name)) return;
    if (!dns_seen_.insert(name).second) return;
    Add(t, Kind::kDns, DisplayText(name));
  }

  static bool IpLiteral(const std::string& s) {
    bool v4 = !s.empty(), v6 = s.find(':') != std::string::npos;
    for (char ch : s) {
      if (!(std::isdigit(static_cast<unsigned char>(ch)) || ch == '.')) v4 = false;
      if (!(std::isxdigit(static_cast<unsigned char>(ch)) || ch == ':' || ch == '.')) v6 = false;
    }
    return v4 || v6;
  }

  // ------------------------------------------------------------ harness
  void ReadHarnessSetup() {
    for (const auto& e : report_.events) {
      if (e.ev == "canary-ready" && e.pid == 1) {
        if (auto it = e.fields.find("ports"); it != e.fields.end() && it->is_array()) {
          for (const auto& p : *it)
            if (p.is_number_integer()) canary_ports_.insert(p.get<int>());
        }
        dns_canary_ = e.fields.value("dns", false);
      }
      if (e.ev == "accept") canary_accepts_.insert(e.fields.value("port", 0));
    }
    if (!started_) {
      // No marker in the trace (tracing stopped early): fall back to the harness's word.
      for (const auto& e : report_.events) {
        if (e.ev == "load-start" && !started_) {
          started_ = true;
          t_start_ = e.t;
        }
        if (e.ev == "load-returned" && !returned_marker_) {
          returned_marker_ = true;
          t_returned_ = e.t;
        }
      }
    }
  }

  void ReadHarnessEvents() {
    std::map<int, std::string> received;
    for (const auto& e : report_.events) {
      if (e.ev == "import" && started_ && e.t >= t_start_) {
        std::string module = e.Str("module"), name = e.Str("name");
        std::string what = name.empty() ? module + " (imported"
                                        : module + "." + name + " (looked up by the loader";
        std::string confirm = ModuleFileOpened(module);
        what += confirm.empty() ? "; reported by the harness's audit hook)"
                                : "; the trace shows " + confirm + " opened)";
        Add(e.t, Kind::kImport, DisplayText(what));
      } else if (e.ev == "browser" && started_ && e.t >= t_start_) {
        std::string url = DisplayText(e.Str("url"));
        bool seen = std::any_of(found_.begin(), found_.end(), [&](const auto& f) {
          return f.second.kind == Kind::kBrowser && f.second.detail == url;
        });
        if (!seen) Add(e.t, Kind::kBrowser, url + " (reported by the harness's audit hook)");
      } else if (e.ev == "dns" && started_ && e.t >= t_start_) {
        AddDns(e.t, e.Str("name"));
      } else if (e.ev == "received") {
        int port = e.fields.value("port", 0);
        if (!received.count(port)) received[port] = e.Str("data");
      } else if (e.ev == "load-start" && e.pid != 1) {
        out_.load_started = true;
      } else if (e.ev == "load-returned" && !out_.load_returned) {
        out_.load_returned = true;
        out_.load_ok = e.fields.value("ok", false);
        if (!out_.load_ok) {
          std::string type = e.Str("type"), message = e.Str("message");
          std::string missing = e.Str("missing_module");
          std::string text = type + (message.empty() ? "" : ": " + message);
          // MemoryError, or ENOMEM from an allocation outside Python's allocator (mmap).
          auto errno_it = e.fields.find("errno");
          bool enomem = errno_it != e.fields.end() && errno_it->is_number_integer() &&
                        errno_it->get<int>() == ENOMEM;
          if (type == "MemoryError" || enomem) Limit(LimitHit::kMemory);
          std::string err = DisplayText(text);
          if (!missing.empty()) {
            err += fmt::format(
                " — the file needs the module `{}`, which is not installed in the sandbox: the "
                "load stopped there, so anything the file does after that point did not run",
                DisplayText(missing));
          }
          out_.load_error = err;
        }
      } else if (e.ev == "loader-missing") {
        out_.loader_missing = true;
        out_.load_error = fmt::format(
            "the {} loader cannot run here: the module `{}` is not installed in the sandbox",
            loader_, DisplayText(e.Str("module")));
      } else if (e.ev == "loader-exit" && e.pid == 1) {
        loader_exit_ = &e;
      } else if (e.ev == "canary-error" && e.pid == 1) {
        out_.notes.push_back("canary not available: " + DisplayText(e.Str("what")) + ": " +
                             DisplayText(e.Str("error")));
      } else if (e.ev == "dropped") {
        out_.notes.push_back(
            fmt::format("the harness dropped {} report lines", e.fields.value("count", 0)));
      }
    }
    // What the loopback canary received, on the first accepted connection to each port.
    for (const auto& [port, data] : received) {
      auto it = accepted_index_.find(port);
      if (it == accepted_index_.end() || it->second.empty()) continue;
      auto& obs = found_[it->second.front()].second;
      obs.detail += "; it sent \"" + DisplayText(data, 200) + "\"";
    }
  }

  // "/usr/lib/python3.11/webbrowser.py" when the trace shows the module's file opened.
  std::string ModuleFileOpened(const std::string& module) const {
    std::string base = module.substr(0, module.find('.'));
    for (const auto& c : trace_.calls) {
      if (c.time < t_start_ || (c.name != "openat" && c.name != "open")) continue;
      std::string path = StringArg(c.Arg(c.name == "openat" ? 1 : 0));
      size_t slash = path.rfind('/');
      std::string file = slash == std::string::npos ? path : path.substr(slash + 1);
      std::string parent = slash == std::string::npos ? "" : path.substr(0, slash);
      auto ends = [](const std::string& s, std::string_view e) {
        return s.size() >= e.size() && s.compare(s.size() - e.size(), e.size(), e) == 0;
      };
      if (ends(parent, "/__pycache__")) parent.resize(parent.size() - 12);
      // M.py, __pycache__/M.cpython-311.pyc, M.cpython-311-x86_64-linux-gnu.so, M/__init__.*
      bool module_file = file == base + ".py" || (StartsWith(file, base + ".") &&
                                                  (ends(file, ".pyc") || ends(file, ".so")));
      bool package_file =
          (file == "__init__.py" || StartsWith(file, "__init__.")) && ends(parent, "/" + base);
      bool match = module_file || package_file;
      if (match && c.has_return && c.ret >= 0) return DisplayText(path);
    }
    return {};
  }

  // ------------------------------------------------------------ result
  // "M (imported…)" says less than "M.name (looked up by the loader…)": keep the latter.
  void DropImpliedImports() {
    std::set<std::string> looked_up;
    for (const auto& [t, o] : found_) {
      size_t p = o.detail.find(" (looked up by the loader");
      if (o.kind == Kind::kImport && p != std::string::npos) {
        looked_up.insert(o.detail.substr(0, o.detail.rfind('.', p)));
      }
    }
    std::erase_if(found_, [&](const auto& f) {
      size_t p = f.second.detail.find(" (imported");
      return f.second.kind == Kind::kImport && p != std::string::npos &&
             looked_up.count(f.second.detail.substr(0, p));
    });
  }

  Classification Finish() {
    DropImpliedImports();
    std::stable_sort(found_.begin(), found_.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    std::set<std::tuple<Kind, std::string, When>> seen;
    size_t dropped = 0;
    for (auto& [t, o] : found_) {
      if (!seen.insert({o.kind, o.detail, o.when}).second) continue;
      if (out_.observed.size() >= limits::kReproduceMaxObservations) {
        ++dropped;
        continue;
      }
      out_.observed.push_back(std::move(o));
    }
    if (dropped) out_.notes.push_back(fmt::format("{} more observations not listed", dropped));
    out_.load_started = out_.load_started || started_;
    if (!out_.load_returned && out_.load_started && !out_.load_error) {
      // The load never came back: the process died or was stopped inside it.
      std::string how = "the load did not return";
      if (root_exit_ && !root_exit_->signal.empty()) {
        how += ": the loader process was killed by " + DisplayText(root_exit_->signal);
      } else if (loader_exit_ && loader_exit_->fields.contains("signal")) {
        how += ": the loader process was killed by " + DisplayText(loader_exit_->Str("signal"));
      } else if (root_exit_ && root_exit_->code) {
        how += fmt::format(": the loader process exited with status {}", *root_exit_->code);
      } else if (loader_exit_ && loader_exit_->fields.contains("code")) {
        how += fmt::format(": the loader process exited with status {}",
                           loader_exit_->fields.value("code", 0));
      }
      out_.load_error = how;
    }
    if (!out_.load_started && !out_.load_error) {
      out_.load_error = "the harness did not reach the load";
    }
    if (out_.load_returned && out_.load_ok && root_exit_ && root_exit_->code &&
        *root_exit_->code != 0) {
      out_.notes.push_back(fmt::format(
          "the loader process exited with status {} after the load returned", *root_exit_->code));
    }
    if (trace_.unreadable_lines) {
      out_.notes.push_back(fmt::format("{} trace lines could not be read (the first: {})",
                                       trace_.unreadable_lines,
                                       DisplayText(trace_.first_unreadable, 200)));
    }
    out_.traced = root_ != 0 && started_from_trace_;
    if (!dns_canary_ && root_ != 0) {
      out_.notes.push_back("the DNS canary was not running: names did not resolve");
    }
    return std::move(out_);
  }

  const Trace& trace_;
  const HarnessReport& report_;
  const Layout& layout_;
  std::string loader_;

  int root_ = 0;  // the `load` process
  std::unordered_map<int, int> parent_;
  std::unordered_map<int, bool> shares_files_;
  std::unordered_map<int, bool> scope_;
  std::vector<FdTable> tables_;
  std::unordered_map<int, size_t> table_of_;
  bool started_ = false, returned_marker_ = false, started_from_trace_ = false;
  double t_start_ = 0, t_returned_ = 0;
  std::vector<std::pair<double, double>> windows_;  // installed-library imports (begin, end)
  std::set<int> canary_ports_;
  std::set<int> canary_accepts_;  // ports the canary reported a connection on
  bool dns_canary_ = false;
  std::map<std::pair<int, std::vector<std::string>>, std::pair<double, std::string>> failed_exec_;
  std::set<std::pair<int, std::vector<std::string>>> succeeded_exec_;
  std::set<std::string> dns_seen_;
  std::map<int, std::vector<size_t>> accepted_index_;  // port -> indexes into found_
  const ProcessExit* root_exit_ = nullptr;
  const HarnessEvent* loader_exit_ = nullptr;
  std::vector<std::pair<double, Observation>> found_;
  Classification out_;
};

}  // namespace

std::optional<std::string> DnsQueryName(std::string_view p) {
  if (p.size() < 17) return std::nullopt;
  auto u8 = [&](size_t i) { return static_cast<unsigned char>(p[i]); };
  bool response = u8(2) & 0x80;
  int opcode = (u8(2) >> 3) & 0x0F;
  int qdcount = (u8(4) << 8) | u8(5);
  if (response || opcode != 0 || qdcount < 1) return std::nullopt;
  std::string name;
  size_t i = 12;
  for (int labels = 0; labels < 128; ++labels) {
    if (i >= p.size()) return std::nullopt;
    size_t n = u8(i++);
    if (n == 0) {
      if (i + 4 > p.size()) return std::nullopt;  // QTYPE and QCLASS follow
      return name.empty() ? std::nullopt : std::optional<std::string>(name);
    }
    if (n > 63 || i + n > p.size()) return std::nullopt;
    if (!name.empty()) name += '.';
    name.append(p.substr(i, n));
    i += n;
  }
  return std::nullopt;
}

Classification Classify(const Trace& trace, const HarnessReport& report, const Layout& layout,
                        std::string_view loader_name) {
  return Classifier(trace, report, layout, loader_name).Run();
}

}  // namespace mv::reproduce
