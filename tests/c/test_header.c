/* The public header compiles on its own, first, under -std=c99 -pedantic
 * -Werror, and declares what it promises. */
#include "arrayio.h"

typedef char version_is_number[ARRAYIO_VERSION_NUMBER >= 0 ? 1 : -1];
typedef char max_dims_at_least_64[ARRAYIO_MAX_DIMS >= 64 ? 1 : -1];

int main(void)
{
    arrayio_view v = {0, 1, 0, 0, 0};
    arrayio_io io = {0, 0, 0u, 0, 0};
    (void)v;
    (void)io;
    return 0;
}
