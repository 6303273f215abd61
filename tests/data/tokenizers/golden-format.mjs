// Shared by the make-*-golden.mjs scripts: the deterministic PRNG and the golden file layout.

// Deterministic PRNG (mulberry32) so regenerating gives the same files.
export function rng(seed) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// A golden file: header keys, then "cases", one case per line so the files stay diffable.
export function casesJson(header, cases) {
  return "{\n" + Object.entries(header).map(([k, v]) => ` ${JSON.stringify(k)}: ${JSON.stringify(v)},\n`).join("")
    + ' "cases": [\n' + cases.map((c) => "  " + JSON.stringify(c)).join(",\n") + "\n ]\n}\n";
}
