/**
 * PyTorch 1.13's CPU generator (`at::CPUGeneratorImpl`): an mt19937 engine
 * seeded from the low 32 bits of a 64-bit seed, `random()` (one word) and
 * `random64()` (two words, the first one high), and the normal sample that
 * the scalar Box-Muller path caches between calls. Its state travels as
 * the 5056 bytes of PyTorch's `CPUGeneratorImplState` struct, laid out as
 * GCC lays it out on x86-64, so `get_rng_state()` gives PyTorch's bytes.
 */
import { glibcSin } from './libm.js';
import { MT19937, STATE_WORDS } from './mt19937.js';

/** The seed a `torch.Generator()` gets when nobody seeds it (PyTorch's default_rng_seed_val). */
export const DEFAULT_RNG_SEED = 67280421310721n;

/** sizeof(CPUGeneratorImplState) and of the legacy struct inside it. */
export const STATE_BYTES = 5056;
export const LEGACY_STATE_BYTES = 5048;

// Field offsets of the struct (8-byte alignment for the 64-bit members).
const AT_SEED = 0;
const AT_LEFT = 8;
const AT_SEEDED = 12;
const AT_NEXT = 16;
const AT_STATE = 24;
const AT_NORMAL_X = AT_STATE + 8 * STATE_WORDS;
const AT_NORMAL_Y = AT_NORMAL_X + 8;
const AT_NORMAL_RHO = AT_NORMAL_Y + 8;
const AT_NORMAL_VALID = AT_NORMAL_RHO + 8;
const AT_FLOAT_NORMAL = LEGACY_STATE_BYTES;
const AT_FLOAT_NORMAL_VALID = AT_FLOAT_NORMAL + 4;

const MASK64 = (1n << 64n) - 1n;

/** Why a byte state was refused; the caller words the error as PyTorch does. */
export class InvalidStateError extends Error {}

export class Generator {
  private readonly engine = new MT19937();
  private seedValue = 0n;
  /** The second value of the last scalar Box-Muller pair (`next_double_normal_sample_`). */
  nextDoubleNormal: number | null = null;
  /** `next_float_normal_sample_`: kept in the state, used by no CPU kernel dzdx runs. */
  nextFloatNormal: number | null = null;

  constructor(seed: bigint = DEFAULT_RNG_SEED) {
    this.manualSeed(seed);
  }

  /** `manual_seed`: any integer, taken modulo 2^64 as PyTorch reinterprets negative seeds. */
  manualSeed(seed: bigint): void {
    this.seedValue = BigInt.asUintN(64, seed);
    this.engine.seedWith(Number(this.seedValue & 0xffffffffn));
    this.nextDoubleNormal = null;
    this.nextFloatNormal = null;
  }

  initialSeed(): bigint {
    return this.seedValue;
  }

  /** `random()`: the next 32-bit word. */
  random(): number {
    return this.engine.nextWord();
  }

  /** `random64()` as a BigInt: the first word is the high half. */
  random64(): bigint {
    const hi = this.engine.nextWord();
    const lo = this.engine.nextWord();
    return (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** The low 53 bits of `random64()`, as an exact number (what a double's mantissa takes). */
  random53(): number {
    const hi = this.engine.nextWord();
    const lo = this.engine.nextWord();
    return (hi & 0x1fffff) * 4294967296 + lo;
  }

  /** An independent copy (what `clone_impl` makes). */
  clone(): Generator {
    const g = new Generator(0n);
    g.engine.copyFrom(this.engine);
    g.seedValue = this.seedValue;
    g.nextDoubleNormal = this.nextDoubleNormal;
    g.nextFloatNormal = this.nextFloatNormal;
    return g;
  }

  /** `get_state()`: PyTorch's struct bytes, padding zeroed. */
  getState(): Uint8Array {
    const bytes = new Uint8Array(STATE_BYTES);
    const view = new DataView(bytes.buffer);
    view.setBigUint64(AT_SEED, this.seedValue, true);
    view.setInt32(AT_LEFT, this.engine.left, true);
    view.setInt32(AT_SEEDED, 1, true);
    view.setBigUint64(AT_NEXT, BigInt(this.engine.next), true);
    for (let i = 0; i < STATE_WORDS; i++) view.setUint32(AT_STATE + 8 * i, this.engine.state[i]!, true);
    if (this.nextDoubleNormal !== null) {
      view.setInt32(AT_NORMAL_VALID, 1, true);
      view.setFloat64(AT_NORMAL_Y, this.nextDoubleNormal, true);
    }
    if (this.nextFloatNormal !== null) {
      bytes[AT_FLOAT_NORMAL_VALID] = 1;
      view.setFloat32(AT_FLOAT_NORMAL, this.nextFloatNormal, true);
    }
    return bytes;
  }

  /**
   * `set_state(bytes)`: the current struct, or the legacy one without the
   * float sample. PyTorch 1.13 rebuilds a legacy state's cached normal as
   * normal_rho * sin(2π normal_x), which is 0 for bytes its own
   * get_state wrote (it zeroes both): kept, as it is what PyTorch returns.
   */
  setState(bytes: Uint8Array): void {
    if (bytes.length !== STATE_BYTES && bytes.length !== LEGACY_STATE_BYTES) {
      throw new InvalidStateError(
        `Expected either a CPUGeneratorImplStateLegacy of size ${LEGACY_STATE_BYTES} or a CPUGeneratorImplState of size ${STATE_BYTES} but found the input RNG state size to be ${bytes.length}`,
      );
    }
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let floatNormal: number | null = null;
    let doubleNormal: number | null = null;
    const normalValid = view.getInt32(AT_NORMAL_VALID, true) !== 0;
    if (bytes.length === LEGACY_STATE_BYTES) {
      if (normalValid) {
        const rho = view.getFloat64(AT_NORMAL_RHO, true);
        const theta = 2.0 * Math.PI * view.getFloat64(AT_NORMAL_X, true);
        doubleNormal = rho * glibcSin(theta);
      }
    } else {
      if (bytes[AT_FLOAT_NORMAL_VALID] !== 0) floatNormal = view.getFloat32(AT_FLOAT_NORMAL, true);
      if (normalValid) doubleNormal = view.getFloat64(AT_NORMAL_Y, true);
    }
    const left = view.getInt32(AT_LEFT, true);
    const seeded = view.getInt32(AT_SEEDED, true) !== 0;
    const next = Number(view.getBigUint64(AT_NEXT, true) & 0xffffffffn);
    if (!seeded || left <= 0 || left > STATE_WORDS || next > STATE_WORDS) throw new InvalidStateError('Invalid mt19937 state');
    this.seedValue = view.getBigUint64(AT_SEED, true) & MASK64;
    for (let i = 0; i < STATE_WORDS; i++) this.engine.state[i] = view.getUint32(AT_STATE + 8 * i, true);
    this.engine.left = left;
    this.engine.next = next;
    this.nextFloatNormal = floatNormal;
    this.nextDoubleNormal = doubleNormal;
  }
}
