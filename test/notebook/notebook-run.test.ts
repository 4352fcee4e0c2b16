/**
 * Running a notebook (src/notebook/script.ts): Jupyter's display rule, cells
 * as units, IPython magics, positions `NB.ipynb:cell 7:line 2:col 5`, the
 * bounds of untrusted input, and `dzdx run/check/graph NB.ipynb` through the
 * bundled CLI (what users run). What Jupyter prints for whole notebooks is
 * in the conformance suite (test/fixtures/notebooks, recorded with IPython).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import '../../src/all-libraries.js';
import { check } from '../../src/check/check.js';
import { captureGraph } from '../../src/graph/index.js';
import { notebookSource, NotebookError, sourceOf } from '../../src/notebook/index.js';
import { runScript } from '../../src/program/run.js';

type CellSpec = string | { md: string };

/** An nbformat 4 notebook as Jupyter saves it (source as a list of lines), markdown cells as { md }. */
function notebook(cells: CellSpec[]): string {
  const lines = (s: string) => s.split(/(?<=\n)/);
  return JSON.stringify(
    {
      cells: cells.map((c) =>
        typeof c === 'string'
          ? { cell_type: 'code', execution_count: null, metadata: {}, outputs: [], source: lines(c) }
          : { cell_type: 'markdown', metadata: {}, source: lines(c.md) },
      ),
      metadata: { kernelspec: { language: 'python', name: 'python3' } },
      nbformat: 4,
      nbformat_minor: 5,
    },
    null,
    1,
  );
}

const run = (cells: CellSpec[], limits = {}) => runScript(notebookSource(notebook(cells), 'nb.ipynb'), { limits });

describe("Jupyter's display rule", () => {
  it("shows a cell's last expression statement, and only that one", () => {
    expect(run(['1\n2', 'x = 3\nx', 'x\ny = 4', 'y * 2']).stdout).toBe('2\n3\n8\n');
  });

  it('shows nothing for None, an assignment, a block or a def last, or an empty cell', () => {
    const r = run(['None', 'print("p")', 'z = 1', 'for i in range(2):\n    i', 'def f():\n    return 1', '', '[].append(1)']);
    expect(r.stdout).toBe('p\n');
    expect(r.exitCode).toBe(0);
  });

  it("a final ';' hides it, even before a comment; one between statements does not", () => {
    expect(run(['5;', '6;  # hidden', '7  # shown;', 'a = 1; a', 's = "x;"\ns']).stdout).toBe("7\n1\n'x;'\n");
  });

  it('markdown cells are skipped, and cells share one namespace in order', () => {
    expect(run([{ md: '# Title\n\nx = 1 is not code' }, 'import torch\nt = torch.ones(2)', { md: 'more' }, 't * 3']).stdout).toBe('tensor([3., 3.])\n');
  });

  it('lays values out as IPython does: wrapped, indented under their bracket, sets sorted', () => {
    const r = run(['import torch\n(torch.ones(2, 2), {"b", "a"})', 'list(range(30))[:3], "x" * 80']);
    expect(r.stdout).toBe("(tensor([[1., 1.],\n         [1., 1.]]),\n {'a', 'b'})\n([0, 1, 2],\n 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx')\n");
  });

  it('an instance without __repr__, a function and a grad_fn as IPython shows them', () => {
    const r = run(['import torch\nclass A:\n    pass\nA()', 'def f(x, *, k=2):\n    return x\nf', '(torch.ones(1, requires_grad=True) * 2).grad_fn']);
    expect(r.stdout.replace(/0x[0-9a-f]+/g, '0x?')).toBe('<__main__.A at 0x?>\n<function __main__.f(x, *, k=2)>\n<MulBackward0 at 0x?>\n');
  });
});

