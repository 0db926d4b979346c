/**
 * Process D: the annual screening campaign of a county (排查研判), workflow `screening-<campaignId>`.
 *
 * open → screening → judging → approved → designated. When it opens, the hard triggers Rectify finds
 * in its own data are pre-filled (an activity) and every township of the county owes its sheet (a
 * `screening_sheet` obligation on the county's ladder: reminder and 黄牌 to that township's office,
 * 红牌 to the org dept). Screening closes when every sheet is in; then the org dept owes its 研判
 * (`screening_judgment`). The approval (date, meeting, 文号) freezes the list: afterwards only
 * amendments (audited, with a reason) change it. Designation records the cases the service opened
 * for the approved list and ends the campaign. The entries themselves (findings, proposals) live in
 * Postgres; the workflow holds the deadlines and the list.
 */
import { condition, continueAsNew, log, proxyActivities, proxyLocalActivities, setHandler } from '@temporalio/workflow';
import type { createActivities } from '../activities/index.js';
import type { Obligation, ResponsibleParty } from '../domain/escalation.js';
import { checkScreeningCommand, isOpenCampaign, type ScreeningCommand, type ScreeningState } from '../domain/screening.js';
import { SYSTEM_ACTOR, type Recipient } from '../domain/contracts/deadlines.js';
import type { AmendArgs, ApproveArgs, DesignateArgs, JudgeArgs, ScreeningInput, ScreeningSnapshot, SubmitSheetArgs } from '../domain/contracts/screening.js';
import { PROCESS_ACTIVITY_OPTIONS, createDeadlineEngine } from './deadline-engine.js';
import { recomputeDeadlinesSignal } from './deadline-messages.js';
import { clone, conflict, createCommitter, createProcessKit, handleUpdate, invalid, notify, projectionOf } from './process-kit.js';
import {
  amendListUpdate,
  approveListUpdate,
  designateListUpdate,
  judgeUpdate,
  screeningReadyUpdate,
  screeningSnapshotQuery,
  submitSheetUpdate,
} from './screening-messages.js';

const { recordScreeningChange, prefillScreeningTriggers } = proxyActivities<ReturnType<typeof createActivities>>(PROCESS_ACTIVITY_OPTIONS);
const localProjections = proxyLocalActivities<Pick<ReturnType<typeof createActivities>, 'recordScreeningChange'>>(PROCESS_ACTIVITY_OPTIONS);

