import { outboxNotifyDroppedMigration, outboxPendingByTxMigration } from '@outpost/messaging';
import { InitEscalation1767225600000 } from './1767225600000-InitEscalation';
import { CaseStateAnnouncement1769800000000 } from './1769800000000-CaseStateAnnouncement';
import { AnnounceHandlersAndApprovals1769900000000 } from './1769900000000-AnnounceHandlersAndApprovals';
import { PeopleCopy1769900000002 } from './1769900000002-PeopleCopy';
import { MeasureRefused1770000000000 } from './1770000000000-MeasureRefused';

/** Every migration of the escalation schema, oldest first. */
export const escalationMigrations = [
  InitEscalation1767225600000,
  outboxNotifyDroppedMigration(),
  outboxPendingByTxMigration(),
  CaseStateAnnouncement1769800000000,
  AnnounceHandlersAndApprovals1769900000000,
  PeopleCopy1769900000002,
  MeasureRefused1770000000000,
];
