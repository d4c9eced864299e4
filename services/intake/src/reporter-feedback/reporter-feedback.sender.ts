import { Inject, Injectable, type OnModuleDestroy } from '@nestjs/common';
import { SERVICE_CONFIG, SmsGatewayClient, SmtpMailer } from '@outpost/platform';
import type { IntakeConfig } from '../config/intake.config';
import type { ReporterAddress } from './reporter-contact';
import { feedbackEmailBody, feedbackSubject } from './reporter-feedback-message';

/** Hands one reporter message to the SMS gateway or the SMTP server; resolves with the provider's id. */
@Injectable()
export class ReporterFeedbackSender implements OnModuleDestroy {
  private readonly sms: SmsGatewayClient;
  private readonly mailer: SmtpMailer;

  constructor(@Inject(SERVICE_CONFIG) config: IntakeConfig) {
    this.sms = new SmsGatewayClient({
      url: config.SMS_GATEWAY_URL,
      token: config.SMS_GATEWAY_TOKEN,
      timeoutMs: config.REPORTER_FEEDBACK_TIMEOUT_MS,
    });
    this.mailer = new SmtpMailer({
      url: config.SMTP_URL,
      from: config.MAIL_FROM,
      timeoutMs: config.REPORTER_FEEDBACK_TIMEOUT_MS,
    });
  }

  /**
   * `feedbackId` is the SMS idempotency key and the e-mail's Message-ID: a gateway that honours the key sends once
   * however often this is called for the same row.
   */
  send(feedbackId: string, to: ReporterAddress, text: string, reference: string): Promise<string | null> {
    switch (to.channel) {
      case 'SMS':
        return this.sms.send(to.to, text, feedbackId);
      case 'EMAIL':
        return this.mailer.send(to.to, feedbackSubject(reference), feedbackEmailBody(text), feedbackId, {
          'X-Outpost-Reporter-Feedback-Id': feedbackId,
        });
    }
  }

  onModuleDestroy(): void {
    this.mailer.close();
  }
}
