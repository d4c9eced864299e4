import { z } from 'zod';
import { CATEGORIES, SOURCE_CHANNELS } from '@outpost/contracts';
import { fieldPath, type FieldError } from '@outpost/platform';
import { usccProblem } from './uscc';

/** Reporting clocks may run a little ahead of ours: tolerate this much before calling a time "in the future". */
const CLOCK_SKEW_MS = 5 * 60_000;

const isoDate = z.iso.datetime({
  offset: true,
  error: 'expected an ISO-8601 date-time with offset, e.g. 2026-11-27T09:30:00+08:00',
});
const text = (max: number) => z.string().trim().min(1).max(max);

export const SUBJECT_KINDS = [
  'ENTERPRISE',
  'INDIVIDUAL_BUSINESS',
  'PERSON',
  'PLATFORM',
  'APP',
  'WEBSITE',
  'CHAT_GROUP',
] as const;
export const LEAD_CHANNELS = [
  'OFFLINE_VENUE',
  'WECHAT_GROUP',
  'APP',
  'WEBSITE',
  'LIVESTREAM',
  'SMS',
  'PHONE',
  'LEAFLET',
  'SEMINAR',
  'OTHER',
] as const;
export const CONFIDENTIALITY = ['NORMAL', 'REPORTER_PROTECTED', 'BANK_SENSITIVE'] as const;

const uscc = z
  .string()
  .trim()
  .toUpperCase()
  .superRefine((v, ctx) => {
    const p = usccProblem(v);
    if (p === 'length') ctx.addIssue({ code: 'custom', message: '统一社会信用代码应为18位 (must be 18 characters)' });
    if (p === 'characters')
      ctx.addIssue({
        code: 'custom',
        message: '统一社会信用代码含非法字符 (invalid characters; I, O, Z, S, V are never used)',
      });
    if (p === 'checksum')
      ctx.addIssue({ code: 'custom', message: '统一社会信用代码校验位错误 (check character does not match)' });
  });

const phone = z
  .string()
  .trim()
  .regex(/^\+?[0-9][0-9 ()-]{5,24}$/, 'expected a phone number (digits, spaces, dashes)');

export const subjectInputSchema = z.strictObject({
  kind: z.enum(SUBJECT_KINDS),
  name: text(200),
  uscc: uscc.optional(),
  registeredAddress: text(300).optional(),
  operatingAddresses: z.array(text(300)).max(10).optional(),
  legalRep: text(100).optional(),
  businessScope: text(2000).optional(),
  phones: z.array(phone).max(10).optional(),
  urls: z.array(z.string().trim().min(3).max(500)).max(10).optional(),
  wechatIds: z
    .array(
      z
        .string()
        .trim()
        .regex(/^[A-Za-z][-_A-Za-z0-9]{2,39}$|^[0-9]{5,20}$/, 'expected a WeChat id'),
    )
    .max(10)
    .optional(),
});
export type SubjectInput = z.infer<typeof subjectInputSchema>;

export const leadInputSchema = z.strictObject({
  sourceChannel: z.enum(SOURCE_CHANNELS),
  sourceRef: text(100).optional(),
  discoveredAt: isoDate.optional(),
  reportedAt: isoDate.optional(),
  title: text(200).optional(),
  description: text(20000),
  suggestedCategory: z.enum(CATEGORIES).optional(),
  reporter: z
    .strictObject({
      anonymous: z.boolean(),
      name: text(100).optional(),
      phone: phone.optional(),
      contact: text(200).optional(),
      firstReport: z.boolean().optional(),
    })
    .optional(),
  subjects: z.array(subjectInputSchema).max(20).default([]),
  location: z
    .strictObject({
      addressText: text(500).optional(),
      standardAddressCode: text(64).optional(),
      buildingCode: text(64).optional(),
      lat: z.number().min(-90).max(90).optional(),
      lng: z.number().min(-180).max(180).optional(),
    })
    .optional(),
  estimates: z
    .strictObject({
      promisedYieldPct: z.number().min(0).max(100000).optional(),
      amountYuan: z.number().min(0).max(1e13).optional(),
      participants: z.number().int().min(0).max(1e9).optional(),
      lossYuan: z.number().min(0).max(1e13).optional(),
      elderlyInvolved: z.boolean().optional(),
    })
    .optional(),
  channels: z.array(z.enum(LEAD_CHANNELS)).max(10).default([]),
  confidentiality: z.enum(CONFIDENTIALITY).default('NORMAL'),
  externalRefs: z
    .array(z.strictObject({ system: text(50), ref: text(100) }))
    .max(10)
    .default([]),
});

