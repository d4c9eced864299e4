import { z } from 'zod';
import type { ServiceName } from './envelope';
import { evidenceAddedV1, leadLinkedV1, leadRegisteredV1 } from './events/intake';
import {
  deadlineEventSchema,
  leadAlertedV1,
  leadAssignedV1,
  leadDecidedV1,
  leadTransitionedV1,
  leadTriagedV1,
  opinionSubmittedV1,
  rosterChangedV1,
  verificationAnsweredV1,
  verificationRequestedV1,
} from './events/assessment';
import {
  actionRecordedV1,
  caseOpenedV1,
  escalationDeadlineV1,
  leadClosedV1,
  leadReopenedV1,
  caseStateChangedV1,
  reportedUpstreamV1,
  upstreamAcknowledgedV1,
} from './events/escalation';
import { deliveryFailedV1, inboxItemAddedV1, reporterFeedbackRequestedV1 } from './events/notification';
import { auditCheckpointV1 } from './events/audit';

/*
 * ──────────────────────────────────────────────────────────────────────────────────────────────────────────────
 *  WARNING: these names are on the wire and in every consumer's inbox and offsets. Renaming one is a migration
 *  (new topic version, dual publishing, consumers moved over), never a refactor.
 * ──────────────────────────────────────────────────────────────────────────────────────────────────────────────
 */
export const TOPICS = {
  'intake.lead-registered.v1': { producer: 'intake', version: 1, schema: leadRegisteredV1 },
  'intake.lead-linked.v1': { producer: 'intake', version: 1, schema: leadLinkedV1 },
  'intake.evidence-added.v1': { producer: 'intake', version: 1, schema: evidenceAddedV1 },

  'assessment.lead-triaged.v1': { producer: 'assessment', version: 1, schema: leadTriagedV1 },
  'assessment.lead-assigned.v1': { producer: 'assessment', version: 1, schema: leadAssignedV1 },
  'assessment.verification-requested.v1': { producer: 'assessment', version: 1, schema: verificationRequestedV1 },
  'assessment.verification-answered.v1': { producer: 'assessment', version: 1, schema: verificationAnsweredV1 },
  'assessment.opinion-submitted.v1': { producer: 'assessment', version: 1, schema: opinionSubmittedV1 },
  'assessment.lead-decided.v1': { producer: 'assessment', version: 1, schema: leadDecidedV1 },
  'assessment.lead-transitioned.v1': { producer: 'assessment', version: 1, schema: leadTransitionedV1 },
  'assessment.deadline-reminder.v1': { producer: 'assessment', version: 1, schema: deadlineEventSchema },
  'assessment.deadline-breached.v1': { producer: 'assessment', version: 1, schema: deadlineEventSchema },
  'assessment.roster-changed.v1': { producer: 'assessment', version: 1, schema: rosterChangedV1 },
  'assessment.lead-alerted.v1': { producer: 'assessment', version: 1, schema: leadAlertedV1 },

  'escalation.case-opened.v1': { producer: 'escalation', version: 1, schema: caseOpenedV1 },
  'escalation.action-recorded.v1': { producer: 'escalation', version: 1, schema: actionRecordedV1 },
  'escalation.reported-upstream.v1': { producer: 'escalation', version: 1, schema: reportedUpstreamV1 },
  'escalation.upstream-acknowledged.v1': { producer: 'escalation', version: 1, schema: upstreamAcknowledgedV1 },
  'escalation.deadline-breached.v1': { producer: 'escalation', version: 1, schema: escalationDeadlineV1 },
  'escalation.lead-closed.v1': { producer: 'escalation', version: 1, schema: leadClosedV1 },
  'escalation.lead-reopened.v1': { producer: 'escalation', version: 1, schema: leadReopenedV1 },
  'escalation.case-state-changed.v1': { producer: 'escalation', version: 1, schema: caseStateChangedV1 },

  'notification.delivery-failed.v1': { producer: 'notification', version: 1, schema: deliveryFailedV1 },
  'notification.reporter-feedback-requested.v1': {
    producer: 'notification',
    version: 1,
    schema: reporterFeedbackRequestedV1,
  },
  'notification.inbox-item-added.v1': { producer: 'notification', version: 1, schema: inboxItemAddedV1 },

  'audit.checkpoint.v1': { producer: null, version: 1, schema: auditCheckpointV1 },
} as const satisfies Record<string, { producer: ServiceName | null; version: number; schema: z.ZodType }>;

export type Topic = keyof typeof TOPICS;
export type PayloadOf<T extends Topic> = z.infer<(typeof TOPICS)[T]['schema']>;
export const ALL_TOPICS = Object.keys(TOPICS) as Topic[];

export function isTopic(name: string): name is Topic {
  return Object.prototype.hasOwnProperty.call(TOPICS, name);
}

/** Dead letters of a topic go to `<topic>.dlq`. */
export function deadLetterTopic(topic: string): string {
  return `${topic}.dlq`;
}

/** Validates a consumed payload against its topic's schema; throws a ZodError naming every bad field. */
export function parsePayload<T extends Topic>(topic: T, payload: unknown): PayloadOf<T> {
  return TOPICS[topic].schema.parse(payload) as PayloadOf<T>;
}
