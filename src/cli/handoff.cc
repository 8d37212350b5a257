// `modelvet serve`, `user` and `token` run in modelvet-serve (git-style: the executable of the
// same directory, with the same arguments), the one executable that links the web server.
#include <limits.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <string>
#include <string_view>

#include "cli/command_line.h"
#include "cli/commands.h"

namespace mv::cli {

namespace {

bool IsServerCommand(std::string_view a) {
  return a == "serve" || a == "user" || a == "token";
}

// The directory of this executable (where modelvet-serve is installed beside it).
std::string OwnDirectory() {
  char buf[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return ".";
  std::string path(buf, static_cast<size_t>(n));
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash);
}

}  // namespace

std::optional<int> HandOffServerCommand(int argc, char** argv) {
  std::optional<std::string_view> command = NamedSubcommand(argc, argv);
  if (!command || !IsServerCommand(*command)) return std::nullopt;
  std::string exe = OwnDirectory() + "/modelvet-serve";
  execv(exe.c_str(), argv);
  std::cerr << "modelvet: " << *command << " runs in modelvet-serve, which could not be started ("
            << exe << ": " << std::strerror(errno) << ")\n";
  return 2;
}

void AddServerStubs(CLI::App& app) {
  // Listed for --help; never parsed here (HandOffServerCommand ran before).
  app.add_subcommand("serve", kServeHelp)->allow_extras();
  app.add_subcommand("user", kUserHelp)->allow_extras();
  app.add_subcommand("token", kTokenHelp)->allow_extras();
}

}  // namespace mv::cli
