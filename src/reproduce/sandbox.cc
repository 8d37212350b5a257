#include "reproduce/sandbox.h"

#include <nlohmann/json.hpp>

#include "reproduce/harness_source.h"

namespace mv::reproduce {

namespace {

// The sandbox's own /etc files: one user (uid 0 of the user namespace, named "user"), names
// resolved by the DNS canary on the loopback, no host configuration.
constexpr const char* kPasswd =
    "user:x:0:0:user:/home/user:/bin/sh\n"
    "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n";
constexpr const char* kGroup = "user:x:0:\nnogroup:x:65534:\n";
constexpr const char* kHosts = "127.0.0.1 localhost\n::1 localhost ip6-localhost ip6-loopback\n";
constexpr const char* kNsswitch =
    "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\nnetworks: files\n"
    "protocols: files\nservices: files\n";
// A program that only exits: the tracer records its argv (the URL).
constexpr const char* kBrowser = "#!/bin/sh\nexit 0\n";

std::string Size(uint64_t bytes) {
  return std::to_string(bytes);
}

}  // namespace

const char* TracedSyscalls() {
  return "execve,execveat,open,openat,openat2,creat,unlink,unlinkat,rmdir,rename,renameat,"
         "renameat2,mkdir,mkdirat,link,linkat,symlink,symlinkat,truncate,socket,connect,bind,"
         "sendto,sendmsg,sendmmsg,clone,clone3,fork,vfork";
}

std::vector<WorkFile> WorkFiles(const Layout& layout) {
  std::vector<WorkFile> files = {
      {"modelvet/harness.py", std::string(HarnessSource()), false},
      {"modelvet/browser", kBrowser, true},
      {"etc/passwd", kPasswd, false},
      {"etc/group", kGroup, false},
      {"etc/hosts", kHosts, false},
      {"etc/hostname", "sandbox\n", false},
      {"etc/nsswitch.conf", kNsswitch, false},
      {"etc/resolv.conf", "nameserver " + layout.nameserver + "\noptions attempts:1 timeout:1\n",
       false},
  };
  for (const auto& d : layout.decoys) files.push_back({"home/" + d.path, d.content, false});
  return files;
}

std::string SandboxFileName(const std::string& host_path) {
  std::string base = host_path.substr(host_path.rfind('/') + 1);
  std::string out;
  for (char c : base.substr(0, 100)) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    out += ok ? c : '_';
  }
  if (out.empty() || out[0] == '.') out = "model" + out;
  return out;
}

std::string HarnessConfig(const SandboxInput& in) {
  const Layout& l = in.layout;
  nlohmann::json cfg = {
      {"report_fd", kReportFd},
      {"loader", LoaderName(in.loader)},
      {"model", in.model_name.empty() ? "" : l.model_dir + "/" + in.model_name},
      {"baseline", in.baseline},
      {"limits",
       {{"cpu_seconds", in.limits.cpu_seconds},
        {"memory_bytes", in.limits.memory_bytes},
        {"processes", in.limits.processes},
        {"file_bytes", in.limits.tmpfs_bytes}}},
      {"linger_seconds", limits::kReproduceLingerMs / 1000.0},
      {"listen_ports", l.listen_ports},
      {"watch_modules", l.watch_modules},
      {"python", l.python},
      {"setpriv", l.setpriv},
      {"harness", l.harness},
  };
  return cfg.dump();
}

