const segmenter = new Intl.Segmenter(undefined, {granularity: 'grapheme'});

/**
 * The characters of a text as a reader sees them (a flag, an accented letter, a wide character: one each),
 * with the index where each starts. Text fields and wrapping move, delete and break only between them.
 */
export function graphemesOf(text: string): {index: number; segment: string}[] {
  return [...segmenter.segment(text)].map(({index, segment}) => ({index, segment}));
}
