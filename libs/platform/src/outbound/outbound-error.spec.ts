import { failureText, httpFailure, PermanentSendError } from './outbound-error';

describe('outbound errors', () => {
  it('names the causes of a failure, innermost last', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:3910'), { code: 'ECONNREFUSED' });
    const fetchFailed = new TypeError('fetch failed', { cause: refused });
    expect(failureText(fetchFailed)).toBe(
      'TypeError: fetch failed (cause: Error: connect ECONNREFUSED 127.0.0.1:3910)',
    );
    expect(failureText(new Error('a', { cause: new Error('b', { cause: 'c' }) }))).toBe(
      'Error: a (cause: Error: b (cause: c))',
    );
    expect(failureText('plain')).toBe('plain');
    // An error of another realm (Node's fetch under Jest) is read by its shape.
    expect(
      failureText({ name: 'TypeError', message: 'fetch failed', cause: { name: 'Error', message: 'refused' } }),
    ).toBe('TypeError: fetch failed (cause: Error: refused)');
    expect(failureText(new Error('x'.repeat(50)), 20)).toHaveLength(20);
  });

  it('stops after four causes (a cause chain may loop)', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    (a as Error & { cause: unknown }).cause = b;
    expect(failureText(a)).toBe('Error: a (cause: Error: b (cause: Error: a (cause: Error: b)))');
  });

  it('retries what may get better and not what will not', () => {
    expect(httpFailure('SMS gateway', 503, 'busy')).not.toBeInstanceOf(PermanentSendError);
    expect(httpFailure('SMS gateway', 429, '')).not.toBeInstanceOf(PermanentSendError);
    expect(httpFailure('SMS gateway', 400, 'bad number')).toBeInstanceOf(PermanentSendError);
    expect(httpFailure('SMS gateway', 400, 'bad number').message).toBe('SMS gateway answered HTTP 400: bad number');
  });
});
