import { describe, expect, it } from "vitest";
import { atBottom, DEFAULT_CAPACITY, publishDelay, RingBuffer, visibleWindow } from "./logBuffer";

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, index) => from + index);
}

describe("RingBuffer", () => {
  it("keeps items in order until it is full", () => {
    const buffer = new RingBuffer<number>(5);
    buffer.push([1, 2]);
    buffer.push([3]);
    expect(buffer.size).toBe(3);
    expect(buffer.slice()).toEqual([1, 2, 3]);
    expect(buffer.dropped).toBe(0);
    expect(buffer.firstSeq).toBe(0);
  });

  it("evicts the oldest items when it wraps around, and counts them", () => {
    const buffer = new RingBuffer<number>(4);
    buffer.push([1, 2, 3]);
    buffer.push([4, 5, 6]);
    expect(buffer.size).toBe(4);
    expect(buffer.slice()).toEqual([3, 4, 5, 6]);
    expect(buffer.dropped).toBe(2);
    expect(buffer.firstSeq).toBe(2);
    expect(range(0, 4).map((index) => buffer.at(index))).toEqual([3, 4, 5, 6]);

    buffer.push([7, 8, 9, 10, 11]);
    expect(buffer.slice()).toEqual([8, 9, 10, 11]);
    expect(buffer.dropped).toBe(7);
    expect(buffer.firstSeq).toBe(7);
  });

  it("keeps only the newest item at capacity 1", () => {
    const buffer = new RingBuffer<string>(1);
    buffer.push(["a"]);
    expect(buffer.slice()).toEqual(["a"]);
    buffer.push(["b", "c"]);
    expect(buffer.slice()).toEqual(["c"]);
    expect(buffer.at(0)).toBe("c");
    expect(buffer.dropped).toBe(2);
    expect(buffer.firstSeq).toBe(2);
  });

  it("refuses a capacity that is not a whole number of at least 1", () => {
    expect(() => new RingBuffer(0)).toThrow(RangeError);
    expect(() => new RingBuffer(2.5)).toThrow(RangeError);
    expect(new RingBuffer().capacity).toBe(DEFAULT_CAPACITY);
  });

  it("answers nothing outside its contents and clamps slices", () => {
    const buffer = new RingBuffer<number>(3);
    buffer.push([1, 2, 3, 4]);
    expect(buffer.at(-1)).toBeUndefined();
    expect(buffer.at(3)).toBeUndefined();
    expect(buffer.at(0.5)).toBeUndefined();
    expect(buffer.slice(1)).toEqual([3, 4]);
    expect(buffer.slice(-5, 2)).toEqual([2, 3]);
    expect(buffer.slice(2, 99)).toEqual([4]);
    expect(buffer.slice(2, 1)).toEqual([]);
  });

  it("bumps its version on every change and only then", () => {
    const buffer = new RingBuffer<number>(2);
    const before = buffer.version;
    buffer.push([]);
    expect(buffer.version).toBe(before);
    buffer.push([1]);
    const afterPush = buffer.version;
    expect(afterPush).not.toBe(before);
    buffer.clear();
    expect(buffer.version).not.toBe(afterPush);
  });

  it("clears its contents and dropped count but never reuses a sequence number", () => {
    const buffer = new RingBuffer<number>(2);
    buffer.push([1, 2, 3]);
    expect(buffer.firstSeq).toBe(1);
    buffer.clear();
    expect(buffer.size).toBe(0);
    expect(buffer.dropped).toBe(0);
    expect(buffer.slice()).toEqual([]);
    expect(buffer.at(0)).toBeUndefined();
    expect(buffer.firstSeq).toBe(3);
    buffer.push([4]);
    expect(buffer.slice()).toEqual([4]);
    expect(buffer.firstSeq).toBe(3);
  });

  it("stays bounded under a flood of 120,000 lines", () => {
    const buffer = new RingBuffer<string>(10_000);
    // 60 s at 2,000 lines/s, in the ≤ 10 batches a second the backend sends.
    for (let batch = 0; batch < 600; batch++) {
      buffer.push(range(batch * 200, (batch + 1) * 200).map((n) => `line ${n}`));
    }
    expect(buffer.size).toBe(10_000);
    expect(buffer.dropped).toBe(110_000);
    expect(buffer.firstSeq).toBe(110_000);
    expect(buffer.at(0)).toBe("line 110000");
    expect(buffer.at(9_999)).toBe("line 119999");
    expect(buffer.slice(9_998)).toEqual(["line 119998", "line 119999"]);
  });
});

