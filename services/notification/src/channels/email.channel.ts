import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { SERVICE_CONFIG } from '@outpost/platform';
import nodemailer, { type Transporter } from 'nodemailer';
import { DataSource } from 'typeorm';
import type { NotificationConfig } from '../config/notification.config';
import { ContactRepository } from '../contacts/contact.repository';
import type { Delivery } from '../deliveries/delivery.types';
import { parseRecipientKey } from '../rules/rule.types';
import { PermanentChannelError, type Channel, type SendResult } from './channel';

/** Domain part of our Message-IDs. */
const MESSAGE_ID_DOMAIN = 'outpost.tianhe.local';

/**
 * E-mail over SMTP (nodemailer). SMTP has no idempotency key: the Message-ID is the delivery id, so a repeat is at
 * least recognisable (mailbox stores such as Exchange and Gmail drop a repeated Message-ID), but plain SMTP servers
 * accept it twice. Hence the worker never resends an e-mail whose earlier attempt may have been accepted unless the
 * EMAIL_UNCERTAIN_POLICY says RESEND.
 */
@Injectable()
export class EmailChannel implements Channel, OnModuleDestroy {
  readonly name = 'EMAIL' as const;
  private transport: Transporter | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly contacts: ContactRepository,
    @Inject(SERVICE_CONFIG) private readonly config: NotificationConfig,
  ) {}

  async send(d: Delivery): Promise<SendResult> {
    const r = parseRecipientKey(d.recipient);
    if (r.kind !== 'person') throw new PermanentChannelError('e-mail goes to people');
    const contact = await this.contacts.get(this.dataSource, r.personId);
    if (!contact?.email) throw new PermanentChannelError('no e-mail address on the roster');
    if (!contact.active) throw new PermanentChannelError('person no longer active on the roster');
    this.transport ??= nodemailer.createTransport(this.config.SMTP_URL, {
      connectionTimeout: this.config.DELIVERY_TIMEOUT_MS,
      greetingTimeout: this.config.DELIVERY_TIMEOUT_MS,
      socketTimeout: this.config.DELIVERY_TIMEOUT_MS,
    });
    try {
      const info = await this.transport.sendMail({
        from: this.config.MAIL_FROM,
        to: { name: contact.name, address: contact.email },
        subject: d.subject ?? '',
        text: d.body,
        messageId: `<${d.id}@${MESSAGE_ID_DOMAIN}>`,
        headers: { 'X-Outpost-Delivery-Id': d.id, 'X-Outpost-Event-Id': d.eventId },
      });
      return { providerId: String(info.messageId ?? d.id) };
    } catch (err) {
      const code = (err as { responseCode?: number }).responseCode;
      // 5xx SMTP replies (mailbox unknown, policy refusal) are permanent; 4xx and connection errors are retried.
      if (code && code >= 500) throw new PermanentChannelError(`SMTP ${code}: ${(err as Error).message}`);
      throw err;
    }
  }

  onModuleDestroy(): void {
    this.transport?.close();
  }
}
