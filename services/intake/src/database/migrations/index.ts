import { outboxNotifyDroppedMigration, outboxPendingByTxMigration } from '@outpost/messaging';
import { InitIntake1767225600000 } from './1767225600000-InitIntake';
import { GridReferenceData1767225600001 } from './1767225600001-GridReferenceData';
import { LeadFactsNotDeletable1767225600002 } from './1767225600002-LeadFactsNotDeletable';
import { ReporterFeedback1767225600003 } from './1767225600003-ReporterFeedback';

/** Every migration of the intake schema, oldest first. */
export const intakeMigrations = [
  InitIntake1767225600000,
  GridReferenceData1767225600001,
  LeadFactsNotDeletable1767225600002,
  ReporterFeedback1767225600003,
  outboxNotifyDroppedMigration(),
  outboxPendingByTxMigration(),
];