describe("visibleWindow", () => {
  const base = { viewportHeight: 100, rowHeight: 20, total: 1_000, overscan: 2 };

  it("starts at the top without rows before the first", () => {
    expect(visibleWindow({ ...base, scrollTop: 0 })).toEqual({ start: 0, end: 7, offsetTop: 0 });
  });

  it("renders the viewport's rows plus the overscan on both sides", () => {
    expect(visibleWindow({ ...base, scrollTop: 200 })).toEqual({ start: 8, end: 17, offsetTop: 160 });
    // A partly visible row at each edge is rendered too.
    expect(visibleWindow({ ...base, scrollTop: 210, overscan: 0 })).toEqual({ start: 10, end: 16, offsetTop: 200 });
  });

  it("stops at the last row when scrolled to the bottom", () => {
    expect(visibleWindow({ ...base, scrollTop: 1_000 * 20 - 100 })).toEqual({ start: 993, end: 1_000, offsetTop: 19_860 });
  });

  it("stays inside the list when the offset is outside it", () => {
    expect(visibleWindow({ ...base, scrollTop: -50 })).toEqual({ start: 0, end: 7, offsetTop: 0 });
    const past = visibleWindow({ ...base, scrollTop: 1_000_000 });
    expect(past.end).toBe(1_000);
    expect(past.start).toBeLessThanOrEqual(past.end);
  });

  it("renders everything when the list is shorter than the viewport", () => {
    expect(visibleWindow({ ...base, total: 3, scrollTop: 0 })).toEqual({ start: 0, end: 3, offsetTop: 0 });
  });

  it("renders nothing for an empty list or rows without height", () => {
    expect(visibleWindow({ ...base, total: 0, scrollTop: 0 })).toEqual({ start: 0, end: 0, offsetTop: 0 });
    expect(visibleWindow({ ...base, rowHeight: 0, scrollTop: 0 })).toEqual({ start: 0, end: 0, offsetTop: 0 });
  });

  it("renders only the overscan before the viewport is measured", () => {
    expect(visibleWindow({ ...base, viewportHeight: 0, scrollTop: 0 })).toEqual({ start: 0, end: 2, offsetTop: 0 });
  });
});

describe("atBottom", () => {
  it("is true at the end of the content, within the tolerance", () => {
    expect(atBottom(900, 100, 1_000, 0)).toBe(true);
    expect(atBottom(890.5, 100, 1_000, 10)).toBe(true);
  });

  it("is false once scrolled up past the tolerance", () => {
    expect(atBottom(880, 100, 1_000, 10)).toBe(false);
  });

  it("is true when the content fits in the viewport", () => {
    expect(atBottom(0, 100, 40, 0)).toBe(true);
  });
});

describe("publishDelay", () => {
  it("lets the first repaint happen at once", () => {
    expect(publishDelay(5, -Infinity, 250)).toBe(0);
  });

  it("holds a repaint until the gap since the last one has passed", () => {
    expect(publishDelay(1_100, 1_000, 250)).toBe(150);
    expect(publishDelay(1_249, 1_000, 250)).toBe(1);
  });

  it("does not hold a repaint once the gap has passed", () => {
    expect(publishDelay(1_250, 1_000, 250)).toBe(0);
    expect(publishDelay(9_000, 1_000, 250)).toBe(0);
  });
});
