/**
 * Python's `warnings` as scripts use it: `warnings.warn(message)` and
 * `warnings.filterwarnings("ignore")` / `simplefilter("ignore")` (common at
 * the top of course notebooks), which also hide PyTorch's own UserWarnings.
 * Other actions ('error', 'always', ...) are outside the subset.
 */
import { PyError } from '../tensor/errors.js';
import { UnsupportedError } from './errors.js';
import { exceptionClassNamed, isExceptionClass } from './exceptions.js';
import { registerCoreModules } from './modules.js';
import { filterWarnings, warn } from './objects.js';
import { str } from './repr.js';
import { Builtin, PyClass, PyInstance, typeOf, type CallArgs, type PyValue } from './values.js';

function category(v: PyValue | undefined): PyClass {
  if (v === undefined || v === null) return exceptionClassNamed('Warning');
  if (v instanceof PyClass && v.isSubclassOf(exceptionClassNamed('Warning'))) return v;
  throw new PyError('TypeError', 'category must be a Warning subclass, not ' + `'${typeOf(v).name}'`);
}

function filter(name: string, call: CallArgs, params: string[]): PyValue {
  const a: Record<string, PyValue | undefined> = {};
  call.args.forEach((v, i) => (a[params[i]!] = v));
  for (const [k, v] of call.kwargs) a[k] = v;
  const action = a.action;
  if (typeof action !== 'string') throw new PyError('TypeError', `${name}() missing required argument 'action'`);
  if ((a.message !== undefined && a.message !== '') || (a.module !== undefined && a.module !== '') || (a.lineno !== undefined && a.lineno !== 0n)) {
    throw new UnsupportedError(`warnings.${name} with a message, module or line is not supported`);
  }
  if (action !== 'ignore' && action !== 'default') throw new UnsupportedError(`warnings.${name}('${action}') is not supported (only 'ignore' and 'default')`);
  filterWarnings(action, category(a.category));
  return null;
}

const attrs = new Map<string, PyValue>([
  [
    'warn',
    new Builtin(
      'warn',
      (call) => {
        const message = call.args[0] ?? call.kwargs.get('message');
        if (message === undefined) throw new PyError('TypeError', "warn() missing required argument 'message' (pos 1)");
        if (message instanceof PyInstance && isExceptionClass(message.cls)) {
          warn(str(message), message.cls);
          return null;
        }
        warn(str(message), call.args[1] !== undefined || call.kwargs.has('category') ? category(call.args[1] ?? call.kwargs.get('category')) : exceptionClassNamed('UserWarning'));
        return null;
      },
      undefined,
      'warnings',
    ),
  ],
  ['filterwarnings', new Builtin('filterwarnings', (call) => filter('filterwarnings', call, ['action', 'message', 'category', 'module', 'lineno', 'append']), undefined, 'warnings')],
  ['simplefilter', new Builtin('simplefilter', (call) => filter('simplefilter', call, ['action', 'category', 'lineno', 'append']), undefined, 'warnings')],
]);
for (const name of ['Warning', 'UserWarning', 'DeprecationWarning', 'RuntimeWarning', 'FutureWarning']) attrs.set(name, exceptionClassNamed(name));

registerCoreModules((modules) => {
  modules.module('warnings').base = attrs;
});


