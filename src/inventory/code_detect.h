// Model references in a program (Python or JavaScript/TypeScript, read into ir.h): every call
// whose callee — after imports, aliases and assignments are followed — matches a [[call]] rule
// of data/inventory.toml. Literal ids (also through constants, branches and string building)
// are references; arguments known only at run time are dynamic references; local paths,
// objects and datasets are nothing. `imports` follows names imported from other files of the
// tree (modules.h); without it they are dynamic.
#pragma once

#include "inventory/evaluate.h"
#include "inventory/findings.h"
#include "inventory/ir.h"
#include "inventory/rules.h"

namespace mv::inventory {

void DetectCalls(const Program& program, const Rules& rules, const LocalCheck& local,
                 FileFindings& out, ImportHook imports = nullptr);

}  // namespace mv::inventory
