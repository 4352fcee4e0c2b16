#!/usr/bin/env python3
"""Record what a Jupyter notebook shows when its code cells run in order.

usage: /usr/bin/python3 tools/record-notebook.py [--check] NAME.ipynb [NAME.ipynb ...]

Every NAME.ipynb is run the way Jupyter's "Run All" runs it, by IPython
itself (Debian's python3-ipython 8.5, Python 3.11, python3-torch 1.13):
each code cell in order goes to `InteractiveShell.run_cell`, so the cell's
last expression statement is displayed by IPython's own displayhook (its
`text/plain` form from IPython.lib.pretty; nothing for None; nothing when
the cell ends in `;`), and the run stops at the first cell that raises, as
"Run All" does. Markdown and raw cells are skipped. Next to it are written,
in the format of tools/record-fixture.py:

  NAME.out   stdout: what print() wrote and each displayed value's text/plain
             followed by "\\n", in order (no `Out[N]:` prompts)
  NAME.err   the last non-empty stderr line + "\\n" (a traceback's last line,
             or `XWarning: msg` for a warning), or an empty file
  NAME.code  "0\\n", or "1\\n" when a cell raised

Magics: `%matplotlib ...` and `%config ...` only configure how figures are
drawn; with matplotlib-inline installed they print nothing, and that is what
the recorder makes them do (no matplotlib is needed). A notebook with any
other magic, `%%cell magic` or `!shell` line is refused: dzdx rejects it, so
there is nothing to record.

The child runs from the notebook's folder with stdin from /dev/null, a 60 s
timeout and IPython's history in memory. With --check nothing is written:
each notebook is re-run and compared with its files (addresses `0x...`
ignored). Needs: apt-get install python3-ipython python3-torch.
"""

import json
import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
record_fixture = __import__("record-fixture")  # last_err_line, read, ADDRESS_RE: one rule for both recorders

PYTHON = "/usr/bin/python3"
TIMEOUT = 60
DISPLAY_ONLY_MAGICS = ("matplotlib", "config")
MAGIC_RE = re.compile(r"^\s*(%%?|!)([A-Za-z_]\w*)?")


def code_cells(path):
    with open(path, encoding="utf-8") as f:
        nb = json.load(f)
    cells = []
    for number, cell in enumerate(nb["cells"], 1):
        if cell["cell_type"] != "code":
            continue
        source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
        for line in source.split("\n"):
            m = MAGIC_RE.match(line)
            if m and not (m.group(1) == "%" and m.group(2) in DISPLAY_ONLY_MAGICS):
                raise SystemExit("%s: cell %d has %r, which dzdx rejects: nothing to record" % (path, number, line.strip()))
        cells.append(source)
    return cells


def child(path):
    """Runs inside the recording process: the cells through IPython."""
    import traceback
    from traitlets.config import Config
    from IPython.core.displayhook import DisplayHook
    from IPython.core.interactiveshell import InteractiveShell

    class PlainDisplayHook(DisplayHook):
        """IPython's displayhook (None, `;` and pretty unchanged), writing text/plain without the Out prompt."""

        def write_output_prompt(self):
            pass

        def write_format_data(self, format_dict, md_dict=None):
            sys.stdout.write(format_dict["text/plain"] + "\n")

    class Shell(InteractiveShell):
        displayhook_class = PlainDisplayHook

    config = Config()
    config.HistoryManager.hist_file = ":memory:"
    config.InteractiveShell.colors = "NoColor"
    shell = Shell.instance(config=config)
    for name in DISPLAY_ONLY_MAGICS:
        shell.magics_manager.magics["line"][name] = lambda line: None  # replaces %config too

    raised = []

    def show_traceback(*args, **kwargs):
        etype, value, tb = sys.exc_info()
        raised.append(value)
        traceback.print_exception(etype, value, tb.tb_next if tb else tb, file=sys.stderr)

    shell.showtraceback = show_traceback
    shell.showsyntaxerror = lambda *a, **k: show_traceback()
    for source in code_cells(path):
        result = shell.run_cell(source, store_history=True)
        sys.stdout.flush()
        sys.stderr.flush()
        if raised or not result.success:
            return 1
    return 0


def run(path):
    directory = os.path.dirname(os.path.abspath(path))
    code_cells(path)  # refuse before starting a child
    with tempfile.TemporaryDirectory() as ipython_dir:
        env = dict(os.environ, IPYTHONDIR=ipython_dir, MPLBACKEND="agg")
        try:
            proc = subprocess.run(
                [PYTHON, os.path.abspath(__file__), "--child", os.path.abspath(path)],
                cwd=directory,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                timeout=TIMEOUT,
            )
        except subprocess.TimeoutExpired:
            raise SystemExit("%s: timed out after %d s" % (path, TIMEOUT))
    err = record_fixture.last_err_line(proc.stderr.decode("utf-8", errors="replace"))
    return proc.stdout, (err + "\n" if err else ""), "%d\n" % proc.returncode


def main(argv):
    if argv[:1] == ["--child"]:
        return child(argv[1])
    check = "--check" in argv
    paths = [a for a in argv if a != "--check"]
    if not paths or any(a.startswith("-") for a in paths):
        sys.stderr.write(__doc__)
        return 2
    status = 0
    for path in paths:
        if not path.endswith(".ipynb"):
            sys.stderr.write("skipping %s: not an .ipynb file\n" % path)
            status = 2
            continue
        out, err, code = run(path)
        base = path[: -len(".ipynb")]
        summary = "exit %s%s" % (code.strip(), (" | " + err.strip()) if err else "")
        if check:
            old = record_fixture.read(base + ".out", True)
            address = record_fixture.ADDRESS_RE
            same = (old is not None and address.sub(b"0x?", old) == address.sub(b"0x?", out)
                    and record_fixture.read(base + ".err") == err and record_fixture.read(base + ".code") == code)
            print("%s %s: %s" % ("same" if same else "DIFFERS", path, summary))
            status = status or (0 if same else 1)
            continue
        with open(base + ".out", "wb") as f:
            f.write(out)
        for ext, text in ((".err", err), (".code", code)):
            with open(base + ext, "w", encoding="utf-8", newline="\n") as f:
                f.write(text)
        print("%s: %s" % (path, summary))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
