/**
 * Column widths for a table row that may be narrower than the columns want: the columns named first in
 * `shrinkOrder` give up their width first, each down to its least, so the ones that matter most (a state,
 * a rate) keep theirs on a narrow terminal. Pure.
 */
export type Column = {want: number; least: number};

export function fitColumns(
  columns: readonly Column[],
  width: number,
  shrinkOrder: readonly number[],
): number[] {
  const widths = columns.map((column) => Math.max(0, column.want));
  let excess = widths.reduce((sum, column) => sum + column, 0) - width;
  for (const index of shrinkOrder) {
    if (excess <= 0) break;
    const cut = Math.min(excess, Math.max(0, widths[index]! - columns[index]!.least));
    widths[index]! -= cut;
    excess -= cut;
  }
  return widths;
}
