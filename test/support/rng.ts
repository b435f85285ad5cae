// mulberry32, the small deterministic generator the property and fuzz tests draw from: the same
// sequence on every run, so a failure names its seed and step and comes back.

/** The generator's uint32 outputs from `seed`. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Integers in [0, n) from `seed`. */
export function seededIntBelow(seed: number): (n: number) => number {
  const u = mulberry32(seed);
  return (n) => u() % n;
}

/** Numbers in [0, 1) from `seed`. */
export function seededUnit(seed: number): () => number {
  const u = mulberry32(seed);
  return () => u() / 4294967296;
}
