/**
 * The log view's memory and its window: a fixed-capacity ring buffer, and the arithmetic of a
 * virtual list with fixed-height rows. Framework-free, so a flood of lines costs O(1) per line
 * and nothing here re-renders anything.
 */

/** Lines kept by default: enough to scroll back through a burst, small enough to stay cheap. */
export const DEFAULT_CAPACITY = 10_000;

/**
 * Keeps the newest `capacity` items; older ones are evicted and counted in `dropped`.
 *
 * Every item pushed gets a sequence number, one more than the previous item's, that never repeats
 * (not even after `clear`), so it can key rendered rows. Sequence numbers are not stored: the
 * items in the buffer are always consecutive, so item `i` has `firstSeq + i`.
 */
export class RingBuffer<T> {
  readonly capacity: number;
  #slots: (T | undefined)[];
  /** Slot of the oldest item. */
  #head = 0;
  #size = 0;
  #pushed = 0;
  #dropped = 0;
  #version = 0;

  constructor(capacity: number = DEFAULT_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`capacity must be a whole number of at least 1, not ${capacity}`);
    }
    this.capacity = capacity;
    this.#slots = new Array<T | undefined>(capacity);
  }

  /** Items in the buffer. */
  get size(): number {
    return this.#size;
  }

  /** Items evicted because the buffer was full, since it was created or last cleared. */
  get dropped(): number {
    return this.#dropped;
  }

  /** Sequence number of the oldest item (of the next one, when empty). */
  get firstSeq(): number {
    return this.#pushed - this.#size;
  }

  /** Changes whenever the contents do, so a reader can tell whether there is anything new. */
  get version(): number {
    return this.#version;
  }

  /** Appends `batch` in order, evicting the oldest items when full. */
  push(batch: readonly T[]): void {
    if (batch.length === 0) return;
    const capacity = this.capacity;
    for (const item of batch) {
      if (this.#size < capacity) {
        this.#slots[(this.#head + this.#size) % capacity] = item;
        this.#size++;
      } else {
        this.#slots[this.#head] = item;
        this.#head = (this.#head + 1) % capacity;
        this.#dropped++;
      }
    }
    this.#pushed += batch.length;
    this.#version++;
  }

  /** The `index`th oldest item, or undefined outside `0 ≤ index < size`. */
  at(index: number): T | undefined {
    if (!Number.isInteger(index) || index < 0 || index >= this.#size) return undefined;
    return this.#slots[(this.#head + index) % this.capacity];
  }

  /** Items `start` (inclusive) to `end` (exclusive), oldest first, clamped to the buffer. */
  slice(start = 0, end = this.#size): T[] {
    const from = Math.max(0, Math.floor(start));
    const to = Math.min(this.#size, Math.floor(end));
    const items: T[] = [];
    for (let index = from; index < to; index++) {
      items.push(this.#slots[(this.#head + index) % this.capacity] as T);
    }
    return items;
  }

  /** Empties the buffer and resets `dropped`; sequence numbers carry on. */
  clear(): void {
    // A new array, so the evicted items can be garbage-collected at once.
    this.#slots = new Array<T | undefined>(this.capacity);
    this.#head = 0;
    this.#size = 0;
    this.#dropped = 0;
    this.#version++;
  }
}

/**
 * How long to wait before the next repaint, so repaints start at least `minGap` ms apart:
 * 0 when the last one was long enough ago.
 */
export function publishDelay(now: number, lastPublished: number, minGap: number): number {
  return Math.max(0, lastPublished + minGap - now);
}

export interface WindowInput {
  /** The viewport's scroll offset, in pixels. */
  scrollTop: number;
  /** The viewport's height, in pixels. */
  viewportHeight: number;
  /** Every row's height, in pixels. */
  rowHeight: number;
  /** Rows in the list. */
  total: number;
  /** Rows rendered beyond each edge of the viewport, so fast scrolling shows no gap. */
  overscan: number;
}

export interface VisibleWindow {
  /** First row to render. */
  start: number;
  /** One past the last row to render. */
  end: number;
  /** Where row `start` sits, in pixels from the top of the list. */
  offsetTop: number;
}

/** The rows a virtual list renders for a scroll position. */
export function visibleWindow({ scrollTop, viewportHeight, rowHeight, total, overscan }: WindowInput): VisibleWindow {
  if (total <= 0 || rowHeight <= 0) return { start: 0, end: 0, offsetTop: 0 };
  const margin = Math.max(0, Math.floor(overscan));
  // Elastic (overscroll) scrolling can report offsets outside the content.
  const top = Math.min(Math.max(0, scrollTop), total * rowHeight);
  const height = Math.max(0, viewportHeight);
  const end = Math.min(total, Math.ceil((top + height) / rowHeight) + margin);
  const start = Math.min(end, Math.max(0, Math.floor(top / rowHeight) - margin));
  return { start, end, offsetTop: start * rowHeight };
}

/**
 * Whether a scrolled viewport shows the end of its content, give or take `tolerance` pixels
 * (zoomed displays report fractional offsets that never quite reach the end).
 */
export function atBottom(scrollTop: number, viewportHeight: number, scrollHeight: number, tolerance: number): boolean {
  return scrollTop + viewportHeight >= scrollHeight - tolerance;
}
