/**
 * 2^(k/n) for k < n (n a power of two) as fixed-point BigInts with `prec`
 * fraction bits: 2^(1/n) by repeated integer square roots of 2, then its
 * powers. Each step truncates, so the error stays below k·2^-(prec-2):
 * far below what rounding to a double can see at the precisions used.
 */
function isqrt(n: bigint): bigint {
  if (n < 2n) return n;
  let x = 1n << BigInt(Math.ceil(n.toString(2).length / 2));
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x) return x;
    x = y;
  }
}

export function fractionalPowersOfTwo(n: number, prec: bigint): bigint[] {
  let root = 2n << prec; // 2, fixed point
  for (let m = n; m > 1; m >>= 1) root = isqrt(root << prec);
  const out: bigint[] = [1n << prec];
  for (let k = 1; k < n; k++) out.push((out[k - 1]! * root) >> prec);
  return out;
}
