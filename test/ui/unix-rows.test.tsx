import {render} from 'ink-testing-library';
import {afterEach, describe, expect, it} from 'vitest';
import type {ForwardRow} from '../../source/store/state.js';
import {initialState, store} from '../../source/store/state.js';
import {App} from '../../source/ui/app.js';
import {frameMatching} from '../helpers/ink-frames.js';

const counters = {openConnections: 0, totalConnections: 0, failedConnections: 0, bytesIn: 0, bytesOut: 0};

function row(
  partial: Partial<ForwardRow> & Pick<ForwardRow, 'id' | 'kind' | 'label' | 'display'>,
): ForwardRow {
  return {
    state: 'listening',
    failure: undefined,
    listeningOn: undefined,
    counters,
    rateIn: 0,
    rateOut: 0,
    ...partial,
  };
}

describe('rows of unix-socket and remote dynamic forwards', () => {
  afterEach(() => store.setState(initialState()));

  it('show L or R with the socket path in the spec, and RD for the server-side SOCKS proxy', async () => {
    store.setState({
      ...initialState(),
      sessions: [
        {
          id: 1,
          name: 'staging',
          address: 'deploy@10.0.0.5:22',
          state: 'connected',
          failure: undefined,
          connectedAt: Date.now(),
          reconnects: 0,
          retryIn: undefined,
          forwards: [
            row({
              id: 'L1',
              kind: 'local-unix',
              label: '-L /tmp/d.sock:/var/run/docker.sock',
              display: '/tmp/d.sock:/var/run/docker.sock',
              listeningOn: '/tmp/d.sock',
            }),
            row({
              id: 'R2',
              kind: 'remote-unix',
              label: '-R 9000:/run/app.sock',
              display: '9000:/run/app.sock',
            }),
            row({id: 'R3', kind: 'remote-dynamic', label: '-R 1080', display: '1080'}),
          ],
        },
      ],
    });
    const {lastFrame, unmount} = render(<App />);
    const frame = await frameMatching(lastFrame, /Forwards of staging/);
    expect(frame).toMatch(/L\s+\/tmp\/d\.sock:\/var\/run\/docker\.sock\s+listening/);
    expect(frame).toMatch(/R\s+9000:\/run\/app\.sock\s+listening/);
    expect(frame).toMatch(/RD\s+1080\s+listening/);
    unmount();
  });
});