std::vector<std::string> SandboxCommand(const SandboxInput& in) {
  const Layout& l = in.layout;
  std::vector<std::string> a = {
      in.strace,
      "-f",    // follow every process and thread
      "-q",    // no attach/detach chatter; exits and kills are kept
      "-ttt",  // absolute timestamps (the harness reports on the same clock)
      "-s",
      "4096",                 // argv, paths and packets up to 4 KiB
      "--decode-pids=pidns",  // child ids of fork/clone in the tracer's namespace
      "--seccomp-bpf",        // stop only at traced calls: torch's imports stay fast
      "-e",
      "signal=SIGXCPU,SIGXFSZ,SIGKILL,SIGSEGV,SIGBUS,SIGABRT,SIGSYS",
      "-e",
      std::string("trace=") + TracedSyscalls(),
      "-o",
      in.trace_path,
      "--",
      in.bwrap,
      // Every namespace: user (uid 0 inside, mapped to the unprivileged caller), pid, net
      // (an isolated loopback only), ipc, uts, cgroup.
      "--unshare-all",
      "--unshare-user",
      "--uid",
      "0",
      "--gid",
      "0",
      "--hostname",
      "sandbox",
      "--die-with-parent",
      "--new-session",
      "--as-pid-1",
      // Only the launcher uses these (to bind the canaries' ports); it runs every other
      // process through setpriv with no capability left.
      "--cap-add",
      "CAP_NET_BIND_SERVICE",
      "--cap-add",
      "CAP_SETPCAP",
      "--seccomp",
      std::to_string(kSeccompFd),
      "--ro-bind",
      "/usr",
      "/usr",
  };
  for (const auto& e : in.root_entries) {
    if (!e.symlink_target.empty()) {
      a.insert(a.end(), {"--symlink", e.symlink_target, e.path});
    } else if (e.directory) {
      a.insert(a.end(), {"--ro-bind", e.path, e.path});
    }
  }
  a.insert(a.end(), {"--dir", "/etc"});
  for (const auto& e : in.etc_entries) a.insert(a.end(), {"--ro-bind", e, e});
  for (const char* f : {"passwd", "group", "hosts", "hostname", "nsswitch.conf", "resolv.conf"}) {
    a.insert(a.end(), {"--ro-bind", in.workdir + "/etc/" + f, std::string("/etc/") + f});
  }
  std::string tmpfs = Size(in.limits.tmpfs_bytes);
  a.insert(a.end(), {"--proc", "/proc", "--dev", "/dev"});
  for (const char* dir : {"/tmp", "/var/tmp", "/dev/shm", "/run"}) {
    a.insert(a.end(), {"--size", tmpfs, "--tmpfs", dir});
  }
  a.insert(a.end(), {"--size", tmpfs, "--tmpfs", l.home});
  for (const auto& d : l.decoys) {
    a.insert(a.end(), {"--ro-bind", in.workdir + "/home/" + d.path, l.DecoyPath(d)});
  }
  a.insert(a.end(), {"--ro-bind", in.workdir + "/modelvet/harness.py", l.harness});
  a.insert(a.end(), {"--ro-bind", in.workdir + "/modelvet/browser", l.browser});
  if (!in.model_name.empty()) {
    std::string dest = l.model_dir + "/" + in.model_name;
    if (in.model_copy.empty()) {
      a.insert(a.end(), {"--ro-bind-fd", std::to_string(kModelFd), dest});
    } else {
      a.insert(a.end(), {"--ro-bind", in.model_copy, dest});
    }
  }
  // The root tmpfs bubblewrap built the tree in is writable until now: make it read-only
  // (not recursive, so the private tmpfs mounts above stay writable).
  a.insert(a.end(), {"--remount-ro", "/"});
  a.insert(a.end(), {"--clearenv",
                     "--setenv",
                     "HOME",
                     l.home,
                     "--setenv",
                     "USER",
                     "user",
                     "--setenv",
                     "LOGNAME",
                     "user",
                     "--setenv",
                     "PATH",
                     "/usr/local/bin:/usr/bin:/bin",
                     "--setenv",
                     "LANG",
                     "C.UTF-8",
                     "--setenv",
                     "TMPDIR",
                     "/tmp",
                     "--setenv",
                     "BROWSER",
                     l.browser,
                     "--setenv",
                     "PYTHONDONTWRITEBYTECODE",
                     "1",
                     "--chdir",
                     l.home,
                     "--",
                     l.python,
                     "-I",
                     "-B",
                     l.harness,
                     "launch",
                     HarnessConfig(in)});
  return a;
}

}  // namespace mv::reproduce
