import { Injectable, Logger } from '@nestjs/common';
import { AuditLog } from '@outpost/audit';
import type { EventEnvelope } from '@outpost/messaging';
import { AfterCommit, FieldCipher } from '@outpost/platform';
import type { EntityManager } from 'typeorm';
import { v7 as uuidv7 } from 'uuid';
import { REPORTER_FEEDBACK_ACTOR } from '../../reporter-feedback.actor';
import { reachOf, type ReporterIdentity } from '../../reporter-contact';
import { feedbackMessage } from '../../reporter-feedback-message';
import { ReporterFeedbackQueue } from '../../reporter-feedback.queue';
import { ReporterFeedbackRepository } from '../../reporter-feedback.repository';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const NOT_SENT_REASON = {
  ANONYMOUS: '匿名举报，无法回复 (anonymous reporter)',
  NO_USABLE_CONTACT: '未留下可用的手机号或邮箱 (no usable mobile number or e-mail)',
} as const;

/**
 * notification asked intake to tell the reporter the outcome. Inside the consumer's transaction (with its inbox row):
 * open the lead's sealed reporter identity, decide the channel, and record the intent (a reporter_feedback row, no
 * contact in it) with its audit entry; or, for an anonymous or unreachable reporter, only an audit entry saying so.
 * The job is enqueued after the commit; the reconciler covers a crash in between.
 */
@Injectable()
export class RecordReporterFeedbackUseCase {
  private readonly logger = new Logger(RecordReporterFeedbackUseCase.name);

  constructor(
    private readonly feedback: ReporterFeedbackRepository,
    private readonly cipher: FieldCipher,
    private readonly audit: AuditLog,
    private readonly queue: ReporterFeedbackQueue,
    private readonly afterCommit: AfterCommit,
  ) {}

  async execute(event: EventEnvelope<'notification.reporter-feedback-requested.v1'>, tx: EntityManager): Promise<void> {
    const p = event.payload;
    const lead = UUID.test(p.leadId) ? await this.feedback.leadContact(tx, p.leadId) : null;
    if (!lead) {
      this.logger.warn(
        { eventId: event.id, correlationId: event.correlationId },
        `reporter feedback for unknown lead ${p.leadId} ignored`,
      );
      return;
    }
    const identity =
      lead.reporterAnonymous || !lead.reporterSealed
        ? null
        : (JSON.parse(this.cipher.decrypt(lead.reporterSealed)) as ReporterIdentity);
    const reach = reachOf(identity);
    if (!reach.reachable) {
      await this.audit.append(tx, {
        leadId: lead.id,
        actor: REPORTER_FEEDBACK_ACTOR,
        action: 'reporter-feedback.not-sent',
        reason: NOT_SENT_REASON[reach.why],
        payload: { sourceEventId: p.sourceEventId, requestEventId: event.id, why: reach.why },
      });
      this.logger.log(
        { eventId: event.id, correlationId: event.correlationId },
        `reporter feedback for lead ${lead.id} not sent: ${reach.why}`,
      );
      return;
    }

    const id = uuidv7();
    const channel = reach.address.channel;
    // The lead's own reference (intake owns it), not the event's copy, which may be null.
    const message = feedbackMessage(lead.reference, p.feedback).text;
    const inserted = await this.feedback.insert(tx, {
      id,
      leadId: lead.id,
      sourceEventId: p.sourceEventId,
      channel,
      message,
    });
    if (!inserted) {
      this.logger.log(
        { eventId: event.id, correlationId: event.correlationId },
        `reporter feedback for lead ${lead.id} (source event ${p.sourceEventId}) already recorded`,
      );
      return;
    }
    await this.audit.append(tx, {
      leadId: lead.id,
      actor: REPORTER_FEEDBACK_ACTOR,
      action: 'reporter-feedback.queued',
      reason: `办结反馈将以${channel === 'SMS' ? '短信' : '邮件'}告知举报人 (reporter will be told by ${channel})`,
      payload: { feedbackId: id, channel, sourceEventId: p.sourceEventId, requestEventId: event.id },
    });
    this.afterCommit.defer(tx, () => this.queue.enqueue(id));
  }
}
