import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { SmtpSink } from '@outpost/testing';
import { SmtpMailer, transportUrl } from '../src';

describe(SmtpMailer.name, () => {
  const sink = new SmtpSink();
  beforeAll(() => sink.start());
  afterAll(() => sink.stop());

  it('sends many messages over one reused connection, each with its own Message-ID', async () => {
    const mailer = new SmtpMailer({ url: sink.url, from: '前哨平台 <noreply@outpost.test>', timeoutMs: 5000 });
    try {
      for (let i = 0; i < 4; i++) {
        const id = await mailer.send(
          { name: '张三', address: 'zhang@outpost.test' },
          `线索提醒 ${i}`,
          `正文 ${i}`,
          `d-${i}`,
        );
        expect(id).toBe(`<d-${i}@outpost.tianhe.local>`);
      }
    } finally {
      mailer.close();
    }
    expect(sink.to('zhang@outpost.test').map((m) => m.subject)).toEqual([0, 1, 2, 3].map((i) => `线索提醒 ${i}`));
    expect(sink.connections).toBe(1);
  });

  it('gives up on a server that accepts the connection but never greets (the configured timeout applies)', async () => {
    const silent: Server = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', () => resolve()));
    const port = (silent.address() as AddressInfo).port;
    const mailer = new SmtpMailer({ url: `smtp://127.0.0.1:${port}`, from: 'noreply@outpost.test', timeoutMs: 300 });
    try {
      // nodemailer's own greeting timeout is 30 s, past this test's 10 s limit: ignoring the configured 300 ms fails it.
      await expect(mailer.send('zhang@outpost.test', 's', 't', 'd-silent')).rejects.toMatchObject({
        code: 'ETIMEDOUT',
      });
    } finally {
      mailer.close();
      silent.close();
    }
  }, 10_000);

  it('keeps what the configured URL says besides pooling and timeouts', () => {
    const u = new URL(transportUrl('smtps://user:p%40ss@mail.example:465/?tls.rejectUnauthorized=false', 2000));
    expect(u.protocol).toBe('smtps:');
    expect(u.username).toBe('user');
    expect(u.password).toBe('p%40ss');
    expect(Object.fromEntries(u.searchParams)).toEqual({
      'tls.rejectUnauthorized': 'false',
      pool: 'true',
      connectionTimeout: '2000',
      greetingTimeout: '2000',
      socketTimeout: '2000',
    });
  });
});
