import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/**
 * Where a bench stack's e-mail and SMS go: a local SMTP server and SMS gateway that accept everything and keep only a
 * count, standing in for a working mail relay and SMS provider. (Pointing notification at a closed port, as the bench
 * once did, made every e-mail and SMS fail and retry: a storm of retries and dead letters no deployment has.)
 */
export class DeliverySinks {
  mails = 0;
  sms = 0;
  private smtp: SMTPServer | null = null;
  private http: Server | null = null;
  smtpPort = 0;
  smsPort = 0;

  async start(): Promise<void> {
    this.smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData: (stream, _session, done) => {
        stream.resume();
        stream.once('end', () => {
          this.mails++;
          done();
        });
      },
    });
    await new Promise<void>((resolve) => this.smtp!.listen(0, '127.0.0.1', () => resolve()));
    this.smtpPort = (this.smtp.server.address() as AddressInfo).port;
    this.http = createServer((req, res) => {
      req.resume();
      req.once('end', () => {
        this.sms++;
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ messageId: `bench-sms-${this.sms}` }));
      });
    });
    await new Promise<void>((resolve) => this.http!.listen(0, '127.0.0.1', () => resolve()));
    this.smsPort = (this.http.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => (this.smtp ? this.smtp.close(() => resolve()) : resolve()));
    await new Promise<void>((resolve) => (this.http ? this.http.close(() => resolve()) : resolve()));
  }
}
