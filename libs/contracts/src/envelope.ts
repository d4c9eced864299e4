import { z } from 'zod';

/** Services that produce events. */
export const SERVICE_NAMES = ['intake', 'assessment', 'escalation', 'notification', 'gateway'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** Roles of people on the roster (DOMAIN.md §6.2). */
export const ROLES = [
  'SENTINEL', // 地方防非前哨员
  'VOLUNTEER', // 金融防非志愿者
  'OFFICER', // 牵头部门/监管/公安 officer; canCertify only for the lead department
  'STREET_RESPONSIBLE', // 街道防非负责人
  'SUPERVISOR', // 区打非办 supervisor
  'OPERATOR', // runs the platform
  'ADMIN',
] as const;
export type Role = (typeof ROLES)[number];

/** Who or what caused an event: a person, a source system posting by API, or the system itself (timers, rules). */
export const actorSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('user'), userId: z.string().min(1), role: z.enum(ROLES), name: z.string().optional() }),
  z.object({ type: z.literal('source'), sourceId: z.string().min(1), name: z.string().optional() }),
  z.object({ type: z.literal('system'), name: z.string().optional() }),
]);
export type Actor = z.infer<typeof actorSchema>;

export const SYSTEM_ACTOR: Actor = { type: 'system' };

/**
 * The one envelope every Kafka message carries. The Kafka key is `leadId` (or, for events not about one lead such as
 * roster changes, `key`), so all events of one lead stay ordered on one partition.
 */
export const envelopeSchema = z.object({
  id: z.uuid(), // UUID v7, also the idempotency key consumers record in their inbox
  type: z.string().min(1), // the topic's base name, e.g. intake.lead-registered.v1
  version: z.number().int().positive(),
  occurredAt: z.iso.datetime({ offset: true }),
  producer: z.enum(SERVICE_NAMES),
  correlationId: z.string().min(1),
  causationId: z.string().nullable(),
  actor: actorSchema,
  leadId: z.string().nullable(),
  key: z.string().min(1),
  traceparent: z.string().optional(),
  payload: z.unknown(),
});
export type EnvelopeBase = z.infer<typeof envelopeSchema>;

/** Header names copied onto every Kafka message (the value is the JSON envelope). */
export const HEADERS = {
  eventId: 'event-id',
  eventType: 'event-type',
  correlationId: 'correlation-id',
  traceparent: 'traceparent',
  producer: 'producer',
} as const;
