import {render} from 'ink-testing-library';
import {describe, expect, it} from 'vitest';
import {MINIMUM_SIZE} from '../../source/ui/layout.js';
import {TooSmall} from '../../source/ui/too-small.js';

describe('the too-small screen', () => {
  it('names the size and the size needed', () => {
    const {lastFrame, unmount} = render(<TooSmall columns={50} rows={15} minimum={MINIMUM_SIZE} />);
    expect(lastFrame()).toBe(
      [
        'terminal too small: 50×15, needs at least 60×18',
        'Make the window larger to go on; Ctrl-C quits.',
      ].join('\n'),
    );
    unmount();
  });

  it('wraps to a narrow terminal and stays a line shorter than it', () => {
    const {lastFrame, unmount} = render(<TooSmall columns={20} rows={4} minimum={MINIMUM_SIZE} />);
    const lines = (lastFrame() ?? '').split('\n');
    expect(lines).toEqual(['terminal too small:', '20×4, needs at least', '60×18']);
    unmount();
  });
});
