import { createServer } from 'node:net';
import { createTransport } from 'nodemailer';
import { maskContact, startLocalSinks, type LocalSinks } from '../src/local-sinks';

/** The receivers `npm start` runs in place of the outside world: they accept, answer as the real ones, and log masked. */
describe('local sinks (npm start: SMTP, SMS gateway, source callbacks, external systems)', () => {
  const lines: string[] = [];
  let sinks: LocalSinks;
  const ports = { smtp: 0, sms: 0, callbacks: 0, external: [0, 0, 0, 0, 0] };

  const freePort = () =>
    new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const { port } = s.address() as { port: number };
        s.close(() => resolve(port));
      });
    });

  beforeAll(async () => {
    ports.smtp = await freePort();
    ports.sms = await freePort();
    ports.callbacks = await freePort();
    ports.external = await Promise.all(ports.external.map(() => freePort()));
    sinks = await startLocalSinks(ports, (l) => void lines.push(l));
  });
  afterAll(() => sinks?.stop());

  it('accepts mail, SMS and callbacks as the real receivers would, and logs each with its contact masked', async () => {
    const transport = createTransport({ host: '127.0.0.1', port: ports.smtp, secure: false, ignoreTLS: true });
    await transport.sendMail({
      from: 'outpost@tianhe.example',
      to: '李四 <li.si@example.com>',
      subject: '【天河防非】线索 TH-20261129-000001 已分派给您',
      text: '请在期限内认领并研判。',
    });
    transport.close();

    const sms = await fetch(`http://127.0.0.1:${ports.sms}/sms/send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'idempotency-key': 'fb-1' },
      body: JSON.stringify({ to: '13812345678', text: '【天河防非】您反映的线索已办结', idempotencyKey: 'fb-1' }),
    });
    // What SmsGatewayClient reads back: a message id.
    expect(sms.status).toBe(200);
    expect(((await sms.json()) as { messageId?: string }).messageId).toEqual(expect.any(String));

    const callback = await fetch(`http://127.0.0.1:${ports.callbacks}/callbacks/icbc`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-outpost-signature': 'v1=abc' },
      body: JSON.stringify({ type: 'escalation.lead-closed.v1', payload: { reference: 'TH-1', status: 'CLOSED' } }),
    });
    expect(callback.status).toBe(200);

    // 穗岁安 (the first external system) takes a signed report and answers a reference, the same one for a retry.
    const report = () =>
      fetch(`http://127.0.0.1:${ports.external[0]}/outpost/reports`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'idempotency-key': '01a2279d-4407-7007-8f78-be3d9237f185',
          'x-outpost-signature': 'v1=abc',
        },
        body: JSON.stringify({ purpose: 'REPORT', caseNo: 'TH-AJ-2026-0001', to: '穗岁安' }),
      });
    const first = await report();
    expect(first.status).toBe(200);
    const { reference } = (await first.json()) as { reference?: string };
    expect(reference).toBe('SSA-BE3D9237F185');
    expect(await (await report()).json()).toEqual({ reference });

    const received = lines.filter((l) => !l.startsWith('[sinks]'));
    expect(received).toEqual([
      '[mail] to li****@example.com: 【天河防非】线索 TH-20261129-000001 已分派给您 | 请在期限内认领并研判。',
      '[sms] to 138****5678: 【天河防非】您反映的线索已办结',
      '[callback] POST /callbacks/icbc (signed): escalation.lead-closed.v1 TH-1 CLOSED',
      '[external 穗岁安] POST /outpost/reports (signed): REPORT TH-AJ-2026-0001 → 穗岁安',
      '[external 穗岁安] POST /outpost/reports (signed): REPORT TH-AJ-2026-0001 → 穗岁安',
    ]);
    expect(lines.join('\n')).not.toMatch(/li\.si|13812345678/);
  });

  it('refuses to start on a port already taken, instead of failing later', async () => {
    await expect(
      startLocalSinks({ smtp: 0, sms: 0, callbacks: 0, external: [0, ports.external[1]!] }, () => undefined),
    ).rejects.toThrow(/EADDRINUSE/);
  });

  it('masks phone numbers and e-mail addresses', () => {
    expect(maskContact('+86 138-1234-5678')).toBe('861****5678');
    expect(maskContact('a@b.cn')).toBe('a****@b.cn');
    expect(maskContact('12345')).toBe('****');
  });
});
