/**
 * Every statistic against numbers worked out by hand on small fixtures (written straight into a
 * fresh database, divisions of 黔南州 5227):
 * - scenario 4 (惠水县): 14 designated in 2025, 11 delisted (9 on time), 2 failed, 1 merged →
 *   conversion 11/13 = 84.6%, on time 9/13 = 69.2%, designation rate 14/216 = 6.5%; the same cohort
 *   as of 30 Sept; relapse within 12 months (cohort 2023: 1 of 3);
 * - time to delisting (龙里县): a Kaplan–Meier curve with censoring, median 60 days;
 * - deadlines (三都县): overdue rate per month with an exemption apart, report timeliness, open
 *   escalations by rung, the most overdue cases (罗甸县: the top ten of twelve);
 * - scoping: other jurisdictions answer 404, sponsors see their own cases only.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createDb, type DbHandle } from '../../db/client.js';
import { importDivisions } from '../../db/seed/import-divisions.js';
import { createUser } from '../../db/queries/users.js';
import { findDivision } from '../../db/queries/stats/scope.js';
import { townshipOf } from '../../domain/divisions.js';
import { createStatsService, type StatsService } from '../../services/stats.js';
import type { AuthUser, Role } from '../../domain/roles.js';
import { testDatabaseUrl, type TestDatabase } from '../support/servers.js';
import { Fixtures, cn } from './fixtures.js';

let database: TestDatabase;
let h: DbHandle;
let stats: StatsService;
let fx: Fixtures;
const u: Record<string, AuthUser> = {};

const DAY = 86_400_000;
const END_2025 = cn('2025-12-31 23:59:59');

async function villages(prefix: string): Promise<string[]> {
  const rows = await h.sql<{ code: string }[]>`select code from divisions where level = 'village' and code like ${prefix + '%'} order by code`;
  return rows.map((r) => r.code);
}

async function user(role: Role, jurisdictionCode: string, name: string): Promise<AuthUser> {
  const { user: created } = await createUser(h.db, { name, role, jurisdictionCode, actor: { actorLabel: 'test' } });
  return { id: created.id, name: created.name, role: created.role, jurisdictionCode: created.jurisdictionCode };
}

beforeAll(async () => {
  database = await testDatabaseUrl();
  h = createDb(database.url, { max: 4 });
  await importDivisions(h.sql, '5227');
  stats = createStatsService({ db: h.db });
  u.county = await user('org_dept', '522731', '惠水县委组织部');
  u.prefecture = await user('org_dept', '5227', '黔南州委组织部');
  u.pingtang = await user('org_dept', '522727', '平塘县委组织部');
  u.township = await user('township_office', '522731001', '涟江街道党工委');
  u.sponsor = await user('sponsor', '522731', '包保领导甲');
  u.sponsor2 = await user('sponsor', '522732', '包保领导乙');
  fx = new Fixtures(h.sql, u.county.id);

  // --- Scenario 4: 惠水县, cohort 2025 --------------------------------------------------------------
  const vA = await villages('522731001'); // 涟江街道, 25 villages
  const vB = await villages('522731002'); // 濛江街道, 27 villages
  const due = cn('2025-12-20');
  const req = (at: string, reviewedAt: string) => ({ at: cn(at), reviewedAt: cn(reviewedAt) });
  await fx.delisted(vA[0]!, cn('2025-02-10'), due, [req('2025-09-01', '2025-10-15')], { sponsorUserId: u.sponsor.id }); // c1 on time
  await fx.delisted(vA[1]!, cn('2025-02-10'), due, [req('2025-08-01', '2025-09-10')]); // c2 on time
  await fx.delisted(vA[2]!, cn('2025-03-01'), due, [req('2025-10-01', '2025-11-01')]); // c3 on time
  await fx.delisted(vA[3]!, cn('2025-03-01'), due, [req('2025-11-01', '2025-12-01')]); // c4 on time
  // c5: failed once, passed on a second request still before the original deadline: on time.
  await fx.delisted(vA[4]!, cn('2025-02-01'), due, [req('2025-06-01', '2025-06-20'), req('2025-09-01', '2025-09-25')]);
  await fx.delisted(vA[5]!, cn('2025-02-01'), due, [req('2025-12-25', '2025-12-28')]); // c6 late
  await fx.delisted(vA[6]!, cn('2025-02-01'), due, [req('2025-11-01', '2025-11-15'), req('2025-12-22', '2025-12-30')]); // c7 late
  await fx.case({ village: vA[7]!, state: 'cancelled', designatedAt: cn('2025-03-01'), closedAt: cn('2025-05-01'), cancelReason: '村撤并' }, [
    { kind: 'plan', key: '1', dueAt: cn('2025-03-20'), status: 'cancelled', closedAt: cn('2025-05-01') },
    { kind: 'rectification', key: '1', dueAt: due, status: 'cancelled', closedAt: cn('2025-05-01') },
  ]); // c8 merged
  await fx.delisted(vB[0]!, cn('2025-01-15'), due, [req('2025-07-01', '2025-08-01')], { sponsorUserId: u.sponsor.id }); // c9
  await fx.delisted(vB[1]!, cn('2025-01-15'), due, [req('2025-07-15', '2025-08-15')]); // c10
  await fx.delisted(vB[2]!, cn('2025-03-10'), due, [req('2025-10-10', '2025-11-20')]); // c11
  const c12 = await fx.case({ village: vB[3]!, state: 'rectifying', designatedAt: cn('2025-02-01'), acceptanceAttempts: 1 }, [
    { kind: 'rectification', key: '1', dueAt: due, status: 'satisfied', closedAt: cn('2025-10-01') },
    { kind: 'rectification', key: '2', dueAt: cn('2026-01-20'), status: 'open' },
  ]);
  await fx.review(c12, 1, false, cn('2025-10-20')); // c12 failed
  const c13 = await fx.case({ village: vB[4]!, state: 'acceptance_pending', designatedAt: cn('2025-02-01'), acceptanceAttempts: 2 }, [
    { kind: 'rectification', key: '1', dueAt: due, status: 'satisfied', closedAt: cn('2025-09-01') },
    { kind: 'rectification', key: '2', dueAt: cn('2025-12-15'), status: 'satisfied', closedAt: cn('2025-12-10') },
    { kind: 'acceptance_review', key: '2', dueAt: cn('2026-01-10'), status: 'open' },
  ]);
  await fx.review(c13, 1, false, cn('2025-09-15')); // c13 failed, re-requested, review pending
  await fx.delisted(vB[5]!, cn('2025-01-10'), due, [req('2025-06-01', '2025-06-30')]); // c14

  // Cohort 2023 in 涟江街道: relapse within 12 months (r1), after 13½ months (r3, not counted), a cancellation.
  const due23 = cn('2023-12-20');
  const r1 = await fx.delisted(vA[10]!, cn('2023-03-01'), due23, [req('2023-09-01', '2023-10-01')], { state: 'relapsed', closedAt: cn('2024-05-01') });
  await fx.delisted(vA[11]!, cn('2023-03-01'), due23, [req('2023-10-01', '2023-11-01')], { state: 'closed', closedAt: cn('2024-11-01') });
  await fx.delisted(vA[12]!, cn('2023-04-01'), due23, [req('2023-11-01', '2023-12-01')], { state: 'relapsed', closedAt: cn('2025-01-15') });
  await fx.case({ village: vA[13]!, state: 'cancelled', designatedAt: cn('2023-02-01'), closedAt: cn('2023-06-01'), cancelReason: '误定' });
  // r1's new case (cohort 2024), still rectifying.
  await fx.case({ village: vA[10]!, state: 'rectifying', designatedAt: cn('2024-05-01'), parentCaseId: r1 }, [
    { kind: 'rectification', key: '1', dueAt: cn('2025-04-30'), status: 'open' },
  ]);
  // 平塘县: one case, delisted on time (for the prefecture view and scoping).
  const vP = await villages('522727001');
  await fx.delisted(vP[0]!, cn('2025-02-01'), due, [req('2025-08-01', '2025-09-01')]);

  // --- Time to delisting: 龙里县 ------------------------------------------------------------------------
  const vL1 = await villages('522730100'); // 龙山镇
  const vL2 = await villages('522730102'); // 醒狮镇
  const d0 = cn('2024-03-01');
  const after = (days: number, hours = 0) => new Date(d0.getTime() + days * DAY + hours * 3_600_000);
  await fx.case({ village: vL1[0]!, state: 'follow_up', designatedAt: d0, delistedAt: after(30, 5) }); // event at 30
  await fx.case({ village: vL1[1]!, state: 'cancelled', designatedAt: d0, closedAt: after(45) }); // censored at 45
  await fx.case({ village: vL1[2]!, state: 'follow_up', designatedAt: d0, delistedAt: after(60) }); // event at 60
  await fx.case({ village: vL2[0]!, state: 'follow_up', designatedAt: d0, delistedAt: after(60, 23) }); // event at 60
  await fx.case({ village: vL2[1]!, state: 'rectifying', designatedAt: cn('2024-12-01') }); // censored at asOf: 31
  await fx.case({ village: vL2[2]!, state: 'closed', designatedAt: d0, delistedAt: after(120), closedAt: after(485) }); // event at 120

  // --- Deadlines: 三都县 ---------------------------------------------------------------------------------
  const vS1 = await villages('522732001'); // 三合街道
  const vS2 = await villages('522732111'); // 大河镇
  const d1 = await fx.case({ village: vS1[0]!, state: 'rectifying', designatedAt: cn('2024-12-01'), sponsorUserId: u.sponsor2.id });
  await fx.obligation(d1, { kind: 'plan', key: '1', dueAt: cn('2025-01-10 12:00'), status: 'satisfied', closedAt: cn('2025-01-08 12:00') });
  await fx.obligation(d1, { kind: 'monthly_report', key: '2025-01', dueAt: cn('2025-02-07 12:00'), status: 'satisfied', closedAt: cn('2025-02-06 12:00') });
  const d1m2 = await fx.obligation(d1, {
    kind: 'monthly_report',
    key: '2025-02',
    dueAt: cn('2025-03-07 12:00'),
    status: 'satisfied',
    closedAt: cn('2025-03-10 12:00'),
  });
  const d1m3 = await fx.obligation(d1, { kind: 'monthly_report', key: '2025-03', dueAt: cn('2025-04-08 12:00'), status: 'open' });
  await fx.obligation(d1, { kind: 'rectification', key: '1', dueAt: cn('2025-12-20'), status: 'open' });
  const d2 = await fx.case({ village: vS1[1]!, state: 'rectifying', designatedAt: cn('2024-12-01') });
  await fx.obligation(d2, { kind: 'plan', key: '1', dueAt: cn('2025-01-10 12:00'), status: 'satisfied', closedAt: cn('2025-02-03 12:00') });
  await fx.obligation(d2, { kind: 'monthly_report', key: '2025-01', dueAt: cn('2025-02-07 12:00'), status: 'cancelled', closedAt: cn('2025-02-01 12:00') });
  const d2m2 = await fx.obligation(d2, {
    kind: 'monthly_report',
    key: '2025-02',
    dueAt: cn('2025-03-07 12:00'),
    status: 'open',
    exemptedAt: cn('2025-03-20 12:00'),
  });
  await fx.obligation(d2, { kind: 'monthly_report', key: '2025-03', dueAt: cn('2025-04-08 12:00'), status: 'satisfied', closedAt: cn('2025-04-08 09:00') });
  const d3 = await fx.case({ village: vS2[0]!, state: 'acceptance_pending', designatedAt: cn('2024-12-01') });
  await fx.obligation(d3, { kind: 'plan', key: '1', dueAt: cn('2025-01-10 12:00'), status: 'satisfied', closedAt: cn('2025-01-09 12:00') });
  const d3m1 = await fx.obligation(d3, {
    kind: 'monthly_report',
    key: '2025-01',
    dueAt: cn('2025-02-07 12:00'),
    status: 'cancelled',
    closedAt: cn('2025-02-20 12:00'),
  });
  const d3a = await fx.obligation(d3, {
    kind: 'acceptance_review',
    key: '1',
    dueAt: cn('2025-03-15 12:00'),
    status: 'satisfied',
    closedAt: cn('2025-04-01 12:00'),
  });
  await fx.obligation(d3, { kind: 'monthly_report', key: '2025-03', dueAt: cn('2025-04-20 12:00'), status: 'open' });
  await fx.escalation(d1, d1m3, 'reminder', cn('2025-04-05 09:00'));
  await fx.escalation(d1, d1m3, 'township_office', cn('2025-04-09 09:00'));
  await fx.escalation(d1, d1m2, 'reminder', cn('2025-03-04'), cn('2025-03-10 12:00'));
  await fx.escalation(d1, d1m2, 'township_office', cn('2025-03-08'), cn('2025-03-10 12:00'));
  await fx.escalation(d3, d3a, 'org_dept', cn('2025-03-22'), cn('2025-04-01 12:00'));
  await fx.escalation(d3, d3m1, 'org_dept', cn('2025-02-14'), cn('2025-02-20 12:00'));
  await fx.escalation(d2, d2m2, 'township_office', cn('2025-03-08'));
  await fx.escalation(d2, d2m2, 'standing_committee', cn('2025-04-16')); // after asOf

  // --- The ten most overdue: 罗甸县, twelve cases with one open report each (e1 also an old plan). ---
  const vR = await villages('522728');
  for (let i = 1; i <= 12; i++) {
    const id = await fx.case({ village: vR[i - 1]!, state: 'rectifying', designatedAt: cn('2024-12-01'), rag: 'red' });
    await fx.obligation(id, { kind: 'monthly_report', key: '2025-02', dueAt: cn(`2025-03-${String(1 + i).padStart(2, '0')} 12:00`), status: 'open' });
    if (i === 1) await fx.obligation(id, { kind: 'plan', key: '1', dueAt: cn('2025-02-01 12:00'), status: 'open' });
  }
});

afterAll(async () => {
  await h?.close();
  await database?.drop();
});

describe('conversion by cohort (scenario 4)', () => {
  test('惠水县 by township: 14 designated in 2025, 11 delisted, 9 on time, 2 failed, 1 merged → 84.6%', async () => {
    const r = await stats.conversion(u.county!, { asOf: END_2025, fromYear: 2023, toYear: 2025 });
    expect(r.division).toMatchObject({ code: '522731000000', name: '惠水县', level: 'county' });
    expect(r.groupBy).toBe('township');
    const t2025 = r.totals.find((t) => t.cohort === 2025)!;
    expect(t2025).toMatchObject({
      villages: 216,
      designated: 14,
      cancelled: 1,
      delisted: 11,
      onTimeDelisted: 9,
      failed: 2,
      inProgress: 0,
      relapsed: 0,
      designationRate: 0.0648, // 14/216
      conversionRate: 0.8462, // 11/13
      onTimeConversionRate: 0.6923, // 9/13
      relapseRate: 0, // 0/11
    });
    const t2023 = r.totals.find((t) => t.cohort === 2023)!;
    expect(t2023).toMatchObject({ designated: 4, cancelled: 1, delisted: 3, onTimeDelisted: 3, relapsed: 1, conversionRate: 1, relapseRate: 0.3333 });
    const t2024 = r.totals.find((t) => t.cohort === 2024)!;
    expect(t2024).toMatchObject({ designated: 1, delisted: 0, inProgress: 1, conversionRate: 0, relapseRate: null });

    // Every township of the county is listed (11), for every cohort (3).
    expect(r.rows).toHaveLength(33);
    const lianjiang = r.rows.find((x) => x.code === '522731001000' && x.cohort === 2025)!;
    expect(lianjiang).toMatchObject({
      name: '涟江街道',
      villages: 25,
      designated: 8,
      cancelled: 1,
      delisted: 7,
      onTimeDelisted: 5,
      failed: 0,
      designationRate: 0.32,
      conversionRate: 1,
      onTimeConversionRate: 0.7143,
    });
    const mengjiang = r.rows.find((x) => x.code === '522731002000' && x.cohort === 2025)!;
    expect(mengjiang).toMatchObject({
      villages: 27,
      designated: 6,
      cancelled: 0,
      delisted: 4,
      onTimeDelisted: 4,
      failed: 2,
      designationRate: 0.2222,
      conversionRate: 0.6667,
    });
    const empty = r.rows.find((x) => x.code === '522731109000' && x.cohort === 2025)!;
    expect(empty).toMatchObject({ designated: 0, conversionRate: null, villages: 12 });
  });

  test('as of 30 September: 5 delisted, 1 failed, 7 in progress → 5/13 = 38.5%', async () => {
    const r = await stats.conversion(u.county!, { asOf: cn('2025-09-30 23:59:59'), fromYear: 2025, toYear: 2025 });
    expect(r.totals).toEqual([
      expect.objectContaining({ cohort: 2025, designated: 14, cancelled: 1, delisted: 5, onTimeDelisted: 5, failed: 1, inProgress: 7, conversionRate: 0.3846 }),
    ]);
  });

  test('the prefecture by county; a county sees itself only; a township its own cases', async () => {
    const r = await stats.conversion(u.prefecture!, { asOf: END_2025, fromYear: 2025, toYear: 2025 });
    expect(r.groupBy).toBe('county');
    expect(r.rows).toHaveLength(12);
    expect(r.rows.find((x) => x.code === '522727000000')).toMatchObject({ designated: 1, delisted: 1, onTimeDelisted: 1, conversionRate: 1 });
    // 15 designated, 1 cancelled, 12 delisted (10 on time) in 1,464 villages.
    expect(r.totals[0]).toMatchObject({
      villages: 1464,
      designated: 15,
      cancelled: 1,
      delisted: 12,
      onTimeDelisted: 10,
      conversionRate: 0.8571,
      designationRate: 0.0102,
    });

    await expect(stats.conversion(u.pingtang!, { division: '522731' })).rejects.toMatchObject({ statusCode: 404 });
    await expect(stats.conversion(u.county!, { division: '522799' })).rejects.toMatchObject({ statusCode: 404 });
    await expect(stats.conversion(u.county!, { division: '5227' })).rejects.toMatchObject({ statusCode: 404 });
    await expect(stats.conversion(u.county!, { groupBy: 'prefecture' })).rejects.toMatchObject({ statusCode: 400 });

    const t = await stats.conversion(u.township!, { asOf: END_2025, fromYear: 2025, toYear: 2025 });
    expect(t.groupBy).toBe('village');
    expect(t.totals[0]).toMatchObject({ villages: 25, designated: 8, delisted: 7, cancelled: 1 });
    expect(t.rows).toHaveLength(8); // the villages with cases
  });

  test('a sponsor counts their own cases only, and may not read people statistics', async () => {
    const r = await stats.conversion(u.sponsor!, { asOf: END_2025, fromYear: 2025, toYear: 2025 });
    expect(r.scope).toBe('own_cases');
    expect(r.totals[0]).toMatchObject({ designated: 2, delisted: 2, onTimeDelisted: 2, conversionRate: 1 });
    await expect(stats.reserves(u.sponsor!, {})).rejects.toMatchObject({ statusCode: 403 });
    await expect(stats.structure(u.sponsor!, {})).rejects.toMatchObject({ statusCode: 403 });
  });
});

describe('time to delisting (Kaplan–Meier)', () => {
  test('龙里县: 30 D, 31 C, 45 C, 60 D D, 120 D → S = 5/6, 5/6, 5/6, 5/18, 0; median 60 days', async () => {
    const r = await stats.timeToDelisting(u.prefecture!, { division: '522730', asOf: cn('2025-01-01'), fromYear: 2024, toYear: 2024 });
    expect(r.overall).toMatchObject({ cases: 6, delisted: 4, censored: 2, medianDays: 60 });
    expect(r.overall.points).toEqual([
      { days: 30, atRisk: 6, events: 1, censored: 0, survival: 0.8333 },
      { days: 31, atRisk: 5, events: 0, censored: 1, survival: 0.8333 },
      { days: 45, atRisk: 4, events: 0, censored: 1, survival: 0.8333 },
      { days: 60, atRisk: 3, events: 2, censored: 0, survival: 0.2778 },
      { days: 120, atRisk: 1, events: 1, censored: 0, survival: 0 },
    ]);
    const longshan = r.groups.find((g) => g.code === '522730100000')!;
    expect(longshan).toMatchObject({ name: '龙山镇', cases: 3, medianDays: 60 });
    expect(longshan.points.map((p) => [p.days, p.atRisk, p.survival])).toEqual([
      [30, 3, 0.6667],
      [45, 2, 0.6667],
      [60, 1, 0],
    ]);
    const xingshi = r.groups.find((g) => g.code === '522730102000')!;
    expect(xingshi.points.map((p) => [p.days, p.atRisk, p.survival])).toEqual([
      [31, 3, 1],
      [60, 2, 0.5],
      [120, 1, 0],
    ]);
    expect(xingshi.medianDays).toBe(60);
  });

  test('before anything is delisted, the median is not reached', async () => {
    const r = await stats.timeToDelisting(u.prefecture!, { division: '522730', asOf: cn('2024-03-20'), fromYear: 2024, toYear: 2024 });
    expect(r.overall).toMatchObject({ cases: 5, delisted: 0, censored: 5, medianDays: null });
  });
});

describe('deadlines (三都县, as of 15 April 2025 noon)', () => {
  const asOf = cn('2025-04-15 12:00');
  const q = { division: '522732', asOf, from: '2025-01-01', to: '2025-04-30' };

  test('overdue rate per month; the exemption is shown apart and left out of the rate', async () => {
    const r = await stats.overdue(u.prefecture!, q);
    const pick = ({ period, due, metOnTime, metLate, overdue, exempted, overdueRate }: (typeof r.totals)[number]) => ({
      period,
      due,
      metOnTime,
      metLate,
      overdue,
      exempted,
      overdueRate,
    });
    expect(r.totals.map(pick)).toEqual([
      { period: '2025-01', due: 3, metOnTime: 2, metLate: 0, overdue: 1, exempted: 0, overdueRate: 0.3333 },
      { period: '2025-02', due: 2, metOnTime: 1, metLate: 0, overdue: 1, exempted: 0, overdueRate: 0.5 },
      { period: '2025-03', due: 3, metOnTime: 0, metLate: 1, overdue: 1, exempted: 1, overdueRate: 0.5 },
      { period: '2025-04', due: 2, metOnTime: 1, metLate: 0, overdue: 1, exempted: 0, overdueRate: 0.5 },
    ]);
    expect(r.totals[3]!.cutoff).toBe(asOf.toISOString());
    expect(r.rows.map((x) => [x.period, x.name, x.due, x.overdue, x.exempted, x.overdueRate])).toEqual([
      ['2025-01', '三合街道', 2, 1, 0, 0.5],
      ['2025-01', '大河镇', 1, 0, 0, 0],
      ['2025-02', '三合街道', 1, 0, 0, 0],
      ['2025-02', '大河镇', 1, 1, 0, 1],
      ['2025-03', '三合街道', 2, 0, 1, 0],
      ['2025-03', '大河镇', 1, 1, 0, 1],
      ['2025-04', '三合街道', 2, 1, 0, 0.5],
    ]);
  });

  test('monthly report timeliness', async () => {
    const r = await stats.reportTimeliness(u.prefecture!, q);
    expect(
      r.totals.map(({ period, expected, onTime, late, missing, exempted, timeliness }) => ({ period, expected, onTime, late, missing, exempted, timeliness })),
    ).toEqual([
      { period: '2025-01', expected: 0, onTime: 0, late: 0, missing: 0, exempted: 0, timeliness: null },
      { period: '2025-02', expected: 2, onTime: 1, late: 0, missing: 1, exempted: 0, timeliness: 0.5 },
      { period: '2025-03', expected: 1, onTime: 0, late: 1, missing: 0, exempted: 1, timeliness: 0 },
      { period: '2025-04', expected: 2, onTime: 1, late: 0, missing: 1, exempted: 0, timeliness: 0.5 },
    ]);
  });

  test('open escalations by rung (resolved ones and those raised after asOf do not count)', async () => {
    const r = await stats.escalations(u.prefecture!, { division: '522732', asOf });
    expect(r.totals).toMatchObject({ reminder: 1, township_office: 2, org_dept: 0, standing_committee: 0, total: 3 });
    expect(r.rows).toEqual([{ code: '522732001000', name: '三合街道', reminder: 1, township_office: 2, org_dept: 0, standing_committee: 0, total: 3 }]);
    const later = await stats.escalations(u.prefecture!, { division: '522732', asOf: cn('2025-04-20') });
    expect(later.totals).toMatchObject({ township_office: 2, standing_committee: 1, total: 4 });
  });

  test('most overdue: an exempted obligation is not overdue; days counted to asOf', async () => {
    const r = await stats.mostOverdue(u.prefecture!, { division: '522732', asOf });
    expect(r.items).toEqual([
      expect.objectContaining({
        rank: 1,
        villageName: expect.any(String),
        townshipName: '三合街道',
        countyName: '三都水族自治县',
        sponsorName: '包保领导乙',
        obligationKind: 'monthly_report',
        obligationKey: '2025-03',
        daysOverdue: 7,
        overdueObligations: 1,
        highestRung: 'township_office',
      }),
    ]);
  });

  test('the ten most overdue of twelve (罗甸县), worst first', async () => {
    const r = await stats.mostOverdue(u.prefecture!, { division: '522728', asOf });
    expect(r.items).toHaveLength(10);
    expect(r.items.map((i) => i.daysOverdue)).toEqual([73, 43, 42, 41, 40, 39, 38, 37, 36, 35]);
    expect(r.items[0]).toMatchObject({ obligationKind: 'plan', overdueObligations: 2, highestRung: null, rag: 'red' });
  });

  test('a sponsor’s deadlines cover their own case only', async () => {
    const r = await stats.overdue(u.sponsor2!, q);
    expect(r.totals.map((t) => [t.period, t.due, t.overdue])).toEqual([
      ['2025-01', 1, 0],
      ['2025-02', 1, 0],
      ['2025-03', 1, 0],
      ['2025-04', 1, 1],
    ]);
  });
});

describe('the reserve and mentoring processes (独山县)', () => {
  // Reserves: the process's candidates and the imported pool, each reserve counted once.
  //   v0: 2 candidates in pool (in_pool, in_training)            → 2 in pool: at target
  //   v1: 1 candidate annual_review + 1 imported 在库 nomination   → 2 in pool: at target
  //   v2: 1 candidate publicized (on record, not in pool), 1 placed (gone), and an imported 在库
  //       nomination from which a candidate (in_pool) was started: counted once, as the candidate → 1
  //   v3: 3 imported nominations (提名)                             → 0 in pool, 3 on record
  // County of 85 villages: 2 at target (2/85 = 2.35%), 83 below, 5 in pool, 9 on record.
  // The pool of 5, on 2025-06-30: born 1995, 1980, 1992, 1990, 1998 → 4 aged ≤35; college 3; women 2; party 3.
  // Mentoring: active, mid_review, extended (all with a mentor), mentor_vacant, proposed → 5 new
  // cadres, 3 mentored (60%); ended: 1 completed, 1 terminated → completion 50%.
  let v: string[];
  beforeAll(async () => {
    v = await villages('522726');
    const person = (name: string, gender: 'male' | 'female', birthDate: string, education: string, partyMember: boolean, village: string) =>
      fx.person({ name, gender, birthDate, education, partyMember, village });
    await fx.candidate(await person('甲', 'female', '1995-01-01', 'bachelor', true, v[0]!), v[0]!, 'current_committee', 'in_pool');
    await fx.candidate(await person('乙', 'male', '1980-01-01', 'high_school', false, v[0]!), v[0]!, 'local_talent', 'in_training');
    await fx.candidate(await person('丙', 'male', '1992-01-01', 'associate', true, v[1]!), v[1]!, 'returnee', 'annual_review');
    await fx.nomination(await person('丁', 'female', '1990-01-01', 'high_school', true, v[1]!), v[1]!, 'current_committee', 'in_pool');
    await fx.candidate(await person('戊', 'male', '1991-01-01', 'bachelor', true, v[2]!), v[2]!, 'sent_down_cadre', 'publicized');
    await fx.candidate(await person('己', 'male', '1991-01-01', 'bachelor', true, v[2]!), v[2]!, 'returnee', 'placed');
    const started = await person('庚', 'male', '1998-01-01', 'bachelor', false, v[2]!);
    const nomination = await fx.nomination(started, v[2]!, 'local_graduate', 'in_pool');
    await fx.candidate(started, v[2]!, 'local_graduate', 'in_pool', nomination);
    for (const name of ['辛', '壬', '癸'])
      await fx.nomination(await person(name, 'male', '1996-01-01', 'bachelor', true, v[3]!), v[3]!, 'local_graduate', 'nominated');

    const mentor = await person('导师', 'male', '1975-01-01', 'bachelor', true, v[0]!);
    const mentee = (i: number) => person(`新干部${i}`, 'male', '1996-01-01', 'bachelor', true, v[i]!);
    await fx.mentorship(await mentee(0), mentor, v[0]!, 'active');
    await fx.mentorship(await mentee(1), mentor, v[1]!, 'mid_review');
    await fx.mentorship(await mentee(2), null, v[2]!, 'mentor_vacant');
    await fx.mentorship(await mentee(3), null, v[3]!, 'proposed');
    await fx.mentorship(await mentee(4), mentor, v[4]!, 'completed', cn('2025-05-01'));
    await fx.mentorship(await mentee(5), mentor, v[5]!, 'terminated', cn('2025-04-01'));
    await fx.mentorship(await mentee(7), mentor, v[7]!, 'extended');
  });

  test('reserve coverage and composition count each reserve once, from both sources', async () => {
    const r = await stats.reserves(u.prefecture!, { division: '522726', asOf: cn('2025-06-30 12:00') });
    expect(r.processTracked).toBe(true);
    expect(r.totals).toMatchObject({
      villages: 85,
      villagesAtPoolTarget: 2,
      villagesBelowPoolTarget: 83,
      poolCoverage: 0.0235,
      inPool: 5,
      nominated: 9,
      villagesAtNominationTarget: 1,
      poolAged35OrUnder: 4,
      share35OrUnder: 0.8,
      poolCollege: 3,
      shareCollege: 0.6,
      poolFemale: 2,
      shareFemale: 0.4,
      poolPartyMembers: 3,
      sharePartyMembers: 0.6,
    });
    expect(r.bySource.map((s) => [s.source, s.inPool, s.nominated])).toEqual([
      ['current_committee', 2, 2],
      ['local_talent', 1, 1],
      ['local_graduate', 1, 4],
      ['returnee', 1, 1],
      ['sent_down_cadre', 0, 1],
    ]);
    expect(r.alerts.total).toBe(83);
    expect(r.alerts.items.slice(0, 3).map((a) => [a.villageCode, a.inPool, a.nominated])).toEqual([
      [v[2], 1, 2],
      [v[3], 0, 3],
      [v[4], 0, 0],
    ]);
    // Each alert names its village and township (looked up for the listed villages only).
    const [village, township] = await Promise.all([findDivision(h.db, v[2]!), findDivision(h.db, townshipOf(v[2]!))]);
    expect(r.alerts.items[0]).toMatchObject({ villageName: village!.name, townshipName: township!.name });
  });

  test('mentoring coverage 3/5 and completion 1/2', async () => {
    const r = await stats.mentoring(u.prefecture!, { division: '522726', asOf: cn('2025-06-30 12:00') });
    expect(r.tracked).toBe(true);
    expect(r.totals).toMatchObject({
      newCadres: 5,
      mentored: 3,
      mentoringCoverage: 0.6,
      awaitingApproval: 1,
      mentorVacant: 1,
      extended: 1,
      ended: 2,
      completed: 1,
      terminated: 1,
      completionRate: 0.5,
    });
    const before = await stats.mentoring(u.prefecture!, { division: '522726', asOf: cn('2025-04-15') });
    expect(before.totals).toMatchObject({ ended: 1, completed: 0, completionRate: 0 });
  });
});
