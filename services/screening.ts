/**
 * The annual screening campaign (排查研判): what the API can do. Reads come from Postgres; the
 * township's entries and trigger answers are written here (a draft until the sheet is submitted);
 * every step of the process (submit, 研判, approval, amendment, designation) is an Update on the
 * campaign's workflow. The org dept opens, judges, records the approval, amends and designates; a
 * township office fills and submits its own township's sheet and sees only it; sponsors may do
 * nothing here (403).
 */
import type { Db } from '../db/client.js';
import { getSponsorCandidate } from '../db/queries/cases.js';
import {
  findDesignatedCase,
  findUnstartedCampaigns,
  getCampaign,
  getEntries,
  getSheets,
  getTriggers,
  insertCampaign,
  latestCasesOf,
  listCampaigns,
  saveSheet,
  townshipsOf,
  villagesUnder,
  type CampaignRow,
  type EntryWrite,
  type TriggerAnswerWrite,
} from '../db/queries/screening.js';
import { divisionExists } from '../db/queries/divisions.js';
import type { ScreeningFinding } from '../db/schema/screening.js';
import { DESIGNATION_REASONS, isOpenState, type CaseState, type DesignationReason } from '../domain/cases.js';
import { countyOf, isWithin, jurisdictionPrefix, levelOfCode, toFullCode, townshipOf } from '../domain/divisions.js';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../domain/errors.js';
import { screeningPolicyOf } from '../domain/policy.js';
import {
  HARD_TRIGGERS,
  SCREENING_CRITERIA,
  designationRateFlag,
  proposedList,
  rate,
  type JudgmentDecision,
  type ScreeningProposal,
  type TriggerAnswer,
} from '../domain/screening.js';
import { withinAYear } from '../domain/screening-timing.js';
import type { AuthUser } from '../domain/roles.js';
import type { SupportPackageAssignment } from '../domain/support-package.js';
import type { DesignationResult, JudgmentDecisionSpec, ScreeningSnapshot } from '../domain/contracts/screening.js';
import { executeScreeningCommand, startScreening, type TemporalHandle } from '../temporal/client.js';
import { amendListUpdate, approveListUpdate, designateListUpdate, judgeUpdate, submitSheetUpdate } from '../workflows/screening-messages.js';
import type { UpdateDefinition } from '@temporalio/common';
import type { CaseService } from './cases.js';
import { actorOf } from './command-runner.js';
import { resolveVillagePolicy } from './policies.js';
import { ImportRejectedError, UnreadableFileError, readSheetRows, type ImportProblem, type ImportReport } from './imports.js';
import { parseScreeningSheet, screeningSheetSpec } from './excel/screening-sheet.js';
import { columnLetter, writeXlsx } from './excel/xlsx.js';
import { table } from './excel/table.js';

export const DEFAULT_APPROVING_BODY = '县委常委会';

export interface OpenCampaignInput {
  year: number;
  countyCode?: string;
  criteria?: DesignationReason[];
  approvingBody?: string;
  /** Overrides of the policy's durations (e.g. "20WD"). */
  sheetDue?: string;
  judgmentDue?: string;
  policyId?: string;
}

export interface EntryInput {
  villageCode: string;
  findings: Record<string, { found: boolean; evidence?: string; attachments?: string[] }>;
  proposal: ScreeningProposal;
  note?: string;
}

export interface TriggerAnswerInput {
  villageCode: string;
  trigger: string;
  answer: TriggerAnswer;
  reason?: string;
}

export interface SheetInput {
  entries: EntryInput[];
  triggerAnswers?: TriggerAnswerInput[];
}

export interface DesignationVillageInput {
  villageCode: string;
  sponsorUserId: string;
  reasons?: DesignationReason[];
  supportPackage?: SupportPackageAssignment;
  note?: string;
}

type Action = 'view' | 'open' | 'fill' | 'judge' | 'approve' | 'amend' | 'designate';
const ROLES: Record<Action, readonly AuthUser['role'][]> = {
  view: ['org_dept', 'township_office'],
  open: ['org_dept'],
  fill: ['township_office'],
  judge: ['org_dept'],
  approve: ['org_dept'],
  amend: ['org_dept'],
  designate: ['org_dept'],
};

