/**
 * The libraries a script may need, loaded only when it names them: the
 * interpreter core (torch's tensor functions, math) is always there; each
 * library here registers its modules with the interpreter's registry
 * (src/program/modules.ts) when its entry module is evaluated. The CLI
 * awaits `loadLibrariesFor(source)` before running a script synchronously,
 * so `dzdx run` on a script that imports only torch loads none of them;
 * src/index.ts loads them all.
 *
 * To add a library: give it a folder with an entry module that calls
 * registerLibrary, and an entry below with the words that call for it (a
 * module name such as 'collections', or the attribute names it adds to a
 * module every script imports, such as 'manual_seed' and 'randn' for
 * torch's random generator). A word counts wherever it appears as an
 * identifier in the source (comments too: loading a library a script does
 * not use costs only time).
 */
export interface LibraryEntry {
  name: string;
  words: readonly string[];
  load(): Promise<unknown>;
}

export const LIBRARIES: readonly LibraryEntry[] = [
  { name: 'collections', words: ['collections', 'OrderedDict', 'defaultdict', 'namedtuple', 'Counter', 'deque'], load: () => import('./collections/index.js') },
  { name: 'pyrandom', words: ['random'], load: () => import('./pyrandom/index.js') },
  { name: 'itertools', words: ['itertools'], load: () => import('./itertools/index.js') },
  { name: 'functools', words: ['functools'], load: () => import('./functools/index.js') },
  { name: 'copy', words: ['copy', 'deepcopy'], load: () => import('./copy/index.js') },
  {
    name: 'function',
    words: ['Function', 'gradcheck', 'gradgradcheck', 'jacobian', 'hessian', 'functional'],
    load: () => import('./function/index.js'),
  },
  { name: 'nn', words: ['nn', 'Module', 'Parameter', 'Linear', 'Sequential'], load: () => import('./nn/index.js') },
  { name: 'optim', words: ['optim', 'SGD', 'Adam', 'AdamW', 'RMSprop', 'Adagrad', 'lr_scheduler'], load: () => import('./optim/index.js') },
  { name: 'time', words: ['time', 'perf_counter'], load: () => import('./time/index.js') },
  { name: 'numpy', words: ['numpy', 'from_numpy', 'as_tensor'], load: () => import('./numpy/index.js') },
];

/** The libraries `source` may use. */
export function librariesFor(source: string): LibraryEntry[] {
  const words = new Set(source.match(/[A-Za-z_][A-Za-z0-9_]*/g) ?? []);
  return LIBRARIES.filter((lib) => lib.words.some((w) => words.has(w)));
}

/** Loads (once) every library `source` may use. */
export async function loadLibrariesFor(source: string): Promise<void> {
  await Promise.all(librariesFor(source).map((lib) => lib.load()));
}

export async function loadAllLibraries(): Promise<void> {
  await Promise.all(LIBRARIES.map((lib) => lib.load()));
}
