import { Injectable, Logger } from '@nestjs/common';
import { AuditLog } from '@outpost/audit';
import { failureText, FieldCipher, PermanentSendError } from '@outpost/platform';
import { DataSource } from 'typeorm';
import { REPORTER_FEEDBACK_ACTOR } from './reporter-feedback.actor';
import { reachOf, scrubContact, type ReporterIdentity } from './reporter-contact';
import { ReporterFeedbackRepository } from './reporter-feedback.repository';
import { ReporterFeedbackSender } from './reporter-feedback.sender';

export type FeedbackOutcome = 'sent' | 'dead' | 'nothing-to-do';

/** A failure to send, with the reporter's contact already scrubbed from its text (BullMQ keeps it in Redis). */
export class FeedbackSendError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FeedbackSendError';
  }
}

/**
 * One attempt at one reporter message; exactly-once in effect as far as the provider allows:
 *  1. re-read the row: not PENDING (SENT, DEAD) → nothing to do (duplicate job, reconciler, replayed event);
 *  2. count the attempt (committed) and open the sealed contact from the lead row (never stored elsewhere);
 *  3. send with the row id as the SMS Idempotency-Key / e-mail Message-ID; 4. mark SENT (+ audit, status view).
 * A worker that dies between 3 and 4 leaves the row PENDING: the retry sends again with the same key, so a gateway
 * that honours it sends one SMS; an SMTP server may deliver a second e-mail with the same Message-ID (no key in SMTP).
 * A failure is retried with backoff; after the last attempt, or at once when a retry cannot help, the row goes DEAD
 * with the reason. Contact details never reach the row, the error text, Redis or the logs.
 */
@Injectable()
export class ReporterFeedbackWorker {
  private readonly logger = new Logger(ReporterFeedbackWorker.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly feedback: ReporterFeedbackRepository,
    private readonly sender: ReporterFeedbackSender,
    private readonly cipher: FieldCipher,
    private readonly audit: AuditLog,
  ) {}

  async process(id: string, job: { attemptsMade: number; maxAttempts: number }): Promise<FeedbackOutcome> {
    const row = await this.feedback.get(this.dataSource, id);
    // Enqueued right after commit, so normally visible; if not (yet), BullMQ retries.
    if (!row) throw new FeedbackSendError(`reporter feedback ${id} not found`);
    if (row.status !== 'PENDING') return 'nothing-to-do';
    const lead = await this.feedback.leadContact(this.dataSource, row.leadId);
    if (!lead) throw new FeedbackSendError(`lead ${row.leadId} of reporter feedback ${id} not found`);

    let identity: ReporterIdentity | null = null;
    try {
      identity =
        lead.reporterAnonymous || !lead.reporterSealed
          ? null
          : (JSON.parse(this.cipher.decrypt(lead.reporterSealed)) as ReporterIdentity);
      const reach = reachOf(identity);
      if (!reach.reachable || reach.address.channel !== row.channel)
        throw new PermanentSendError(`the reporter's stored contact no longer allows ${row.channel}`);
      const attempts = await this.feedback.countAttempt(this.dataSource, id);
      if (attempts === null) return 'nothing-to-do'; // another worker finished it meanwhile
      const providerId = await this.sender.send(id, reach.address, row.message, lead.reference);
      const sent = await this.dataSource.transaction(async (tx) => {
        if (!(await this.feedback.markSent(tx, id, providerId, new Date()))) return false;
        await this.audit.append(tx, {
          leadId: row.leadId,
          actor: REPORTER_FEEDBACK_ACTOR,
          action: 'reporter-feedback.sent',
          reason: `办结反馈已以${row.channel === 'SMS' ? '短信' : '邮件'}告知举报人 (reporter told by ${row.channel})`,
          payload: { feedbackId: id, channel: row.channel, attempts, providerId },
        });
        return true;
      });
      if (sent) this.logger.log(`reporter feedback ${id} (lead ${row.leadId}) sent by ${row.channel}`);
      return sent ? 'sent' : 'nothing-to-do';
    } catch (err) {
      const reason = scrubContact(failureText(err), identity);
      const permanent = err instanceof PermanentSendError;
      if (permanent || job.attemptsMade + 1 >= job.maxAttempts) {
        const lastError = `${permanent ? 'permanent failure' : `gave up after ${job.attemptsMade + 1} attempts`}: ${reason}`;
        await this.dataSource.transaction(async (tx) => {
          if (!(await this.feedback.markDead(tx, id, lastError))) return;
          await this.audit.append(tx, {
            leadId: row.leadId,
            actor: REPORTER_FEEDBACK_ACTOR,
            action: 'reporter-feedback.dead',
            reason: `办结反馈未能送达举报人 (not delivered): ${lastError}`.slice(0, 1000),
            payload: { feedbackId: id, channel: row.channel },
          });
        });
        this.logger.warn(`reporter feedback ${id} (lead ${row.leadId}, ${row.channel}) is DEAD: ${lastError}`);
        return 'dead';
      }
      await this.feedback.recordError(this.dataSource, id, reason);
      this.logger.warn(`reporter feedback ${id} (${row.channel}) attempt ${job.attemptsMade + 1} failed: ${reason}`);
      throw new FeedbackSendError(reason); // BullMQ schedules the next attempt (exponential backoff with jitter)
    }
  }
}
