// libseccomp, opened on first use (core/lazy_lib.h): only `modelvet reproduce` (and the
// server's sandboxed reproduction) builds a filter, so scanning does not load it. seccomp.cc
// calls the non-variadic seccomp_rule_add_array, which a shim can forward.
//
// When libseccomp cannot be loaded, seccomp_init returns null, which seccomp.cc reports as an
// error: the sandbox is refused, never run without its filter.
#include <seccomp.h>

#include <cerrno>

#include "core/lazy_lib.h"

#define SECCOMP_FN(ret, name, params, args, fallback) \
  MV_LAZY_FN(MV_SECCOMP_SONAME, ret, name, params, args, fallback)

SECCOMP_FN(scmp_filter_ctx, seccomp_init, (uint32_t def_action), (def_action), nullptr)
SECCOMP_FN(void, seccomp_release, (scmp_filter_ctx ctx), (ctx), void())
SECCOMP_FN(int, seccomp_attr_set, (scmp_filter_ctx ctx, enum scmp_filter_attr attr, uint32_t value),
           (ctx, attr, value), -ENOSYS)
SECCOMP_FN(int, seccomp_syscall_resolve_name, (const char* name), (name), __NR_SCMP_ERROR)
SECCOMP_FN(int, seccomp_rule_add_array,
           (scmp_filter_ctx ctx, uint32_t action, int syscall, unsigned int arg_cnt,
            const struct scmp_arg_cmp* arg_array),
           (ctx, action, syscall, arg_cnt, arg_array), -ENOSYS)
SECCOMP_FN(int, seccomp_export_bpf, (const scmp_filter_ctx ctx, int fd), (ctx, fd), -ENOSYS)
