import { connect } from 'node:net';
import { createTransport } from 'nodemailer';
import { SmtpSink } from '../src';

describe('SmtpSink (a real SMTP server on loopback)', () => {
  const sink = new SmtpSink();
  beforeAll(() => sink.start());
  afterAll(() => sink.stop());

  it('survives a client killed mid-session (connection reset) and keeps accepting mail', async () => {
    // What a kill -9 of a process in the middle of sending over a pooled SMTP connection looks like to the server: a
    // TCP reset after MAIL FROM (smtp-server ignores a reset outside a mail transaction by itself).
    await new Promise<void>((resolve, reject) => {
      const socket = connect(sink.port, '127.0.0.1');
      const script = ['EHLO killed.test', 'MAIL FROM:<a@outpost.test>'];
      let replies = '';
      socket.once('error', reject);
      socket.on('data', (chunk: Buffer) => {
        replies += chunk.toString();
        // Each reply's last line is "<code> text" (continuation lines are "<code>-text").
        if (!/^\d{3} .*\r\n$/m.test(replies.split('\r\n').slice(-2).join('\r\n'))) return;
        replies = '';
        const next = script.shift();
        if (next) socket.write(`${next}\r\n`);
        else {
          socket.resetAndDestroy();
          resolve();
        }
      });
    });
    const deadline = Date.now() + 5000;
    while (!sink.connectionErrors.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(sink.connectionErrors.map((e) => (e as NodeJS.ErrnoException).code)).toEqual(['ECONNRESET']);

    const transport = createTransport({ host: '127.0.0.1', port: sink.port, secure: false, ignoreTLS: true });
    await transport.sendMail({ from: 'a@outpost.test', to: 'b@outpost.test', subject: 'still here', text: 'ok' });
    transport.close();
    expect(sink.to('b@outpost.test').map((m) => m.subject)).toEqual(['still here']);
  });
});
