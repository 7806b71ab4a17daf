import {describe, expect, it} from 'vitest';
import {ChannelLink, type LinkRouter} from '../../../source/core/forwards/channel-link.js';

/** A router that records the data the link sends. */
function recordingRouter(): {router: LinkRouter; sent: Buffer[]} {
  const sent: Buffer[] = [];
  const protocol = {channelData: (_id: number, data: Buffer) => sent.push(data)};
  return {
    router: {
      protocol,
      roundTripMs: undefined,
      roundTripWanted: () => {},
      forget: () => {},
    } as unknown as LinkRouter,
    sent,
  };
}

describe("a channel's packet size, as the server confirmed it", () => {
  it('cuts data into packets of that size, as far as the window goes', () => {
    const {router, sent} = recordingRouter();
    const link = new ChannelLink(router, 0, 7, 10, 4);
    link.write(Buffer.from('abcdefghijklmn'));
    expect(sent.map((chunk) => chunk.toString())).toEqual(['abcd', 'efgh', 'ij']);
  });

  it('of 0 (a hostile or broken server): nothing is sent and the link does not spin', () => {
    const {router, sent} = recordingRouter();
    const link = new ChannelLink(router, 0, 7, 2 * 1024 * 1024, 0);
    // Before the fix this looped for ever, sending empty packets.
    link.write(Buffer.from('data the server cannot be sent'));
    expect(sent).toEqual([]);
  });
});
