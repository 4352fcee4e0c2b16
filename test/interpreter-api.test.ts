/**
 * What fixtures recorded from Python cannot show: the TypeScript API the
 * libraries build on (native classes, the module registry, lazy loading),
 * the positions of constructs refused at run time, and hostile input.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import '../src/all-libraries.js';
import { LIBRARIES, librariesFor, loadAllLibraries } from '../src/libraries.js';
import { bind } from '../src/program/args.js';
import { registerLibrary, registeredLibraries } from '../src/program/modules.js';
import { defineClass, stateOf } from '../src/program/native.js';
import { callValue, getAttr, objectSetAttr } from '../src/program/objects.js';
import { repr } from '../src/program/repr.js';
import { runScript } from '../src/program/run.js';
import { PyError } from '../src/tensor/errors.js';
import { PyInstance, setTensorClass, tensorClass, type PyValue } from '../src/program/values.js';
import { Tensor } from '../src/autograd/tensor.js';

/** A test-only native class in the style of nn.Module: registration in __setattr__, lookup in __getattr__, forward through __call__. */
interface BoxState {
  children: Map<string, PyValue>;
  calls: number;
}

const Box = defineClass<BoxState>({
  name: 'Box',
  module: 'testlib.box',
  state: () => ({ children: new Map(), calls: 0 }),
  methods: {
    __init__(self, call) {
      bind('Box.__init__', call, []);
      stateOf<BoxState>(self, Box).children.clear();
      return null;
    },
    __setattr__(self, call) {
      const [name, value] = call.args as [string, PyValue];
      if (value instanceof PyInstance && value.cls.isSubclassOf(Box)) stateOf<BoxState>(self, Box).children.set(name, value);
      else objectSetAttr(self as PyInstance, name, value);
      return null;
    },
    __getattr__(self, call) {
      const name = call.args[0] as string;
      const child = stateOf<BoxState>(self, Box).children.get(name);
      if (child !== undefined) return child;
      throw new PyError('AttributeError', `'${(self as PyInstance).cls.name}' object has no attribute '${name}'`);
    },
    __call__(self, call) {
      stateOf<BoxState>(self, Box).calls++;
      return callValue(getAttr(self, 'forward'), call.args, call.kwargs);
    },
    forward() {
      throw new PyError('NotImplementedError', '');
    },
    children(self) {
      return [...stateOf<BoxState>(self, Box).children.keys()];
    },
    __repr__(self) {
      const s = stateOf<BoxState>(self, Box);
      const inner = [...s.children].map(([k, v]) => `  (${k}): ${repr(v).replace(/\n/g, '\n  ')}`);
      return inner.length ? `${(self as PyInstance).cls.name}(\n${inner.join('\n')}\n)` : `${(self as PyInstance).cls.name}()`;
    },
    __len__(self) {
      return BigInt(stateOf<BoxState>(self, Box).children.size);
    },
  },
  properties: {
    calls: { get: (self) => BigInt(stateOf<BoxState>(self, Box).calls) },
  },
  staticmethods: {
    kind: () => 'box',
  },
  classmethods: {
    make: (cls) => callValue(cls, []),
  },
  attributes: { version: 2n },
});

/** A tensor subclass in the style of nn.Parameter: calling it makes a tensor whose Python class is Param. */
const Param = defineClass({
  name: 'Param',
  module: 'testlib.param',
  bases: [tensorClass],
  construct: (cls, call) => {
    const t = (call.args[0] as Tensor).detach();
    t.setRequiresGrad(true, false);
    setTensorClass(t, cls);
    return t;
  },
  methods: {
    __repr__: (self) => `Param containing:\n${(self as Tensor).toString()}`,
  },
});

registerLibrary({
  name: 'testlib',
  install(modules) {
    modules.module('testlib').attrs.set('Box', Box);
    modules.module('testlib').attrs.set('Param', Param);
  },
});

const run = (source: string) => runScript(source, { fileName: 't.py' });
const lastErr = (stderr: string) => stderr.trim().split('\n').at(-1);

