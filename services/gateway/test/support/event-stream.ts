/** A live-stream client (GET /api/v1/events/stream) on a listening gateway, as the browser's EventSource would be. */
export interface EventStream {
  /** The response headers of the stream request. */
  headers: Headers;
  /** The raw stream text received so far (all frames, `event: ready` first). */
  text: () => string;
  close: () => void;
}

/** Streams opened and not closed yet: a test that fails before its own close() leaves them to closeEventStreams(). */
const open = new Set<EventStream>();

/**
 * Closes every stream still open. Call it in afterEach: an open stream keeps its connection, and the gateway's close
 * waits for it, so a failed test would otherwise hang the suite's afterAll until its timeout.
 */
export function closeEventStreams(): void {
  for (const stream of open) stream.close();
}

/**
 * Opens the stream for a token and collects its text in the background until `close()`. Asserts the 200: a test
 * that opens a stream always means to be let in (401 is checked with a plain fetch).
 */
export async function openEventStream(port: number, token: string): Promise<EventStream> {
  const ctrl = new AbortController();
  const res = await fetch(`http://127.0.0.1:${port}/api/v1/events/stream?access_token=${token}`, {
    signal: ctrl.signal,
  });
  expect(res.status).toBe(200);
  const reader = res.body!.getReader();
  let text = '';
  void (async () => {
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        text += Buffer.from(value).toString('utf8');
      }
    } catch {
      // aborted at the end of the test
    }
  })();
  const stream: EventStream = {
    headers: res.headers,
    text: () => text,
    close: () => {
      open.delete(stream);
      ctrl.abort();
    },
  };
  open.add(stream);
  return stream;
}
