import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { SERVICE_CONFIG, SmtpMailer } from '@outpost/platform';
import { DataSource } from 'typeorm';
import type { NotificationConfig } from '../config/notification.config';
import { ContactRepository } from '../contacts/contact.repository';
import type { Delivery } from '../deliveries/delivery.types';
import { parseRecipientKey } from '../rules/rule.types';
import { PermanentChannelError, type Channel, type SendResult } from './channel';

/**
 * E-mail to a person on the roster over SMTP (@outpost/platform SmtpMailer). SMTP has no idempotency key: the
 * Message-ID is the delivery id, so a repeat is at least recognisable, but plain SMTP servers accept it twice. Hence
 * the worker never resends an e-mail whose earlier attempt may have been accepted unless EMAIL_UNCERTAIN_POLICY says
 * RESEND.
 */
@Injectable()
export class EmailChannel implements Channel, OnModuleDestroy {
  readonly name = 'EMAIL' as const;
  private readonly mailer: SmtpMailer;

  constructor(
    private readonly dataSource: DataSource,
    private readonly contacts: ContactRepository,
    @Inject(SERVICE_CONFIG) config: NotificationConfig,
  ) {
    this.mailer = new SmtpMailer({
      url: config.SMTP_URL,
      from: config.MAIL_FROM,
      timeoutMs: config.DELIVERY_TIMEOUT_MS,
    });
  }

  async send(d: Delivery): Promise<SendResult> {
    const r = parseRecipientKey(d.recipient);
    if (r.kind !== 'person') throw new PermanentChannelError('e-mail goes to people');
    const contact = await this.contacts.get(this.dataSource, r.personId);
    if (!contact?.email) throw new PermanentChannelError('no e-mail address on the roster');
    if (!contact.active) throw new PermanentChannelError('person no longer active on the roster');
    const providerId = await this.mailer.send(
      { name: contact.name, address: contact.email },
      d.subject ?? '',
      d.body,
      d.id,
      { 'X-Outpost-Delivery-Id': d.id, 'X-Outpost-Event-Id': d.eventId },
    );
    return { providerId };
  }

  onModuleDestroy(): void {
    this.mailer.close();
  }
}
