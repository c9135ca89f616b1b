import { describe, expect, it } from "vitest";
import { AliasTable, cumulative, key3, Rng } from "../../../generators/random.ts";

describe("Rng (xoshiro128**)", () => {
  it("reproduces the reference output of Blackman and Vigna's C code", () => {
    // State {1, 2, 3, 4}; values printed by the reference xoshiro128starstar.c.
    const rng = new Rng().setState(1, 2, 3, 4);
    const first = Array.from({ length: 10 }, () => rng.nextU32());
    expect(first).toEqual([
      11520, 0, 5927040, 70819200, 2031721883, 1637235492, 1287239034, 3734860849, 3729100597, 4258142804,
    ]);
  });

  it("gives the same stream for the same key and different streams for neighbouring keys", () => {
    const draw = (key: number) => {
      const rng = new Rng(key);
      return Array.from({ length: 5 }, () => rng.nextU32());
    };
    expect(draw(key3(1, 2, 3))).toEqual(draw(key3(1, 2, 3)));
    expect(draw(key3(1, 2, 3))).not.toEqual(draw(key3(1, 2, 4)));
    expect(key3(1, 2, 3)).not.toBe(key3(1, 3, 2));
  });

  it("draws uniform, normal and Poisson values with the right moments", () => {
    const rng = new Rng(99);
    const n = 50_000;
    let uniform = 0;
    let normal = 0;
    let normalSquares = 0;
    let poisson = 0;
    for (let i = 0; i < n; i++) {
      uniform += rng.next();
      const z = rng.normal();
      normal += z;
      normalSquares += z * z;
      poisson += rng.poisson(2.5);
    }
    expect(uniform / n).toBeCloseTo(0.5, 2);
    expect(normal / n).toBeCloseTo(0, 1);
    expect(normalSquares / n).toBeCloseTo(1, 1);
    expect(poisson / n).toBeCloseTo(2.5, 1);
  });

  it("picks indices in proportion to weights, by cumulative search and by alias table", () => {
    const weights = [1, 0, 3, 6];
    const rng = new Rng(7);
    const alias = new AliasTable(weights);
    const cdf = cumulative(weights);
    const byAlias = [0, 0, 0, 0];
    const bySearch = [0, 0, 0, 0];
    for (let i = 0; i < 40_000; i++) {
      const a = alias.pick(rng);
      byAlias[a] = (byAlias[a] ?? 0) + 1;
      const s = rng.pickIndex(cdf);
      bySearch[s] = (bySearch[s] ?? 0) + 1;
    }
    for (const counts of [byAlias, bySearch]) {
      expect(counts[1]).toBe(0);
      expect((counts[0] ?? 0) / 40_000).toBeCloseTo(0.1, 1);
      expect((counts[3] ?? 0) / 40_000).toBeCloseTo(0.6, 1);
    }
  });

  it("refuses weights that cannot be drawn from", () => {
    expect(() => cumulative([0, 0])).toThrow(/all be zero/);
    expect(() => new AliasTable([1, -1])).toThrow(/non-negative/);
  });
});
