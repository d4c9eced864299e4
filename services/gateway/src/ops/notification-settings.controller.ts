import { Body, Controller, Get, Param, Post, Put, Req, Res } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ZodPipe } from '@outpost/platform';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { ROLE_GROUPS } from '../auth/access-policy';
import { BrowserAuth, CurrentUser } from '../auth/browser-auth.guard';
import type { AuthUser } from '../auth/principal';
import { DownstreamClient, relay } from '../commands/downstream.client';

const NOTIFICATION_PATHS = {
  rules: '/v1/rules',
  rule: (id: string) => `/v1/rules/${encodeURIComponent(id)}`,
  endpoints: '/v1/webhook-endpoints',
  endpoint: (id: string) => `/v1/webhook-endpoints/${encodeURIComponent(id)}`,
};

/** A JSON object; notification validates its fields and answers problem+json with their paths, passed through. */
const objectBody = z.record(z.string(), z.unknown());
const ruleId = z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, '规则编号为小写字母、数字和连字符');
const endpointId = z.string().uuid('回调地址编号应为 UUID');

/**
 * Notification's settings for operators and administrators: the rules (who hears of which event by which channel) and
 * the source systems' signed webhook endpoints. Forwarded to notification with the user's internal token; it
 * validates, audits every change and answers; the answer passes through unchanged.
 */
@ApiTags('ops 运维')
@Controller('api/v1/ops/notification')
export class NotificationSettingsController {
  constructor(private readonly downstream: DownstreamClient) {}

  @BrowserAuth(ROLE_GROUPS.operators)
  @Get('rules')
  @ApiOperation({
    summary: '通知规则 (OPERATOR, ADMIN)',
    description:
      '{ items: [{ id, eventType, audience, audienceParam, channels, urgent, digest, condition, active, description }] }',
  })
  rules(@CurrentUser() user: AuthUser, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.forward(user, req, reply, 'GET', NOTIFICATION_PATHS.rules);
  }

  @BrowserAuth(ROLE_GROUPS.operators)
  @Put('rules/:id')
  @ApiParam({ name: 'id' })
  @ApiBody({
    schema: {
      type: 'object',
      example: {
        eventType: 'assessment.lead-assigned.v1',
        audience: 'ASSIGNEE',
        audienceParam: null,
        channels: ['INBOX', 'EMAIL'],
        urgent: false,
        digest: false,
        condition: {},
        active: false,
        description: '线索分派：承办人',
      },
    },
  })
  @ApiOperation({
    summary: '修改通知规则 (OPERATOR, ADMIN; audited by notification)',
    description: 'The whole rule (as listed, without id). Applies to the next event.',
  })
  updateRule(
    @CurrentUser() user: AuthUser,
    @Param('id', new ZodPipe(ruleId, 'params')) id: string,
    @Body(new ZodPipe(objectBody)) body: Record<string, unknown>,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    return this.forward(user, req, reply, 'PUT', NOTIFICATION_PATHS.rule(id), body);
  }

  @BrowserAuth(ROLE_GROUPS.operators)
  @Get('webhook-endpoints')
  @ApiOperation({
    summary: '来源系统回调地址 (OPERATOR, ADMIN)',
    description: '{ items: [{ id, sourceId, url, keyId, active, createdAt, updatedAt }] } (never the secret)',
  })
  endpoints(@CurrentUser() user: AuthUser, @Req() req: FastifyRequest, @Res() reply: FastifyReply) {
    return this.forward(user, req, reply, 'GET', NOTIFICATION_PATHS.endpoints);
  }

  @BrowserAuth(ROLE_GROUPS.operators)
  @Post('webhook-endpoints')
  @ApiBody({
    schema: {
      type: 'object',
      example: { sourceId: 'demo-bank-icbc-tianhe', url: 'https://example.com/outpost/events', keyId: 'k-2026' },
    },
  })
  @ApiOperation({
    summary: '新增回调地址 (OPERATOR, ADMIN; audited by notification)',
    description:
      '{ sourceId, url, keyId, secret?, active? }. Without a secret one is generated and returned ONCE in the answer; ' +
      '409 ENDPOINT_EXISTS when the source has one already (change it with PUT).',
  })
  createEndpoint(
    @CurrentUser() user: AuthUser,
    @Body(new ZodPipe(objectBody)) body: Record<string, unknown>,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    return this.forward(user, req, reply, 'POST', NOTIFICATION_PATHS.endpoints, body);
  }

  @BrowserAuth(ROLE_GROUPS.operators)
  @Put('webhook-endpoints/:id')
  @ApiParam({ name: 'id' })
  @ApiBody({ schema: { type: 'object', example: { url: 'https://example.com/outpost/events', active: false } } })
  @ApiOperation({
    summary: '修改回调地址 (OPERATOR, ADMIN; audited by notification)',
    description: '{ url?, keyId?, secret?, active? }; a new secret replaces the old one (rotation).',
  })
  updateEndpoint(
    @CurrentUser() user: AuthUser,
    @Param('id', new ZodPipe(endpointId, 'params')) id: string,
    @Body(new ZodPipe(objectBody)) body: Record<string, unknown>,
    @Req() req: FastifyRequest,
    @Res() reply: FastifyReply,
  ) {
    return this.forward(user, req, reply, 'PUT', NOTIFICATION_PATHS.endpoint(id), body);
  }

  private async forward(
    user: AuthUser,
    req: FastifyRequest,
    reply: FastifyReply,
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    json?: Record<string, unknown>,
  ) {
    const res = await this.downstream.call('notification', {
      method,
      path,
      principal: user.principal,
      json,
      request: req,
    });
    return relay(reply, res);
  }
}
