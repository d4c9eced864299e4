import { mkdtempSync, readFileSync } from 'node:fs';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Body, Controller, Get, Logger, Module, Param, Post, Query } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { Logger as PinoLogger } from 'pino';
import { z } from 'zod';
import {
  ApiZodQuery,
  baseConfigSchema,
  createServiceApp,
  CurrentPrincipal,
  PlatformModule,
  readConfig,
  Roles,
  RequestLog,
  ZodPipe,
  type Principal,
} from '../src';
import { bearer, createTestDatabase, principal, testKeys, type TestDatabase } from '@outpost/testing';

const echoSchema = z.object({
  name: z.string().min(1),
  count: z.number().int().positive(),
  tags: z.array(z.string()).max(2),
});

const searchQuery = z.object({
  q: z.string().max(100),
  kind: z.enum(['a', 'b']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(20),
});

@Controller('v1/echo')
class EchoController {
  private readonly logger = new Logger(EchoController.name);

  @Post()
  echo(
    @Body(new ZodPipe(echoSchema)) body: z.infer<typeof echoSchema>,
    @CurrentPrincipal() who: Principal,
    @RequestLog() log: PinoLogger,
  ) {
    log.info({ context: EchoController.name }, `echo for ${who.userId}`);
    this.logger.log(`echo count ${body.count}`); // Nest's Logger: the service's JSON lines, not tied to the request
    return { ...body, by: who.userId };
  }

  @Get('items/:id')
  item(@Param('id') id: string) {
    return { id };
  }

  @Get('search')
  @ApiZodQuery(searchQuery, { q: 'free text' })
  search(@Query(new ZodPipe(searchQuery, 'query')) q: z.infer<typeof searchQuery>) {
    return q;
  }

  @Roles('OPERATOR')
  @Get('operators-only')
  operatorsOnly() {
    return { ok: true };
  }
}

describe('PlatformModule', () => {
  let db: TestDatabase;
  let app: NestFastifyApplication;
  const logFile = join(mkdtempSync(join(tmpdir(), 'platform-logs-')), 'intake.log');
  const logLines = () =>
    readFileSync(logFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  beforeAll(async () => {
    db = await createTestDatabase('platform');
    const keys = await testKeys();
    const config = readConfig(baseConfigSchema('intake'), {
      DATABASE_ADMIN_URL: db.adminUrl,
      DATABASE_URL: db.adminUrl.replace('postgres@', 'outpost_platform_test@'),
      DATABASE_SCHEMA: 'platform_test',
      DATABASE_ROLE: 'outpost_platform_test',
      INTERNAL_JWT_PUBLIC_KEY: keys.publicKeyPem,
      LOG_LEVEL: 'info',
      LOG_FILE: logFile,
    });
    @Module({
      imports: [PlatformModule.forService({ service: 'intake', config, entities: [] })],
      controllers: [EchoController],
    })
    class AppModule {}
    app = await createServiceApp({ service: 'intake', title: 'test', module: AppModule, config, migrations: [] });
    await app.getHttpAdapter().getInstance().ready();
    app.flushLogs();
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
  });

  it('answers health without authentication and reports every dependency ready', async () => {
    const live = await app.inject({ method: 'GET', url: '/health/live' });
    expect(live.statusCode).toBe(200);
    const ready = await app.inject({ method: 'GET', url: '/health/ready' });
    expect(ready.json()).toMatchObject({
      status: 'ok',
      info: { postgres: { status: 'up' }, redis: { status: 'up' }, kafka: { status: 'up' } },
    });
  });

  it("logs one completion line per request and the handler's own lines with its correlation id, no credentials", async () => {
    const token = await bearer(principal({ userId: 'u-log', roles: ['VOLUNTEER'] }));
    await app.inject({ method: 'GET', url: '/health/live', headers: { 'x-correlation-id': 'corr-health' } });
    const res = await app.inject({
      method: 'POST',
      url: '/v1/echo',
      headers: { authorization: token, 'x-correlation-id': 'corr-echo-1' },
      payload: { name: 'a', count: 1, tags: [] },
    });
    expect(res.statusCode).toBe(201);

    const mine = logLines().filter((l) => l.correlationId === 'corr-echo-1');
    expect(mine).toEqual([
      expect.objectContaining({ service: 'intake', context: 'EchoController', msg: 'echo for u-log' }),
      expect.objectContaining({
        service: 'intake',
        msg: 'request completed',
        req: { method: 'POST', url: '/v1/echo' },
        res: { statusCode: 201 },
        responseTime: expect.any(Number),
      }),
    ]);
    expect(logLines()).toContainEqual(
      expect.objectContaining({ service: 'intake', context: 'EchoController', msg: 'echo count 1' }),
    );
    expect(logLines().some((l) => l.correlationId === 'corr-health')).toBe(false);
    expect(readFileSync(logFile, 'utf8')).not.toContain(token.replace('Bearer ', ''));
  });

  it('refuses a route without a token, with problem+json', async () => {
    const res = await app.inject({ method: 'POST', url: '/v1/echo', payload: { name: 'a', count: 1, tags: [] } });
    expect(res.statusCode).toBe(401);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ status: 401, code: 'UNAUTHENTICATED' });
  });

  it('accepts a valid internal token and names the principal', async () => {
    const auth = await bearer(principal({ userId: 'u1', roles: ['VOLUNTEER'] }));
    const res = await app.inject({
      method: 'POST',
      url: '/v1/echo',
      headers: { authorization: auth },
      payload: { name: 'a', count: 2, tags: ['x'] },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toEqual({ name: 'a', count: 2, tags: ['x'], by: 'u1' });
  });

  it('lists every offending field path on bad input', async () => {
    const auth = await bearer(principal({ userId: 'u1', roles: ['VOLUNTEER'] }));
    const res = await app.inject({
      method: 'POST',
      url: '/v1/echo',
      headers: { authorization: auth },
      payload: { name: '', count: 'x', tags: ['a', 'b', 'c'] },
    });
    expect(res.statusCode).toBe(400);
    const paths = (res.json() as { errors: Array<{ path: string }> }).errors.map((e) => e.path).sort();
    expect(paths).toEqual(['count', 'name', 'tags']);
  });

  it('answers malformed JSON, a wrong media type and an oversize body with 400/415/413 problem+json', async () => {
    const auth = await bearer(principal({ userId: 'u1', roles: ['VOLUNTEER'] }));
    const bad = await app.inject({
      method: 'POST',
      url: '/v1/echo',
      headers: { authorization: auth, 'content-type': 'application/json' },
      payload: '{"name": ',
    });
    expect([bad.statusCode, bad.json().code]).toEqual([400, 'MALFORMED_JSON']);
    const media = await app.inject({
      method: 'POST',
      url: '/v1/echo',
      headers: { authorization: auth, 'content-type': 'application/xml' },
      payload: '<a/>',
    });
    expect([media.statusCode, media.json().code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    const big = await app.inject({
      method: 'POST',
      url: '/v1/echo',
      headers: { authorization: auth, 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'x'.repeat(2 * 1024 * 1024), count: 1, tags: [] }),
    });
    expect([big.statusCode, big.json().code]).toEqual([413, 'BODY_TOO_LARGE']);
  });

  it("answers what Node's HTTP parser refuses (a raw non-ASCII URL, a broken header) with problem+json too", async () => {
    await app.listen(0, '127.0.0.1');
    const { port } = app.getHttpServer().address() as AddressInfo;
    // What `curl 'http://…/v1/leads?q=美容店'` sends: the UTF-8 bytes unencoded in the request line.
    const raw = (request: Buffer) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => socket.end(request));
        const chunks: Buffer[] = [];
        socket.on('data', (c: Buffer) => chunks.push(c));
        socket.on('error', reject);
        socket.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
      });
    for (const request of [
      Buffer.concat([
        Buffer.from('GET /v1/echo?q='),
        Buffer.from('美容店'),
        Buffer.from(' HTTP/1.1\r\nHost: x\r\n\r\n'),
      ]),
      Buffer.from('GET /v1/echo HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n'),
    ]) {
      const answer = await raw(request);
      const [head, body] = answer.split('\r\n\r\n');
      expect(head).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
      expect(head).toContain('Content-Type: application/problem+json');
      expect(JSON.parse(body!)).toMatchObject({
        status: 400,
        code: 'MALFORMED_REQUEST',
        errors: [{ path: '(request)', message: expect.stringMatching(/^HPE_/) }],
      });
    }
  });

  it('refuses U+0000 in the query string and the path with 400 and its place, before any handler runs', async () => {
    const auth = await bearer(principal({ userId: 'u1', roles: ['VOLUNTEER'] }));
    for (const [url, path] of [
      ['/v1/echo/items/a?holder=%00me', 'query.holder'],
      ['/v1/echo/items/a%00b', 'path.id'],
    ] as const) {
      const res = await app.inject({ method: 'GET', url, headers: { authorization: auth } });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code: 'VALIDATION_FAILED', errors: [{ path, code: 'nul_character' }] });
    }
  });

  it('answers an over-long path parameter with problem+json, not the router plain JSON', async () => {
    const auth = await bearer(principal({ userId: 'u1', roles: ['VOLUNTEER'] }));
    const res = await app.inject({
      method: 'GET',
      url: `/v1/echo/items/${'x'.repeat(300)}`,
      headers: { authorization: auth },
    });
    expect(res.statusCode).toBe(414);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect(res.json()).toMatchObject({ status: 414, code: 'PATH_PARAMETER_TOO_LONG', errors: [{ path: '(path)' }] });
  });

  it('enforces @Roles with 403 and the needed roles', async () => {
    const volunteer = await bearer(principal({ userId: 'u1', roles: ['VOLUNTEER'] }));
    const res = await app.inject({
      method: 'GET',
      url: '/v1/echo/operators-only',
      headers: { authorization: volunteer },
    });
    expect([res.statusCode, res.json().code]).toEqual([403, 'ROLE_REQUIRED']);
    const operator = await bearer(principal({ userId: 'op', roles: ['OPERATOR'] }));
    expect(
      (await app.inject({ method: 'GET', url: '/v1/echo/operators-only', headers: { authorization: operator } }))
        .statusCode,
    ).toBe(200);
  });

  it('serves Prometheus metrics to operators only', async () => {
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    const operator = await bearer(principal({ userId: 'op', roles: ['OPERATOR'] }));
    const res = await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: operator } });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('process_cpu_user_seconds_total');
  });

  it('serves the OpenAPI document', async () => {
    const res = await app.inject({ method: 'GET', url: '/docs-json' });
    expect(res.statusCode).toBe(200);
    expect(Object.keys(res.json().paths)).toContain('/v1/echo');
    // Query parameters documented from the zod schema their pipe enforces: what is required, enums, lengths, ranges.
    expect(res.json().paths['/v1/echo/search'].get.parameters).toEqual([
      expect.objectContaining({
        name: 'q',
        in: 'query',
        required: true,
        description: 'free text',
        schema: { type: 'string', maxLength: 100 },
      }),
      expect.objectContaining({ name: 'kind', required: false, schema: { type: 'string', enum: ['a', 'b'] } }),
      expect.objectContaining({
        name: 'limit',
        required: false,
        schema: { type: 'integer', minimum: 1, maximum: 200, default: 20 },
      }),
    ]);
  });
});
