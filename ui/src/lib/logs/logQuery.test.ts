import { describe, expect, it } from "vitest";
import { DEFAULT_TAIL, defaultQuery, tailProblem, toLogQuery } from "./logQuery";

describe("tailProblem", () => {
  it("accepts an empty tail, zero and whole numbers up to a u32", () => {
    for (const tail of [null, 0, DEFAULT_TAIL, 4_294_967_295]) expect(tailProblem(tail)).toBeNull();
  });

  it("refuses fractions, negatives and numbers past a u32", () => {
    for (const tail of [1.5, -1, 4_294_967_296, Number.NaN]) expect(tailProblem(tail)).not.toBeNull();
  });
});

describe("toLogQuery", () => {
  it("sends the defaults as a follow of the last lines of both streams, with timestamps", () => {
    expect(toLogQuery(defaultQuery(), 0)).toEqual({
      tail: DEFAULT_TAIL,
      since: null,
      until: null,
      timestamps: true,
      stdout: true,
      stderr: true,
      filter: null,
    });
  });

  it("turns a since choice into seconds before now, and keeps a filter", () => {
    const query = toLogQuery({ ...defaultQuery(), since: "1h", filter: "error", stderr: false }, 10_000_500);
    expect(query.since).toBe(10_000 - 3600);
    expect(query.filter).toBe("error");
    expect(query.stderr).toBe(false);
  });
});
