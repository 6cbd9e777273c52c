// The shim is header-only (a static inline function Swift inlines); SwiftPM needs one source file.
#include "CPrefetch.h"
