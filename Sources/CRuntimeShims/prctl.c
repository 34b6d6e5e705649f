// Why: prctl(2) is declared variadic; Swift cannot call variadic C functions.
#include <sys/prctl.h>
#include "swr_prctl.h"

int swr_prctl(int option, unsigned long a2, unsigned long a3, unsigned long a4, unsigned long a5) {
    return prctl(option, a2, a3, a4, a5);
}
