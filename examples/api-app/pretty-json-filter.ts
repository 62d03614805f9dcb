// A user output filter for an API: `?pretty` re-indents JSON responses.
//
// It is a content-set filter (it changes the body) that has to see the whole
// body before it can re-serialise it: it sets the buckets aside (they may be
// views of native slab memory that is reused once passed on) until EOS, then
// passes one new body. It stays out of responses that are not asked to be
// pretty (init returns false), so those keep brigade's fast path.
import { Brigade, HeapBucket, type Filter } from 'brigade';

/** Bodies above this are passed through untouched rather than buffered. */
const MAX_BUFFERED = 1024 * 1024;

interface PrettyState {
  held: Brigade;
  giveUp: boolean;
}

export const prettyJson: Filter<PrettyState> = {
  name: 'pretty-json',
  type: 'content-set',
  init(ctx) {
    if (!ctx.request.searchParams.has('pretty')) return false;
    ctx.state = { held: new Brigade(), giveUp: false };
    return true;
  },
  async filter(ctx, brigade) {
    const st = ctx.state!;
    if (st.giveUp) return ctx.pass(brigade);
    st.held.concat(brigade.setaside());
    if (st.held.length > MAX_BUFFERED) {
      // Too big to reformat in memory: send what we held as it was.
      st.giveUp = true;
      const held = st.held;
      st.held = new Brigade();
      return ctx.pass(held);
    }
    if (!st.held.hasEos) return; // wait for the rest of the body
    const meta = st.held.buckets.filter((b) => b.isMetadata);
    let text: string;
    try {
      text = `${JSON.stringify(JSON.parse(await st.held.text()), null, 2)}\n`;
    } catch {
      return ctx.pass(st.held); // not JSON after all: unchanged
    }
    ctx.response.removeHeader('Content-Length'); // the length changed
    return ctx.pass(new Brigade([HeapBucket.fromString(text), ...meta]));
  },
};
