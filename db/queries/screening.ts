/**
 * The screening campaign's reads and the writes the service makes itself (opening a campaign, a
 * township's entries and its answers to pre-filled triggers); the workflow's changes go through
 * screening-projection.ts. Every write is one transaction with its audit event.
 */
import { and, asc, desc, eq, inArray, lt, sql } from 'drizzle-orm';
import type { Db } from '../client.js';
import { annualAssessments, divisions, rectificationCases, screeningCampaigns, screeningEntries, screeningSheets, screeningTriggers } from '../schema/index.js';
import type { ScreeningFinding } from '../schema/screening.js';
import { appendAuditEvents } from './audit-chain.js';
import { isUniqueViolation } from './pg-errors.js';
import { ConflictError } from '../../domain/errors.js';
import { POOL_STATES } from '../../domain/reserves.js';
import type { ScreeningPolicy } from '../../domain/policy.js';
import type { HardTrigger, ScreeningProposal, TriggerAnswer } from '../../domain/screening.js';
import type { Tx } from './deadline-projection.js';

export type CampaignRow = typeof screeningCampaigns.$inferSelect;
export type SheetRow = typeof screeningSheets.$inferSelect;
export type EntryRow = typeof screeningEntries.$inferSelect;
export type TriggerRow = typeof screeningTriggers.$inferSelect;

interface AuditActor {
  userId: string;
  label: string;
}

async function audit(tx: Tx, campaignId: string, action: string, actor: AuditActor, at: Date, details: Record<string, unknown>, key: string): Promise<void> {
  await appendAuditEvents(
    tx,
    [
      {
        dedupeKey: `screening:${campaignId}:${key}`,
        entityType: 'screening_campaign',
        entityId: campaignId,
        action,
        actorUserId: actor.userId,
        actorLabel: actor.label,
        at,
        before: null,
        after: null,
        details,
      },
    ],
    { ignoreDuplicates: true },
  );
}

/** The townships (乡镇/街道) of a county, in code order. */
export async function townshipsOf(db: Db, countyCode: string): Promise<Array<{ code: string; name: string }>> {
  return db
    .select({ code: divisions.code, name: divisions.name })
    .from(divisions)
    .where(and(eq(divisions.level, 'township'), sql`${divisions.code} like ${countyCode.slice(0, 6) + '%'}`))
    .orderBy(asc(divisions.code));
}

/** The villages of a township (or of a county, by its 6-digit prefix), in code order. */
export async function villagesUnder(db: Db, prefix: string): Promise<Array<{ code: string; name: string }>> {
  return db
    .select({ code: divisions.code, name: divisions.name })
    .from(divisions)
    .where(and(eq(divisions.level, 'village'), sql`${divisions.code} like ${prefix + '%'}`))
    .orderBy(asc(divisions.code));
}

export interface NewCampaign {
  countyCode: string;
  year: number;
  criteria: string[];
  approvingBody: string;
  policyId: string | null;
  policy: ScreeningPolicy;
  townshipCodes: string[];
  openedAt: Date;
  actor: AuditActor;
}

/** The campaign row and one sheet per township, in one transaction; a second campaign for the county and year is a 409. */
export async function insertCampaign(db: Db, input: NewCampaign): Promise<CampaignRow> {
  try {
    return await db.transaction(async (tx) => {
      const id = crypto.randomUUID();
      const [row] = await tx
        .insert(screeningCampaigns)
        .values({
          id,
          countyCode: input.countyCode,
          year: input.year,
          criteria: input.criteria,
          approvingBody: input.approvingBody,
          state: 'open',
          policyId: input.policyId,
          policy: input.policy,
          openedAt: input.openedAt,
          createdBy: input.actor.userId,
        })
        .returning();
      if (input.townshipCodes.length > 0)
        await tx.insert(screeningSheets).values(input.townshipCodes.map((townshipCode) => ({ campaignId: id, townshipCode })));
      await appendAuditEvents(tx, [
        {
          dedupeKey: `screening:${id}:0`,
          entityType: 'screening_campaign',
          entityId: id,
          action: 'opened',
          actorUserId: input.actor.userId,
          actorLabel: input.actor.label,
          at: input.openedAt,
          before: null,
          after: { state: 'open' },
          details: { countyCode: input.countyCode, year: input.year, criteria: input.criteria, approvingBody: input.approvingBody, policyId: input.policyId },
        },
      ]);
      return row!;
    });
  } catch (err) {
    if (isUniqueViolation(err, 'screening_campaigns_county_year_uq')) {
      throw new ConflictError('该县本年度的排查研判已启动 (a campaign for this county and year already exists)', { field: 'year' });
    }
    throw err;
  }
}

export async function getCampaign(db: Db, id: string): Promise<CampaignRow | null> {
  const [row] = await db.select().from(screeningCampaigns).where(eq(screeningCampaigns.id, id));
  return row ?? null;
}

