#ifndef WHY401_CPREFETCH_H
#define WHY401_CPREFETCH_H

/// Asks the CPU to start loading the cache line at `address`, without waiting for it.
///
/// Swift has no prefetch intrinsic. The log scanner looks up every line's client address in a hash
/// table larger than a core's L2 cache; starting that load one line ahead lets the cache miss overlap
/// with parsing the line before instead of stalling on it. A hint only: it never faults.
static inline __attribute__((always_inline)) void why401_prefetch(const void *address) {
    __builtin_prefetch(address, 0, 3);
}

#endif
