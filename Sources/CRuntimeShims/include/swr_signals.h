// Signal numbers glibc computes at run time (SIGRTMIN/SIGRTMAX are function calls behind macros).
#ifndef SWR_SIGNALS_H
#define SWR_SIGNALS_H
int swr_sigrtmin(void);
int swr_sigrtmax(void);
#endif
