import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { problem, PROBLEM_CONTENT_TYPE, ProblemException } from '@outpost/platform';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ROLE_GROUPS } from '../auth/access-policy';
import { AuthService } from '../auth/auth.service';
import { browserToken } from '../auth/browser-auth.guard';
import { JobQueues } from './job-queues';

export const BULL_BOARD_PATH = '/ops/queues';

/**
 * bull-board has no auth of its own: it is mounted inside an encapsulated plugin whose preHandler accepts only an
 * OPERATOR/ADMIN browser token (Authorization header, or the outpost_at cookie on GET).
 */
export async function mountBullBoard(app: NestFastifyApplication): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(BULL_BOARD_PATH);
  createBullBoard({
    queues: app.get(JobQueues).queues.map((q) => new BullMQAdapter(q)),
    serverAdapter,
    options: { uiConfig: { boardTitle: '前哨 队列' } },
  });

  await fastify.register(async (scope) => {
    scope.addHook('preHandler', async (req: FastifyRequest, reply: FastifyReply) => {
      const refuse = (status: number, code: string, detail: string) =>
        reply
          .status(status)
          .header('content-type', PROBLEM_CONTENT_TYPE)
          .send(problem(status, code, detail));
      const token = browserToken(req, false);
      if (!token) return refuse(401, 'UNAUTHENTICATED', '请先以运维账号登录。');
      try {
        const user = await app.get(AuthService).authenticate(token);
        if (!user.principal.roles.some((r) => (ROLE_GROUPS.operators as readonly string[]).includes(r))) {
          return refuse(403, 'ROLE_NOT_ALLOWED', '仅运维人员或管理员可以查看任务队列。');
        }
      } catch (err) {
        if (err instanceof ProblemException) return refuse(err.getStatus(), err.code, err.message);
        throw err;
      }
      return undefined;
    });
    await scope.register(serverAdapter.registerPlugin(), { prefix: BULL_BOARD_PATH });
  });
}
