/* Version and status names. */
#include "internal.h"

unsigned arrayio_version_number(void) { return ARRAYIO_VERSION_NUMBER; }

const char *arrayio_version_string(void) { return ARRAYIO_VERSION_STRING; }

static const struct {
    const char *name;
    const char *text;
} status_table[ARRAYIO_STATUS_COUNT] = {
    {"ARRAYIO_OK", "success"},
    {"ARRAYIO_ERR_NULL", "required pointer argument is NULL"},
    {"ARRAYIO_ERR_ITEMSIZE", "item size is 0"},
    {"ARRAYIO_ERR_NDIM", "number of dimensions is negative or above ARRAYIO_MAX_DIMS"},
    {"ARRAYIO_ERR_SHAPE", "negative dimension in shape"},
    {"ARRAYIO_ERR_OVERFLOW", "size, stride or offset arithmetic overflows"},
    {"ARRAYIO_ERR_ORDER", "order is neither 'C' nor 'F'"},
    {"ARRAYIO_ERR_MISMATCH", "views differ in item size, ndim or shape"},
    {"ARRAYIO_ERR_SIZE", "buffer is too small"},
    {"ARRAYIO_ERR_OVERLAP", "buffer overlaps the view"},
    {"ARRAYIO_ERR_OS", "system call failed (see errno)"},
    {"ARRAYIO_ERR_EOF", "end of file before the whole array was read"},
    {"ARRAYIO_ERR_INTERRUPTED", "interrupted by a signal; resumable"},
    {"ARRAYIO_ERR_NO_PROGRESS", "write returned 0 bytes"},
    {"ARRAYIO_ERR_NOMEM", "out of memory"},
    {"ARRAYIO_ERR_RANGE", "offset or position out of range"},
    {"ARRAYIO_ERR_NPY_MAGIC", "not a .npy file (bad magic string)"},
    {"ARRAYIO_ERR_NPY_VERSION", "unsupported .npy format version"},
    {"ARRAYIO_ERR_NPY_TRUNCATED", ".npy header is truncated"},
    {"ARRAYIO_ERR_NPY_HEADER_SIZE", ".npy header is longer than the allowed maximum"},
    {"ARRAYIO_ERR_NPY_SYNTAX", ".npy header is not a dict literal"},
    {"ARRAYIO_ERR_NPY_KEYS", ".npy header keys are not exactly 'descr', 'fortran_order', 'shape'"},
    {"ARRAYIO_ERR_NPY_DESCR", ".npy descr is not a valid dtype description"},
    {"ARRAYIO_ERR_NPY_SHAPE", ".npy shape is not a tuple of non-negative ints that fits"},
    {"ARRAYIO_ERR_NPY_FORTRAN", ".npy fortran_order is not True or False"},
    {"ARRAYIO_ERR_NPY_ENCODING", "text is not valid UTF-8"},
    {"ARRAYIO_ERR_NPY_OBJECT", ".npy data of Python objects (a pickle) is not supported"},
    {"ARRAYIO_ERR_ST_HEADER_SIZE", "safetensors header is larger than the limit or than the file"},
    {"ARRAYIO_ERR_ST_ENCODING", "safetensors text is not valid UTF-8"},
    {"ARRAYIO_ERR_ST_SYNTAX", "safetensors header is not one JSON object"},
    {"ARRAYIO_ERR_ST_SCHEMA", "safetensors entry is not an object with dtype, shape and data_offsets"},
    {"ARRAYIO_ERR_ST_DTYPE", "safetensors dtype is not a known type name"},
    {"ARRAYIO_ERR_ST_SHAPE", "safetensors shape is not a list of non-negative ints that fits"},
    {"ARRAYIO_ERR_ST_OFFSETS", "safetensors data_offsets leave a gap or overlap, or are not [begin, end]"},
    {"ARRAYIO_ERR_ST_NBYTES", "safetensors data_offsets do not span the bytes of shape and dtype"},
    {"ARRAYIO_ERR_ST_DATA_END", "safetensors data does not end where the file does"},
    {"ARRAYIO_ERR_ST_DUPLICATE", "safetensors header repeats a name or key"},
    {"ARRAYIO_ERR_ST_METADATA", "safetensors __metadata__ is not an object of strings"},
};

const char *arrayio_error_name(int status)
{
    if (status < 0 || status >= ARRAYIO_STATUS_COUNT)
        return "ARRAYIO_ERR_UNKNOWN";
    return status_table[status].name;
}

const char *arrayio_strerror(int status)
{
    if (status < 0 || status >= ARRAYIO_STATUS_COUNT)
        return "unknown status code";
    return status_table[status].text;
}