describe('native classes', () => {
  it('a script instantiates, subclasses, overrides and calls super() into a class written in TypeScript', () => {
    const r = run(
      [
        'from testlib import Box',
        'class Leaf(Box):',
        '    def __init__(self, k):',
        '        super().__init__()',
        '        self.k = k',
        '    def forward(self, x):',
        '        return x * self.k',
        'class Net(Box):',
        '    def __init__(self):',
        '        super(Net, self).__init__()',
        '        self.a = Leaf(2)',
        '        self.b = Leaf(3)',
        '        self.scale = 10',
        '    def forward(self, x):',
        '        return self.b(self.a(x)) + self.scale',
        'net = Net()',
        'print(net(1), net.calls, net.a.calls, len(net), net.children(), net.scale)',
        'print(net)',
        'print(isinstance(net, Box), issubclass(Net, Box), Net.__mro__, Box, Box.version, Net.kind(), type(Leaf.make.__func__ if False else Box.make()).__name__)',
        'print(hasattr(net, "a"), hasattr(net, "zz"), getattr(net, "zz", None))',
        'try:',
        '    Box()(1)',
        'except NotImplementedError:',
        '    print("forward is abstract")',
        'net.nope',
      ].join('\n') + '\n',
    );
    expect(r.stdout).toBe(
      [
        '16 1 1 2 [\'a\', \'b\'] 10',
        'Net(\n  (a): Leaf()\n  (b): Leaf()\n)',
        "True True (<class '__main__.Net'>, <class 'testlib.box.Box'>, <class 'object'>) <class 'testlib.box.Box'> 2 box Box",
        'True False None',
        'forward is abstract',
        '',
      ].join('\n'),
    );
    expect(lastErr(r.stderr)).toBe("AttributeError: 'Net' object has no attribute 'nope'");
    expect(r.exitCode).toBe(1);
  });

  it('a tensor subclass: its instances are tensors with their own class and repr', () => {
    const r = run('import torch\nfrom testlib import Param\np = Param(torch.ones(2))\nprint(p)\nprint(type(p), isinstance(p, torch.Tensor), isinstance(p, Param), p.requires_grad)\nprint(p * 2)\n');
    expect(r.stdout).toBe(
      "Param containing:\ntensor([1., 1.], requires_grad=True)\n<class 'testlib.param.Param'> True True True\ntensor([2., 2.], grad_fn=<MulBackward0>)\n",
    );
  });

  it('state is checked: a method applied to the wrong object is a TypeError', () => {
    const r = run('from testlib import Box\nBox.children(3)\n');
    expect(lastErr(r.stderr)).toBe("TypeError: descriptor 'children' for 'Box' objects doesn't apply to a 'int' object");
  });
});

