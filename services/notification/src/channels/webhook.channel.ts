import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { CLOCK, type Clock } from '@outpost/clock';
import { SERVICE_CONFIG } from '@outpost/platform';
import type { NotificationConfig } from '../config/notification.config';
import type { Delivery } from '../deliveries/delivery.types';
import { parseRecipientKey } from '../rules/rule.types';
import { WebhookEndpointRepository } from '../webhooks/webhook-endpoint.repository';
import { httpFailure, PermanentChannelError, type Channel, type SendResult } from './channel';
import { WebhookHttpClient } from './webhook-http';
import { signWebhook, webhookIdempotencyKey } from './webhook-signature';

/**
 * Signed webhooks to source systems: POST of the stored JSON body with X-Outpost-Signature (HMAC-SHA256 over
 * `timestamp + "." + body`), X-Outpost-Timestamp, X-Outpost-Key-Id and Idempotency-Key = event id + recipient, the same
 * on every attempt and replay, so the receiver can drop repeats.
 */
@Injectable()
export class WebhookChannel implements Channel, OnModuleDestroy {
  readonly name = 'WEBHOOK' as const;
  /**
   * Endpoint lookups in flight, per source: concurrent sends to one source share one read (and one decryption) instead
   * of one each. Nothing is kept once the read finishes, so an endpoint change applies to the next send.
   */
  private readonly lookups = new Map<string, ReturnType<WebhookEndpointRepository['activeForSource']>>();
  /** Keep-alive connections, at most one per webhook job in flight. */
  private readonly http: WebhookHttpClient;

  constructor(
    private readonly endpoints: WebhookEndpointRepository,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SERVICE_CONFIG) private readonly config: NotificationConfig,
  ) {
    this.http = new WebhookHttpClient(config.CONCURRENCY_WEBHOOK);
  }

  async send(d: Delivery): Promise<SendResult> {
    const r = parseRecipientKey(d.recipient);
    if (r.kind !== 'source') throw new PermanentChannelError('webhooks go to source systems');
    const ep = await this.endpointFor(r.sourceId);
    if (!ep) throw new PermanentChannelError(`no active webhook endpoint for source ${r.sourceId}`);
    const headers = signWebhook({
      keyId: ep.keyId,
      secret: ep.secret,
      body: d.body,
      now: this.clock.now(),
      idempotencyKey: webhookIdempotencyKey(d.eventId, d.recipient),
    });
    const res = await this.http.post(
      ep.url,
      { 'content-type': 'application/json', ...headers },
      d.body,
      this.config.DELIVERY_TIMEOUT_MS,
    );
    if (res.status < 200 || res.status >= 300) {
      const moved = res.headers.location ? ` (redirect to ${res.headers.location} not followed)` : '';
      throw httpFailure(`webhook ${ep.url}${moved}`, res.status, res.text);
    }
    const requestId = res.headers['x-request-id'];
    return { providerId: typeof requestId === 'string' ? requestId : undefined };
  }

  onModuleDestroy(): void {
    this.http.close();
  }

  private endpointFor(sourceId: string): ReturnType<WebhookEndpointRepository['activeForSource']> {
    let p = this.lookups.get(sourceId);
    if (!p) {
      p = this.endpoints.activeForSource(sourceId).finally(() => this.lookups.delete(sourceId));
      this.lookups.set(sourceId, p);
    }
    return p;
  }
}
