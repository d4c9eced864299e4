import { Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { SYSTEM_ACTOR, type Topic } from '@outpost/contracts';
import { Outbox, type PublishInput } from '@outpost/messaging';
import { DataSource } from 'typeorm';
import { CaseRepository } from './case.repository';
import { caseOutlook, caseStateChanged } from './case-writer';

/**
 * Once per deployment (migration CaseStateAnnouncement): announces the state of every case still open, for cases
 * opened before CaseWriter announced each change (escalation.case-state-changed.v1). One transaction claims the
 * announcement row and writes the events, so two instances starting together announce once, and a crash announces
 * nothing and leaves it to the next start.
 */
@Injectable()
export class CaseStateAnnouncer implements OnApplicationBootstrap {
  private readonly logger = new Logger(CaseStateAnnouncer.name);

  constructor(
    private readonly db: DataSource,
    private readonly cases: CaseRepository,
    private readonly outbox: Outbox,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const announced = await this.announceOpenCases();
    if (announced !== null) this.logger.log(`announced the state of ${announced} open case(s)`);
  }

  /** The number of cases announced, or null when it was done before. */
  async announceOpenCases(): Promise<number | null> {
    return this.db.transaction(async (tx) => {
      // TypeORM answers an UPDATE with [rows, affected].
      const [claimed] = (await tx.query(
        `UPDATE case_state_announcement SET done_at = now() WHERE id = 1 AND done_at IS NULL RETURNING id`,
      )) as [unknown[], number];
      if (claimed.length === 0) return null;
      const open = await this.cases.open(tx);
      for (const c of open)
        await this.outbox.add(
          tx,
          caseStateChanged(
            c,
            { action: 'state-announced', actor: SYSTEM_ACTOR, from: c.state, to: c.state },
            await caseOutlook(tx, c.id, c.state),
          ) as PublishInput<Topic>,
        );
      return open.length;
    });
  }
}
