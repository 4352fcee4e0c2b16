#!/usr/bin/env python3
"""Record what real PyTorch does for one or more test scripts.

usage: /usr/bin/python3 tools/record-fixture.py [--check] [-j N] NAME.py [NAME.py ...]

For every NAME.py the script is run as `/usr/bin/python3 NAME.py` from the
script's own directory (stdin from /dev/null, 60 s timeout), and next to it
are written, in the format of the shared conformance corpus:

  NAME.out   the exact stdout bytes
  NAME.err   the last non-empty stderr line followed by "\\n", or an empty
             file when stderr has no non-empty line. A Python warning line
             `file:LINE: XWarning: msg` is reduced to `XWarning: msg`, and the
             indented source-line echo right after it is ignored (the same
             rule as shared/tools/compare-outputs.sh).
  NAME.code  the exit code followed by "\\n" (e.g. "0\\n", "1\\n")

With --check nothing is written: each script is re-run and compared with its
recorded files (useful to see that a recording is deterministic; object
addresses `0x...` are ignored, as in compare-outputs.sh). Exit status 1 if
any script differs. -j N runs N scripts at a time (default: the number of CPUs); results are
reported in argument order.

Standard library only. Needs Debian's python3-torch under /usr/bin/python3.
"""

import concurrent.futures
import os
import re
import subprocess
import sys

PYTHON = "/usr/bin/python3"
TIMEOUT = 60

# Same as the awk in compare-outputs.sh: ":LINE: XWarning: " anywhere in a line.
WARNING_RE = re.compile(r":[0-9]+: ([A-Za-z_][A-Za-z0-9_]*Warning: .*)$")


def last_err_line(stderr_text):
    """Last non-empty stderr line, with Python's warning format normalised."""
    out = []
    skip = False
    for line in stderr_text.split("\n"):
        if line.endswith("\r"):
            line = line[:-1]
        m = WARNING_RE.search(line)
        if m:
            out.append(m.group(1))
            skip = True
            continue
        if skip and line.startswith("  "):
            skip = False
            continue
        skip = False
        out.append(line)
    for line in reversed(out):
        if line.strip(" \t"):
            return line
    return ""


# PyTorch calls whichever libblas.so.3 the system's alternatives select; the
# reference is Debian's reference BLAS (libblas3), which installing OpenBLAS
# (a dependency of scipy, matplotlib...) silently replaces, changing the last
# bits of matrix products. Scripts always load the reference one.
REFERENCE_BLAS = "/usr/lib/x86_64-linux-gnu/blas"


def script_env():
    if not os.path.isdir(REFERENCE_BLAS):
        return None
    return dict(os.environ, LD_LIBRARY_PATH=REFERENCE_BLAS + ":" + os.environ.get("LD_LIBRARY_PATH", ""))


def run(py_path):
    """Run one script; return (stdout bytes, err file text, code file text)."""
    directory = os.path.dirname(os.path.abspath(py_path))
    name = os.path.basename(py_path)
    try:
        proc = subprocess.run(
            [PYTHON, name],
            cwd=directory,
            env=script_env(),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            timeout=TIMEOUT,
        )
    except subprocess.TimeoutExpired:
        raise SystemExit("%s: timed out after %d s" % (py_path, TIMEOUT))
    err = last_err_line(proc.stderr.decode("utf-8", errors="replace"))
    err_text = err + "\n" if err else ""
    code_text = "%d\n" % proc.returncode
    return proc.stdout, err_text, code_text


def read(path, binary=False):
    try:
        with open(path, "rb" if binary else "r", encoding=None if binary else "utf-8") as f:
            return f.read()
    except FileNotFoundError:
        return None


ADDRESS_RE = re.compile(rb"0x[0-9a-f]+")


def main(argv):
    check = False
    jobs = os.cpu_count() or 1
    paths = []
    args = list(argv)
    while args:
        a = args.pop(0)
        if a == "--check":
            check = True
        elif a == "-j" and args:
            jobs = max(1, int(args.pop(0)))
        elif a in ("-h", "--help"):
            print(__doc__)
            return 0
        else:
            paths.append(a)
    if not paths:
        sys.stderr.write(__doc__)
        return 2
    if not os.path.exists(PYTHON):
        sys.stderr.write("%s not found\n" % PYTHON)
        return 2
    status = 0
    good = []
    for p in paths:
        if not p.endswith(".py") or not os.path.isfile(p):
            sys.stderr.write("skipping %s: not a .py file\n" % p)
            status = 2
        else:
            good.append(p)
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(run, good))
    for p, (out, err, code) in zip(good, results):
        base = p[:-3]
        summary = "exit %s%s" % (code.strip(), (" | " + err.strip()) if err else "")
        if check:
            old_out = read(base + ".out", True)
            same = (old_out is not None
                    and ADDRESS_RE.sub(b"0x?", old_out) == ADDRESS_RE.sub(b"0x?", out)
                    and read(base + ".err") == err
                    and read(base + ".code") == code)
            print("%s %s: %s" % ("same" if same else "DIFFERS", p, summary))
            if not same:
                status = 1
            continue
        with open(base + ".out", "wb") as f:
            f.write(out)
        with open(base + ".err", "w", encoding="utf-8", newline="\n") as f:
            f.write(err)
        with open(base + ".code", "w", encoding="utf-8", newline="\n") as f:
            f.write(code)
        print("%s: %s" % (p, summary))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
