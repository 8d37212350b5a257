// TorchScript code files (`code/**.py` members of a torch.jit.save zip): plain Python-subset
// text that torch.jit.load compiles. Reports the file and any use of operations that reach
// files, processes or host-registered code. Facts only.
#pragma once

#include "core/result.h"
#include "formats/format.h"

namespace mv::formats::torchscript {

// Text that starts like a TorchScript code file: "op_version_set = N" (torch < 1.6), or a
// leading `class X(...):` / `def f(...):` header (what torch.jit.save writes under code/).
bool Sniff(Source& src, ByteSpan head, bool signature);
// Observations: ("torchscript.code", "") once per file; ("torchscript.call", name) for
// os.*/subprocess.*/sys.*/shutil.*/socket.*/importlib.*, builtins.open/eval/exec/__import__/
// compile and torch.ops.load_library; ("torchscript.custom-op", "ns::op") for torch.ops
// namespaces outside aten/prim/quantized/… (code registered by the host, not in the file).
Result<ReadOutput> Read(const SourcePtr& src, ReadContext& ctx);

}  // namespace mv::formats::torchscript
