import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Readable } from 'node:stream';

/**
 * Signed callbacks are verified over the exact bytes received, so for /v1/external/* the body stream is buffered and
 * kept as `request.rawBody` before Fastify's JSON parser sees it. Other routes are untouched.
 */
export function keepRawBodyForCallbacks(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('preParsing', async (request, _reply, payload) => {
    if (!request.url.startsWith('/v1/external/')) return payload;
    const chunks: Buffer[] = [];
    for await (const chunk of payload) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
    const raw = Buffer.concat(chunks);
    (request as unknown as { rawBody: string }).rawBody = raw.toString('utf8');
    const replay = Readable.from([raw]) as Readable & { receivedEncodedLength?: number };
    replay.receivedEncodedLength = raw.length;
    return replay;
  });
}