describe('cells as units', () => {
  it('an unclosed bracket is an error in its own cell, not in the next one', () => {
    const r = run(['x = 1', 'y = (1,\n', 'z = 2']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe("nb.ipynb:cell 2:line 1:col 5: '(' was never closed\ny = (1,\n    ^\n");
  });

  it('a cell may not continue the block of the one before (IndentationError in its own cell)', () => {
    const r = run(['if True:\n    a = 1', '    b = 2']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^nb\.ipynb:cell 2:line 1:col \d+: unexpected indent\n/);
  });

  it('cells are counted as the notebook shows them, markdown included', () => {
    const r = run([{ md: 'intro' }, 'import torch', { md: 'then' }, 'x = 1\nundefined_name']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe(
      'Traceback (most recent call last):\n  File "nb.ipynb", cell 4, line 2, in <module>\n    undefined_name\nNameError: name \'undefined_name\' is not defined\n',
    );
  });

  it('a traceback names the cell of every frame; the run stops at the first error, as Run All does', () => {
    const r = run(['def f(t):\n    return t.nope', 'print("before")\nf(1)', 'print("not reached")']);
    expect(r.stdout).toBe('before\n');
    expect(r.stderr).toContain('  File "nb.ipynb", cell 2, line 2, in <module>\n    f(1)\n  File "nb.ipynb", cell 1, line 2, in f\n    return t.nope\n');
    expect(r.stderr.trimEnd().split('\n').at(-1)).toBe("AttributeError: 'int' object has no attribute 'nope'");
  });

  it('a warning is placed in its cell', () => {
    const r = run(['import torch\nx = torch.ones(2, requires_grad=True)\ny = x * 2', 'y.grad']);
    expect(r.stderr).toMatch(/^nb\.ipynb:cell 2:line 1: UserWarning: The \.grad attribute of a Tensor that is not a leaf/);
  });
});

describe('IPython magics', () => {
  it('%matplotlib and %config are passed over with no output, also inside a block and as the last line', () => {
    const r = run(['%matplotlib inline\nimport torch', "%config InlineBackend.figure_format = 'retina'", 'if True:\n    %matplotlib inline\n5', '6\n%matplotlib inline']);
    expect(r.stdout).toBe('5\n');
    expect(r.exitCode).toBe(0);
  });

  it('a % line inside a string or brackets is not a magic', () => {
    expect(run(["s = '''\n%timeit x\n!ls\n'''\nlen(s)", 'v = (10\n%3)\nv']).stdout).toBe('15\n1\n');
  });

  it.each([
    ['%timeit sum([1])', "nb.ipynb:cell 2:line 1:col 1: IPython magic '%timeit' is not supported"],
    ['x = 1\n  !pip install torch', "nb.ipynb:cell 2:line 2:col 3: shell command '!pip install torch' is not supported"],
    ['%%time\nx = 1', "nb.ipynb:cell 2:line 1:col 1: IPython cell magic '%%time' is not supported"],
    ['files = !ls', "nb.ipynb:cell 2:line 1:col 9: shell command '!ls' is not supported"],
    ['t = %time f()', "nb.ipynb:cell 2:line 1:col 5: IPython magic '%time f()' is not supported"],
  ])('%s is exit 2 with its position, before anything runs', (cell, message) => {
    const r = run(['print("first")', cell]);
    expect(r.exitCode).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')[0]).toBe(`${message} (dzdx runs a notebook's Python; it passes over only %matplotlib and %config)`);
  });
});

describe('untrusted input', () => {
  it('a file that is not a notebook is a NotebookError with its line and column', () => {
    const error = (text: string) => {
      try {
        sourceOf(text, 'bad.ipynb');
      } catch (e) {
        expect(e).toBeInstanceOf(NotebookError);
        return (e as NotebookError).format();
      }
      throw new Error('no error');
    };
    expect(error('{"cells": [\n  {"cell_type": "code", "source": "x"\n  ]\n}')).toBe("bad.ipynb:3:3: not a notebook: not JSON (expected ',' or '}')");
    expect(error('[1, 2]')).toBe('bad.ipynb:1:1: not a notebook: expected a JSON object with "cells"');
    expect(error('['.repeat(100_000))).toMatch(/^bad\.ipynb:1:\d+: not a notebook: not JSON \(values nest more than 100 deep\)$/);
  });

  it('an endless loop in a cell stops at the time or step bound, placed in its cell', () => {
    const r = run(['x = 0', 'while True:\n    x += 1'], { maxSteps: 10_000 });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^nb\.ipynb:cell 2:line \d:col \d+: the script ran more than 10000 steps/);
  });

  it('what is displayed counts toward the output bound', () => {
    const r = run(['"x" * 5000'], { maxOutputChars: 1000 });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^nb\.ipynb:cell 1:line 1:col 1: output longer than 1000 characters/);
  });

  it("the cells' code together is bounded as a script is", () => {
    const big = 'x = 1  # ' + 'a'.repeat(600_000);
    const r = run([big, big]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/^nb\.ipynb:cell 1:line 1:col 1: the notebook's code is too long \(1200\d+ characters; the limit is 1000000\)/);
  });

  it("display() shows each value; _ holds the last displayed one; display()'s options are outside the subset", () => {
    expect(run(['display(1, None, [2])\n3', '_ + 1']).stdout).toBe('1\nNone\n[2]\n3\n4\n');
    const r = run(['display(1, raw=True)']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('nb.ipynb:cell 1:line 1:col 1: display() with keyword arguments (raw) is not supported');
  });

  it('displaying a built-in function is outside the subset (IPython shows a signature dzdx does not keep)', () => {
    const r = run(['len']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.split('\n')[0]).toBe('nb.ipynb:cell 1:line 1:col 1: displaying the built-in function len in a notebook is not supported');
  });
});

describe('check and graph read the notebook the same way', () => {
  const nb = notebook([{ md: '# fit' }, 'import torch\nx = torch.tensor([1.0, 2.0], requires_grad=True)', 'y = (x ** 3).sum()\ny.backward()\nx.grad']);

  it('dzdx check names each call by cell and agrees', () => {
    const report = check(notebookSource(nb, 'nb.ipynb'));
    expect(report.ok).toBe(true);
    expect(report.calls.map((c) => [c.place, c.statement, c.verdict])).toEqual([['cell 3, line 2', 'y.backward()', 'agree']]);
    expect(report.stdout).toBe('tensor([ 3., 12.])\n');
  });

  it('dzdx graph names the moment and the nodes by cell', () => {
    const g = captureGraph(notebookSource(nb, 'nb.ipynb'));
    expect(g.graph?.moment.place).toBe('cell 3, line 2');
    expect(g.graph?.nodes.some((n) => n.details.some((d) => d.startsWith('cell 3, line 1: y = (x ** 3).sum()')))).toBe(true);
  });
});

describe('the bundled CLI (dist/bundle, built by npm test first)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'dzdx-nb-'));
  const dzdx = (...args: string[]) => {
    const r = spawnSync('node', ['dist/bundle/main.js', ...args], { encoding: 'utf8', timeout: 60_000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const file = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it('run, check and graph --at CELL:LINE take a .ipynb', { timeout: 120_000 }, () => {
    const path = file('fit.ipynb', notebook([{ md: '# fit' }, 'import torch\nx = torch.tensor([1.0, 2.0], requires_grad=True)', 'y = (x ** 3).sum()\ny.backward()\nx.grad']));
    expect(dzdx('run', path)).toEqual({ code: 0, stdout: 'tensor([ 3., 12.])\n', stderr: '' });
    const checked = dzdx('check', path);
    expect(checked.code).toBe(0);
    expect(checked.stdout).toMatch(/^cell 3, line 2: y\.backward\(\) {3}\[backward\]\n/);
    const graph = dzdx('graph', '--format', 'text', '--at', '3:2', path);
    expect(graph.code).toBe(0);
    expect(graph.stdout).toMatch(/^autograd graph at cell 3, line 2, before backward runs: y\.backward\(\)\n/);
    expect(dzdx('graph', '--at', '1:1', path)).toMatchObject({ code: 2, stderr: 'dzdx: --at 1:1: cell 1 is not a code cell with a line 1\n' });
    expect(dzdx('graph', '--at', '7', path)).toMatchObject({ code: 2, stderr: 'dzdx: --at takes CELL:LINE in a notebook (7:2: cell 7, line 2) or "end", not "7"\n' });
  });

  it('a bad notebook and a refused magic are exit 2 with a position and a caret, never a stack trace', { timeout: 120_000 }, () => {
    const broken = file('broken.ipynb', '{"cells": [\n  {"cell_type": "code", "source": "x"\n  ]\n}');
    expect(dzdx('run', broken)).toEqual({ code: 2, stdout: '', stderr: `${broken}:3:3: not a notebook: not JSON (expected ',' or '}')\n  ]\n  ^\n` });
    const shell = file('shell.ipynb', notebook(['import torch', 'x = 1\n!pip install torch']));
    const r = dzdx('check', shell);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `${shell}:cell 2:line 2:col 1: shell command '!pip install torch' is not supported (dzdx runs a notebook's Python; it passes over only %matplotlib and %config)\n!pip install torch\n^\n`,
    );
  });
});
