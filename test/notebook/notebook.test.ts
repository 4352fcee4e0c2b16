/** The .ipynb reader: nbformat 4 cells, tags, positions in the file, codeScript, and bad or hostile notebooks. */
import { describe, expect, test } from 'vitest';
import { cellPosition, codeScript, formatCellPosition, NotebookError, parseNotebook } from '../../src/notebook/index.js';

const NB = `{
 "cells": [
  {
   "cell_type": "markdown",
   "metadata": {},
   "source": ["# Week 3\\n", "Answer below."]
  },
  {
   "cell_type": "code",
   "id": "abc",
   "execution_count": 1,
   "metadata": {"tags": ["grad", 7]},
   "outputs": [{"output_type": "stream", "name": "stdout", "text": ["tensor([2.])\\n"]}],
   "source": ["import torch\\n", "x = torch.tensor([1.], requires_grad=True)\\n", "print(\\"\\u00e9\\\\t\\", x)"]
  },
  {"cell_type": "raw", "metadata": {}, "source": "a\\nb"}
 ],
 "metadata": {"kernelspec": {"language": "python", "name": "python3"}},
 "nbformat": 4,
 "nbformat_minor": 5
}
`;

function error(text: string): NotebookError {
  try {
    parseNotebook(text, { fileName: 'hw.ipynb' });
  } catch (e) {
    if (e instanceof NotebookError) return e;
    throw e;
  }
  throw new Error('no error');
}

describe('parseNotebook', () => {
  const nb = parseNotebook(NB, { fileName: 'hw.ipynb' });

  test('cells with their kind, source, tags, id and metadata', () => {
    expect(nb.nbformat).toBe(4);
    expect(nb.nbformatMinor).toBe(5);
    expect(nb.language).toBe('python');
    expect(nb.cells.map((c) => [c.number, c.kind, c.id])).toEqual([[1, 'markdown', null], [2, 'code', 'abc'], [3, 'raw', null]]);
    expect(nb.cells[0]!.source).toBe('# Week 3\nAnswer below.');
    expect(nb.cells[1]!.lines).toEqual(['import torch', 'x = torch.tensor([1.], requires_grad=True)', 'print("é\\t", x)']);
    expect(nb.cells[1]!.tags).toEqual(['grad']);
    expect(nb.cells[2]!.source).toBe('a\nb');
  });

  test("every source line's place in the file, escapes counted", () => {
    const code = nb.cells[1]!;
    expect(code.fileLines).toEqual([{ line: 14, col: 16 }, { line: 14, col: 34 }, { line: 14, col: 82 }]);
    const p = cellPosition(nb, code, 3, 5);
    expect(formatCellPosition(p)).toBe('hw.ipynb:cell 2:line 3:col 5');
    expect(p.file).toEqual({ line: 14, col: 86 });
    // `print("é\t"`: the quote is \" and é is \u00e9 in the file, so later characters sit further right there.
    expect(cellPosition(nb, code, 3, 8).file).toEqual({ line: 14, col: 90 });
    expect(cellPosition(nb, code, 3, 9).file).toEqual({ line: 14, col: 96 });
    // one string holding two lines
    expect(nb.cells[2]!.fileLines).toEqual([{ line: 16, col: 51 }, { line: 16, col: 54 }]);
  });

  test('codeScript: code cells joined, each line mapped back, magics commented out', () => {
    const withMagic = parseNotebook(NB.replace('"import torch\\n"', '"%matplotlib inline\\n", "import torch\\n"'));
    const { source, cellOf } = codeScript(withMagic);
    expect(source.split('\n')).toEqual(['# %matplotlib inline', 'import torch', 'x = torch.tensor([1.], requires_grad=True)', 'print("é\\t", x)']);
    expect(cellOf(3)).toMatchObject({ line: 3, cell: { number: 2 } });
    expect(cellOf(9)).toBeNull();
    expect(codeScript(withMagic, { magics: 'keep' }).source.split('\n')[0]).toBe('%matplotlib inline');
  });

  test.each([
    ['not JSON', '{"cells": [', 'not a notebook: not JSON', 1, 12],
    ['a list', '[]', 'expected a JSON object', 1, 1],
    ['nbformat 3', '{"nbformat": 3, "cells": []}', 'only nbformat 4', 1, 14],
    ['no cells', '{"nbformat": 4}', "'cells' is missing", 1, 1],
    ['a bad cell type', '{"nbformat": 4, "cells": [\n {"cell_type": "python", "source": ""}]}', 'cells[0].cell_type: expected "code", "markdown" or "raw"', 2, 16],
    ['a source of numbers', '{"nbformat": 4, "cells": [{"cell_type": "code", "source": [1]}]}', 'cells[0].source[0]: expected text', 1, 60],
    ['a duplicate key', '{"nbformat": 4, "nbformat": 4, "cells": []}', 'appears twice', 1, 17],
    ['a raw control character', '{"nbformat": 4, "cells": [{"cell_type": "code", "source": "a\tb"}]}', 'control character', 1, 61],
    ['trailing text', '{"nbformat": 4, "cells": []} x', 'after the value', 1, 30],
  ])('%s: one message with the file line and column', (_name, text, message, line, col) => {
    const e = error(text);
    expect(e.message).toContain(message);
    expect([e.line, e.col]).toEqual([line, col]);
    expect(e.format()).toMatch(/^hw\.ipynb:\d+:\d+: /);
  });

  test('bounds: depth, cells, size, never a stack overflow or prototype pollution', () => {
    expect(error('['.repeat(100_000)).message).toContain('nest more than 100');
    expect(() => parseNotebook(`{"nbformat": 4, "cells": [${'{"cell_type":"raw","source":""},'.repeat(3)}{"cell_type":"raw","source":""}]}`, { limits: { maxCells: 3 } })).toThrow(/4 cells; at most 3/);
    expect(() => parseNotebook(' '.repeat(101), { limits: { maxChars: 100 } })).toThrow(/at most 100/);
    const proto = parseNotebook('{"nbformat": 4, "cells": [], "metadata": {"__proto__": {"polluted": 1}}}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(proto.metadata)).toBeNull();
  });
});
