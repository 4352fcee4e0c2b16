/**
 * Python's `time` for timing code: time, time_ns, perf_counter,
 * perf_counter_ns, monotonic, monotonic_ns, process_time and sleep. The
 * clocks are real (a script's timings vary from run to run as under
 * Python); sleep() does not block the run: it advances the run's clocks
 * by the time slept, so `t0 = time.time(); time.sleep(1)` measures a
 * second. Calendar functions (localtime, strftime, ctime ...) are outside
 * the subset.
 */
import { PyError } from '../tensor/errors.js';
import { registerLibrary } from '../program/modules.js';
import { Builtin, typeOf, type CallArgs, type PyValue } from '../program/values.js';

const now = () => (typeof performance !== 'undefined' ? performance.now() : Date.now()) / 1000;

function seconds(v: PyValue | undefined): number {
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'number') {
    if (Number.isNaN(v)) throw new PyError('ValueError', 'Invalid value NaN (not a number)');
    return v;
  }
  throw new PyError('TypeError', `'${typeOf(v ?? null).name}' object cannot be interpreted as an integer`);
}

function noArgs(name: string, call: CallArgs): void {
  if (call.kwargs.size) throw new PyError('TypeError', `time.${name}() takes no keyword arguments`);
  if (call.args.length) throw new PyError('TypeError', `time.${name}() takes no arguments (${call.args.length} given)`);
}

registerLibrary({
  name: 'time',
  install(modules) {
    const m = modules.module('time');
    // per run: the wall clock and a monotonic clock, both advanced by sleep()
    let slept = 0;
    const wall = () => Date.now() / 1000 + slept;
    const mono = () => now() + slept;
    const def = (name: string, fn: () => PyValue) =>
      m.attrs.set(
        name,
        new Builtin(
          name,
          (call) => {
            noArgs(name, call);
            return fn();
          },
          undefined,
          'time',
        ),
      );
    def('time', wall);
    def('time_ns', () => BigInt(Math.round(wall() * 1e6)) * 1000n);
    def('perf_counter', mono);
    def('perf_counter_ns', () => BigInt(Math.round(mono() * 1e9)));
    def('monotonic', mono);
    def('monotonic_ns', () => BigInt(Math.round(mono() * 1e9)));
    def('process_time', () => now());
    m.attrs.set(
      'sleep',
      new Builtin(
        'sleep',
        (call) => {
          if (call.kwargs.size) throw new PyError('TypeError', 'time.sleep() takes no keyword arguments');
          if (call.args.length !== 1) throw new PyError('TypeError', `time.sleep() takes exactly one argument (${call.args.length} given)`);
          const s = seconds(call.args[0]);
          if (s < 0) throw new PyError('ValueError', 'sleep length must be non-negative');
          if (!Number.isFinite(s)) throw new PyError('OverflowError', 'timestamp too large to convert to C _PyTime_t');
          slept += s;
          return null;
        },
        undefined,
        'time',
      ),
    );
  },
});
