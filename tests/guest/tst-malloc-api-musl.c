/*
 * tst-malloc-api-musl: tst-malloc-api.c linked with musl's own malloc
 * (jiny-musl-malloc.specs, the choice for the smallest images) instead of
 * mimalloc; it must say so, and pass the same checks.
 */
// MALLOC: musl
// EXPECT: ^tst: tst-malloc-api-musl: [0-9]+ checks, 0 failures$
// EXPECT: ^malloc-api: allocator musl, [0-9]+ threads
// VARIANT: smp1
// VARIANT: smp2 --smp 2
// TIMEOUT: 600
#define MALLOC_API_EXPECT "musl"
#include "tst-malloc-api.c"
