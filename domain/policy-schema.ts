import { z } from 'zod';
import { ESCALATION_RUNGS, RAG_COLOURS } from './escalation.js';
import { isValidDuration, parseDuration } from './clock.js';
import type { DeadlinePolicy } from './policy.js';

/**
 * Validation of a DeadlinePolicy (kept apart from domain/policy.ts so workflow code, which imports
 * that file, never pulls zod into its bundle).
 */
const duration = z
  .string()
  .refine((v) => !v.startsWith('-') && isValidDuration(v), '时长：工作日如 15WD，日历如 P15D、P3M，精确如 PT30S (working days "15WD", or ISO-8601)');
const offset = z.string().refine(isValidDuration, '偏移：可带负号，如 -3WD、1WD、-P3D、PT30S (offset; "-" for before)');

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, '时间 HH:mm，如 08:30 (HH:mm)');

const period = z.union([
  z.literal('calendar'),
  duration.refine((v) => !v.endsWith('WD'), '周期须为 calendar 或日历/精确时长 (calendar, or a calendar/exact duration)'),
]);
const length = duration.refine((v) => !v.endsWith('WD'), '须为日历或精确时长，如 P6M (a calendar or exact duration)');

/** Process B durations; each optional (absent ones take the defaults). */
const MentorshipTimingsSchema = z.strictObject({
  approvalDue: duration.optional(),
  mentorAssignmentDue: duration.optional(),
  midReviewAfter: length.optional(),
  finalReviewAfter: length.optional(),
  extensionLength: length.optional(),
  reviewDue: duration.optional(),
  checkInPeriod: period.optional(),
  checkInDue: duration.optional(),
});

/** Process C durations; each optional. */
const ReserveTimingsSchema = z.strictObject({
  qualificationReviewDue: duration.optional(),
  inspectionDue: duration.optional(),
  publicityDue: duration.optional(),
  publicityLength: duration.optional(),
  trainingPeriod: length.optional(),
  trainingRecordDue: duration.optional(),
  periodicReviewEvery: length.optional(),
  periodicReviewDue: duration.optional(),
  annualReviewAfter: length.optional(),
  annualReviewDue: duration.optional(),
});

/** Process D durations; each optional. */
const ScreeningTimingsSchema = z.strictObject({
  sheetDue: duration.optional(),
  judgmentDue: duration.optional(),
});

/** A recurring period must move time forward: at least a minute (a zero period would open periods without end). */
const periodLength = length.refine((v) => {
  try {
    const spec = parseDuration(v);
    return spec.kind !== 'working_days' && spec.duration.as('milliseconds') >= 60_000;
  } catch {
    return false;
  }
}, '周期至少1分钟 (a period of at least one minute)');

/** The support package and 回头看 visits; each optional. */
const SupportPackageTimingsSchema = z.strictObject({
  monthlyReportBy: z.enum(['sponsor', 'first_secretary']).optional().describe('月度报告由包保领导或驻村第一书记提交'),
  pairedDepartmentReportEvery: periodLength.optional(),
  pairedDepartmentReportDue: duration.optional(),
  reassignmentDue: duration.optional(),
  followUpVisitEvery: periodLength.optional(),
});

const DeadlinePolicyShape = z.strictObject({
  timeZone: z.string().refine((tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'IANA时区，如 Asia/Shanghai (IANA time zone)'),
  officeHour: z
    .string()
    .regex(/^([01]\d|2[0-3]):[0-5]\d$/, '办公时间 HH:mm，如 09:00 (office hour HH:mm)')
    .optional(),
  planDue: duration,
  reportPeriod: z.union([z.literal('calendar'), duration.refine((v) => !v.endsWith('WD'), 'reportPeriod 须为 calendar 或日历/精确时长')]),
  reportDue: duration,
  rectificationDue: duration,
  retryRectificationDue: duration,
  acceptanceReviewDue: duration,
  followUpLength: duration.refine((v) => !v.endsWith('WD'), '回头看期限须为日历时长，如 P12M (a calendar duration)'),
  sponsorReassignmentDue: duration,
  ladder: z
    .array(z.strictObject({ rung: z.enum(ESCALATION_RUNGS), offset, rag: z.enum(RAG_COLOURS) }))
    .min(1)
    .max(ESCALATION_RUNGS.length)
    .refine((steps) => new Set(steps.map((s) => s.rung)).size === steps.length, '每个梯级只能出现一次 (each rung at most once)'),
  mentorship: MentorshipTimingsSchema.optional().describe('1+1帮带的期限（缺省用默认值）'),
  reserve: ReserveTimingsSchema.optional().describe('后备力量的期限（缺省用默认值）'),
  screening: ScreeningTimingsSchema.optional().describe('排查研判的期限（缺省：排查20个工作日，研判10个工作日）'),
  supportPackage: SupportPackageTimingsSchema.optional().describe('包保责任体系与回头看走访（缺省用默认值）'),
  sendWindow: z
    .union([
      z.literal('always'),
      z.strictObject({ start: hhmm, end: hhmm }).refine((w) => w.start < w.end, { message: '发送时段须开始早于结束 (start before end)', path: ['end'] }),
    ])
    .optional()
    .describe('短信、邮件、群机器人的发送时段（工作日，缺省 08:30–18:00；always 为随时）'),
});

export const DeadlinePolicySchema: z.ZodType<DeadlinePolicy> = DeadlinePolicyShape.meta({ id: 'DeadlinePolicy' });

/** The fields a derived policy changes; everything absent is taken from what it is based on. */
export const DeadlinePolicyChangesSchema = DeadlinePolicyShape.partial().meta({ id: 'DeadlinePolicyChanges' });
export type DeadlinePolicyChanges = z.output<typeof DeadlinePolicyChangesSchema>;

/**
 * A policy derived from `base` with `changes`: top-level fields replace (the ladder as a whole),
 * the mentorship and reserve timings merge field by field.
 */
export function derivePolicy(base: DeadlinePolicy, changes: DeadlinePolicyChanges): DeadlinePolicy {
  const merged: DeadlinePolicy = { ...base, ...(changes as Partial<DeadlinePolicy>) };
  if (base.mentorship || changes.mentorship) merged.mentorship = { ...base.mentorship, ...changes.mentorship };
  if (base.reserve || changes.reserve) merged.reserve = { ...base.reserve, ...changes.reserve };
  if (base.screening || changes.screening) merged.screening = { ...base.screening, ...changes.screening };
  if (base.supportPackage || changes.supportPackage) merged.supportPackage = { ...base.supportPackage, ...changes.supportPackage };
  return merged;
}