const designationKey = (campaignId: string, villageCode: string): string => `screening:${campaignId}:${villageCode}`;

export function createScreeningService(deps: { db: Db; temporal: TemporalHandle; cases: CaseService; workflowHistoryLimit?: number; now?: () => Date }) {
  const { db, temporal } = deps;
  const now = deps.now ?? (() => new Date());

  function requireRole(user: AuthUser, action: Action): void {
    if (!ROLES[action].includes(user.role))
      throw new ForbiddenError(`角色“${user.role}”无权执行此操作 (role ${user.role} may not ${action} screening campaigns)`);
  }

  /** The org dept sees the campaigns of the counties it covers; a township office its own county's. */
  function canSee(user: AuthUser, row: CampaignRow): boolean {
    if (user.role === 'org_dept') return isWithin(row.countyCode, user.jurisdictionCode);
    if (user.role === 'township_office') return levelOfCode(user.jurisdictionCode) !== 'county' && countyOf(user.jurisdictionCode) === row.countyCode;
    return false;
  }

  async function find(user: AuthUser, id: string, action: Action): Promise<CampaignRow> {
    requireRole(user, 'view');
    const row = await getCampaign(db, id);
    if (!row || !canSee(user, row)) throw new NotFoundError('未找到该排查研判 (campaign not found)');
    requireRole(user, action);
    return row;
  }

  /** The township whose sheet a township office may touch: its own, else 404 as if it did not exist. */
  function ownTownship(user: AuthUser, townshipCode: string): string {
    const code = toFullCode(townshipCode);
    if (levelOfCode(code) !== 'township' || townshipOf(user.jurisdictionCode) !== code) throw new NotFoundError('未找到该乡镇的排查表 (sheet not found)');
    return code;
  }

  async function send<Args>(
    user: AuthUser,
    id: string,
    update: UpdateDefinition<ScreeningSnapshot, [Args & { actor: ReturnType<typeof actorOf> }]>,
    args: Args,
    idempotencyKey?: string,
  ) {
    const updateId = idempotencyKey ? `${user.id}:${idempotencyKey}` : undefined;
    await executeScreeningCommand(temporal, id, update, [{ ...args, actor: actorOf(user) }], updateId);
    return get(user, id);
  }

  async function open(user: AuthUser, input: OpenCampaignInput) {
    requireRole(user, 'open');
    const countyCode = toFullCode(input.countyCode ?? user.jurisdictionCode);
    if (levelOfCode(countyCode) !== 'county' || !isWithin(countyCode, user.jurisdictionCode) || !(await divisionExists(db, countyCode))) {
      throw new ValidationError('须为您管辖范围内的县级区划代码 (must be a county in your jurisdiction)', 'countyCode');
    }
    const townships = await townshipsOf(db, countyCode);
    if (townships.length === 0) throw new ValidationError('该县没有乡镇区划数据 (the county has no townships)', 'countyCode');
    const { policyId, policy } = await resolveVillagePolicy(db, countyCode, input.policyId);
    const base = screeningPolicyOf(policy);
    const screeningPolicy = { ...base, ...(input.sheetDue && { sheetDue: input.sheetDue }), ...(input.judgmentDue && { judgmentDue: input.judgmentDue }) };
    for (const key of ['sheetDue', 'judgmentDue'] as const) {
      if (!withinAYear(screeningPolicy[key])) {
        const field = input[key] ? key : 'policyId';
        throw new ValidationError(`期限策略的 screening.${key} 须在一年以内 (${key} must be at most a year)`, field);
      }
    }
    const criteria = input.criteria && input.criteria.length > 0 ? [...new Set(input.criteria)] : [...SCREENING_CRITERIA];
    // A campaign whose workflow never started (the opening request failed halfway): started now, once.
    const [earlier] = await listCampaigns(db, countyCode.slice(0, 6), input.year);
    if (earlier?.state === 'open' && earlier.countyCode === countyCode) {
      await startWorkflowFor(earlier);
      return get(user, earlier.id);
    }
    const row = await insertCampaign(db, {
      countyCode,
      year: input.year,
      criteria,
      approvingBody: input.approvingBody ?? DEFAULT_APPROVING_BODY,
      policyId,
      policy: screeningPolicy,
      townshipCodes: townships.map((t) => t.code),
      openedAt: now(),
      actor: { userId: user.id, label: user.name },
    });
    await startWorkflowFor(row);
    return get(user, row.id);
  }

  async function startWorkflowFor(row: CampaignRow): Promise<void> {
    const sheets = await getSheets(db, row.id);
    await startScreening(temporal, {
      version: 1,
      campaignId: row.id,
      countyCode: row.countyCode,
      year: row.year,
      approvingBody: row.approvingBody,
      townshipCodes: sheets.map((s) => s.townshipCode),
      openedAt: row.openedAt.toISOString(),
      policy: row.policy,
      historyLimit: deps.workflowHistoryLimit,
    });
  }

  async function list(user: AuthUser, query: { year?: number }) {
    requireRole(user, 'view');
    const prefix = user.role === 'org_dept' ? jurisdictionPrefix(user.jurisdictionCode) : countyOf(user.jurisdictionCode).slice(0, 6);
    const rows = await listCampaigns(db, prefix, query.year);
    return Promise.all(rows.map(async (row) => ({ ...row, progress: await progress(user, row) })));
  }

  /** Per township: villages, entries filled, submitted (and on time); a township office sees its own row only. */
  async function progress(user: AuthUser, row: CampaignRow) {
    const own = user.role === 'township_office' ? townshipOf(user.jurisdictionCode) : undefined;
    const [sheets, entries, triggers, villages, names] = await Promise.all([
      getSheets(db, row.id, own),
      getEntries(db, row.id, own?.slice(0, 9)),
      getTriggers(db, row.id, own?.slice(0, 9)),
      villagesUnder(db, own ? own.slice(0, 9) : row.countyCode.slice(0, 6)),
      townshipsOf(db, row.countyCode),
    ]);
    return sheets.map((sheet) => {
      const p = sheet.townshipCode.slice(0, 9);
      return {
        townshipCode: sheet.townshipCode,
        townshipName: names.find((t) => t.code === sheet.townshipCode)?.name ?? '',
        villages: villages.filter((v) => v.code.startsWith(p)).length,
        entries: entries.filter((e) => e.villageCode.startsWith(p)).length,
        proposedList: entries.filter((e) => e.villageCode.startsWith(p) && e.proposal === 'list').length,
        triggers: triggers.filter((t) => t.villageCode.startsWith(p)).length,
        triggersUnanswered: triggers.filter((t) => t.villageCode.startsWith(p) && !t.answer).length,
        submittedAt: sheet.submittedAt,
        late: sheet.late === 'late',
      };
    });
  }

  async function get(user: AuthUser, id: string) {
    const row = await find(user, id, 'view');
    const own = user.role === 'township_office' ? townshipOf(user.jurisdictionCode).slice(0, 9) : undefined;
    const [townships, entries, triggers] = await Promise.all([progress(user, row), getEntries(db, id, own), getTriggers(db, id, own)]);
    return { ...row, townships, entries, triggers };
  }

  /** Checks a township's entries and answers against the campaign (400 naming the field), before anything is written. */
  async function checkSheet(row: CampaignRow, townshipCode: string, input: SheetInput): Promise<{ entries: EntryWrite[]; answers: TriggerAnswerWrite[] }> {
    const prefix = townshipCode.slice(0, 9);
    const villages = new Set((await villagesUnder(db, prefix)).map((v) => v.code));
    const seen = new Set<string>();
    const entries = input.entries.map((e, i): EntryWrite => {
      if (!villages.has(e.villageCode))
        throw new ValidationError(`该村不属于本乡镇 (village ${e.villageCode} is not in township ${townshipCode})`, `entries[${i}].villageCode`);
      if (seen.has(e.villageCode)) throw new ValidationError('同一村只能填写一次 (a village appears twice)', `entries[${i}].villageCode`);
      seen.add(e.villageCode);
      const findings: Record<string, ScreeningFinding> = {};
      for (const [criterion, f] of Object.entries(e.findings)) {
        if (!row.criteria.includes(criterion))
          throw new ValidationError(`本次排查没有此项情形 (unknown criterion ${criterion})`, `entries[${i}].findings.${criterion}`);
        findings[criterion] = { found: f.found, evidence: f.evidence ?? null, attachments: f.attachments ?? [] };
      }
      return { villageCode: e.villageCode, findings, proposal: e.proposal, note: e.note ?? null };
    });
    const triggers = await getTriggers(db, row.id, prefix);
    const answers = (input.triggerAnswers ?? []).map((a, i): TriggerAnswerWrite => {
      if (!triggers.some((t) => t.villageCode === a.villageCode && t.trigger === a.trigger)) {
        throw new ValidationError(`没有此项预填的硬性情形 (no pre-filled trigger ${a.trigger} for village ${a.villageCode})`, `triggerAnswers[${i}]`);
      }
      if (a.answer === 'dismissed' && !a.reason)
        throw new ValidationError('排除预填情形须说明理由 (a dismissal needs a reason)', `triggerAnswers[${i}].reason`);
      return { villageCode: a.villageCode, trigger: a.trigger, answer: a.answer, reason: a.reason ?? null };
    });
    return { entries, answers };
  }

  async function sheetRow(row: CampaignRow, townshipCode: string) {
    const [sheet] = await getSheets(db, row.id, townshipCode);
    if (!sheet) throw new NotFoundError('未找到该乡镇的排查表 (sheet not found)');
    return sheet;
  }

  /** A township office saves entries and answers to pre-filled triggers (a draft: the sheet stays open). */
  async function save(user: AuthUser, id: string, townshipCode: string, input: SheetInput, source: 'form' | 'xlsx' = 'form') {
    const row = await find(user, id, 'fill');
    const code = ownTownship(user, townshipCode);
    const sheet = await sheetRow(row, code);
    if (row.state !== 'screening') throw new ConflictError('当前不在排查阶段 (the campaign is not screening)', { field: 'state' });
    if (sheet.submittedAt) throw new ConflictError('该乡镇排查表已报送，不能再修改 (the sheet has been submitted)', { field: 'townshipCode' });
    const { entries, answers } = await checkSheet(row, code, input);
    await saveSheet(db, { campaignId: id, sheetId: sheet.id, entries, answers, actor: { userId: user.id, label: user.name }, at: now(), source });
    return get(user, id);
  }

  /** Submits the township's sheet: every village screened and every pre-filled trigger answered (else 400), once (else 409). */
  async function submit(user: AuthUser, id: string, townshipCode: string, input: SheetInput | undefined, idempotencyKey?: string) {
    const row = await find(user, id, 'fill');
    const code = ownTownship(user, townshipCode);
    const sheet = await sheetRow(row, code);
    if (sheet.submittedAt) throw new ConflictError('该乡镇排查表已报送，不能重复报送 (the sheet has already been submitted)', { field: 'townshipCode' });
    if (input && input.entries.length + (input.triggerAnswers?.length ?? 0) > 0) await save(user, id, code, input);
    const prefix = code.slice(0, 9);
    const [villages, entries, triggers] = await Promise.all([villagesUnder(db, prefix), getEntries(db, id, prefix), getTriggers(db, id, prefix)]);
    const missing = villages.filter((v) => !entries.some((e) => e.villageCode === v.code)).map((v) => v.code);
    if (missing.length > 0) throw new ValidationError(`尚有${missing.length}个村未排查 (villages not screened: ${missing.join(', ')})`, 'entries', { missing });
    const unanswered = triggers.filter((t) => !t.answer).map((t) => ({ villageCode: t.villageCode, trigger: t.trigger }));
    if (unanswered.length > 0) {
      throw new ValidationError(
        `尚有${unanswered.length}项预填的硬性情形未作答复 (pre-filled triggers not answered: ${unanswered.map((t) => `${t.villageCode}:${t.trigger}`).join(', ')})`,
        'triggerAnswers',
        { unanswered },
      );
    }
    return send(user, id, submitSheetUpdate, { townshipCode: code }, idempotencyKey);
  }

  /** 研判: each decision with a reason; the proposed list follows from the townships' proposals. */
  async function judge(
    user: AuthUser,
    id: string,
    input: { decisions: Array<{ villageCode: string; decision: JudgmentDecision; reason: string }> },
    key?: string,
  ) {
    const row = await find(user, id, 'judge');
    if (row.state !== 'judging') throw new ConflictError('当前不在研判阶段 (the campaign is not in 研判)', { field: 'state' });
    const entries = await getEntries(db, id);
    const listed = entries.filter((e) => e.proposal === 'list').map((e) => e.villageCode);
    const seen = new Set<string>();
    const decisions: JudgmentDecisionSpec[] = input.decisions.map((d, i) => {
      const field = `decisions[${i}].villageCode`;
      if (levelOfCode(d.villageCode) !== 'village' || !isWithin(d.villageCode, row.countyCode))
        throw new ValidationError('须为本县的村 (must be a village of the county)', field);
      if (seen.has(d.villageCode)) throw new ValidationError('同一村只能研判一次 (a village appears twice)', field);
      seen.add(d.villageCode);
      const proposed = listed.includes(d.villageCode);
      if (d.decision !== 'add' && !proposed)
        throw new ValidationError('乡镇未建议列入该村，只能“增加” (the township did not propose this village: use add)', field);
      if (d.decision === 'add' && proposed) throw new ValidationError('乡镇已建议列入该村，请“确认”或“移除” (already proposed: confirm or remove)', field);
      return { villageCode: d.villageCode, decision: d.decision, reason: d.reason };
    });
    const addedVillages = decisions.filter((d) => d.decision === 'add').map((d) => d.villageCode);
    if (addedVillages.length > 0) {
      const known = new Set((await villagesUnder(db, row.countyCode.slice(0, 6))).map((v) => v.code));
      const unknown = decisions.findIndex((d) => d.decision === 'add' && !known.has(d.villageCode));
      if (unknown >= 0) throw new ValidationError('未找到该村 (no such village)', `decisions[${unknown}].villageCode`);
    }
    return send(user, id, judgeUpdate, { decisions, list: proposedList(listed, decisions) }, key);
  }

  async function approve(user: AuthUser, id: string, input: { date: string; meeting: string; documentNumber: string }, key?: string) {
    const row = await find(user, id, 'approve');
    if (row.state !== 'judging') throw new ConflictError('当前不在研判阶段，不能审定 (the campaign is not in 研判)', { field: 'state' });
    return send(user, id, approveListUpdate, input, key);
  }

  async function amend(user: AuthUser, id: string, input: { villageCode: string; change: 'add' | 'remove'; reason: string }, key?: string) {
    const row = await find(user, id, 'amend');
    if (row.state !== 'approved') {
      throw new ConflictError('名单尚未审定或已确定整顿对象，不能调整 (only an approved, not yet designated list can be amended)', { field: 'state' });
    }
    const known = (await villagesUnder(db, row.countyCode.slice(0, 6))).some((v) => v.code === input.villageCode);
    if (!known) throw new ValidationError('须为本县的村 (must be a village of the county)', 'villageCode');
    return send(user, id, amendListUpdate, input, key);
  }

  /** The reasons a village is designated for: what its sheet found, and the hard triggers confirmed. */
  async function reasonsOf(campaignId: string): Promise<Map<string, DesignationReason[]>> {
    const [entries, triggers] = await Promise.all([getEntries(db, campaignId), getTriggers(db, campaignId)]);
    const reasons = new Map<string, Set<DesignationReason>>();
    const add = (village: string, reason: string) => {
      if (!(DESIGNATION_REASONS as readonly string[]).includes(reason)) return;
      if (!reasons.has(village)) reasons.set(village, new Set());
      reasons.get(village)!.add(reason as DesignationReason);
    };
    for (const e of entries) for (const [criterion, f] of Object.entries(e.findings)) if (f.found) add(e.villageCode, criterion);
    for (const t of triggers) if (t.answer === 'confirmed') add(t.villageCode, t.trigger);
    return new Map([...reasons].map(([v, set]) => [v, [...set].sort()]));
  }

  /**
   * Turns the approved list into cases through the same path as POST /cases, idempotent per
   * campaign and village (keyed `screening:<campaign>:<village>`): a retry or a second call creates
   * nothing new. A village whose last case closed or relapsed is linked to it. Everything is
   * checked before the first case opens.
   */
  async function designate(user: AuthUser, id: string, input: { villages: DesignationVillageInput[] }, key?: string) {
    const row = await find(user, id, 'designate');
    if (row.state === 'designated') return { ...(await get(user, id)), created: 0 };
    if (row.state !== 'approved') throw new ConflictError('名单尚未审定，不能确定整顿对象 (the list is not approved)', { field: 'state' });
    const byVillage = new Map<string, { input: DesignationVillageInput; index: number }>();
    input.villages.forEach((v, index) => {
      if (!row.list.includes(v.villageCode))
        throw new ValidationError('该村不在审定的名单中 (the village is not on the approved list)', `villages[${index}].villageCode`);
      if (byVillage.has(v.villageCode)) throw new ValidationError('同一村只能出现一次 (a village appears twice)', `villages[${index}].villageCode`);
      byVillage.set(v.villageCode, { input: v, index });
    });
    const missing = row.list.filter((v) => !byVillage.has(v));
    if (missing.length > 0)
      throw new ValidationError(`名单中尚有${missing.length}个村未明确包保领导 (villages without a sponsor: ${missing.join(', ')})`, 'villages', { missing });
    const reasons = await reasonsOf(id);
    const latest = await latestCasesOf(db, row.list);
    const plan: Array<{
      villageCode: string;
      existing: string | null;
      parentCaseId: string | null;
      reasons: DesignationReason[];
      input: DesignationVillageInput;
    }> = [];
    for (const villageCode of row.list) {
      const { input: v, index } = byVillage.get(villageCode)!;
      const existing = await findDesignatedCase(db, designationKey(id, villageCode));
      const last = latest.get(villageCode);
      if (!existing && last && isOpenState(last.state as CaseState)) {
        throw new ConflictError(`该村已有进行中的整顿案例 (village ${villageCode} already has an open case)`, {
          field: `villages[${index}].villageCode`,
          caseId: last.id,
        });
      }
      const sponsor = await getSponsorCandidate(db, v.sponsorUserId);
      if (!sponsor || !sponsor.active || sponsor.role !== 'sponsor' || !isWithin(villageCode, sponsor.jurisdictionCode)) {
        throw new ValidationError(
          '包保领导须为管辖该村的有效“包保县级领导”用户 (sponsor must be an active sponsor covering the village)',
          `villages[${index}].sponsorUserId`,
        );
      }
      const why = v.reasons && v.reasons.length > 0 ? v.reasons : (reasons.get(villageCode) ?? []);
      if (why.length === 0)
        throw new ValidationError('该村排查未发现情形，须填写确定理由 (no finding for this village: give reasons)', `villages[${index}].reasons`);
      const parentCaseId = last && (last.state === 'closed' || last.state === 'relapsed') ? last.id : null;
      plan.push({ villageCode, existing, parentCaseId, reasons: why, input: v });
    }
    const designations: DesignationResult[] = [];
    let created = 0;
    for (const p of plan) {
      if (p.existing) {
        designations.push({ villageCode: p.villageCode, caseId: p.existing });
        continue;
      }
      const detail = await deps.cases.designate(
        user,
        {
          villageCode: p.villageCode,
          reasons: p.reasons,
          sponsorUserId: p.input.sponsorUserId,
          note: p.input.note ?? `${row.year}年度排查研判确定（${row.approvalDocumentNumber ?? ''}）`,
          ...(p.input.supportPackage && { supportPackage: p.input.supportPackage }),
          parentCaseId: p.parentCaseId,
        },
        designationKey(id, p.villageCode),
      );
      designations.push({ villageCode: p.villageCode, caseId: detail.id });
      created++;
    }
    const detail = await send(user, id, designateListUpdate, { designations }, key);
    return { ...detail, created };
  }

  /**
   * The campaign's figures: per township villages screened and on time, proposals vs. the final
   * list, designation rate (outside 5–10% flagged), hard triggers and their answers; and villages of
   * the county never screened in the year.
   */
  async function stats(user: AuthUser, id: string) {
    const row = await find(user, id, 'view');
    const own = user.role === 'township_office' ? townshipOf(user.jurisdictionCode).slice(0, 9) : undefined;
    const [sheets, entries, triggers, villages, townships] = await Promise.all([
      getSheets(db, id, own ? toFullCode(own) : undefined),
      getEntries(db, id, own),
      getTriggers(db, id, own),
      villagesUnder(db, own ?? row.countyCode.slice(0, 6)),
      townshipsOf(db, row.countyCode),
    ]);
    const finalList = new Set(row.state === 'designated' ? row.designations.map((d) => d.villageCode) : row.list);
    const designated = new Set(row.designations.map((d) => d.villageCode));
    const count = (xs: readonly unknown[]) => xs.length;
    const perTownship = sheets.map((sheet) => {
      const p = sheet.townshipCode.slice(0, 9);
      const vs = villages.filter((v) => v.code.startsWith(p));
      const es = entries.filter((e) => e.villageCode.startsWith(p));
      const ts = triggers.filter((t) => t.villageCode.startsWith(p));
      const listed = vs.filter((v) => finalList.has(v.code)).length;
      const designationRate = rate(vs.filter((v) => designated.has(v.code)).length, vs.length);
      return {
        townshipCode: sheet.townshipCode,
        townshipName: townships.find((t) => t.code === sheet.townshipCode)?.name ?? '',
        villages: vs.length,
        screened: es.length,
        submitted: sheet.submittedAt !== null,
        onTime: sheet.submittedAt !== null && sheet.late !== 'late',
        proposals: {
          list: count(es.filter((e) => e.proposal === 'list')),
          watch: count(es.filter((e) => e.proposal === 'watch')),
          doNotList: count(es.filter((e) => e.proposal === 'do_not_list')),
        },
        finalList: listed,
        designated: vs.filter((v) => designated.has(v.code)).length,
        designationRate,
        outlier: row.state === 'designated' ? designationRateFlag(designationRate) : null,
        hardTriggers: {
          found: ts.length,
          confirmed: count(ts.filter((t) => t.answer === 'confirmed')),
          dismissed: count(ts.filter((t) => t.answer === 'dismissed')),
          unanswered: count(ts.filter((t) => !t.answer)),
        },
      };
    });
    const screened = new Set(entries.map((e) => e.villageCode));
    const countyRate = rate(designated.size, villages.length);
    return {
      campaignId: id,
      countyCode: row.countyCode,
      year: row.year,
      state: row.state,
      townships: perTownship,
      county: {
        villages: villages.length,
        screened: screened.size,
        sheetsSubmitted: sheets.filter((s) => s.submittedAt).length,
        sheetsOnTime: sheets.filter((s) => s.submittedAt && s.late !== 'late').length,
        proposedList: entries.filter((e) => e.proposal === 'list').length,
        finalList: [...finalList].filter((v) => !own || v.startsWith(own)).length,
        added: row.decisions.filter((d) => d.decision === 'add' && (!own || d.villageCode.startsWith(own))).length,
        removed: row.decisions.filter((d) => d.decision === 'remove' && (!own || d.villageCode.startsWith(own))).length,
        designated: designated.size,
        designationRate: countyRate,
        outlier: row.state === 'designated' ? designationRateFlag(countyRate) : null,
      },
      neverScreened: villages.filter((v) => !screened.has(v.code)).map((v) => ({ villageCode: v.code, villageName: v.name })),
      hardTriggers: HARD_TRIGGERS.map((trigger) => {
        const ts = triggers.filter((t) => t.trigger === trigger);
        return {
          trigger,
          found: ts.length,
          confirmed: count(ts.filter((t) => t.answer === 'confirmed')),
          dismissed: count(ts.filter((t) => t.answer === 'dismissed')),
          unanswered: count(ts.filter((t) => !t.answer)),
        };
      }),
    };
  }

  /**
   * A township's sheet from an .xlsx (or CSV) upload: every row checked first (the village in the
   * township, the proposal, each criterion found); any problem rejects the whole file with the
   * imports' row report (422) and nothing is written. Then saved as the form saves (a draft).
   */
  async function upload(user: AuthUser, id: string, townshipCode: string, file: { bytes: Buffer; fileName: string | null; dryRun: boolean }) {
    const row = await find(user, id, 'fill');
    const code = ownTownship(user, townshipCode);
    const sheet = await sheetRow(row, code);
    if (row.state !== 'screening') throw new ConflictError('当前不在排查阶段 (the campaign is not screening)', { field: 'state' });
    if (sheet.submittedAt) throw new ConflictError('该乡镇排查表已报送，不能再修改 (the sheet has been submitted)', { field: 'townshipCode' });
    const errors: ImportProblem[] = [];
    let format: 'xlsx' | 'csv' = 'xlsx';
    let rows: Awaited<ReturnType<typeof readSheetRows>>['rows'] = [];
    try {
      ({ format, rows } = await readSheetRows(file.bytes));
    } catch (error) {
      if (!(error instanceof UnreadableFileError)) throw error;
      errors.push({ row: 1, column: null, cell: null, value: null, problem: error.message });
    }
    const parsed = errors.length > 0 ? { rows: [], problems: [] } : parseScreeningSheet(rows, row.criteria, columnLetter);
    errors.push(...parsed.problems);
    const villages = new Map((await villagesUnder(db, code.slice(0, 9))).map((v) => [v.code, v.name]));
    const seen = new Map<string, number>();
    for (const r of parsed.rows) {
      const name = villages.get(r.villageCode);
      const problem = (column: string, value: string | null, text: string) => errors.push({ row: r.row, column, cell: null, value, problem: text });
      if (name === undefined) problem('村区划代码', r.villageCode, `该村不属于本乡镇 (village ${r.villageCode} is not in township ${code})`);
      else if (r.villageName && r.villageName !== name) problem('村名称', r.villageName, `与代码${r.villageCode}（${name}）不符 (does not match the code)`);
      const first = seen.get(r.villageCode);
      if (first !== undefined) problem('村区划代码', r.villageCode, `与第${first}行重复 (duplicate of row ${first})`);
      else seen.set(r.villageCode, r.row);
    }
    const report = (valid: boolean, imported: ImportReport['imported'] = null): ImportReport => ({
      kind: 'screening_sheet',
      fileName: file.fileName,
      format,
      rows: Math.max(0, rows.filter((r) => r.cells.some((c) => c !== null && c !== '')).length - 1),
      valid,
      dryRun: file.dryRun,
      errors: errors.slice(0, 1000),
      errorCount: errors.length,
      warnings: [],
      warningCount: 0,
      imported,
    });
    errors.sort((a, b) => a.row - b.row);
    if (errors.length > 0) throw new ImportRejectedError(report(false));
    if (file.dryRun) return report(true);
    const before = new Set((await getEntries(db, id, code.slice(0, 9))).map((e) => e.villageCode));
    const entries: EntryWrite[] = parsed.rows.map((r) => ({
      villageCode: r.villageCode,
      findings: Object.fromEntries(
        row.criteria.map((c) => [
          c,
          r.criteria.includes(c) ? { found: true, evidence: r.evidence, attachments: r.attachments } : { found: false, evidence: null, attachments: [] },
        ]),
      ),
      proposal: r.proposal,
      note: r.note,
    }));
    await saveSheet(db, { campaignId: id, sheetId: sheet.id, entries, answers: [], actor: { userId: user.id, label: user.name }, at: now(), source: 'xlsx' });
    const updated = entries.filter((e) => before.has(e.villageCode)).length;
    return report(true, { importId: sheet.id, created: entries.length - updated, updated, unchanged: 0 });
  }

  /** The township's sheet as an .xlsx template: its villages listed, the campaign's criteria in the notes. */
  async function template(user: AuthUser, id: string, townshipCode: string) {
    const row = await find(user, id, 'fill');
    const code = ownTownship(user, townshipCode);
    const villages = await villagesUnder(db, code.slice(0, 9));
    const bytes = await writeXlsx(
      [
        table(
          screeningSheetSpec(row.criteria),
          villages.map((v) => ({ villageCode: v.code, villageName: v.name })),
        ),
      ],
      { validations: true },
    );
    return { fileName: `screening-sheet-${row.year}-${code.slice(0, 9)}.xlsx`, format: 'xlsx' as const, bytes };
  }

  /** Starts the workflow of each campaign stored but never started (the worker's reconciler); idempotent. */
  async function startUnstarted(olderThanMs = 60_000): Promise<number> {
    const rows = await findUnstartedCampaigns(db, new Date(Date.now() - olderThanMs));
    for (const row of rows) await startWorkflowFor(row);
    return rows.length;
  }

  return { open, list, get, save, submit, upload, template, judge, approve, amend, designate, stats, startWorkflowFor, startUnstarted };
}

export type ScreeningService = ReturnType<typeof createScreeningService>;
