/**
 * The deadline ladder on the time-skipping server with the real default policy (days and months):
 * each rung fires once, at its instant, to its target; submitting resolves; RAG follows.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startTimeSkippingEnv } from '../support/servers.js';
import { beijingDate, endOfBeijingDay, eventually, startHarness, type Harness, type TestUser } from '../support/harness.js';
import { addWorkingDays, type Calendar } from '../../domain/calendar.js';
import { yearRange } from '../support/test-calendar.js';

let env: TestWorkflowEnvironment;
let calendar: Calendar;
let h: Harness;
let org: TestUser;
let sponsor: TestUser;

beforeAll(async () => {
  env = await startTimeSkippingEnv();
  h = await startHarness({ env });
  org = await h.addUser('org_dept', '522731');
  sponsor = await h.addUser('sponsor', '522731');
  villages = await h.villageCodes('522731001');
  // A known calendar for every year these tests reach (about two months), whatever today is and
  // however far the loaded notices go: nothing here is provisional.
  const year = new Date(await env.currentTimeMs()).getUTCFullYear();
  await h.useCalendar(yearRange(year - 1, year + 2));
  calendar = await h.calendarFor('522731001');
});
afterAll(async () => {
  await h?.close();
  await env?.teardown();
});

/** Skips server time to `iso` plus `slackMs`. */
async function skipTo(iso: string, slackMs = 60_000): Promise<void> {
  const gap = Date.parse(iso) + slackMs - (await env.currentTimeMs());
  if (gap > 0) await env.sleep(gap);
}

async function escalationsOf(caseId: string) {
  return h.db.sql<
    {
      obligation_id: string;
      rung: string;
      target_role: string;
      target_division_code: string;
      target_user_id: string | null;
      scheduled_at: Date;
      raised_at: Date;
      resolved_at: Date | null;
    }[]
  >`
    select obligation_id, rung, target_role, target_division_code, target_user_id, scheduled_at, raised_at, resolved_at
    from escalations where case_id = ${caseId} order by raised_at, rung`;
}

async function notificationsOf(caseId: string) {
  return h.db.sql<{ kind: string; recipient_role: string; recipient_division_code: string; recipient_user_id: string | null; body: string }[]>`
    select kind, recipient_role, recipient_division_code, recipient_user_id, body from notifications where case_id = ${caseId} order by created_at, kind`;
}

let villageSeq = 0;
let villages: string[] = [];
function nextVillage(): string {
  return villages[villageSeq++]!;
}

describe('plan deadline ladder', () => {
  test('reminder at T−3, township at T+1, org dept at T+5, standing committee at T+10; each once; RAG follows', async () => {
    const c = await h.cases.designate(org, { villageCode: nextVillage(), reasons: ['leadership_incomplete'], sponsorUserId: sponsor.id });
    const plan = c.obligations.find((o) => o.kind === 'plan')!;
    expect([plan.provisional, ...plan.rungs.map((r) => r.provisional)]).toEqual([false, false, false, false, false]);
    // 15 working days on the national calendar, the designation day not counted.
    const started = c.timeline.find((t) => t.action === 'planning_started')!;
    expect(plan.dueDate).toBe(addWorkingDays(calendar, beijingDate(started.at), 15).date);
    expect(plan.dueAt.toISOString()).toBe(endOfBeijingDay(plan.dueDate!));
    const rungAt = (rung: string) => plan.rungs.find((r) => r.rung === rung)!.at;

    // Nothing before the reminder instant.
    await skipTo(rungAt('reminder'), -3600_000);
    expect(await escalationsOf(c.id)).toHaveLength(0);

    await skipTo(rungAt('reminder'));
    const reminder = await eventually('reminder', async () => (await escalationsOf(c.id)).find((e) => e.rung === 'reminder'));
    expect(reminder.target_user_id).toBe(sponsor.id);
    expect(new Date(reminder.scheduled_at).toISOString()).toBe(new Date(rungAt('reminder')).toISOString());
    expect((await h.cases.get(org, c.id)).rag).toBe('yellow');

    await skipTo(rungAt('township_office'));
    const township = await eventually('township rung', async () => (await escalationsOf(c.id)).find((e) => e.rung === 'township_office'));
    expect(township.target_role).toBe('township_office');
    expect(township.target_division_code).toBe('522731001000');

    await skipTo(rungAt('org_dept'));
    const red = await eventually('org dept rung', async () => (await escalationsOf(c.id)).find((e) => e.rung === 'org_dept'));
    expect(red.target_division_code).toBe('522731000000');
    expect((await h.cases.get(org, c.id)).rag).toBe('red');

    await skipTo(rungAt('standing_committee'));
    await eventually('standing committee rung', async () => (await escalationsOf(c.id)).find((e) => e.rung === 'standing_committee'));

    // The rectification deadline (a year away) has its own ladder; only the plan's rungs fired.
    const all = await escalationsOf(c.id);
    expect(all.map((e) => e.rung)).toEqual(['reminder', 'township_office', 'org_dept', 'standing_committee']);
    expect(all.every((e) => e.obligation_id === plan.id)).toBe(true);
    expect(all.every((e) => e.resolved_at === null)).toBe(true);

    // Each recipient got each rung once.
    const notes = (await notificationsOf(c.id)).filter((n) => n.kind.startsWith('escalation.'));
    expect(notes.map((n) => `${n.kind}@${n.recipient_role}`)).toEqual([
      'escalation.reminder@sponsor',
      'escalation.township_office@township_office',
      'escalation.org_dept@org_dept',
      'escalation.standing_committee@org_dept',
    ]);
    // The notice names the due date as people read it, not as an instant.
    const [y, m, d] = plan.dueDate!.split('-').map(Number);
    expect(notes[0]!.body).toBe(`整顿方案将于${y}年${m}月${d}日到期，请按时完成。`);
    expect(notes[1]!.body).toContain(`已于${y}年${m}月${d}日到期仍未完成`);

    // Filing the plan late resolves every open escalation; they stay in history; the light turns green.
    const after = await h.cases.submitPlan(sponsor, c.id, {
      plan: { summary: '方案', issues: ['班子不健全'], measures: [{ measure: '选配书记', owner: '乡镇党委' }] },
    });
    expect(after.state).toBe('rectifying');
    expect(after.rag).toBe('green');
    const resolved = await escalationsOf(c.id);
    expect(resolved).toHaveLength(4);
    expect(resolved.every((e) => e.resolved_at !== null)).toBe(true);
    expect(after.submissions.find((s) => s.kind === 'plan')!.late).toBe(true);
  });

  test('scenario 10: a monthly report filed one day late stops at the first escalation rung', async () => {
    const c = await h.cases.designate(org, { villageCode: nextVillage(), reasons: ['rules_not_kept'], sponsorUserId: sponsor.id });
    const rectifying = await h.cases.submitPlan(sponsor, c.id, { plan: { summary: 's', issues: ['i'], measures: [{ measure: 'm', owner: 'o' }] } });
    const report = rectifying.obligations.find((o) => o.kind === 'monthly_report')!;
    // Calendar periods: the first report is for the current month, due 5 days after it ends.
    const planFiledAt = rectifying.timeline.find((t) => t.action === 'plan_submitted')!.at;
    const zoneMonth = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: '2-digit' }).format(planFiledAt).slice(0, 7);
    expect(report.key).toBe(zoneMonth);

    // A working day late: just past the township rung (T+1 working day, 09:00).
    const reportRung = (rung: string) => report.rungs.find((r) => r.rung === rung)!.at;
    await skipTo(reportRung('township_office'), 3600_000);
    await eventually('township rung', async () => (await escalationsOf(c.id)).find((e) => e.rung === 'township_office' && e.obligation_id === report.id));
    const filed = await h.cases.submitReport(sponsor, c.id, { period: report.key, report: { progress: '已完成班子调整' } });
    expect(filed.submissions.find((s) => s.kind === 'report')!.late).toBe(true);

    // Well past T+10: the red rungs never fire for this obligation.
    await skipTo(reportRung('standing_committee'), 2 * 24 * 3600_000);
    await eventually('next period opened', async () => (await h.cases.get(org, c.id)).obligations.filter((o) => o.kind === 'monthly_report').length >= 2);
    const rungs = (await escalationsOf(c.id)).filter((e) => e.obligation_id === report.id).map((e) => e.rung);
    expect(rungs).toEqual(['reminder', 'township_office']);
    expect((await escalationsOf(c.id)).filter((e) => e.obligation_id === report.id).every((e) => e.resolved_at)).toBe(true);
  });
});

