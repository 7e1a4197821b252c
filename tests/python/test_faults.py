"""Signals, blocking and non-blocking descriptors, threads: real pipes."""
import errno
import fcntl
import os
import signal
import threading
import time

import numpy as np
import pytest

import arrayio

pytestmark = pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs setitimer")


def drain_later(fd, delay, sink, chunk=65536, pause=0.0):
    def run():
        time.sleep(delay)
        while True:
            b = os.read(fd, chunk)
            if not b:
                break
            sink.append(b)
            if pause:
                time.sleep(pause)
    t = threading.Thread(target=run, daemon=True)
    t.start()
    return t


@pytest.fixture
def alarm_handler():
    hits = []
    old = signal.signal(signal.SIGALRM, lambda *a: hits.append(1))
    yield hits
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, old)


def test_eintr_handlers_run_and_write_completes(alarm_handler):
    """A handler that returns: the write goes on (PEP 475) and every byte
    arrives once, in order."""
    a = np.arange(1 << 20, dtype="<u4").reshape(1024, 1024).T   # 4 MiB strided
    r, w = os.pipe()
    sink = []
    t = drain_later(r, 0.2, sink, pause=0.001)
    signal.setitimer(signal.ITIMER_REAL, 0.01, 0.01)
    try:
        n = arrayio.write(w, a)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        os.close(w)
    t.join()
    os.close(r)
    assert n == a.nbytes
    assert b"".join(sink) == a.tobytes()
    assert len(alarm_handler) >= 3


def test_handler_exception_propagates_with_progress():
    class Stop(Exception):
        pass

    def raiser(*args):
        raise Stop()

    old = signal.signal(signal.SIGALRM, raiser)
    a = np.arange(1 << 20, dtype="<f8")[::-1]        # 8 MiB, never drained
    r, w = os.pipe()
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.1)
        with pytest.raises(Stop) as info:
            arrayio.write(w, a)
        written = info.value.bytes_written
        assert 0 < written < a.nbytes
        got = b""
        os.set_blocking(r, False)
        while True:
            try:
                got += os.read(r, 1 << 20)
            except BlockingIOError:
                break
        assert got == a.tobytes()[:written]   # exactly what was reported
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
        os.close(r)
        os.close(w)


def test_nonblocking_descriptor_blockingioerror():
    a = np.arange(1 << 18, dtype="<f8")[::2]
    r, w = os.pipe()
    os.set_blocking(w, False)
    try:
        with pytest.raises(BlockingIOError) as info:
            arrayio.write(w, a)
        n = info.value.characters_written
        assert n == info.value.bytes_written and 0 < n < a.nbytes
        assert info.value.errno == errno.EAGAIN
        os.set_blocking(r, False)
        got = b""
        while True:
            try:
                got += os.read(r, 1 << 20)
            except BlockingIOError:
                break
        assert got == a.tobytes()[:n]
    finally:
        os.close(r)
        os.close(w)


def test_gil_released_while_write_blocks():
    """A thread blocked in a write to a full pipe does not stop Python."""
    a = np.zeros(4 << 20, dtype=np.uint8)[::2]
    r, w = os.pipe()
    done = threading.Event()

    def writer():
        arrayio.write(w, a)
        done.set()

    t = threading.Thread(target=writer, daemon=True)
    t.start()
    counter = 0
    deadline = time.monotonic() + 0.3
    while time.monotonic() < deadline:   # the pipe is full: writer blocked
        counter += 1
    assert not done.is_set()
    assert counter > 10000
    sink = []
    d = drain_later(r, 0, sink)
    t.join(10)
    os.close(w)
    d.join(10)
    os.close(r)
    assert done.is_set()
    assert sum(map(len, sink)) == a.nbytes


def test_pipe_to_subprocess(tmp_path):
    import subprocess
    import sys
    a = np.arange(300000, dtype="<i4").reshape(600, 500)[:, ::-1]
    p = subprocess.Popen([sys.executable, "-c",
                          "import sys,hashlib;d=sys.stdin.buffer.read();print(len(d), hashlib.sha256(d).hexdigest())"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    arrayio.write(p.stdin, a)
    p.stdin.close()
    out = p.stdout.read().decode().split()
    p.wait()
    import hashlib
    assert out == [str(a.nbytes), hashlib.sha256(a.tobytes()).hexdigest()]
