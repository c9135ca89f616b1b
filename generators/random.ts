/**
 * Fast seeded randomness for fact rows.
 *
 * Why our own PRNG instead of faker's Mersenne Twister or a package: fact rows need millions of draws
 * per second, and every stream must be keyed by (seed, date, entity, purpose) so that a customer's
 * day can be regenerated on its own, in any order, without replaying anybody else's draws. pure-rand
 * is not installed; xoshiro128** (Blackman & Vigna) is small, passes BigCrush, has a 2^128 - 1 period,
 * runs in 32-bit integer arithmetic (Math.imul) and is re-seeded in a few nanoseconds, which makes
 * one stream per customer-day affordable. mulberry32 would be faster still, but its 32-bit state
 * cannot reach every 32-bit output and its streams for nearby keys are correlated.
 * The reference output for state {1, 2, 3, 4} is checked in the unit tests.
 */

/** MurmurHash3's 32-bit finaliser: every input bit affects every output bit. */
export function fmix32(value: number): number {
  let h = value | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A key derived from `key` and one more 32-bit component; order matters. */
export function mixKey(key: number, part: number): number {
  return fmix32(Math.imul(key ^ 0x9e3779b9, 0x85ebca77) ^ fmix32(part + 0x27d4eb2f));
}

/** Key of three components, without allocating. */
export function key3(a: number, b: number, c: number): number {
  return mixKey(mixKey(a, b), c);
}

/** 32-bit FNV-1a of a string, finalised; used to turn names of purposes into key components. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}

/** Folds a non-negative safe integer seed (up to 2^53) into a 32-bit key. */
export function seedKey(seed: number): number {
  const low = seed % 0x1_0000_0000;
  const high = Math.floor(seed / 0x1_0000_0000);
  return mixKey(fmix32(high + 0x632be5ab), low);
}

const TWO_POW_32 = 0x1_0000_0000;
let byteHexTable: readonly string[] | undefined;

function byteHex(byte: number): string {
  byteHexTable ??= Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));
  return byteHexTable[byte] ?? "00";
}

/** Cumulative weights, ready for {@link Rng.pickIndex}. The last entry is the total. */
export function cumulative(weights: readonly number[]): Float64Array {
  const out = new Float64Array(weights.length);
  let total = 0;
  for (let i = 0; i < weights.length; i++) {
    const weight = weights[i] ?? 0;
    if (!(weight >= 0)) throw new RangeError(`weight ${i} is ${weight}; weights must be non-negative`);
    total += weight;
    out[i] = total;
  }
  if (!(total > 0)) throw new RangeError("weights must not all be zero");
  return out;
}

/**
 * xoshiro128** with distributions used by the generators. Re-seed one instance per entity instead of
 * allocating: `rng.reseed(key3(seedKey, day, customer))`.
 */
export class Rng {
  #s0 = 0;
  #s1 = 0;
  #s2 = 0;
  #s3 = 0;
  #spare = 0;
  #hasSpare = false;

  constructor(key = 0) {
    this.reseed(key);
  }

