// zlib, for gzip-compressed image layers and SPDY header blocks. Swift cannot
// call inflateInit2 or deflateInit (macros); these wrap them.
#include <zlib.h>

static inline int czlib_inflate_init(z_stream *stream) {
    // 15 window bits + 32: detect gzip or zlib headers automatically.
    return inflateInit2(stream, 15 + 32);
}

/// inflateInit for a zlib stream (SPDY/3 header blocks, which use a preset dictionary).
static inline int czlib_inflate_init_zlib(z_stream *stream) {
    return inflateInit(stream);
}

/// deflateInit at `level` (zlib format: header, adler32).
static inline int czlib_deflate_init(z_stream *stream, int level) {
    return deflateInit(stream, level);
}
