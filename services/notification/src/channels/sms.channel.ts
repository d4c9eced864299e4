import { Inject, Injectable } from '@nestjs/common';
import { SERVICE_CONFIG } from '@outpost/platform';
import { DataSource } from 'typeorm';
import type { NotificationConfig } from '../config/notification.config';
import { ContactRepository } from '../contacts/contact.repository';
import type { Delivery } from '../deliveries/delivery.types';
import { parseRecipientKey } from '../rules/rule.types';
import { httpFailure, PermanentChannelError, type Channel, type SendResult } from './channel';

/**
 * SMS through an HTTP gateway: JSON POST { to, text, idempotencyKey } (+ Idempotency-Key header), answer
 * { messageId }. The key is the delivery id, so a gateway that honours it sends one SMS however often we retry.
 * Adapting to a specific provider (Aliyun, Tencent Cloud SMS templates) means changing only this class.
 */
@Injectable()
export class SmsChannel implements Channel {
  readonly name = 'SMS' as const;

  constructor(
    private readonly dataSource: DataSource,
    private readonly contacts: ContactRepository,
    @Inject(SERVICE_CONFIG) private readonly config: NotificationConfig,
  ) {}

  async send(d: Delivery): Promise<SendResult> {
    const r = parseRecipientKey(d.recipient);
    if (r.kind !== 'person') throw new PermanentChannelError('SMS goes to people');
    const contact = await this.contacts.get(this.dataSource, r.personId);
    if (!contact?.phone) throw new PermanentChannelError('no phone number on the roster');
    if (!contact.active) throw new PermanentChannelError('person no longer active on the roster');
    const headers: Record<string, string> = { 'content-type': 'application/json', 'idempotency-key': d.id };
    if (this.config.SMS_GATEWAY_TOKEN) headers.authorization = `Bearer ${this.config.SMS_GATEWAY_TOKEN}`;
    const res = await fetch(this.config.SMS_GATEWAY_URL, {
      method: 'POST',
      headers,
      body: JSON.stringify({ to: contact.phone, text: d.body, idempotencyKey: d.id }),
      signal: AbortSignal.timeout(this.config.DELIVERY_TIMEOUT_MS),
    });
    const text = await res.text();
    if (!res.ok) throw httpFailure('SMS gateway', res.status, text);
    let messageId: string | undefined;
    try {
      const parsed = JSON.parse(text) as { messageId?: unknown };
      messageId = typeof parsed.messageId === 'string' ? parsed.messageId : undefined;
    } catch {
      messageId = undefined; // a 2xx without JSON still means accepted
    }
    return { providerId: messageId };
  }
}
