/**
 * The support package (包保责任体系) and 回头看 visits on the time-skipping server with the default
 * policy: a vacant post opens its reassignment obligation on the ladder and filling it closes it;
 * notices go to whoever holds a post at the time; the first secretary files the monthly report when
 * the policy says so; the paired department reports quarterly; a missing visit escalates, a
 * relapse-risk visit alerts the org dept, and the relapse can start from it.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startTimeSkippingEnv } from '../support/servers.js';
import { eventually, startHarness, type Harness, type TestUser } from '../support/harness.js';
import { yearRange } from '../support/test-calendar.js';
import { createPolicyVersion } from '../../db/queries/policies.js';
import { DEFAULT_POLICY } from '../../domain/policy.js';

let env: TestWorkflowEnvironment;
let h: Harness;
let org: TestUser;
let sponsor: TestUser;
let villages: string[] = [];
let villageSeq = 0;
const village = (): string => villages[villageSeq++]!;

const PLAN = { plan: { summary: '方案', issues: ['班子不健全'], measures: [{ measure: '选配书记', owner: '乡镇党委' }] } };

beforeAll(async () => {
  env = await startTimeSkippingEnv();
  h = await startHarness({ env });
  org = await h.addUser('org_dept', '522731');
  sponsor = await h.addUser('sponsor', '522731');
  villages = await h.villageCodes('522731001');
  const year = new Date(await env.currentTimeMs()).getUTCFullYear();
  await h.useCalendar(yearRange(year - 1, year + 2));
});
afterAll(async () => {
  await h?.close();
  await env?.teardown();
});

async function skipTo(iso: string | Date, slackMs = 60_000): Promise<void> {
  const gap = new Date(iso).getTime() + slackMs - (await env.currentTimeMs());
  if (gap > 0) await env.sleep(gap);
}

async function person(name: string, divisionCode = '522731001000'): Promise<string> {
  const [row] = await h.db.sql<{ id: string }[]>`insert into people (name, division_code) values (${name}, ${divisionCode}) returning id`;
  return row!.id;
}

/** A person with an account linked to them (users.person_id). */
async function personWithAccount(name: string): Promise<{ personId: string; user: TestUser }> {
  const personId = await person(name);
  const user = await h.addUser('township_office', '522731001', name, { personId });
  return { personId, user };
}

async function escalationsOf(caseId: string) {
  return h.db.sql<{ obligation_id: string; rung: string; target_role: string; target_user_id: string | null; resolved_at: Date | null }[]>`
    select obligation_id, rung, target_role, target_user_id, resolved_at from escalations where case_id = ${caseId} order by raised_at, rung`;
}

async function notificationsOf(caseId: string) {
  return h.db.sql<{ kind: string; recipient_role: string; recipient_user_id: string | null; body: string }[]>`
    select kind, recipient_role, recipient_user_id, body from notifications where case_id = ${caseId} order by created_at, kind`;
}