  /** Expands a 32-bit key into the 128-bit state with splitmix32, as the xoshiro authors advise. */
  reseed(key: number): this {
    let z = key | 0;
    z = (z + 0x9e3779b9) | 0;
    this.#s0 = splitmixOutput(z);
    z = (z + 0x9e3779b9) | 0;
    this.#s1 = splitmixOutput(z);
    z = (z + 0x9e3779b9) | 0;
    this.#s2 = splitmixOutput(z);
    z = (z + 0x9e3779b9) | 0;
    this.#s3 = splitmixOutput(z);
    // An all-zero state would only ever produce zeros.
    if ((this.#s0 | this.#s1 | this.#s2 | this.#s3) === 0) this.#s0 = 1;
    this.#hasSpare = false;
    return this;
  }

  /** Sets the raw state; for checking the reference output. */
  setState(s0: number, s1: number, s2: number, s3: number): this {
    this.#s0 = s0 | 0;
    this.#s1 = s1 | 0;
    this.#s2 = s2 | 0;
    this.#s3 = s3 | 0;
    this.#hasSpare = false;
    return this;
  }

  /** Next unsigned 32-bit integer. */
  nextU32(): number {
    const s1 = this.#s1;
    const m = Math.imul(s1, 5);
    const result = Math.imul((m << 7) | (m >>> 25), 9) >>> 0;
    const t = s1 << 9;
    this.#s2 ^= this.#s0;
    this.#s3 ^= s1;
    this.#s1 = s1 ^ this.#s2;
    this.#s0 ^= this.#s3;
    this.#s2 ^= t;
    const s3 = this.#s3;
    this.#s3 = (s3 << 11) | (s3 >>> 21);
    return result;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  next(): number {
    return this.nextU32() / TWO_POW_32;
  }

  /** Uniform in (0, 1]: safe to take the logarithm of. */
  nextOpen(): number {
    return (this.nextU32() + 1) / TWO_POW_32;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /** Standard normal (Marsaglia's polar method; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.#hasSpare) {
      this.#hasSpare = false;
      return this.#spare;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.next() - 1;
      v = 2 * this.next() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const factor = Math.sqrt((-2 * Math.log(s)) / s);
    this.#spare = v * factor;
    this.#hasSpare = true;
    return u * factor;
  }

  /** Log-normal with the given median and log-space standard deviation. */
  logNormal(median: number, sigma: number): number {
    return median * Math.exp(sigma * this.normal());
  }

  /** Exponential with the given mean. */
  exponential(mean: number): number {
    return -Math.log(this.nextOpen()) * mean;
  }

  /**
   * Poisson count with the given mean: Knuth's product method for small means (the common case, a
   * customer's purchases in a day), a rounded normal approximation above 30.
   */
  poisson(mean: number): number {
    if (!(mean > 0)) return 0;
    if (mean > 30) return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.normal()));
    const limit = Math.exp(-mean);
    let count = 0;
    let product = this.next();
    while (product > limit) {
      count++;
      product *= this.next();
    }
    return count;
  }

  /** Index drawn in proportion to weights given as cumulative sums (see {@link cumulative}). */
  pickIndex(cumulativeWeights: Float64Array): number {
    const n = cumulativeWeights.length;
    const target = this.next() * (cumulativeWeights[n - 1] ?? 0);
    if (n <= 16) {
      for (let i = 0; i < n - 1; i++) if (target < (cumulativeWeights[i] ?? 0)) return i;
      return n - 1;
    }
    let low = 0;
    let high = n - 1;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (target < (cumulativeWeights[mid] ?? 0)) high = mid;
      else low = mid + 1;
    }
    return low;
  }

  /** Element drawn uniformly from a non-empty list. */
  pick<T>(items: readonly T[]): T {
    const item = items[this.int(items.length)];
    if (item === undefined) throw new RangeError("cannot pick from an empty list");
    return item;
  }

  /** 8 lowercase hex characters from one draw. */
  hex32(): string {
    const v = this.nextU32();
    return byteHex(v >>> 24) + byteHex((v >>> 16) & 255) + byteHex((v >>> 8) & 255) + byteHex(v & 255);
  }

  /** 4 lowercase hex characters from one draw. */
  hex16(): string {
    const v = this.nextU32();
    return byteHex(v >>> 24) + byteHex((v >>> 16) & 255);
  }
}

/**
 * Walker's alias method (Vose's construction): draws an index in proportion to its weight in O(1)
 * with a single random number, for long tables such as product popularity.
 */
export class AliasTable {
  readonly size: number;
  readonly #threshold: Float64Array;
  readonly #alias: Int32Array;

  constructor(weights: ArrayLike<number>) {
    const n = weights.length;
    if (n === 0) throw new RangeError("an alias table needs at least one weight");
    let total = 0;
    for (let i = 0; i < n; i++) {
      const weight = weights[i] ?? 0;
      if (!(weight >= 0)) throw new RangeError(`weight ${i} is ${weight}; weights must be non-negative`);
      total += weight;
    }
    if (!(total > 0)) throw new RangeError("weights must not all be zero");
    this.size = n;
    this.#threshold = new Float64Array(n);
    this.#alias = new Int32Array(n);
    const scaled = Float64Array.from({ length: n }, (_, i) => ((weights[i] ?? 0) * n) / total);
    const small: number[] = [];
    const large: number[] = [];
    for (let i = n - 1; i >= 0; i--) ((scaled[i] ?? 0) < 1 ? small : large).push(i);
    while (small.length > 0 && large.length > 0) {
      const less = small.pop() ?? 0;
      const more = large.pop() ?? 0;
      this.#threshold[less] = scaled[less] ?? 0;
      this.#alias[less] = more;
      scaled[more] = (scaled[more] ?? 0) + (scaled[less] ?? 0) - 1;
      ((scaled[more] ?? 0) < 1 ? small : large).push(more);
    }
    // Whatever is left has weight 1 up to rounding.
    for (const i of [...small, ...large]) {
      this.#threshold[i] = 1;
      this.#alias[i] = i;
    }
  }

  pick(rng: Rng): number {
    const u = rng.next() * this.size;
    const i = Math.floor(u);
    return u - i < (this.#threshold[i] ?? 1) ? i : (this.#alias[i] ?? i);
  }
}

function splitmixOutput(state: number): number {
  let z = state;
  z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
  z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
  return (z ^ (z >>> 15)) | 0;
}
