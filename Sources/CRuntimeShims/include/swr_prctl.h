// prctl(2) is variadic, which Swift cannot call.
#ifndef SWR_PRCTL_H
#define SWR_PRCTL_H
/// prctl(option, a2, a3, a4, a5).
int swr_prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5);
#endif
