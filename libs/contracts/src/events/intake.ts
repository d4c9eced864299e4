import { z } from 'zod';
import { SOURCE_CHANNELS } from '../lead-status';
import { categorySchema, isoDate, placementSchema, screeningHitSchema, screeningResultSchema } from './shared';

/** A subject (被反映对象) as published: never reporter identity, never bank account numbers. */
export const subjectSummarySchema = z.object({
  kind: z.enum(['ENTERPRISE', 'INDIVIDUAL_BUSINESS', 'PERSON', 'PLATFORM', 'APP', 'WEBSITE', 'CHAT_GROUP']),
  name: z.string(),
  uscc: z.string().nullable(),
  registeredAddress: z.string().nullable(),
  businessScope: z.string().nullable(),
});

export const estimatesSchema = z.object({
  promisedYieldPct: z.number().nullable(),
  amountYuan: z.number().nullable(),
  participants: z.number().int().nullable(),
  lossYuan: z.number().nullable(),
  elderlyInvolved: z.boolean().nullable(),
});
export type Estimates = z.infer<typeof estimatesSchema>;

export const leadRegisteredV1 = z.object({
  leadId: z.string(),
  /** Human reference shown to sources and officers, e.g. TH-20261127-000123. */
  reference: z.string(),
  sourceId: z.string(),
  sourceName: z.string(),
  sourceChannel: z.enum(SOURCE_CHANNELS),
  sourceRef: z.string().nullable(),
  discoveredAt: isoDate.nullable(),
  reportedAt: isoDate,
  title: z.string(),
  description: z.string(),
  suggestedCategory: categorySchema.nullable(),
  subjects: z.array(subjectSummarySchema),
  placement: placementSchema,
  estimates: estimatesSchema,
  channels: z.array(z.string()),
  screening: screeningResultSchema,
  /** Only whether a reporter exists and can be contacted; identity stays encrypted in intake. */
  reporter: z.object({ anonymous: z.boolean(), contactable: z.boolean() }),
  confidentiality: z.enum(['NORMAL', 'REPORTER_PROTECTED', 'BANK_SENSITIVE']),
  /** Person id when filed by a sentinel or volunteer through the gateway. */
  filedBy: z.string().nullable(),
});
export type LeadRegisteredV1 = z.infer<typeof leadRegisteredV1>;

/** What a report itself says, as registered: a linked report's own facts travel with its link (below). */
export const reportFactsSchema = leadRegisteredV1.pick({
  sourceId: true,
  sourceName: true,
  sourceChannel: true,
  sourceRef: true,
  discoveredAt: true,
  reportedAt: true,
  title: true,
  description: true,
  suggestedCategory: true,
  subjects: true,
  placement: true,
  channels: true,
  reporter: true,
  confidentiality: true,
  filedBy: true,
});
export type ReportFacts = z.infer<typeof reportFactsSchema>;

/** A new report about a subject that already has an open lead: linked to it instead of a second assessment. */
export const leadLinkedV1 = z.object({
  leadId: z.string(), // the open (primary) lead; also the Kafka key
  linkedLeadId: z.string(),
  linkedReference: z.string(),
  matchedOn: z.array(z.object({ key: z.enum(['uscc', 'name', 'phone', 'url', 'wechat']), value: z.string() })),
  reportCount: z.number().int().positive(),
  screening: screeningResultSchema,
  newHits: z.array(screeningHitSchema),
  estimates: estimatesSchema,
  /** The linked report's own facts, so readers can show what it said (absent in events published before 2026-11-29). */
  report: reportFactsSchema.optional(),
});
export type LeadLinkedV1 = z.infer<typeof leadLinkedV1>;

export const evidenceAddedV1 = z.object({
  leadId: z.string(),
  evidenceId: z.string(),
  type: z.enum([
    'PHOTO',
    'LEAFLET',
    'CONTRACT',
    'RECEIPT',
    'CHAT_SCREENSHOT',
    'URL_SNAPSHOT',
    'AUDIO',
    'VIDEO',
    'OTHER',
  ]),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  mediaType: z.string(),
  sizeBytes: z.number().int().nonnegative(),
  /** The lead the file was filed on, when that lead is LINKED to `leadId` (evidence grows on the open lead). */
  filedOnLeadId: z.string().optional(),
  capturedAt: isoDate.nullable().optional(),
});
export type EvidenceAddedV1 = z.infer<typeof evidenceAddedV1>;
