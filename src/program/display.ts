/**
 * A notebook's displays, as IPython's displayhook and `display()` make them
 * (src/notebook runs notebooks): each shown value is written in IPython's
 * text/plain layout (pretty.ts), and the last three shown values are the
 * globals `_`, `__` and `___` ('' at first), pushed only while the script
 * has not rebound them itself (IPython's update_user_ns).
 */
import { UnsupportedError } from './errors.js';
import { displayText } from './pretty.js';
import { Builtin, type PyValue } from './values.js';

const UNDERS = ['_', '__', '___'] as const;

export class DisplayHook {
  /** The values IPython's displayhook holds as `_`, `__`, `___`. */
  private held: PyValue[] = ['', '', ''];

  constructor(
    private readonly globals: Map<string, PyValue>,
    private readonly write: (text: string) => void,
  ) {
    UNDERS.forEach((name, i) => globals.set(name, this.held[i]!));
  }

  /** sys.displayhook: a cell's last expression value. */
  show(value: PyValue): void {
    if (value === null) return;
    this.write(displayText(value) + '\n');
    const ours = UNDERS.every((name, i) => !this.globals.has(name) || this.globals.get(name) === this.held[i]);
    this.held = [value, this.held[0]!, this.held[1]!];
    if (ours) UNDERS.forEach((name, i) => this.globals.set(name, this.held[i]!));
  }

  /** IPython's `display(*objs)` builtin: each object's text/plain, None too; no history. */
  displayBuiltin(): Builtin {
    return new Builtin('display', (call) => {
      if (call.kwargs.size > 0) throw new UnsupportedError(`display() with keyword arguments (${[...call.kwargs.keys()].join(', ')}) is not supported`);
      for (const v of call.args) this.write(displayText(v) + '\n');
      return null;
    });
  }
}
