/* The prefetch is a static inline function in the header; SwiftPM needs one source file per C target. */
#include "CPrefetch.h"

void fedns_prefetch_unused(void) {}
