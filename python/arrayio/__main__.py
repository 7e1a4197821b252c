"""python -m arrayio demo: the main job, shown once with numbers."""
import argparse
import os
import sys
import tempfile
import time

import numpy as np

import arrayio


def _best(fn, repeat=3):
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def demo(args):
    rng = np.random.default_rng(0)
    base = rng.standard_normal((args.n, args.n))
    cases = [("contiguous", base), ("transposed a.T", base.T), ("strided a[::2, ::2]", base[::2, ::2])]
    tmpdir = "/dev/shm" if os.path.isdir("/dev/shm") else None
    print(f"arrayio {arrayio.__version__}: writing float64 arrays built from a "
          f"{args.n}x{args.n} array ({base.nbytes / 2**20:.0f} MiB)")
    print(f"{'case':<22}{'bytes equal tobytes()':>22}{'arrayio GB/s':>14}{'numpy GB/s':>12}")
    with tempfile.TemporaryDirectory(dir=tmpdir) as d:
        path = os.path.join(d, "demo.bin")
        for name, a in cases:
            with open(path, "wb") as f:
                arrayio.write(f, a)
            with open(path, "rb") as f:
                same = f.read() == a.tobytes()
            back = arrayio.read(path, a.dtype, a.shape)
            same = same and np.array_equal(back, a)

            def ours():
                with open(path, "wb") as f:
                    arrayio.write(f, a)

            def numpys():
                with open(path, "wb") as f:
                    f.write(a.tobytes())

            t1, t2 = _best(ours), _best(numpys)
            print(f"{name:<22}{str(same):>22}{a.nbytes / t1 / 1e9:>14.2f}{a.nbytes / t2 / 1e9:>12.2f}")
            if not same:
                return 1
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m arrayio")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("demo", help="write arrays of several layouts, check and time them")
    p.add_argument("-n", type=int, default=2048, help="side of the square array (default 2048)")
    p.set_defaults(func=demo)
    b = sub.add_parser("bench", help="arrayio against numpy and arraykit, side by side")
    b.add_argument("--quick", action="store_true", help="32 MiB arrays, 3 runs: under a minute")
    b.add_argument("--dir", help="where to write files (default: a temporary directory, on /dev/shm when present)")
    b.add_argument("--json", help="also write the results to this JSON file")
    b.add_argument("--size", type=int, help="array size in MiB (default 256; 32 with --quick)")
    b.add_argument("--repeat", type=int, help="runs per peer (default 5; 3 with --quick)")
    b.add_argument("--case", type=int, action="append", help="run only this case (repeatable; 9 = peak memory)")
    b.set_defaults(func=lambda a: __import__("arrayio._bench", fromlist=["main"]).main(a))
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
