import { outboxNotifyDroppedMigration, outboxPendingByTxMigration } from '@outpost/messaging';
import { InitEscalation1767225600000 } from './1767225600000-InitEscalation';
import { CaseStateAnnouncement1769800000000 } from './1769800000000-CaseStateAnnouncement';

/** Every migration of the escalation schema, oldest first. */
export const escalationMigrations = [
  InitEscalation1767225600000,
  outboxNotifyDroppedMigration(),
  outboxPendingByTxMigration(),
  CaseStateAnnouncement1769800000000,
];
