// zlib, for gzip-compressed image layers. Swift cannot call inflateInit2
// (a macro); czlib_inflate_init wraps it.
#include <zlib.h>

static inline int czlib_inflate_init(z_stream *stream) {
    // 15 window bits + 32: detect gzip or zlib headers automatically.
    return inflateInit2(stream, 15 + 32);
}
