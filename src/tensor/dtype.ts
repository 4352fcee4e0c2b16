/** The dtypes of the script subset, named as PyTorch prints them after `torch.`. */
export type DType = 'float32' | 'float64' | 'int64' | 'uint8' | 'bool';

export const DEFAULT_FLOAT: DType = 'float32';

export function isFloating(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float64';
}

/** Promotion category order: bool < int < float. */
export function category(dtype: DType): number {
  return dtype === 'bool' ? 0 : dtype === 'int64' || dtype === 'uint8' ? 1 : 2;
}

/** PyTorch's result dtype for two tensor operands. */
export function promoteTypes(a: DType, b: DType): DType {
  if (a === b) return a;
  const ca = category(a);
  const cb = category(b);
  if (ca !== cb) return ca > cb ? a : b;
  // both integers (uint8 and int64), or both floating (float32 and float64)
  return ca === 1 ? 'int64' : 'float64';
}

/** What a Python scalar of this kind means for promotion. */
export type ScalarKind = 'bool' | 'int' | 'float';

/**
 * PyTorch's result dtype for a tensor and a Python scalar: the scalar only
 * changes the dtype when it is of a higher category (int tensor * 1.5 -> float32).
 */
export function promoteWithScalar(t: DType, s: ScalarKind): DType {
  const cs = s === 'bool' ? 0 : s === 'int' ? 1 : 2;
  if (cs <= category(t)) return t;
  return cs === 2 ? DEFAULT_FLOAT : 'int64';
}

/** `torch.float32` etc. */
export function dtypeName(dtype: DType): string {
  return `torch.${dtype}`;
}

/** The legacy type name used in version-counter errors: `torch.FloatTensor`. */
export function legacyTypeName(dtype: DType): string {
  switch (dtype) {
    case 'float32': return 'torch.FloatTensor';
    case 'float64': return 'torch.DoubleTensor';
    case 'int64': return 'torch.LongTensor';
    case 'uint8': return 'torch.ByteTensor';
    case 'bool': return 'torch.BoolTensor';
  }
}
