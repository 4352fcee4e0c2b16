/**
 * The 32-bit Mersenne Twister (Matsumoto and Nishimura, 1998), as both
 * PyTorch's CPU generator and numpy's legacy RandomState use it. The state
 * is regenerated lazily: `left` counts down to the next regeneration, `next`
 * points at the next word to temper, exactly as PyTorch's engine keeps them
 * (its `get_rng_state` bytes expose both).
 */

export const STATE_WORDS = 624;
const SHIFT_M = 397;
const MATRIX_A = 0x9908b0df;
const UPPER = 0x80000000;
const LOWER = 0x7fffffff;

export class MT19937 {
  readonly state = new Uint32Array(STATE_WORDS);
  /** Words left before the state must be regenerated (1 after seeding: regenerate on the first draw). */
  left = 1;
  /** Index of the next word to hand out. */
  next = 0;

  /** Knuth's linear seeding of the state from one 32-bit word (mt19937's init_genrand). */
  seedWith(word: number): void {
    const s = this.state;
    s[0] = word >>> 0;
    for (let j = 1; j < STATE_WORDS; j++) {
      const prev = s[j - 1]!;
      s[j] = (Math.imul(1812433253, prev ^ (prev >>> 30)) + j) >>> 0;
    }
    this.left = 1;
    this.next = 0;
  }

  /** The next tempered 32-bit word, as an unsigned number. */
  nextWord(): number {
    if (--this.left === 0) this.regenerate();
    let y = this.state[this.next++]!;
    y ^= y >>> 11;
    y ^= (y << 7) & 0x9d2c5680;
    y ^= (y << 15) & 0xefc60000;
    y ^= y >>> 18;
    return y >>> 0;
  }

  /** Twist all 624 words at once (the same recurrence as the reference code, in one pass). */
  regenerate(): void {
    const s = this.state;
    const twist = (u: number, v: number) => (((u & UPPER) | (v & LOWER)) >>> 1) ^ (v & 1 ? MATRIX_A : 0);
    let k = 0;
    for (; k < STATE_WORDS - SHIFT_M; k++) s[k] = s[k + SHIFT_M]! ^ twist(s[k]!, s[k + 1]!);
    for (; k < STATE_WORDS - 1; k++) s[k] = s[k + SHIFT_M - STATE_WORDS]! ^ twist(s[k]!, s[k + 1]!);
    s[k] = s[SHIFT_M - 1]! ^ twist(s[k]!, s[0]!);
    this.left = STATE_WORDS;
    this.next = 0;
  }

  copyFrom(other: MT19937): void {
    this.state.set(other.state);
    this.left = other.left;
    this.next = other.next;
  }
}