describe('sponsor vacancy (scenario 9)', () => {
  test('obligations route to township office and org dept until a new sponsor is named', async () => {
    const c = await h.cases.designate(org, { villageCode: nextVillage(), reasons: ['secretary_unfit'], sponsorUserId: sponsor.id });
    const vacant = await h.cases.changeSponsor(org, c.id, { sponsorUserId: null, reason: '调任外县' });
    expect(vacant.sponsorUserId).toBeNull();
    const reassignment = vacant.obligations.find((o) => o.kind === 'sponsor_reassignment')!;
    expect(reassignment.responsible).toBe('org_dept');
    expect(reassignment.dueDate).toBe(addWorkingDays(calendar, beijingDate(vacant.timeline.at(-1)!.at), 10).date);

    // The plan reminder (T−3 of day 15) now goes to the township office and the org dept.
    const plan = vacant.obligations.find((o) => o.kind === 'plan')!;
    await skipTo(plan.rungs.find((r) => r.rung === 'reminder')!.at);
    await eventually('rerouted reminder', async () => {
      const notes = (await notificationsOf(c.id)).filter((n) => n.kind === 'escalation.reminder');
      return notes.length === 3 ? notes : undefined; // reassignment reminder (org dept) + plan reminder (township + org dept)
    });
    const planReminderTargets = (
      await h.db.sql<{ recipient_role: string; recipient_user_id: string | null }[]>`
      select n.recipient_role, n.recipient_user_id from notifications n join escalations e on e.id = n.escalation_id
      where e.obligation_id = ${plan.id} and e.rung = 'reminder'`
    )
      .map((r) => r.recipient_role)
      .sort();
    expect(planReminderTargets).toEqual(['org_dept', 'township_office']);

    // The township office may file for the case meanwhile; history and overdue counts stay with the case.
    const township = await h.addUser('township_office', '522731001');
    const filed = await h.cases.submitPlan(township, c.id, { plan: { summary: 's', issues: ['i'], measures: [{ measure: 'm', owner: 'o' }] } });
    expect(filed.state).toBe('rectifying');

    const newSponsor = await h.addUser('sponsor', '522731', '新包保领导');
    const named = await h.cases.changeSponsor(org, c.id, { sponsorUserId: newSponsor.id, reason: '县委研究确定' });
    expect(named.sponsorUserId).toBe(newSponsor.id);
    expect(named.obligations.find((o) => o.kind === 'sponsor_reassignment')!.status).toBe('satisfied');
    expect(await h.cases.get(newSponsor, c.id)).toBeTruthy();
    await expect(h.cases.get(sponsor, c.id)).rejects.toThrow(/not found/);
  });
});
