// Windowing for long lists of rows of different heights: only the rows in (and near) the
// viewport are rendered. Heights are measured as rows render and estimated before that.

export class HeightIndex {
  private heights: Float64Array;
  private offsets: Float64Array;
  private dirty = true;

  constructor(
    private count: number,
    private estimate: number,
  ) {
    this.heights = new Float64Array(count).fill(estimate);
    this.offsets = new Float64Array(count + 1);
  }

  /**
   * Resizes to `count` rows; `prepended` new rows are added at the start. New rows get
   * `estimateOf(i)` when given (e.g. the thumbnail box of an image row), else the estimate.
   */
  resize(count: number, prepended = 0, estimateOf?: (i: number) => number): void {
    const next = new Float64Array(count).fill(this.estimate);
    const keep = Math.max(0, Math.min(this.count, count - prepended));
    if (estimateOf) for (let i = 0; i < count; i++) if (i < prepended || i >= prepended + keep) next[i] = estimateOf(i);
    if (keep > 0) next.set(this.heights.subarray(0, keep), prepended);
    this.heights = next;
    this.offsets = new Float64Array(count + 1);
    this.count = count;
    this.dirty = true;
  }

  /** Records a measured height; returns whether it changed. */
  set(i: number, h: number): boolean {
    if (i < 0 || i >= this.count || Math.abs(this.heights[i] - h) < 0.5) return false;
    this.heights[i] = h;
    this.dirty = true;
    return true;
  }

  private build(): void {
    if (!this.dirty) return;
    let acc = 0;
    for (let i = 0; i < this.count; i++) {
      this.offsets[i] = acc;
      acc += this.heights[i];
    }
    this.offsets[this.count] = acc;
    this.dirty = false;
  }

  /** The top of row `i`. */
  offset(i: number): number {
    this.build();
    return this.offsets[Math.max(0, Math.min(i, this.count))];
  }

  /** The height of everything. */
  total(): number {
    return this.offset(this.count);
  }

  /** The first row whose bottom is below `y`. */
  indexAt(y: number): number {
    this.build();
    let lo = 0;
    let hi = this.count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.offsets[mid + 1] <= y) lo = mid + 1;
      else hi = mid;
    }
    return Math.min(lo, Math.max(0, this.count - 1));
  }

  /** Rows to render for a viewport, with `overscan` extra rows on each side. */
  range(scrollTop: number, viewport: number, overscan = 6): [number, number] {
    if (this.count === 0) return [0, 0];
    const first = Math.max(0, this.indexAt(scrollTop) - overscan);
    const last = Math.min(this.count, this.indexAt(scrollTop + viewport) + 1 + overscan);
    return [first, last];
  }
}
