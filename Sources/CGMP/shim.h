// GMP (libgmp-dev) provides every big-integer operation Paillier needs. On Debian the header
// lives in the multiarch directory /usr/include/x86_64-linux-gnu/, which the compiler searches.
// The mpz_* names are macros; Swift calls the exported __gmpz_* functions they expand to.
#include <gmp.h>