describe('posts and their reassignment obligations', () => {
  test('a post left vacant at designation climbs the ladder; filling it closes the obligation and resolves its escalations', async () => {
    const cadre = await person('包村干部甲');
    const secretary = await personWithAccount('第一书记甲');
    const c = await h.cases.designate(org, {
      villageCode: village(),
      reasons: ['leadership_incomplete'],
      sponsorUserId: sponsor.id,
      supportPackage: { townshipCadrePersonId: cadre, firstSecretaryPersonId: secretary.personId },
    });
    expect(c.supportPackage.townshipCadre).toMatchObject({ vacant: false, holders: [{ personId: cadre, name: '包村干部甲' }] });
    expect(c.supportPackage.firstSecretary.holders[0]!.personId).toBe(secretary.personId);
    expect(c.supportPackage.pairedDepartment.vacant).toBe(true);
    const vacancy = c.obligations.find((o) => o.kind === 'support_reassignment')!;
    expect(vacancy).toMatchObject({ key: 'paired_department:0', responsible: 'org_dept', status: 'open' });
    // Only the vacant single post owes a reassignment (the work team may be empty).
    expect(c.obligations.filter((o) => o.kind === 'support_reassignment')).toHaveLength(1);

    const rungAt = (rung: string) => vacancy.rungs.find((r) => r.rung === rung)!.at;
    await skipTo(rungAt('org_dept'));
    await eventually('org dept rung', async () => (await escalationsOf(c.id)).find((e) => e.obligation_id === vacancy.id && e.rung === 'org_dept'));
    expect((await escalationsOf(c.id)).filter((e) => e.obligation_id === vacancy.id).map((e) => `${e.rung}@${e.target_role}`)).toEqual([
      'reminder@org_dept',
      'township_office@township_office',
      'org_dept@org_dept',
    ]);
    const notes = (await notificationsOf(c.id)).filter((n) => n.kind === 'escalation.reminder');
    expect(notes.some((n) => n.body.includes('明确结对帮扶单位将于'))).toBe(true);

    const filled = await h.cases.changeSupportMember(org, c.id, { post: 'paired_department', department: { name: '县财政局' }, reason: '县委研究确定' });
    expect(filled.obligations.find((o) => o.id === vacancy.id)!.status).toBe('satisfied');
    expect((await escalationsOf(c.id)).filter((e) => e.obligation_id === vacancy.id).every((e) => e.resolved_at !== null)).toBe(true);
    expect(filled.supportPackage.pairedDepartment).toMatchObject({ vacant: false, holders: [{ departmentName: '县财政局', personId: null }] });
    // The paired department's quarterly report is now owed.
    expect(filled.obligations.find((o) => o.kind === 'support_measures_report')).toMatchObject({ key: 'Q1', responsible: 'paired_department' });
    expect(filled.timeline.at(-1)).toMatchObject({
      action: 'support_member_changed',
      actorUserId: org.id,
      details: { post: 'paired_department', reason: '县委研究确定' },
    });

    // The first secretary leaves: a new reassignment obligation; naming another closes it; history kept.
    const vacated = await h.cases.changeSupportMember(org, c.id, { post: 'first_secretary', personId: null, reason: '调回原单位' });
    const second = vacated.obligations.find((o) => o.kind === 'support_reassignment' && o.status === 'open')!;
    expect(second.key).toMatch(/^first_secretary:/);
    expect(vacated.supportPackage.firstSecretary.vacant).toBe(true);
    expect((await notificationsOf(c.id)).filter((n) => n.kind === 'support.vacant').map((n) => n.recipient_role)).toEqual(['township_office', 'org_dept']);
    const next = await personWithAccount('第一书记乙');
    const refilled = await h.cases.changeSupportMember(org, c.id, { post: 'first_secretary', personId: next.personId, reason: '选派' });
    expect(refilled.obligations.find((o) => o.id === second.id)!.status).toBe('satisfied');
    expect(refilled.supportHistory.filter((t) => t.post === 'first_secretary').map((t) => [t.personId, t.endedAt === null])).toEqual([
      [secretary.personId, false],
      [next.personId, true],
    ]);
    // The assignment notice went to the new holder's own account.
    expect((await notificationsOf(c.id)).filter((n) => n.kind === 'support.assigned').map((n) => n.recipient_user_id)).toContain(next.user.id);
  });

  test('the paired department’s quarterly report reminds whoever is its contact at the time, and the contact may file it', async () => {
    const first = await personWithAccount('联系人甲');
    const second = await personWithAccount('联系人乙');
    const c = await h.cases.designate(org, {
      villageCode: village(),
      reasons: ['poor_service'],
      sponsorUserId: sponsor.id,
      supportPackage: { pairedDepartment: { name: '县农业农村局', contactPersonId: first.personId } },
    });
    const report = c.obligations.find((o) => o.kind === 'support_measures_report')!;
    expect(report).toMatchObject({ key: 'Q1', responsible: 'paired_department' });
    // The contact changes before the reminder: the reminder goes to the new contact.
    await h.cases.changeSupportMember(org, c.id, {
      post: 'paired_department',
      department: { name: '县农业农村局', contactPersonId: second.personId },
      reason: '人事调整',
    });
    await skipTo(report.rungs.find((r) => r.rung === 'reminder')!.at);
    const reminder = await eventually('reminder', async () => (await escalationsOf(c.id)).find((e) => e.obligation_id === report.id && e.rung === 'reminder'));
    expect(reminder.target_user_id).toBe(second.user.id);
    // A sponsor who is not the contact may not file it; the present contact files with their own account.
    await expect(h.cases.submitSupportReport(sponsor, c.id, { measures: 'x' })).rejects.toMatchObject({ statusCode: 403 });
    const filed = await h.cases.submitSupportReport(second.user, c.id, { measures: '落实帮扶资金20万元' });
    expect(filed.obligations.find((o) => o.id === report.id)!.status).toBe('satisfied');
    expect(filed.submissions.find((s) => s.kind === 'support_report')).toMatchObject({ key: 'Q1', content: { measures: '落实帮扶资金20万元' } });
  });
});

