import type { Schemas } from '../../api/client';

export type DeadlinePolicy = Schemas['DeadlinePolicy'];
export type PolicyChanges = Schemas['DeadlinePolicyChangesInput'];
export type LadderStep = DeadlinePolicy['ladder'][number];

/** The policy's fields as the form shows them, section by section (the schema: domain/policy-schema.ts). */
export const CASE_FIELDS = [
  'planDue',
  'reportDue',
  'rectificationDue',
  'retryRectificationDue',
  'acceptanceReviewDue',
  'sponsorReassignmentDue',
  'followUpLength',
  'reportPeriod',
  'officeHour',
  'timeZone',
] as const;
export const MENTORSHIP_FIELDS = [
  'approvalDue',
  'mentorAssignmentDue',
  'midReviewAfter',
  'finalReviewAfter',
  'extensionLength',
  'reviewDue',
  'checkInPeriod',
  'checkInDue',
] as const;
export const RESERVE_FIELDS = [
  'qualificationReviewDue',
  'inspectionDue',
  'publicityDue',
  'publicityLength',
  'trainingPeriod',
  'trainingRecordDue',
  'periodicReviewEvery',
  'periodicReviewDue',
  'annualReviewAfter',
  'annualReviewDue',
] as const;

type CaseField = (typeof CASE_FIELDS)[number];
type MentorshipField = (typeof MENTORSHIP_FIELDS)[number];
type ReserveField = (typeof RESERVE_FIELDS)[number];

/** Every field as a string to edit (mentorship and reserve timings filled from the defaults). */
export interface PolicyDraft {
  top: Record<CaseField, string>;
  ladder: LadderStep[];
  mentorship: Record<MentorshipField, string>;
  reserve: Record<ReserveField, string>;
}

/** The draft a base starts: its own values, the defaults where it leaves a timing out. */
export function draftOf(base: DeadlinePolicy, defaults: DeadlinePolicy): PolicyDraft {
  const pick = <K extends string>(keys: readonly K[], own: Partial<Record<K, string>> | undefined, fallback: Partial<Record<K, string>> | undefined) =>
    Object.fromEntries(keys.map((k) => [k, own?.[k] ?? fallback?.[k] ?? ''])) as Record<K, string>;
  return {
    top: pick(CASE_FIELDS, base as unknown as Partial<Record<CaseField, string>>, defaults as unknown as Partial<Record<CaseField, string>>),
    ladder: base.ladder.map((step) => ({ ...step })),
    mentorship: pick(MENTORSHIP_FIELDS, base.mentorship, defaults.mentorship),
    reserve: pick(RESERVE_FIELDS, base.reserve, defaults.reserve),
  };
}

/** What the draft changes relative to its base (POST /policies with basedOn): only the fields that differ. */
export function changesOf(base: DeadlinePolicy, defaults: DeadlinePolicy, draft: PolicyDraft): PolicyChanges {
  const start = draftOf(base, defaults);
  const changes: Record<string, unknown> = {};
  for (const k of CASE_FIELDS) if (draft.top[k] !== start.top[k]) changes[k] = draft.top[k];
  if (JSON.stringify(draft.ladder) !== JSON.stringify(start.ladder)) changes.ladder = draft.ladder;
  const section = <K extends string>(keys: readonly K[], now: Record<K, string>, before: Record<K, string>) => {
    const out = Object.fromEntries(keys.filter((k) => now[k] !== before[k]).map((k) => [k, now[k]]));
    return Object.keys(out).length > 0 ? out : undefined;
  };
  const mentorship = section(MENTORSHIP_FIELDS, draft.mentorship, start.mentorship);
  const reserve = section(RESERVE_FIELDS, draft.reserve, start.reserve);
  if (mentorship) changes.mentorship = mentorship;
  if (reserve) changes.reserve = reserve;
  return changes as PolicyChanges;
}

/** The ladder in one line: 提醒 -3WD · 黄牌 1WD · 红牌 5WD · 通报 10WD. */
export function ladderSummary(ladder: readonly LadderStep[], names: Record<string, string>): string {
  return ladder.map((s) => `${names[s.rung] ?? s.rung} ${s.offset}`).join(' · ');
}
