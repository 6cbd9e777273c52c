// zlib (inflate with gzip/multi-member support) for rotated access logs (`access.log.2.gz`).
#include <zlib.h>
