/**
 * How the Overview grid pages: 200 cards at first, 200 more each time it is scrolled to its end,
 * never more than the server's largest page (`healthOverview(first:)` takes at most 10,000): past
 * it, the filters find the rest. Plain arithmetic, apart from the grid so that it is tested apart.
 */

/** Cards the grid asks for at first, and more each time (the query's default `first`). */
export const GRID_PAGE = 200;
/** The most cards the grid shows (the server's largest page). */
export const GRID_MAX = 10_000;

/**
 * How many cards to ask for next with `shown` shown of `matching`, or null when no more may be
 * asked: all are shown, or the grid holds the server's largest page. (Regression: asking past it
 * was refused, and the grid kept asking the refused size on every refresh.)
 */
export function nextPageSize(shown: number, matching: number): number | null {
  const next = Math.min(shown + GRID_PAGE, matching, GRID_MAX);
  return next > shown ? next : null;
}
