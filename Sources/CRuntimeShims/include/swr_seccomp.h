// libseccomp actions that are function-like macros.
#ifndef SWR_SECCOMP_H
#define SWR_SECCOMP_H
#include <stdint.h>
uint32_t swr_scmp_act_errno(uint16_t value);
uint32_t swr_scmp_act_trace(uint16_t value);
#endif
