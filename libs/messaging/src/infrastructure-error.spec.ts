import { isInfrastructureError } from './infrastructure-error';

function withCode(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

describe(isInfrastructureError.name, () => {
  const sut = isInfrastructureError;

  it.each([
    ['ECONNREFUSED', withCode('connect ECONNREFUSED 127.0.0.1:5432', 'ECONNREFUSED')],
    ['admin shutdown 57P01', withCode('terminating connection due to administrator command', '57P01')],
    ['cannot connect now 57P03', withCode('the database system is starting up', '57P03')],
    ['connection exception class 08', withCode('connection failure', '08006')],
    ['pg connection terminated', new Error('Connection terminated unexpectedly')],
    ['pool connect timeout', new Error('timeout exceeded when trying to connect')],
    ['serialization failure', withCode('could not serialize access', '40001')],
  ])('treats %s as infrastructure', (_name, err) => {
    expect(sut(err)).toBe(true);
  });

  it('looks through TypeORM QueryFailedError.driverError', () => {
    const wrapped = Object.assign(new Error('Query failed'), { driverError: withCode('x', '57P01') });
    expect(sut(wrapped)).toBe(true);
  });

  it('looks through Error.cause', () => {
    expect(sut(new Error('outer', { cause: withCode('inner', 'ECONNRESET') }))).toBe(true);
  });

  it('treats retriable kafkajs errors as infrastructure', () => {
    const err = Object.assign(new Error('broker gone'), { name: 'KafkaJSProtocolError', retriable: true });
    expect(sut(err)).toBe(true);
  });

  it.each([
    ['a plain handler bug', new TypeError("Cannot read properties of undefined (reading 'x')")],
    ['a unique violation', withCode('duplicate key value violates unique constraint', '23505')],
    ['a check violation', withCode('new row violates check constraint', '23514')],
    [
      'a non-retriable kafkajs error',
      Object.assign(new Error('bad'), { name: 'KafkaJSProtocolError', retriable: false }),
    ],
    ['a thrown string', 'boom'],
    ['undefined', undefined],
  ])('does not treat %s as infrastructure', (_name, err) => {
    expect(sut(err)).toBe(false);
  });
});
