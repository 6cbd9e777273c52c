// libxcrypt (crypt_r, crypt_checksalt): verifies $1$ $5$ $6$ $2b$ $2y$ and DES hashes the way
// Apache's and nginx's password checks do on Linux.
#include <crypt.h>