describe('the first secretary files the monthly report when the policy says so', () => {
  test('the report is owed by the first secretary, reminds their account, and only they (or an office while vacant) file it', async () => {
    const policy = await createPolicyVersion(h.db.db, org, {
      jurisdictionCode: '522731000000',
      name: 'first-secretary-reports',
      body: { ...DEFAULT_POLICY, supportPackage: { monthlyReportBy: 'first_secretary' } },
    });
    const secretary = await personWithAccount('第一书记丙');
    const c = await h.cases.designate(org, {
      villageCode: village(),
      reasons: ['poor_service'],
      sponsorUserId: sponsor.id,
      policyId: policy.id,
      supportPackage: { firstSecretaryPersonId: secretary.personId },
    });
    const rectifying = await h.cases.submitPlan(sponsor, c.id, PLAN);
    const report = rectifying.obligations.find((o) => o.kind === 'monthly_report')!;
    expect(report.responsible).toBe('first_secretary');
    await skipTo(report.rungs.find((r) => r.rung === 'reminder')!.at);
    const reminder = await eventually('reminder', async () => (await escalationsOf(c.id)).find((e) => e.obligation_id === report.id && e.rung === 'reminder'));
    expect(reminder.target_user_id).toBe(secretary.user.id);

    await expect(h.cases.submitReport(sponsor, c.id, { period: report.key, report: { progress: 'x' } })).rejects.toMatchObject({ statusCode: 403 });
    const filed = await h.cases.submitReport(secretary.user, c.id, { period: report.key, report: { progress: '推进中' } });
    expect(filed.obligations.find((o) => o.id === report.id)!.status).toBe('satisfied');
    expect(filed.submissions.find((s) => s.kind === 'report')!.submittedBy).toBe(secretary.user.id);
  });
});

describe('回头看 visits', () => {
  test('a missing quarterly visit climbs the ladder; a relapse-risk visit alerts the org dept; the relapse starts from it', async () => {
    const c = await h.cases.designate(org, { villageCode: village(), reasons: ['poor_service'], sponsorUserId: sponsor.id });
    await h.cases.submitPlan(sponsor, c.id, PLAN);
    await h.cases.requestAcceptance(sponsor, c.id, { summary: '完成' });
    const followUp = await h.cases.reviewAcceptance(org, c.id, { score: 85, representativesTotal: 20, representativesDissatisfied: 2 });
    expect(followUp.state).toBe('follow_up');
    const visit = followUp.obligations.find((o) => o.kind === 'follow_up_visit')!;
    expect(visit).toMatchObject({ key: 'V1', responsible: 'township_office', status: 'open' });

    await skipTo(visit.rungs.find((r) => r.rung === 'org_dept')!.at);
    await eventually('org dept rung', async () => (await escalationsOf(c.id)).find((e) => e.obligation_id === visit.id && e.rung === 'org_dept'));
    expect((await escalationsOf(c.id)).filter((e) => e.obligation_id === visit.id).map((e) => `${e.rung}@${e.target_role}`)).toEqual([
      'reminder@township_office',
      'township_office@township_office',
      'org_dept@org_dept',
    ]);
    // The next quarter's visit opened when the first ended.
    const later = await h.cases.get(org, c.id);
    expect(later.obligations.find((o) => o.kind === 'follow_up_visit' && o.key === 'V2')?.status).toBe('open');

    const township = await h.addUser('township_office', '522731001');
    const visited = await h.cases.recordVisit(township, c.id, {
      visitedOn: new Date(await env.currentTimeMs()).toISOString().slice(0, 10),
      visitors: ['乡镇组织委员'],
      visitorPersonIds: [],
      findings: '书记长期外出，班子不团结',
      risk: 'relapse_risk',
    });
    expect(visited.obligations.find((o) => o.id === visit.id)!.status).toBe('satisfied');
    const record = visited.submissions.find((s) => s.kind === 'follow_up_visit')!;
    expect(record).toMatchObject({ late: true, content: { risk: 'relapse_risk', period: 'V1' } });
    const alerts = (await notificationsOf(c.id)).filter((n) => n.kind === 'visit.relapse_risk');
    expect(alerts.map((n) => n.recipient_role)).toEqual(expect.arrayContaining(['org_dept']));

    await expect(h.cases.relapse(org, c.id, { reasons: ['poor_service'], visitId: 'visit-999' })).rejects.toMatchObject({
      statusCode: 400,
      details: { field: 'visitId' },
    });
    const relapsed = await h.cases.relapse(org, c.id, { reasons: ['secretary_unfit'], visitId: record.key });
    expect(relapsed.state).toBe('relapsed');
    expect(relapsed.timeline.find((t) => t.action === 'relapsed')).toMatchObject({
      details: { visitId: record.key, note: '书记长期外出，班子不团结' },
    });
    expect(relapsed.successorCaseId).not.toBeNull();
  });
});