export async function screeningWorkflow(input: ScreeningInput): Promise<ScreeningSnapshot> {
  let initialized = input.carried !== undefined;
  const s: ScreeningSnapshot = input.carried ?? {
    campaignId: input.campaignId,
    countyCode: input.countyCode,
    year: input.year,
    approvingBody: input.approvingBody,
    state: 'open',
    rag: 'green',
    seq: 0,
    openedAt: input.openedAt,
    sheets: input.townshipCodes.map((townshipCode) => ({ townshipCode, submittedAt: null, late: false })),
    screeningClosedAt: null,
    judgedAt: null,
    decisions: [],
    list: [],
    approval: null,
    amendments: [],
    designations: [],
    designatedAt: null,
    obligations: [],
    policy: input.policy,
  };
  const kit = createProcessKit<ScreeningCommand, ScreeningSnapshot>({
    state: () => s,
    check: (c) => checkScreeningCommand(c, s.state),
    carriedUpdateIds: input.recentUpdateIds,
  });
  const now = (): string => new Date(Date.now()).toISOString();
  const summary = (): Record<string, unknown> => ({ state: s.state, rag: s.rag });

  const orgDept: Recipient = { userId: null, role: 'org_dept', divisionCode: s.countyCode };
  const townshipOffice = (townshipCode: string): Recipient => ({ userId: null, role: 'township_office', divisionCode: townshipCode });

  /** A sheet is its township office's (reminder and 黄牌); everything else, and every 红牌, is the org dept's. */
  function recipientsFor(party: ResponsibleParty, obligation?: Obligation): Recipient[] {
    if (party === 'township_office' && obligation?.kind === 'screening_sheet') return [townshipOffice(obligation.key)];
    return [orgDept];
  }

  const commit = createCommitter<ScreeningSnapshot, object>({
    state: s,
    eventKey: `screening:${s.campaignId}`,
    summary,
    rag: () => engine.rag(),
    project: projectionOf(recordScreeningChange, localProjections.recordScreeningChange),
  });

  const engine = createDeadlineEngine({
    state: s,
    obligationId: (kind, key) => `${s.campaignId}:${kind}:${key}`,
    clock: () => ({ ladder: s.policy.ladder, timeZone: s.policy.timeZone, officeHour: s.policy.officeHour, divisionCode: s.countyCode }),
    recipientsFor,
    summary,
    commitRung: (before, change) => commit('escalation_raised', SYSTEM_ACTOR, before, change),
  });

  function setState(next: ScreeningState): void {
    log.info('screening state change', { campaignId: s.campaignId, from: s.state, to: next });
    s.state = next;
  }

  async function tick(): Promise<void> {
    await engine.tick(async (reason) => {
      const before = summary();
      const changes = await engine.retime((o) => o.basis);
      if (changes.length > 0) await commit('deadlines_recomputed', SYSTEM_ACTOR, before, { details: { reason, changes } });
    });
  }

  // --- Commands -----------------------------------------------------------------------------------

  const submitSheet = kit.command<SubmitSheetArgs>(
    'submitSheet',
    async ({ actor, townshipCode }) => {
      const before = summary();
      const sheet = s.sheets.find((x) => x.townshipCode === townshipCode)!;
      const obligation = engine.find('screening_sheet', townshipCode);
      sheet.late = engine.isLate(obligation);
      sheet.submittedAt = now();
      engine.close(obligation, 'satisfied');
      await commit('sheet_submitted', actor, before, { details: { townshipCode, late: sheet.late } });
      if (s.sheets.some((x) => !x.submittedAt)) return;
      // Every sheet is in: screening closes and the org dept owes its 研判.
      const beforeClose = summary();
      setState('judging');
      s.screeningClosedAt = now();
      await engine.open('screening_judgment', `Y${s.year}`, 'org_dept', s.screeningClosedAt, s.policy.judgmentDue);
      await commit('screening_closed', SYSTEM_ACTOR, beforeClose, {
        notifications: notify([orgDept], 'screening.judging', '排查结果待研判', `${s.year}年度软弱涣散村党组织排查：各乡镇排查表已全部报送，请组织研判。`),
      });
    },
    ({ townshipCode }) => {
      const sheet = s.sheets.find((x) => x.townshipCode === townshipCode);
      if (!sheet) invalid('townshipCode', `该乡镇不在本次排查范围内 (township ${townshipCode} is not part of this campaign)`);
      if (sheet.submittedAt) conflict('该乡镇排查表已报送，不能重复报送 (the sheet has already been submitted)');
    },
  );
  handleUpdate(submitSheetUpdate, submitSheet);

  const judge = kit.command<JudgeArgs>('judge', async ({ actor, decisions, list }) => {
    const before = summary();
    engine.close(engine.find('screening_judgment', `Y${s.year}`), 'satisfied');
    s.judgedAt = now();
    s.decisions = decisions;
    s.list = list;
    await commit('judged', actor, before, { details: { decisions, list } });
  });
  handleUpdate(judgeUpdate, judge);

  const approve = kit.command<ApproveArgs>(
    'approve',
    async ({ actor, date, meeting, documentNumber }) => {
      const before = summary();
      s.approval = { date, meeting, documentNumber, recordedAt: now() };
      setState('approved');
      await commit('approved', actor, before, {
        details: { date, meeting, documentNumber, list: s.list },
        notifications: notify(
          s.sheets.map((x) => townshipOffice(x.townshipCode)),
          'screening.approved',
          '软弱涣散村党组织名单已审定',
          `${s.year}年度软弱涣散村党组织名单经${meeting}审定（${documentNumber}），共${s.list.length}个村。`,
        ),
      });
    },
    () => {
      if (!s.judgedAt) conflict('尚未研判，不能审定 (record the 研判 before the approval)');
    },
  );
  handleUpdate(approveListUpdate, approve);

  const amend = kit.command<AmendArgs>(
    'amend',
    async ({ actor, villageCode, change, reason }) => {
      const before = summary();
      s.list = change === 'add' ? [...s.list, villageCode].sort() : s.list.filter((v) => v !== villageCode);
      s.amendments.push({ villageCode, change, reason, at: now(), by: actor });
      await commit('amended', actor, before, { details: { villageCode, change, reason } });
    },
    ({ villageCode, change }) => {
      const listed = s.list.includes(villageCode);
      if (change === 'add' && listed) invalid('villageCode', '该村已在名单中 (the village is already on the list)');
      if (change === 'remove' && !listed) invalid('villageCode', '该村不在名单中 (the village is not on the list)');
    },
  );
  handleUpdate(amendListUpdate, amend);

  const designate = kit.command<DesignateArgs>('designate', async ({ actor, designations }) => {
    const before = summary();
    s.designations = designations;
    s.designatedAt = now();
    engine.cancelAllOpen();
    setState('designated');
    await commit('designated', actor, before, { details: { designations } });
  });
  handleUpdate(designateListUpdate, designate);

  setHandler(recomputeDeadlinesSignal, ({ reason }) => {
    engine.requestRecompute(reason);
    kit.markChanged();
  });
  setHandler(screeningReadyUpdate, async () => {
    await condition(() => initialized);
    return clone(s);
  });
  setHandler(screeningSnapshotQuery, () => s);

  // --- Start and main loop ------------------------------------------------------------------------

  if (!initialized) {
    await kit.exclusive(async () => {
      const before = summary();
      const { found } = await prefillScreeningTriggers({ campaignId: s.campaignId, countyCode: s.countyCode, year: s.year, at: s.openedAt });
      // The sheets' clock starts when the workflow does (as a case's does): its time, not the API's.
      const startedAt = now();
      for (const sheet of s.sheets) await engine.open('screening_sheet', sheet.townshipCode, 'township_office', startedAt, s.policy.sheetDue);
      setState('screening');
      await commit('screening_opened', SYSTEM_ACTOR, before, {
        details: { townships: s.sheets.length, hardTriggersFound: found },
        notifications: notify(
          s.sheets.map((x) => townshipOffice(x.townshipCode)),
          'screening.opened',
          '软弱涣散村党组织排查',
          `${s.year}年度软弱涣散村党组织排查已启动，请对本乡镇各村逐项排查并按时报送排查表。`,
        ),
      });
      initialized = true;
    });
  }

  await kit.run({
    isOpen: () => isOpenCampaign(s.state),
    tick,
    nextWake: () => engine.nextWake([]),
    pending: () => engine.recomputePending,
    historyLimit: input.historyLimit,
    continueAsNew: () => continueAsNew<typeof screeningWorkflow>({ ...input, carried: s, recentUpdateIds: kit.recentUpdateIds() }),
  });
  return s;
}
