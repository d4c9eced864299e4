import { Inject, Injectable } from '@nestjs/common';
import { SERVICE_CONFIG, SmsGatewayClient } from '@outpost/platform';
import { DataSource } from 'typeorm';
import type { NotificationConfig } from '../config/notification.config';
import { ContactRepository } from '../contacts/contact.repository';
import type { Delivery } from '../deliveries/delivery.types';
import { parseRecipientKey } from '../rules/rule.types';
import { PermanentChannelError, type Channel, type SendResult } from './channel';

/**
 * SMS to a person on the roster through the HTTP gateway (@outpost/platform SmsGatewayClient). The idempotency key is
 * the delivery id, so a gateway that honours it sends one SMS however often we retry.
 */
@Injectable()
export class SmsChannel implements Channel {
  readonly name = 'SMS' as const;
  private readonly gateway: SmsGatewayClient;

  constructor(
    private readonly dataSource: DataSource,
    private readonly contacts: ContactRepository,
    @Inject(SERVICE_CONFIG) config: NotificationConfig,
  ) {
    this.gateway = new SmsGatewayClient({
      url: config.SMS_GATEWAY_URL,
      token: config.SMS_GATEWAY_TOKEN,
      timeoutMs: config.DELIVERY_TIMEOUT_MS,
    });
  }

  async send(d: Delivery): Promise<SendResult> {
    const r = parseRecipientKey(d.recipient);
    if (r.kind !== 'person') throw new PermanentChannelError('SMS goes to people');
    const contact = await this.contacts.get(this.dataSource, r.personId);
    if (!contact?.phone) throw new PermanentChannelError('no phone number on the roster');
    if (!contact.active) throw new PermanentChannelError('person no longer active on the roster');
    const messageId = await this.gateway.send(contact.phone, d.body, d.id);
    return { providerId: messageId ?? undefined };
  }
}
