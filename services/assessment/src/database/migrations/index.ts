import { outboxNotifyDroppedMigration, outboxPendingByTxMigration } from '@outpost/messaging';
import { InitAssessment1764200000000 } from './1764200000000-InitAssessment';
import { PairingLastAssignedIndex1769600000001 } from './1769600000001-PairingLastAssignedIndex';

/** Every migration of the assessment schema, oldest first. */
export const assessmentMigrations = [
  InitAssessment1764200000000,
  outboxNotifyDroppedMigration(),
  outboxPendingByTxMigration(),
  PairingLastAssignedIndex1769600000001,
];
