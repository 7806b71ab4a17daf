import {render} from 'ink-testing-library';
import {describe, expect, it} from 'vitest';
import type {ForwardRow} from '../../source/store/state.js';
import {dataChannelLines, ForwardsPane, forwardLineCount} from '../../source/ui/panes.js';
import {forwardRow, sessionRow} from '../helpers/rows.js';

const channel = (id: number, mode: 'passive' | 'active' = 'passive') => ({
  id,
  mode,
  local: `127.0.0.1:${40000 + id}`,
  remote: `127.0.0.1:${50000 + id}`,
});

const ftp = (channels: ReturnType<typeof channel>[]): ForwardRow =>
  forwardRow(2121, {
    id: 'F1',
    kind: 'ftp',
    label: '-L ftp/2121:ftp:21',
    display: 'ftp/2121:ftp:21',
    dataChannels: channels,
  });

function pane(forwards: ForwardRow[], selected: number) {
  return render(
    <ForwardsPane session={sessionRow(1, forwards)} selected={selected} focused width={100} height={14} />,
  ).lastFrame()!;
}

describe("an FTP forward's data channels on screen", () => {
  it('lists each open data channel under its row: mode and both ends', () => {
    const frame = pane([ftp([channel(1), channel(2, 'active')])], 0);
    expect(frame).toContain('↳ data #1 passive 127.0.0.1:40001 <-> 127.0.0.1:50001');
    expect(frame).toContain('↳ data #2 active 127.0.0.1:40002 <-> 127.0.0.1:50002');
  });

  it('a forward that is not selected lists the first and how many more; the selected one lists them all', () => {
    const forwards = [forwardRow(8080), ftp([channel(1), channel(2), channel(3), channel(4)])];
    const notSelected = pane(forwards, 0);
    expect(notSelected).toContain('data #1 passive');
    expect(notSelected).toContain('… 3 more data channels');
    expect(notSelected).not.toContain('data #4');
    const selected = pane(forwards, 1);
    for (const id of [1, 2, 3, 4]) expect(selected).toContain(`data #${id} passive`);
    expect(forwardLineCount(forwards, 100, 0)).toBe(1 + 1 + 2);
    expect(forwardLineCount(forwards, 100, 1)).toBe(1 + 1 + 4);
  });

  it('none open: no lines', () => {
    expect(dataChannelLines(ftp([]), true)).toEqual([]);
    expect(pane([ftp([])], 0)).not.toContain('data #');
  });
});
