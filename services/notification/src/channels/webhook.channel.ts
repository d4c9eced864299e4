import { Inject, Injectable } from '@nestjs/common';
import { CLOCK, type Clock } from '@outpost/clock';
import { SERVICE_CONFIG } from '@outpost/platform';
import type { NotificationConfig } from '../config/notification.config';
import type { Delivery } from '../deliveries/delivery.types';
import { parseRecipientKey } from '../rules/rule.types';
import { WebhookEndpointRepository } from '../webhooks/webhook-endpoint.repository';
import { httpFailure, PermanentChannelError, type Channel, type SendResult } from './channel';
import { signWebhook, webhookIdempotencyKey } from './webhook-signature';

/**
 * Signed webhooks to source systems: POST of the stored JSON body with X-Outpost-Signature (HMAC-SHA256 over
 * `timestamp + "." + body`), X-Outpost-Timestamp, X-Outpost-Key-Id and Idempotency-Key = event id + recipient, the same
 * on every attempt and replay, so the receiver can drop repeats.
 */
@Injectable()
export class WebhookChannel implements Channel {
  readonly name = 'WEBHOOK' as const;
  /**
   * Endpoint lookups in flight, per source: concurrent sends to one source share one read (and one decryption) instead
   * of one each. Nothing is kept once the read finishes, so an endpoint change applies to the next send.
   */
  private readonly lookups = new Map<string, ReturnType<WebhookEndpointRepository['activeForSource']>>();

  constructor(
    private readonly endpoints: WebhookEndpointRepository,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(SERVICE_CONFIG) private readonly config: NotificationConfig,
  ) {}

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
    const res = await fetch(ep.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: d.body,
      signal: AbortSignal.timeout(this.config.DELIVERY_TIMEOUT_MS),
    });
    const text = await res.text().catch(() => '');
    if (!res.ok) throw httpFailure(`webhook ${ep.url}`, res.status, text);
    return { providerId: res.headers.get('x-request-id') ?? undefined };
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
