/* Everything is inline in include/CBatchIO.h; SwiftPM wants one source file in a C target. */
#include "CBatchIO.h"
