import type { CategoricalRange } from "../space.js";
import type { SearchStrategy } from "../strategy.js";

/** Every combination of categorical values, in order, once each (SageMaker's Grid takes categorical ranges only). */
export function gridSearch(ranges: readonly CategoricalRange[]): SearchStrategy {
  let next = 0;
  const total = gridSize(ranges);
  return {
    propose() {
      if (next >= total) return undefined;
      let rest = next++;
      // Mixed-radix digits, the last range varying fastest; each value at the centre of its cell.
      const point: number[] = new Array(ranges.length);
      for (let i = ranges.length - 1; i >= 0; i--) {
        const n = (ranges[i] as CategoricalRange).values.length;
        point[i] = ((rest % n) + 0.5) / n;
        rest = Math.floor(rest / n);
      }
      return point;
    },
  };
}

export function gridSize(ranges: readonly CategoricalRange[]): number {
  return ranges.reduce((n, r) => n * r.values.length, 1);
}
