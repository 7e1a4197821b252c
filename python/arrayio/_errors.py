"""The one place where libarrayio status codes become Python exceptions."""
import os

from ._ffi import ffi, lib

__all__ = ["ShortReadError", "raise_status"]


class ShortReadError(EOFError, ValueError):
    """The file ended before the whole array was read.

    ``expected`` is the number of bytes the array needs, ``got`` how many
    the file had.  From ``readinto`` those ``got`` bytes are stored at the
    start of the array, in stream order; ``read`` checks a regular file's
    size first and allocates nothing.  It is both an ``EOFError`` and a
    ``ValueError``.
    """

    def __init__(self, expected, got, filename=None):
        where = f" in {filename!r}" if filename else ""
        super().__init__(
            f"file ended{where} after {got} of the {expected} bytes the array needs"
        )
        self.expected = expected
        self.got = got
        self.filename = filename


def os_error(err, done, total, *, writing, filename=None):
    """An OSError of the errno's own subclass, with the progress attached."""
    verb = "written" if writing else "read"
    msg = f"{os.strerror(err)} ({done} of {total} bytes {verb})"
    exc = OSError(err, msg) if filename is None else OSError(err, msg, filename)
    if isinstance(exc, BlockingIOError):
        exc.characters_written = done if writing else 0
    if writing:
        exc.bytes_written = done
    else:
        exc.bytes_read = done
    return exc


def raise_status(status, *, what="", io=None, total=0, writing=True, filename=None):
    """Raise the exception for a non-zero libarrayio status."""
    if status == lib.ARRAYIO_OK:
        return
    done = int(io.done) if io is not None else 0
    if status == lib.ARRAYIO_ERR_OS:
        raise os_error(io.sys_errno, done, total, writing=writing, filename=filename)
    if status == lib.ARRAYIO_ERR_EOF:
        raise ShortReadError(total, done, filename)
    if status == lib.ARRAYIO_ERR_NOMEM:
        raise MemoryError(f"{what}: out of memory")
    name = ffi.string(lib.arrayio_error_name(status)).decode()
    text = ffi.string(lib.arrayio_strerror(status)).decode()
    prefix = f"{what}: " if what else ""
    if status == lib.ARRAYIO_ERR_NO_PROGRESS:
        exc = OSError(f"{prefix}{text} after {done} of {total} bytes ({name})")
        exc.bytes_written = done
        raise exc
    raise ValueError(f"{prefix}{text} ({name})")
