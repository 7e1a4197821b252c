"""python -m arrayio bench: arrayio and its peers, side by side.

Each case runs arrayio and every peer in this process, alternating, several
times; it reports the median GB/s of each and the ratio arrayio/peer (above
1: arrayio is faster).  Files go to a directory given with --dir, by default
a temporary directory on tmpfs (/dev/shm) when there is one: disks are noisy.
"""
import io
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import numpy as np

import arrayio

try:
    import arraykit
except ImportError:  # a peer only when installed
    arraykit = None
try:
    import safetensors.numpy as safetensors_np
except ImportError:  # a peer only when installed
    safetensors_np = None


class Case:
    def __init__(self, number, title, nbytes, unit="GB/s"):
        self.number, self.title, self.nbytes, self.unit = number, title, nbytes, unit
        self.runs = {}

    def run(self, peers, repeat):
        """peers: list of (name, fn); arrayio first.  Alternates them."""
        for _ in range(repeat):
            for name, fn in peers:
                t = time.perf_counter()
                fn()
                self.runs.setdefault(name, []).append(time.perf_counter() - t)

    def rows(self):
        med = {k: statistics.median(v) for k, v in self.runs.items()}
        ours = med["arrayio"]
        out = []
        for name, t in med.items():
            speed = self.nbytes / t / 1e9 if self.unit == "GB/s" else t / self.nbytes * 1e6
            ratio = t / ours if name != "arrayio" else None
            out.append((name, speed, ratio))
        return out


def _write_file(path, fn):
    with open(path, "wb", buffering=0) as f:
        fn(f)


def _os_write_all(f, a):
    with memoryview(a).cast("B") as mv:
        done = 0
        while done < len(mv):
            done += os.write(f.fileno(), mv[done:])


