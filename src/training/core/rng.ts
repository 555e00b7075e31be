/**
 * Seeded random numbers. Everything random in the engine takes an `Rng` (DESIGN.md, Conventions):
 * the same seed gives the same numbers on every platform (pure 32-bit integer arithmetic).
 *
 * Generator: sfc32 seeded through splitmix32. `fork(key)` derives an independent stream from a
 * stream's seed and a key, so e.g. the patch sampled at step 1234 is `rng.fork('patch', 1234)`
 * whatever happened before — which is what makes `--resume` exact without saving RNG state.
 */

/** splitmix32: a seed scrambler (Steele et al.), used to expand seeds into generator state. */
function splitmix32(state: number): [next: number, out: number] {
  const next = (state + 0x9e3779b9) | 0;
  let z = next;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  z ^= z >>> 16;
  return [next, z >>> 0];
}

/** FNV-1a over a string, for mixing string keys into seeds. */
function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export function mixSeed(seed: number, ...keys: (string | number)[]): number {
  let s = seed >>> 0;
  for (const k of keys) {
    const kh = typeof k === 'string' ? hashString(k) : (k >>> 0) ^ Math.floor(k / 2 ** 32);
    let out: number;
    [s, out] = splitmix32(s ^ kh);
    s = out;
  }
  return s >>> 0;
}

export class Rng {
  readonly seed: number;
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | null = null;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new Error(`Rng: seed must be a finite number, got ${seed}`);
    this.seed = seed >>> 0;
    let s = this.seed;
    const take = (): number => {
      const [n, o] = splitmix32(s);
      s = n;
      return o;
    };
    this.a = take();
    this.b = take();
    this.c = take();
    this.d = take();
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** An independent stream determined by this stream's seed and the keys (not by its position). */
  fork(...keys: (string | number)[]): Rng {
    return new Rng(mixSeed(this.seed, ...keys));
  }

  nextUint32(): number {
    // sfc32 (Chris Doty-Humphrey's Small Fast Counting generator).
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1) with 32 bits of randomness. */
  uniform(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    if (!(n >= 1)) throw new Error(`Rng.int: n must be >= 1, got ${n}`);
    return Math.floor(this.uniform() * n);
  }

  bernoulli(p: number): boolean {
    return this.uniform() < p;
  }

  /** Standard normal (Box-Muller, polar form). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u: number, v: number, q: number;
    do {
      u = 2 * this.uniform() - 1;
      v = 2 * this.uniform() - 1;
      q = u * u + v * v;
    } while (q >= 1 || q === 0);
    const f = Math.sqrt((-2 * Math.log(q)) / q);
    this.spare = v * f;
    return u * f;
  }

  /** Normal truncated to [-limit, limit] standard deviations (by resampling). */
  truncatedNormal(limit = 2): number {
    for (;;) {
      const z = this.normal();
      if (Math.abs(z) <= limit) return z;
    }
  }

  /** In-place Fisher-Yates shuffle. */
  shuffle<T>(xs: T[]): T[] {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const t = xs[i];
      xs[i] = xs[j];
      xs[j] = t;
    }
    return xs;
  }

  pick<T>(xs: readonly T[]): T {
    if (xs.length === 0) throw new Error('Rng.pick: empty array');
    return xs[this.int(xs.length)];
  }

  /** Float32Array of n samples from `sample`. */
  fill(n: number, sample: (r: Rng) => number): Float32Array {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = sample(this);
    return out;
  }
}