describe('the module registry and lazy loading', () => {
  it('libraries register themselves; every lazily loaded library is also in all-libraries', async () => {
    await loadAllLibraries();
    expect(registeredLibraries()).toEqual(expect.arrayContaining(LIBRARIES.map((l) => l.name)));
    expect(registeredLibraries()).toContain('testlib');
  });

  it('a library is picked by the words of the source', () => {
    expect(librariesFor('import torch\nx = torch.ones(2)\n')).toEqual([]);
    expect(librariesFor('from collections import OrderedDict\n').map((l) => l.name)).toEqual(['collections']);
    expect(librariesFor('import collections as c\n').map((l) => l.name)).toEqual(['collections']);
    expect(librariesFor('import torch.nn as nn\nm = nn.Linear(2, 1)\n').map((l) => l.name)).toEqual(['nn']);
    expect(librariesFor('import torch\nfrom torch import nn\nopt = torch.optim.SGD(m.parameters(), lr=0.1)\n').map((l) => l.name)).toEqual(['nn', 'optim']);
  });

  it("the CLI's command files evaluate a library only when a script names it", () => {
    const dir = 'dist/bundle';
    if (!existsSync(dir)) return;
    // esbuild turns the lazy import() into an init function behind a promise: the library's module body runs only when loaded.
    for (const file of ['run.cjs', 'check.cjs', 'graph.cjs']) {
      const text = readFileSync(`${dir}/${file}`, 'utf8');
      expect(text).toMatch(/init_collections=__esm\(\{"src\/collections\/index\.ts"\(\)/);
      // Called by the lazy import, and by the init functions of the lazily loaded libraries built on it (nn, optim) only.
      const callers = [...text.matchAll(/init_collections\(\)/g)].map((m) => {
        const header = text.lastIndexOf('__esm({"', m.index);
        return text.startsWith('Promise.resolve().then(()=>(init_collections()', m.index - 'Promise.resolve().then(()=>('.length)
          ? 'import()'
          : text.slice(header + 8, text.indexOf('"', header + 8));
      });
      expect(callers.filter((c) => c === 'import()')).toHaveLength(1);
      for (const c of callers) expect(c === 'import()' || /^src\/(nn|optim)\//.test(c), c).toBe(true);
      expect(text).toContain('Promise.resolve().then(()=>(init_collections(),collections_exports))');
      // torch.nn and torch.optim too: evaluated only through their lazy import.
      for (const lib of ['nn', 'optim']) expect(text.match(new RegExp(`init_${lib}\\(\\)`, 'g')) ?? []).toHaveLength(1);
    }
    // The command line itself holds no library (each command file has its own interpreter and registry).
    expect(readFileSync(`${dir}/cli.cjs`, 'utf8')).not.toContain('src/collections/index.ts');
    const r = spawnSync(process.execPath, [`${dir}/main.js`, 'run', '-'], { input: 'from collections import OrderedDict\nprint(OrderedDict(a=1))\n', encoding: 'utf8' });
    expect(r.stdout).toBe("OrderedDict([('a', 1)])\n");
  });

  it('a module nobody provides imports, and fails only where it is used', () => {
    expect(run('import pandas as pd\nimport matplotlib.pyplot as plt\nimport pdb, time, os\nfrom typing import List\nprint("ok")\n')).toMatchObject({ exitCode: 0, stdout: 'ok\n' });
    const r = run('import pandas as pd\nx = 1\ny = pd.array([1, 2])\n');
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toBe('t.py:3:5: pandas.array is not supported\ny = pd.array([1, 2])\n    ^\n');
    expect(run('from pandas import array\nz = array([1])\n').stderr.split('\n')[0]).toBe('t.py:2:5: pandas.array() is not supported');
    expect(run('import os\nos.getcwd()\n').stderr.split('\n')[0]).toBe('t.py:2:1: os.getcwd is not supported');
    expect(run('from os.path import join\nprint(join("a", "b"))\n').stderr.split('\n')[0]).toBe('t.py:2:7: os.path.join() is not supported');
  });

  it('a name a real module lacks is ImportError / AttributeError as in Python, one dzdx lacks is unsupported', () => {
    expect(lastErr(run('from math import sqroot\n').stderr)).toBe("ImportError: cannot import name 'sqroot' from 'math' (unknown location)");
    expect(lastErr(run('import math\nmath.sqroot(2)\n').stderr)).toBe("AttributeError: module 'math' has no attribute 'sqroot'. Did you mean: 'sqrt'?");
    expect(run('import torch\ntorch.fft.fft(1)\n').stderr.split('\n')[0]).toBe('t.py:2:1: torch.fft is not supported');
    expect(lastErr(run('import torch\ntorch.tensr(1)\n').stderr)).toBe("AttributeError: module 'torch' has no attribute 'tensr'");
  });

  it("an attribute Python's classes and objects have through type or a built-in base is unsupported, not an AttributeError", () => {
    expect(run('class A: pass\nprint(A.__subclasses__())\n').stderr.split('\n')[0]).toBe('t.py:2:7: A.__subclasses__ is not supported');
    expect(run('x = ().__class__.__bases__[0].__subclasses__()\n').stderr.split('\n')[0]).toBe('t.py:1:5: object.__subclasses__ is not supported');
    expect(run('class E(Exception): pass\nE().add_note("x")\n').stderr.split('\n')[0]).toBe("t.py:2:1: the E attribute 'add_note' is not supported");
    expect(lastErr(run('class A: pass\nA.fo\n').stderr)).toBe("AttributeError: type object 'A' has no attribute 'fo'");
    expect(lastErr(run('class A: pass\nA().fo\n').stderr)).toBe("AttributeError: 'A' object has no attribute 'fo'");
  });
});

describe('refused at run time, with a position', () => {
  const first = (src: string) => run(src).stderr.split('\n')[0];
  it('builtins that reach outside the script', () => {
    expect(first('x = 1\nf = open("a.txt")\n')).toBe('t.py:2:5: the builtin open is not supported');
    expect(first('eval("1")\n')).toBe('t.py:1:1: the builtin eval is not supported');
    expect(first('y = [exec]\n')).toBe('t.py:1:6: the builtin exec is not supported');
    expect(first('s = input()\n')).toBe('t.py:1:5: the builtin input is not supported');
    expect(first('m = __import__("os")\n')).toBe('t.py:1:5: the builtin __import__ is not supported');
    expect(first('print(globals())\n')).toBe('t.py:1:7: the builtin globals is not supported');
  });

  it('features of PyTorch dzdx lacks, bytes, complex, generators', () => {
    expect(first('import torch\nx = torch.ones(2, 2)\nn = torch.linalg.norm(x, ord=1)\n')).toBe(
      't.py:3:5: matrix norms (torch.linalg.norm with ord of a 2-D input) are not supported',
    );
    expect(first('x = 1\ny = x + 2j\n')).toBe('t.py:2:9: complex numbers are not supported');
    expect(first("b = b'abc'\n")).toBe('t.py:1:5: bytes literals are not supported');
    expect(first('def g():\n    print((yield 1))\nprint(1)\nfor v in g():\n    pass\n')).toBe(
      "t.py:2:12: 'yield' inside an expression is not supported (only as a statement, `yield x`, or an assignment's value, `y = yield x`)",
    );
  });
});

describe('hostile input ends with the bounded exit-2 message', () => {
  const bounded = (src: string, message: RegExp) => {
    const start = performance.now();
    const r = runScript(src, { fileName: 't.py', limits: { maxSeconds: 10 } });
    expect(performance.now() - start).toBeLessThan(30_000);
    expect(r.exitCode).toBe(2);
    expect(r.stderr.split('\n')[0]).toMatch(message);
  };

  it('huge strings, lists, ints and format widths', () => {
    bounded("s = 'x' * 10**9\n", /^t.py:1:5: a sequence of 1000000000 items is longer than dzdx's limit/);
    bounded('l = [0] * 10**9\n', /^t.py:1:5: a sequence of 1000000000 items/);
    bounded('n = 10**10**10\n', /^t.py:1:5: an int of more than 1000000 bits/);
    bounded("s = '{:1000000000}'.format(1)\n", /^t.py:1:5: a format width or precision over 10000000/);
    bounded("s = f'{1:1000000000}'\n", /^t.py:1:5: a format width or precision over 10000000/);
    bounded("s = '%1000000000d' % 1\n", /^t.py:1:5: a format width or precision over 10000000/);
  }, 60_000);

  it('endless iterators and loops inside builtins', () => {
    bounded('print(sum(iter(int, 1)))\n', /^t.py:1:7: the script ran more than 2000000 steps/);
    bounded('print(sum(1 for _ in iter(int, 1)))\n', /the script ran more than 2000000 steps/);
    bounded('x = list(range(10**12))\n', /the script ran more than 2000000 steps/);
    bounded('l = []\nwhile True:\n    l.append(l)\n', /the script ran more than 2000000 steps/);
    bounded('def nat():\n    n = 0\n    while True:\n        yield n\n        n += 1\nprint(max(nat()))\n', /the script ran more than 2000000 steps/);
  }, 120_000);

  it('deep recursion through generators', () => {
    const r = run('def g(n):\n    yield n\n    yield from g(n + 1)\nprint(sum(g(0)))\n');
    expect([1, 2]).toContain(r.exitCode);
    expect(r.stderr).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
    if (r.exitCode === 1) expect(lastErr(r.stderr)).toMatch(/^RecursionError: maximum recursion depth exceeded/);
  });

  it('deep recursion through classes and reprs', () => {
    const r = run('class A:\n    def __init__(self, n):\n        self.c = A(n + 1)\nA(0)\n');
    expect([1, 2]).toContain(r.exitCode);
    expect(r.stderr).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/);
    expect(lastErr(run('a = []\nfor i in range(100000):\n    a = [a]\nprint(a)\n').stderr)).toBe(
      'RecursionError: maximum recursion depth exceeded while getting the repr of an object',
    );
    expect(run('a = [1]\na.append(a)\nd = {}\nd[1] = d\nprint(a, d)\n').stdout).toBe('[1, [...]] {1: {...}}\n');
  });
});