def _nditer_write(f, a, order="C"):
    """What numpy.lib.format.write_array does for non-file objects."""
    size = max(16 * 1024 ** 2 // a.itemsize, 1)
    for chunk in np.nditer(a, flags=["external_loop", "buffered", "zerosize_ok"],
                           buffersize=size, order=order):
        f.write(chunk.tobytes("C"))


def run_cases(directory, mib, repeat, small_count, only=None):
    elements = mib * 2**20 // 8  # float64, twice as wide as tall
    rows = int(np.sqrt(elements / 2))
    cols = elements // rows
    rng = np.random.default_rng(0)
    a = rng.standard_normal((rows, cols))
    path = os.path.join(directory, "bench.bin")
    path2 = os.path.join(directory, "bench2.bin")
    cases = []

    def want(k):
        return only is None or k in only

    if want(1):
        c = Case(1, f"contiguous {a.shape} float64 -> file", a.nbytes)
        peers = [("arrayio", lambda: _write_file(path, lambda f: arrayio.write(f, a))),
                 ("os.write", lambda: _write_file(path, lambda f: _os_write_all(f, a))),
                 ("ndarray.tofile", lambda: _write_file(path, lambda f: a.tofile(f))),
                 ("numpy.save", lambda: _write_file(path, lambda f: np.save(f, a)))]
        if arraykit:
            peers.append(("arraykit", lambda: _write_file(path, lambda f: arraykit.write_array_to_file(a, f))))
        c.run(peers, repeat)
        cases.append(c)

    for num, label, view in ((2, "transposed a.T", a.T), (3, "strided a[::2, ::2]", a[::2, ::2])):
        if not want(num):
            continue
        c = Case(num, f"{label} {view.shape} -> file, C order", view.nbytes)
        peers = [("arrayio", lambda v=view: _write_file(path, lambda f: arrayio.write(f, v))),
                 ("numpy nditer loop", lambda v=view: _write_file(path, lambda f: _nditer_write(f, v))),
                 ("ndarray.tofile", lambda v=view: _write_file(path, lambda f: v.tofile(f))),
                 ("numpy.save", lambda v=view: _write_file(path, lambda f: np.save(f, v)))]
        if arraykit:
            peers.append(("arraykit", lambda v=view: _write_file(path, lambda f: arraykit.write_array_to_file(v, f))))
        c.run(peers, repeat)
        cases.append(c)

    if want(4):
        smalls = [rng.standard_normal(16) for _ in range(small_count)]

        def many(save):
            with open(path, "wb") as f:
                for s in smalls:
                    save(f, s)

        c = Case(4, f"{small_count} arrays of 16 float64 saved as .npy into one file",
                 small_count, unit="us/array")
        c.run([("arrayio", lambda: many(arrayio.save)), ("numpy.save", lambda: many(np.save))],
              max(2, repeat // 2))
        cases.append(c)

    if want(5):
        dst = np.empty((cols, rows))
        c = Case(5, f"copyto(dst, a.T) {a.T.shape}", a.nbytes)
        c.run([("arrayio", lambda: arrayio.copyto(dst, a.T)),
               ("numpy.copyto", lambda: np.copyto(dst, a.T))], repeat)
        cases.append(c)
        dst2 = np.empty_like(a)
        c = Case(5, f"copyto(dst, a) contiguous {a.shape}", a.nbytes)
        c.run([("arrayio", lambda: arrayio.copyto(dst2, a)),
               ("numpy.copyto", lambda: np.copyto(dst2, a))], repeat)
        cases.append(c)

    if want(6):
        npy = os.path.join(directory, "bench.npy")
        np.save(npy, a)
        raw = os.path.join(directory, "bench.raw")
        a.tofile(raw)
        c = Case(6, f".npy {a.shape} -> new array", a.nbytes)
        c.run([("arrayio", lambda: arrayio.load(npy)), ("numpy.load", lambda: np.load(npy)),
               ("numpy.fromfile", lambda: np.fromfile(raw, dtype=a.dtype))], repeat)
        cases.append(c)
        out = np.empty_like(a)

        def file_readinto():
            with open(raw, "rb", buffering=0) as f, memoryview(out).cast("B") as mv:
                got = 0
                while got < len(mv):
                    got += f.readinto(mv[got:])

        def ours_readinto():
            with open(raw, "rb", buffering=0) as f:
                arrayio.readinto(f, out)

        c = Case(6, f"raw file -> existing array {a.shape}", a.nbytes)
        c.run([("arrayio", ours_readinto), ("file.readinto", file_readinto)], repeat)
        cases.append(c)
        os.remove(npy)
        os.remove(raw)

    if want(7):
        for label, view in (("contiguous", a), ("transposed", a.T)):
            c = Case(7, f"{label} {view.shape} -> BytesIO as .npy", view.nbytes)
            peers = [("arrayio", lambda v=view: arrayio.save(io.BytesIO(), v)),
                     ("numpy.save", lambda v=view: np.save(io.BytesIO(), v))]
            if arraykit:
                peers.append(("arraykit", lambda v=view: arraykit.write_array_to_file(v, io.BytesIO())))
            c.run(peers, max(2, repeat // 2))
            cases.append(c)

    if want(8):
        b = a.copy()

        # contiguous arrays: the write itself, no packing thread, so the
        # ratio shows whether the GIL serialises two writers
        def two_threads():
            ts = [threading.Thread(target=lambda x=x, p=p: arrayio.write(p, x))
                  for x, p in ((a, path), (b, path2))]
            for t in ts:
                t.start()
            for t in ts:
                t.join()

        def one_thread():
            arrayio.write(path, a)
            arrayio.write(path2, b)

        c = Case(8, f"two {a.shape} arrays to two files: 2 threads vs 1", 2 * a.nbytes)
        c.run([("arrayio", two_threads), ("one thread", one_thread)], repeat)
        cases.append(c)
        del b

    if want(10):
        mixed = _mixed_arrays(rng, 1000, mib * 2**20 // 4)
        total = sum(m.nbytes for m in mixed)

        def concatenate_recipe():
            out = np.ndarray(total, np.uint8, buffer=bytearray(total))
            np.concatenate([m.ravel().view(np.uint8) for m in mixed], out=out)
            return out

        c = Case(10, f"pack 1,000 mixed arrays ({total / 2**20:.0f} MiB; a third transposed, "
                 "a third strided)", total)
        c.run([("arrayio", lambda: arrayio.pack(mixed)),
               ("np.concatenate recipe", concatenate_recipe),
               ("tobytes() join", lambda: b"".join(m.tobytes() for m in mixed))], repeat)
        cases.append(c)

    if want(11):
        tensors = {f"layer{i}.weight": rng.standard_normal(
                       (int(rng.integers(1, 16)) * max(1, mib // 32) * 8, 640)).astype(np.float32)
                   for i in range(100)}
        total = sum(t.nbytes for t in tensors.values())
        st_path = os.path.join(directory, "bench.safetensors")
        title = f"dict of 100 float32 arrays ({total / 2**20:.0f} MiB)"
        save = [("arrayio", lambda: arrayio.save_safetensors(st_path, tensors))]
        load = [("arrayio", lambda: arrayio.load_safetensors(st_path))]
        if safetensors_np is not None:
            save.append(("safetensors", lambda: safetensors_np.save_file(tensors, st_path)))
            load.append(("safetensors", lambda: safetensors_np.load_file(st_path)))
        c = Case(11, f"save_safetensors: {title} -> file", total)
        c.run(save, repeat)
        cases.append(c)
        c = Case(11, f"load_safetensors: file -> {title}", total)
        c.run(load, repeat)
        cases.append(c)
        os.remove(st_path)

    for p in (path, path2):
        if os.path.exists(p):
            os.remove(p)
    return cases


def _mixed_arrays(rng, count, total):
    """count arrays of assorted dtypes and sizes adding up to about total
    bytes: a third contiguous, a third transposed, a third strided."""
    dtypes = [np.float64, np.float32, np.int16, np.uint8, np.complex64, np.int64]
    out = []
    for i in range(count):
        dt = np.dtype(dtypes[i % len(dtypes)])
        n = max(16, int(rng.integers(1, 2 * total // count)) // dt.itemsize // 16 * 16)
        base = rng.standard_normal(2 * n).astype(dt).reshape(-1, 16)
        kind = i % 3
        out.append(base[: n // 16] if kind == 0 else base[: n // 16].T if kind == 1 else base[::2])
    return out


_PEAK_SCRIPT = """
import os, resource, sys, numpy as np, arrayio
mib = int(sys.argv[1]); path = sys.argv[2]
a = np.ones((mib * 2**20 // 8 // 4096, 4096))
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
arrayio.write(path, a.T)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
os.remove(path)
print((after - before) / 1024)
"""


def peak_memory(directory, mib):
    """Peak RSS growth (MiB) while writing a non-contiguous array of `mib`."""
    out = subprocess.run([sys.executable, "-c", _PEAK_SCRIPT, str(mib),
                          os.path.join(directory, "peak.bin")],
                         capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def machine():
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version(),
            "numpy": np.__version__, "arrayio": arrayio.__version__,
            "arraykit": getattr(arraykit, "__version__", None)}


def main(args):
    base = args.dir
    tmp = None
    if base is None:
        tmp = tempfile.TemporaryDirectory(dir="/dev/shm" if os.path.isdir("/dev/shm") else None)
        base = tmp.name
    mib = args.size or (32 if args.quick else 256)
    repeat = args.repeat or (3 if args.quick else 5)
    small = 5000 if args.quick else 20000
    only = set(args.case) if args.case else None
    m = machine()
    print(f"arrayio {m['arrayio']} | numpy {m['numpy']} | arraykit {m['arraykit'] or 'not installed'}"
          f" | Python {m['python']} | {m['cpu']}, {m['cores']} cores | files in {base}")
    print(f"arrays of {mib} MiB, median of {repeat} runs; ratio = peer time / arrayio time\n")
    try:
        cases = run_cases(base, mib, repeat, small, only)
        peak = None
        if only is None or 9 in only:
            peak = peak_memory(base, 128 if args.quick else 1024)
    finally:
        if tmp is not None:
            tmp.cleanup()
    report = {"machine": m, "size_mib": mib, "repeat": repeat, "cases": []}
    for c in cases:
        print(f"{c.number}. {c.title}")
        for name, speed, ratio in c.rows():
            r = "" if ratio is None else f"{ratio:8.2f}x"
            print(f"   {name:<20} {speed:10.2f} {c.unit:<9}{r}")
        report["cases"].append({"case": c.number, "title": c.title, "unit": c.unit,
                                "results": [{"name": n, "speed": s, "ratio": r}
                                            for n, s, r in c.rows()]})
    if peak is not None:
        size = 128 if args.quick else 1024
        print(f"9. peak memory growth writing a non-contiguous {size} MiB array: {peak:.1f} MiB")
        report["peak_memory_mib"] = {"array_mib": size, "growth_mib": peak}
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=1)
    return 0
