/**
 * patches/kafkajs+2.2.4.patch (applied by patch-package on npm install): kafkajs 2.2.4, its last release, re-armed a
 * timer with a negative delay after every check of its request queue, so each broker connection of every client ran a
 * 1 ms timer loop forever (tulios/kafkajs#1556; ~20–40 ms of CPU per second per idle service here). These tests fail
 * when the patch is not applied, and check that throttled requests still go out.
 */
interface PushedRequest {
  entry: { correlationId: number; apiName: string; apiKey: number; apiVersion: number; resolve: () => void };
  expectResponse: boolean;
  sendRequest: () => void;
}
interface RequestQueue {
  throttleCheckTimeoutId: unknown;
  checkPendingRequests(): void;
  maybeThrottle(ms: number): void;
  push(r: PushedRequest): void;
  destroy(): void;
}
type RequestQueueClass = new (o: {
  maxInFlightRequests: number | null;
  requestTimeout: number;
  enforceRequestTimeout: boolean;
  clientId: string;
  broker: string;
  logger: { debug: () => void; warn: () => void; error: () => void; info: () => void };
}) => RequestQueue;

// kafkajs has no public entry for it; this is the module its connections use.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const KafkajsRequestQueue = require('kafkajs/src/network/requestQueue') as RequestQueueClass;

const quiet = { debug: () => undefined, warn: () => undefined, error: () => undefined, info: () => undefined };

function queue(): RequestQueue {
  return new KafkajsRequestQueue({
    maxInFlightRequests: null,
    requestTimeout: 30_000,
    enforceRequestTimeout: false,
    clientId: 'test',
    broker: '127.0.0.1:9092',
    logger: quiet,
  });
}

function request(correlationId: number, sendRequest: () => void): PushedRequest {
  const entry = { correlationId, apiName: 'Fetch', apiKey: 1, apiVersion: 11, resolve: () => undefined };
  return { entry, expectResponse: false, sendRequest };
}

describe('kafkajs request queue (patched)', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('arms no timer when nothing is pending (each response runs this check)', () => {
    const q = queue();
    q.checkPendingRequests();
    expect(q.throttleCheckTimeoutId).toBeNull();
    expect(jest.getTimerCount()).toBe(0);
    q.destroy();
  });

  it('sends a request queued while throttled once the throttle has passed, then arms nothing again', () => {
    const q = queue();
    const sent = jest.fn();
    q.maybeThrottle(50);
    q.push(request(1, sent));
    expect(sent).not.toHaveBeenCalled();
    jest.advanceTimersByTime(60);
    expect(sent).toHaveBeenCalledTimes(1);
    expect(q.throttleCheckTimeoutId).toBeNull();
    expect(jest.getTimerCount()).toBe(0);
    q.destroy();
  });
});