/** Campaigns whose county lies under a prefix (a county, a prefecture), newest year first. */
export async function listCampaigns(db: Db, countyPrefix: string, year?: number): Promise<CampaignRow[]> {
  return db
    .select()
    .from(screeningCampaigns)
    .where(and(sql`${screeningCampaigns.countyCode} like ${countyPrefix + '%'}`, year !== undefined ? eq(screeningCampaigns.year, year) : undefined))
    .orderBy(desc(screeningCampaigns.year), asc(screeningCampaigns.countyCode));
}

export async function getSheets(db: Db, campaignId: string, townshipCode?: string): Promise<SheetRow[]> {
  return db
    .select()
    .from(screeningSheets)
    .where(and(eq(screeningSheets.campaignId, campaignId), townshipCode ? eq(screeningSheets.townshipCode, townshipCode) : undefined))
    .orderBy(asc(screeningSheets.townshipCode));
}

export async function getEntries(db: Db, campaignId: string, prefix?: string): Promise<EntryRow[]> {
  return db
    .select()
    .from(screeningEntries)
    .where(and(eq(screeningEntries.campaignId, campaignId), prefix ? sql`${screeningEntries.villageCode} like ${prefix + '%'}` : undefined))
    .orderBy(asc(screeningEntries.villageCode));
}

export async function getTriggers(db: Db, campaignId: string, prefix?: string): Promise<TriggerRow[]> {
  return db
    .select()
    .from(screeningTriggers)
    .where(and(eq(screeningTriggers.campaignId, campaignId), prefix ? sql`${screeningTriggers.villageCode} like ${prefix + '%'}` : undefined))
    .orderBy(asc(screeningTriggers.villageCode), asc(screeningTriggers.trigger));
}

export interface EntryWrite {
  villageCode: string;
  findings: Record<string, ScreeningFinding>;
  proposal: ScreeningProposal;
  note: string | null;
}

export interface TriggerAnswerWrite {
  villageCode: string;
  trigger: string;
  answer: TriggerAnswer;
  reason: string | null;
}

/**
 * Saves a township's entries and trigger answers (a draft until the sheet is submitted) in one
 * transaction: the sheet row is locked, and a submitted sheet refuses (409).
 */
export async function saveSheet(
  db: Db,
  input: { campaignId: string; sheetId: string; entries: EntryWrite[]; answers: TriggerAnswerWrite[]; actor: AuditActor; at: Date; source: 'form' | 'xlsx' },
): Promise<void> {
  await db.transaction(async (tx) => {
    const [sheet] = await tx.select().from(screeningSheets).where(eq(screeningSheets.id, input.sheetId)).for('update');
    if (!sheet || sheet.submittedAt) throw new ConflictError('该乡镇排查表已报送，不能再修改 (the sheet has been submitted)', { field: 'townshipCode' });
    for (const e of input.entries) {
      await tx
        .insert(screeningEntries)
        .values({
          campaignId: input.campaignId,
          sheetId: input.sheetId,
          villageCode: e.villageCode,
          findings: e.findings,
          proposal: e.proposal,
          note: e.note,
          updatedBy: input.actor.userId,
          updatedAt: input.at,
        })
        .onConflictDoUpdate({
          target: [screeningEntries.campaignId, screeningEntries.villageCode],
          set: { findings: e.findings, proposal: e.proposal, note: e.note, updatedBy: input.actor.userId, updatedAt: input.at },
        });
    }
    for (const a of input.answers) {
      await tx
        .update(screeningTriggers)
        .set({ answer: a.answer, answerReason: a.reason, answeredBy: input.actor.userId, answeredAt: input.at })
        .where(
          and(eq(screeningTriggers.campaignId, input.campaignId), eq(screeningTriggers.villageCode, a.villageCode), eq(screeningTriggers.trigger, a.trigger)),
        );
    }
    await audit(
      tx,
      input.campaignId,
      'sheet_saved',
      input.actor,
      input.at,
      {
        townshipCode: sheet.townshipCode,
        source: input.source,
        entries: input.entries.map((e) => ({ villageCode: e.villageCode, proposal: e.proposal })),
        answers: input.answers,
      },
      `sheet:${sheet.townshipCode}:${input.at.toISOString()}:${crypto.randomUUID()}`,
    );
  });
}

/**
 * Hard triggers from Rectify's own data, pre-filled when a campaign opens (idempotent per campaign,
 * village and trigger):
 * - the secretary post vacant for more than 3 months (village_party_organizations.secretary_vacant_since);
 * - no reserve in the pool for 2 years: a village whose pool Rectify has tracked for 2 years (a
 *   candidate nominated at least 2 years ago) with no candidate in the pool at any time since;
 * - a relapse in the last follow-up: a case of the village relapsed within the last 12 months;
 * - last place in the previous year's annual assessment, and satisfaction below 60% (imported table).
 */
