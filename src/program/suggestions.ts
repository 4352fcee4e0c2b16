/**
 * Python 3.11's "Did you mean" hint for an uncaught NameError or
 * AttributeError (Python/suggestions.c): the closest candidate name by a
 * Levenshtein distance where a case change costs 1 and other edits 2, at
 * most a third of the characters changed, no hint from 750 candidates on.
 */
const MAX_CANDIDATES = 750;
const MAX_STRING = 40;
const MOVE_COST = 2;
const CASE_COST = 1;

function substitutionCost(a: number, b: number): number {
  if ((a & 31) !== (b & 31)) return MOVE_COST;
  if (a === b) return 0;
  const lower = (c: number) => (c >= 65 && c <= 90 ? c + 32 : c);
  return lower(a) === lower(b) ? CASE_COST : MOVE_COST;
}

function distance(a: Uint8Array, b: Uint8Array, maxCost: number): number {
  let aFrom = 0;
  let bFrom = 0;
  let aTo = a.length;
  let bTo = b.length;
  while (aFrom < aTo && bFrom < bTo && a[aFrom] === b[bFrom]) aFrom++, bFrom++;
  while (aTo > aFrom && bTo > bFrom && a[aTo - 1] === b[bTo - 1]) aTo--, bTo--;
  let x = a.subarray(aFrom, aTo);
  let y = b.subarray(bFrom, bTo);
  if (x.length === 0 || y.length === 0) return (x.length + y.length) * MOVE_COST;
  if (x.length > MAX_STRING || y.length > MAX_STRING) return maxCost + 1;
  if (y.length < x.length) [x, y] = [y, x];
  if ((y.length - x.length) * MOVE_COST > maxCost) return maxCost + 1;
  const row = new Array<number>(x.length);
  for (let i = 0; i < x.length; i++) row[i] = (i + 1) * MOVE_COST;
  let result = 0;
  for (let bi = 0; bi < y.length; bi++) {
    const code = y[bi]!;
    let dist = (result = bi * MOVE_COST);
    let minimum = Infinity;
    for (let i = 0; i < x.length; i++) {
      const substitute = dist + substitutionCost(code, x[i]!);
      dist = row[i]!;
      const insertDelete = Math.min(result, dist) + MOVE_COST;
      result = Math.min(insertDelete, substitute);
      row[i] = result;
      if (result < minimum) minimum = result;
    }
    if (minimum > maxCost) return maxCost + 1;
  }
  return result;
}

const utf8 = new TextEncoder();

/** The closest of `candidates` to `name`, or null (calculate_suggestions). */
export function suggest(name: string, candidates: readonly string[]): string | null {
  if (candidates.length >= MAX_CANDIDATES) return null;
  const wrong = utf8.encode(name);
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const item of candidates) {
    if (item === name) continue;
    const bytes = utf8.encode(item);
    let maxDistance = Math.floor(((wrong.length + bytes.length + 3) * MOVE_COST) / 6);
    maxDistance = Math.min(maxDistance, bestDistance - 1);
    const d = distance(wrong, bytes, maxDistance);
    if (d > maxDistance) continue;
    if (best === null || d < bestDistance) {
      best = item;
      bestDistance = d;
    }
  }
  return best;
}
