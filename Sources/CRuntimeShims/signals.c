// Why: SIGRTMIN and SIGRTMAX are macros that call into glibc.
#include <signal.h>
#include "swr_signals.h"

int swr_sigrtmin(void) { return SIGRTMIN; }
int swr_sigrtmax(void) { return SIGRTMAX; }
