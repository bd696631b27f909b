/* CPU hints Swift has no spelling for. */
#ifndef MOCKRUNS_MEMORY_SHIM_H
#define MOCKRUNS_MEMORY_SHIM_H
#include <stddef.h>

/* Asks for the cache lines of [start, start + count) ahead of a write: a hint, it never faults, never blocks. */
static inline void mr_prefetch_for_write(const void *start, size_t count)
{
  const char *p = (const char *) start;
  for (size_t offset = 0; offset < count; offset += 64) __builtin_prefetch(p + offset, 1, 3);
}
#endif
