// zlib's raw-deflate decoder reads the members of `.npz` (ZIP) archives.
#include <zlib.h>
