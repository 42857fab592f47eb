import type { Random } from "../random.js";
import type { SearchStrategy } from "../strategy.js";

/** Random: every point drawn independently and uniformly on each range's scale (so all may run at once). */
export function randomSearch(dimensions: number, random: Random): SearchStrategy {
  return { propose: () => Array.from({ length: dimensions }, () => random()) };
}
