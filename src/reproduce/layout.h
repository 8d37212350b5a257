// Where things are inside the sandbox. The sandbox builder (sandbox.h) creates this layout and
// the classifier (classify.h) reads the trace against it, so both take it from here.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mv::reproduce {

struct Decoy {
  std::string path;     // relative to HOME
  std::string content;  // plausible, clearly fake
};

struct Layout {
  std::string harness = "/modelvet/harness.py";  // the harness script (read-only)
  std::string browser = "/modelvet/browser";     // BROWSER canary: a program that exits 0
  std::string marker_dir = "/.modelvet-marker";  // the harness's load-start/returned markers
  std::string home = "/home/user";               // private tmpfs HOME with the decoys
  std::string model_dir = "/model";              // the model, bound read-only
  std::string python = "/usr/bin/python3";       // Debian's interpreter and its loaders
  std::string setpriv = "/usr/bin/setpriv";      // drops capabilities before any model code
  // Nameserver the sandbox's resolv.conf names; the DNS canary listens there.
  std::string nameserver = "127.0.0.1";
  // TCP ports the loopback canary accepts on (every name resolves to 127.0.0.1): the web,
  // proxy, IRC and remote-shell ports payloads use. A connect to any other port is still
  // recorded by the tracer; only its bytes are not.
  std::vector<int> listen_ports = {21,   22,   23,   25,   80,   443,  1080, 1337,
                                   3128, 4444, 4445, 5555, 6666, 6667, 7777, 8000,
                                   8080, 8443, 8888, 9001, 9999, 31337};
  // Modules whose import or use by the file is reported (kind `import`): they exist to act on
  // the host — start programs, open a browser, debug or run other code, call native code.
  std::vector<std::string> watch_modules = {"webbrowser", "antigravity", "pdb",    "bdb",
                                            "code",       "codeop",      "runpy",  "subprocess",
                                            "pty",        "ctypes",      "_ctypes"};
  std::vector<Decoy> decoys = DefaultDecoys();

  static std::vector<Decoy> DefaultDecoys();
  // The absolute path of a decoy inside the sandbox.
  std::string DecoyPath(const Decoy& d) const { return home + "/" + d.path; }
};

}  // namespace mv::reproduce
