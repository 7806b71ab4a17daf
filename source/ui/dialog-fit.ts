/**
 * Which lines of a dialog are drawn when its box is shorter than they are. Pure.
 *
 * Each line has a rank: the lines of the lowest ranks are kept first (the field, the error, a host key's
 * host and fingerprint), then the others by rank, in order; the lines keep their order on screen. A line
 * of a text after which some of that text is left out ends in … (see `cut`).
 */

/** From kept first to dropped first. */
export const RANK = {
  /** The `>` line. */
  field: 0,
  /** The error, a host key's host and fingerprint, a confirmation's question: never left out. */
  must: 1,
  /** What is asked (a prompt's last line), a confirmation's words, the favorites list. */
  question: 2,
  /** The title of a dialog with a field. */
  title: 3,
  /** The rest of a question's text. */
  text: 4,
  /** Examples and notes (the add dialog's forms), and the title of a prompt ("Question"). */
  example: 5,
  /** "Enter to confirm · Esc to cancel": the footer shows the same keys. */
  hint: 6,
  /** Lines that only fill room left over: the favorites past the first few. */
  fill: 7,
} as const;

export type FitLine = {
  rank: number;
  /** The text the line is a part of: a line after which the text goes on unseen is marked as cut. */
  group?: string;
};

export type DialogFit = {
  kept: boolean[];
  /** Kept lines whose text goes on in a line left out. */
  cut: boolean[];
};

export function fitDialogLines(lines: readonly FitLine[], rows: number): DialogFit {
  const order = lines.map((_, index) => index).sort((a, b) => lines[a]!.rank - lines[b]!.rank || a - b);
  const kept = lines.map(() => false);
  for (const index of order.slice(0, Math.max(0, Math.floor(rows)))) kept[index] = true;
  const cut = lines.map((line, index) => {
    if (!kept[index] || line.group === undefined) return false;
    const next = lines.findIndex((other, at) => at > index && other.group === line.group);
    return next !== -1 && !kept[next];
  });
  return {kept, cut};
}