/**
 * Rules across fields, checked on the raw input so they are reported together with every type error (a zod refinement
 * on the object would only run once everything else is valid).
 */
export function crossFieldIssues(raw: unknown, now = Date.now()): Array<{ path: string; message: string }> {
  const issues: Array<{ path: string; message: string }> = [];
  if (!raw || typeof raw !== 'object') return issues;
  const lead = raw as Record<string, unknown>;
  const time = (v: unknown): number | null =>
    typeof v === 'string' && isoDate.safeParse(v).success ? Date.parse(v) : null;
  const discovered = time(lead.discoveredAt);
  const reported = time(lead.reportedAt);
  if (discovered !== null && discovered > now + CLOCK_SKEW_MS) {
    issues.push({ path: 'discoveredAt', message: '发现时间不能晚于当前时间 (discoveredAt is in the future)' });
  }
  if (reported !== null && reported > now + CLOCK_SKEW_MS) {
    issues.push({ path: 'reportedAt', message: '报送时间不能晚于当前时间 (reportedAt is in the future)' });
  }
  if (discovered !== null && reported !== null && discovered > reported) {
    issues.push({ path: 'discoveredAt', message: '发现时间不能晚于报送时间 (discoveredAt is after reportedAt)' });
  }
  const loc = lead.location as Record<string, unknown> | undefined;
  if (loc && typeof loc === 'object' && (loc.lat === undefined) !== (loc.lng === undefined)) {
    issues.push({ path: `location/${loc.lat === undefined ? 'lat' : 'lng'}`, message: 'lat and lng go together' });
  }
  const r = lead.reporter as Record<string, unknown> | undefined;
  if (r && typeof r === 'object' && r.anonymous === true && (r.name || r.phone || r.contact)) {
    issues.push({
      path: 'reporter/anonymous',
      message: '匿名举报不应包含身份信息 (an anonymous reporter has no name, phone or contact)',
    });
  }
  return issues;
}

/** zod issues as field errors; an unknown field is reported at its own path (not at its parent's). */
export function fieldErrorsOf(error: z.ZodError, prefix: PropertyKey[] = []): FieldError[] {
  return error.issues.flatMap((i): FieldError[] => {
    if (i.code === 'unrecognized_keys') {
      return i.keys.map((k) => ({
        path: fieldPath([...prefix, ...i.path, k]),
        message: '不支持的字段 (unknown field)',
        code: i.code,
      }));
    }
    return [{ path: fieldPath([...prefix, ...i.path]) || '(root)', message: i.message, code: i.code }];
  });
}

export type LeadValidation = { ok: true; lead: LeadInput } | { ok: false; errors: FieldError[] };

/** Every problem with one lead: type errors and cross-field rules, each with its field path. */
export function validateLead(raw: unknown, now = Date.now()): LeadValidation {
  const parsed = leadInputSchema.safeParse(raw);
  const errors: FieldError[] = parsed.success ? [] : fieldErrorsOf(parsed.error);
  for (const i of crossFieldIssues(raw, now)) errors.push({ ...i, code: 'custom' });
  if (errors.length > 0 || !parsed.success) return { ok: false, errors };
  return { ok: true, lead: parsed.data };
}

export type LeadInput = z.infer<typeof leadInputSchema>;

export const batchInputSchema = z.strictObject({ leads: z.array(z.unknown()).min(1).max(1000) });
