// Why: SCMP_ACT_ERRNO(x) and SCMP_ACT_TRACE(x) are function-like macros.
#include <seccomp.h>
#include "swr_seccomp.h"

uint32_t swr_scmp_act_errno(uint16_t value) { return SCMP_ACT_ERRNO(value); }
uint32_t swr_scmp_act_trace(uint16_t value) { return SCMP_ACT_TRACE(value); }
