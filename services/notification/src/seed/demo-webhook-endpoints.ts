import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { AuditLog } from '@outpost/audit';
import { SERVICE_CONFIG } from '@outpost/platform';
import { DataSource } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import type { NotificationConfig } from '../config/notification.config';
import { NOTIFICATION_ACTOR } from '../shared/actors';
import { WebhookEndpointRepository } from '../webhooks/webhook-endpoint.repository';

/**
 * The demo source systems (intake's DEMO_SOURCES) that take notification's signed webhooks, at the local callback
 * sink `npm start` runs on :3990 (what arrives is in .outpost/logs/sinks.log). Fixed development secret: demo data is
 * refused in production by config.
 */
export const DEMO_WEBHOOK_ENDPOINTS = [
  { sourceId: 'demo-bank-icbc-tianhe', url: 'http://127.0.0.1:3990/webhooks/icbc' },
  { sourceId: 'demo-suisuian', url: 'http://127.0.0.1:3990/webhooks/suisuian' },
] as const;
const DEMO_KEY = { keyId: 'demo-2026', secret: 'demo-notification-webhook-secret-dev-only' };

/** With DEMO_DATA=true, gives the demo sources their webhook endpoint at start; one an administrator changed stays. */
@Injectable()
export class DemoWebhookEndpointsSeeder implements OnApplicationBootstrap {
  private readonly logger = new Logger('DemoData');

  constructor(
    @Inject(SERVICE_CONFIG) private readonly config: NotificationConfig,
    private readonly dataSource: DataSource,
    private readonly endpoints: WebhookEndpointRepository,
    private readonly audit: AuditLog,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.DEMO_DATA) return;
    let created = 0;
    await this.dataSource.transaction(async (tx) => {
      for (const e of DEMO_WEBHOOK_ENDPOINTS) {
        const id = uuidv7();
        if (!(await this.endpoints.insert(tx, { id, ...e, ...DEMO_KEY, active: true }))) continue;
        created++;
        await this.audit.append(tx, {
          leadId: null,
          actor: NOTIFICATION_ACTOR,
          action: 'webhook-endpoint.created',
          reason: '演示数据',
          payload: { id, ...e, keyId: DEMO_KEY.keyId },
        });
      }
    });
    this.logger.log(
      `demo webhook endpoints: ${created} created, ${DEMO_WEBHOOK_ENDPOINTS.length - created} already present`,
    );
  }
}