export async function prefillTriggers(db: Db, input: { campaignId: string; countyCode: string; year: number; at: Date }): Promise<number> {
  const prefix = input.countyCode.slice(0, 6) + '%';
  const at = input.at.toISOString();
  const found: Array<{ village_code: string; trigger: HardTrigger; facts: Record<string, unknown> }> = [];
  const vacant = await db.execute<{ village_code: string; since: string }>(sql`
    select o.village_code, o.secretary_vacant_since::text as since from village_party_organizations o
    where o.village_code like ${prefix} and o.secretary_person_id is null
      and o.secretary_vacant_since is not null and o.secretary_vacant_since <= (${at}::timestamptz at time zone 'Asia/Shanghai' - interval '3 months')::date`);
  for (const v of vacant) found.push({ village_code: v.village_code, trigger: 'secretary_vacant_3_months', facts: { vacantSince: v.since } });
  const pool = POOL_STATES as readonly string[];
  const noReserve = await db.execute<{ village_code: string; last_pooled: string | null }>(sql`
    select r.village_code, max(coalesce(r.closed_at, r.pooled_at))::text as last_pooled from reserve_candidates r
    where r.village_code like ${prefix}
    group by r.village_code
    having min(r.nominated_at) <= ${at}::timestamptz - interval '2 years'
      and not bool_or(r.state in ${pool})
      and not bool_or(r.pooled_at is not null and (r.closed_at is null or r.closed_at >= ${at}::timestamptz - interval '2 years'))`);
  for (const v of noReserve) found.push({ village_code: v.village_code, trigger: 'no_successor_2_years', facts: { lastInPool: v.last_pooled } });
  const relapsed = await db
    .select({ villageCode: rectificationCases.villageCode, caseId: rectificationCases.id })
    .from(rectificationCases)
    .where(
      and(
        sql`${rectificationCases.villageCode} like ${prefix}`,
        eq(rectificationCases.state, 'relapsed'),
        sql`${rectificationCases.updatedAt} >= ${at}::timestamptz - interval '12 months'`,
      ),
    );
  for (const r of relapsed) found.push({ village_code: r.villageCode, trigger: 'relapse_in_follow_up', facts: { caseId: r.caseId } });
  const assessed = await db
    .select()
    .from(annualAssessments)
    .where(and(sql`${annualAssessments.villageCode} like ${prefix}`, eq(annualAssessments.year, input.year - 1)));
  for (const a of assessed) {
    if (a.rank === a.rankOf)
      found.push({ village_code: a.villageCode, trigger: 'last_in_assessment', facts: { year: a.year, rank: a.rank, rankOf: a.rankOf } });
    if (a.satisfaction !== null && a.satisfaction < 60)
      found.push({ village_code: a.villageCode, trigger: 'satisfaction_below_60', facts: { year: a.year, satisfaction: a.satisfaction } });
  }
  if (found.length === 0) return 0;
  const inserted = await db
    .insert(screeningTriggers)
    .values(found.map((f) => ({ campaignId: input.campaignId, villageCode: f.village_code, trigger: f.trigger, facts: f.facts })))
    .onConflictDoNothing()
    .returning({ id: screeningTriggers.id });
  return inserted.length;
}

/** The latest case of each of these villages (to link a relapsed or closed one), and whether one is open. */
export async function latestCasesOf(db: Db, villageCodes: string[]): Promise<Map<string, { id: string; state: string; designationKey: string }>> {
  if (villageCodes.length === 0) return new Map();
  const rows = await db
    .selectDistinctOn([rectificationCases.villageCode], {
      villageCode: rectificationCases.villageCode,
      id: rectificationCases.id,
      state: rectificationCases.state,
      designationKey: rectificationCases.designationKey,
    })
    .from(rectificationCases)
    .where(inArray(rectificationCases.villageCode, villageCodes))
    .orderBy(rectificationCases.villageCode, desc(rectificationCases.designatedAt));
  return new Map(rows.map((r) => [r.villageCode, { id: r.id, state: r.state, designationKey: r.designationKey }]));
}

/** The case a campaign designated for a village, if any (keyed by designation key). */
export async function findDesignatedCase(db: Db, designationKey: string): Promise<string | null> {
  const [row] = await db.select({ id: rectificationCases.id }).from(rectificationCases).where(eq(rectificationCases.designationKey, designationKey));
  return row?.id ?? null;
}

/** Campaigns stored but whose workflow never projected a change (the opening request died in between). */
export async function findUnstartedCampaigns(db: Db, openedBefore: Date): Promise<CampaignRow[]> {
  return db
    .select()
    .from(screeningCampaigns)
    .where(and(eq(screeningCampaigns.state, 'open'), eq(screeningCampaigns.projectionSeq, 0), lt(screeningCampaigns.openedAt, openedBefore)))
    .limit(100);
}
