/**
 * Reads what an engine counterexample printed when run (by PyTorch or by
 * dzdx run): the engine's values next to PyTorch's
 * (`engine  x.grad = [...]` / `PyTorch x.grad = [...]`), or what each did
 * at a backward call (`PyTorch: RuntimeError: …` / `engine : no error`).
 * Returns what disagrees, or null when the two sides agree.
 */
export function disagreement(stdout: string): string | null {
  const lines = stdout.split('\n');
  const pairs = new Map<string, { engine?: string; pytorch?: string }>();
  for (const line of lines) {
    const m = /^(engine |PyTorch)( |: )?(\S[^=]*?)? ?= (.*)$/.exec(line);
    if (m && m[3]) {
      const slot = pairs.get(m[3]) ?? {};
      if (m[1] === 'engine ') slot.engine = m[4];
      else slot.pytorch = m[4];
      pairs.set(m[3], slot);
    }
  }
  for (const [what, { engine, pytorch }] of pairs) {
    if (engine !== undefined && pytorch !== undefined && !sameValues(engine, pytorch)) return `${what}: engine ${engine}, PyTorch ${pytorch}`;
  }
  const status = (who: string) => lines.find((l) => l.startsWith(`${who}: `) || l.startsWith(`${who} : `))?.replace(/^\w+ ?: /, '');
  const engineStatus = status('engine');
  const torchStatus = status('PyTorch');
  if (engineStatus !== undefined && torchStatus !== undefined) {
    const engineRaised = engineStatus !== 'no error';
    const torchRaised = torchStatus !== 'no error';
    if (engineRaised !== torchRaised || (engineRaised && kindOf(engineStatus) !== kindOf(torchStatus))) return `engine: ${engineStatus}; PyTorch: ${torchStatus}`;
  }
  return null;
}

const kindOf = (message: string) => (/inplace operation/.test(message) ? 'version' : /second time/.test(message) ? 'freed' : /does not require grad/.test(message) ? 'noGrad' : 'other');

/** Two printed Python values (numbers, lists, None, booleans) are the same, numbers within float32 rounding. */
function sameValues(a: string, b: string): boolean {
  const shape = (s: string) => s.replace(/-?\d+(\.\d+)?(e[+-]?\d+)?|nan|inf/g, '#');
  if (shape(a) !== shape(b)) return false;
  const numbers = (s: string) => (s.match(/-?\d+(\.\d+)?(e[+-]?\d+)?|nan|inf/g) ?? []).map(Number);
  const x = numbers(a);
  const y = numbers(b);
  return x.every((v, i) => v === y[i] || Math.abs(v - y[i]!) <= 1e-4 * Math.max(1, Math.abs(v), Math.abs(y[i]!)));
}
