/**
 * Demo data for `npm start`: users of the three roles in 黔南州 / 惠水县, a 'demo' deadline policy that
 * plays a year in about 30 minutes, and seven cases in real villages of 惠水县 driven to different
 * states through the case service (so through the workflows, exactly as the API would); likewise
 * 1+1 mentorships and reserve candidates in different states through their services (a village with
 * one reserve raises a coverage alert; a reserve placed as a new secretary gets a mentorship).
 *
 * Idempotent and crash-safe: users are found again by name/role/jurisdiction, tokens are kept in
 * `<dataDir>/demo-tokens.json` (written after every user), designations and commands carry fixed
 * keys, and each step runs only if the case has not got past it yet. A re-run after a crash
 * converges on the same users and cases; a re-run after success only checks the tokens.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { and, asc, desc, eq } from 'drizzle-orm';
import type postgres from 'postgres';
import type { Logger } from 'pino';
import type { Db } from '../db/client.js';
import { policies, users } from '../db/schema/index.js';
import { findCaseByDesignationKey } from '../db/queries/cases.js';
import { createPolicyVersion } from '../db/queries/policies.js';
import { createUser, findLoginAccount, findUserByToken, generateToken, hashToken } from '../db/queries/users.js';
import type { PasswordHasher } from '../lib/password-hash.js';
import { isOpenState, type DesignationReason } from '../domain/cases.js';
import { toFullCode } from '../domain/divisions.js';
import { DEMO_POLICY } from '../domain/policy.js';
import { ROLE_LABELS, type AuthUser, type Role } from '../domain/roles.js';
import type { CaseService } from '../services/cases.js';
import { createMentorshipService, type MentorshipService } from '../services/mentorships.js';
import { createReserveService, type ReserveService } from '../services/reserves.js';
import type { TemporalHandle } from '../temporal/client.js';
import type { PersonInput } from '../db/queries/people.js';
import type { SupportPackageAssignment } from '../domain/support-package.js';
import { appendAuditEvents } from '../db/queries/audit-chain.js';

/** The demo county and prefecture (domain.md: 惠水县 522731 in 黔南州 5227). */
export const DEMO_COUNTY = '522731';
export const DEMO_PREFECTURE = '5227';
export const DEMO_POLICY_NAME = 'demo';
export const DEMO_TOKENS_FILE = 'demo-tokens.json';
const SEED_ACTOR = 'demo-seed';

export interface DemoUser {
  /** Stable key within the demo, e.g. `org_county`. */
  key: string;
  id: string;
  role: Role;
  roleLabel: string;
  name: string;
  jurisdictionCode: string;
  jurisdictionName: string;
  token: string;
  /** Signs in at the console with these (demo only: nowhere else does a password leave the server). */
  username: string;
  password: string;
}

export interface DemoCase {
  key: string;
  caseId: string;
  villageCode: string;
  villageName: string;
  /** What the seed drove it to (the case moves on by itself under the demo policy). */
  seededAs: string;
}

/** A demo mentorship or reserve candidate. */
export interface DemoProcess {
  key: string;
  id: string;
  villageCode: string;
  villageName: string;
  seededAs: string;
}

export interface DemoSeed {
  /** True when this call created or completed the data; false when it only read the stored tokens. */
  seeded: boolean;
  tokensFile: string;
  users: DemoUser[];
  cases: DemoCase[];
  mentorships: DemoProcess[];
  reserves: DemoProcess[];
}

interface TokensFile {
  version: 1;
  /** False until every case reached its seeded state: a re-run then resumes. */
  complete: boolean;
  updatedAt: string;
  users: DemoUser[];
  cases: DemoCase[];
  /** Absent in files written before mentorships and reserves existed: a re-run seeds them. */
  mentorships?: DemoProcess[];
  reserves?: DemoProcess[];
}

export interface SeedDemoDeps {
  db: Db;
  sql: postgres.Sql;
  cases: CaseService;
  /** For the mentorship and reserve services (their workflows). */
  temporal: TemporalHandle;
  dataDir: string;
  /** Hashes the demo users' passwords (the API's own settings, so logins need no rehash). */
  hasher: PasswordHasher;
  logger?: Logger;
}

export async function seedDemo(deps: SeedDemoDeps): Promise<DemoSeed> {
  const { db, sql, cases, logger } = deps;
  const tokensFile = path.resolve(deps.dataDir, DEMO_TOKENS_FILE);
  const stored = await readTokensFile(tokensFile);

  if (stored?.complete && stored.mentorships && stored.reserves && stored.users.every((u) => u.password) && (await allTokensValid(db, stored.users))) {
    logger?.info({ tokensFile }, 'demo data already present; seed skipped');
    return { seeded: false, tokensFile, users: stored.users, cases: stored.cases, mentorships: stored.mentorships, reserves: stored.reserves };
  }

  const county = await divisionName(sql, toFullCode(DEMO_COUNTY));
  if (!county) {
    throw new Error(
      `Demo data needs the divisions of 惠水县 ${DEMO_COUNTY}; import them first (npm run admin -- import-divisions --prefix ${DEMO_PREFECTURE}).`,
    );
  }
  const prefecture = (await divisionName(sql, toFullCode(DEMO_PREFECTURE))) ?? '黔南州';
  const townships = await pickTownships(sql);

  // --- Users ---------------------------------------------------------------------------------------
  const specs: Array<Omit<DemoUser, 'id' | 'token' | 'roleLabel' | 'username' | 'password'>> = [
    { key: 'org_county', role: 'org_dept', name: '惠水县委组织部基层组织科', jurisdictionCode: toFullCode(DEMO_COUNTY), jurisdictionName: county },
    { key: 'org_prefecture', role: 'org_dept', name: '黔南州委组织部组织二科', jurisdictionCode: toFullCode(DEMO_PREFECTURE), jurisdictionName: prefecture },
    { key: 'sponsor_wang', role: 'sponsor', name: '王某某（县委副书记）', jurisdictionCode: toFullCode(DEMO_COUNTY), jurisdictionName: county },
    { key: 'sponsor_li', role: 'sponsor', name: '李某某（副县长）', jurisdictionCode: toFullCode(DEMO_COUNTY), jurisdictionName: county },
    ...townships.map((t, i) => ({
      key: `township_${i + 1}`,
      role: 'township_office' as const,
      name: `${t.name}党委党建办`,
      jurisdictionCode: t.code,
      jurisdictionName: `${county}${t.name}`,
    })),
  ];
  const demoUsers: DemoUser[] = [];
  const save = (complete: boolean, demoCases: DemoCase[], processes?: { mentorships: DemoProcess[]; reserves: DemoProcess[] }) =>
    writeTokensFile(tokensFile, { version: 1, complete, updatedAt: new Date().toISOString(), users: demoUsers, cases: demoCases, ...processes });
  for (const spec of specs) {
    demoUsers.push(
      await ensureUser(
        db,
        deps.hasher,
        spec,
        stored?.users.find((u) => u.key === spec.key),
        logger,
      ),
    );
    // After every user: a crash now still leaves the tokens of the users it created.
    await save(false, stored?.cases ?? []);
  }
  const user = (key: string): AuthUser => {
    const u = demoUsers.find((d) => d.key === key)!;
    return { id: u.id, name: u.name, role: u.role, jurisdictionCode: u.jurisdictionCode };
  };
  const org = user('org_county');

  // --- Policy --------------------------------------------------------------------------------------
  const policyId = await ensureDemoPolicy(db, org);

  // --- Cases ---------------------------------------------------------------------------------------
  const plans = casePlans(user('sponsor_wang'), user('sponsor_li'));
  const taken = new Set<string>();
  const assigned: Array<{ plan: CasePlan; village: { code: string; name: string } }> = [];
  for (const plan of plans) {
    const township = townships[plan.township]!;
    assigned.push({ plan, village: await pickVillage(db, sql, org.id, plan.key, township.code, taken) });
  }
  // Mentorships and reserves go side by side with the cases (their services, so their workflows).
  const mentorshipService = createMentorshipService({ db, temporal: deps.temporal });
  const reserveService = createReserveService({ db, temporal: deps.temporal });
  const demoVillages = await Promise.all(townships.map((t) => villagesOf(sql, t.code, 6)));
  const offices = [user('township_1'), user('township_2')] as const;
  // Each case's team (包保责任体系); people found by name where an earlier run recorded them.
  const teams = await Promise.all(assigned.map(({ plan }, i) => demoTeam(sql, townships[plan.township]!.code, i)));
  const [results, processes] = await Promise.all([
    Promise.allSettled(
      assigned.map(({ plan, village }, i) => driveCase(cases, org, plan, village, plan.defaultPolicy ? undefined : policyId, teams[i]!, logger)),
    ),
    seedProcesses({ mentorships: mentorshipService, reserves: reserveService, org, offices, villages: demoVillages, policyId }),
  ]);
  const failure = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failure) throw failure.reason;
  const demoCases = results.map((r) => (r as PromiseFulfilledResult<DemoCase>).value);
  await save(true, demoCases, processes);
  logger?.info(
    { tokensFile, users: demoUsers.length, cases: demoCases.length, mentorships: processes.mentorships.length, reserves: processes.reserves.length },
    'demo data seeded',
  );
  return { seeded: true, tokensFile, users: demoUsers, cases: demoCases, ...processes };
}

// --- Users -----------------------------------------------------------------------------------------

type DemoUserSpec = Omit<DemoUser, 'id' | 'token' | 'roleLabel' | 'username' | 'password'>;

/** The user with its token, and a username and password to sign in at the console with. */
async function ensureUser(db: Db, hasher: PasswordHasher, spec: DemoUserSpec, stored: DemoUser | undefined, logger?: Logger): Promise<DemoUser> {
  const { id, token } = await ensureUserToken(db, spec, stored, logger);
  const username = spec.key.replaceAll('_', '-');
  const account = await findLoginAccount(db, { id });
  if (stored?.password && stored.username === username && account?.user.username === username && account.passwordHash) {
    return { ...spec, roleLabel: ROLE_LABELS[spec.role], id, token, username, password: stored.password };
  }
  // A demo password meets the policy and needs no change at first login (there is no one to tell it to).
  const password = `Demo-${generateToken().slice(4, 12)}-${Math.floor(1000 + Math.random() * 9000)}`;
  await db
    .update(users)
    .set({ username, passwordHash: await hasher.hash(password), passwordChangedAt: new Date(), mustChangePassword: false })
    .where(eq(users.id, id));
  return { ...spec, roleLabel: ROLE_LABELS[spec.role], id, token, username, password };
}

async function ensureUserToken(db: Db, spec: DemoUserSpec, stored: DemoUser | undefined, logger?: Logger): Promise<{ id: string; token: string }> {
  if (stored) {
    const found = await findUserByToken(db, stored.token);
    if (found && found.id === stored.id) return { id: found.id, token: stored.token };
  }
  // The user exists but its token was lost (tokens file deleted, or a crash before it was written):
  // issue a new token rather than a second user of the same name.
  const [existing] = await db
    .select({ id: users.id })
    .from(users)
    .where(and(eq(users.name, spec.name), eq(users.role, spec.role), eq(users.jurisdictionCode, spec.jurisdictionCode), eq(users.active, true)))
    .orderBy(asc(users.createdAt))
    .limit(1);
  if (existing) {
    const token = await reissueToken(db, existing.id);
    logger?.warn({ user: spec.name }, 'demo user had no stored token; issued a new one');
    return { id: existing.id, token };
  }
  const { user, token } = await createUser(db, {
    name: spec.name,
    role: spec.role,
    jurisdictionCode: spec.jurisdictionCode,
    actor: { actorLabel: SEED_ACTOR },
  });
  return { id: user.id, token };
}

async function reissueToken(db: Db, userId: string): Promise<string> {
  const token = generateToken();
  const at = new Date();
  await db.transaction(async (tx) => {
    await tx
      .update(users)
      .set({ tokenHash: hashToken(token) })
      .where(eq(users.id, userId));
    await appendAuditEvents(tx, [
      {
        dedupeKey: `user:${userId}:token-reissued:${at.toISOString()}`,
        entityType: 'user',
        entityId: userId,
        action: 'token_reissued',
        actorUserId: null,
        actorLabel: SEED_ACTOR,
        at,
        before: null,
        after: null,
        details: { reason: 'demo seed found the user without a stored token' },
      },
    ]);
  });
  return token;
}

async function allTokensValid(db: Db, stored: DemoUser[]): Promise<boolean> {
  if (stored.length === 0) return false;
  for (const u of stored) {
    const found = await findUserByToken(db, u.token);
    if (!found || found.id !== u.id) return false;
  }
  return true;
}

// --- Policy ----------------------------------------------------------------------------------------

/** The newest 'demo' policy of 惠水县, or a new version when there is none or DEMO_POLICY changed. */
async function ensureDemoPolicy(db: Db, org: AuthUser): Promise<string> {
  const jurisdictionCode = toFullCode(DEMO_COUNTY);
  const [latest] = await db
    .select({ id: policies.id, body: policies.body })
    .from(policies)
    .where(and(eq(policies.jurisdictionCode, jurisdictionCode), eq(policies.name, DEMO_POLICY_NAME)))
    .orderBy(desc(policies.version))
    .limit(1);
  if (latest && canonicalJson(latest.body) === canonicalJson(DEMO_POLICY)) return latest.id;
  const created = await createPolicyVersion(db, org, { jurisdictionCode, name: DEMO_POLICY_NAME, body: DEMO_POLICY });
  return created.id;
}

/** JSON with object keys sorted: jsonb gives keys back in its own order. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
      : v,
  );
}

// --- Divisions -------------------------------------------------------------------------------------

async function divisionName(sql: postgres.Sql, code: string): Promise<string | null> {
  const [row] = await sql<{ name: string }[]>`select name from divisions where code = ${code}`;
  return row?.name ?? null;
}

/** The first two rural townships (镇/乡) of the county with at least four villages (村). */
async function pickTownships(sql: postgres.Sql): Promise<Array<{ code: string; name: string }>> {
  const county = toFullCode(DEMO_COUNTY);
  const rows = await sql<{ code: string; name: string }[]>`
    select t.code, t.name
    from divisions t
    join divisions v on v.parent_code = t.code and v.level = 'village' and v.name like '%村村民委员会'
    where t.parent_code = ${county} and t.level = 'township'
    group by t.code, t.name
    having count(*) >= 4
    order by (t.name like '%镇' or t.name like '%乡') desc, t.code
    limit 2
  `;
  if (rows.length < 2) throw new Error(`Demo data needs two townships of ${DEMO_COUNTY} with villages; the divisions import looks incomplete.`);
  return rows.map((r) => ({ code: r.code, name: r.name }));
}

/**
 * The village of a demo case: the one an earlier run designated under this key, else the first
 * village (村, by code) of the township without an open case and not taken by another demo case.
 */
async function pickVillage(
  db: Db,
  sql: postgres.Sql,
  orgUserId: string,
  key: string,
  townshipCode: string,
  taken: Set<string>,
): Promise<{ code: string; name: string }> {
  const earlier = await findCaseByDesignationKey(db, orgUserId, key);
  if (earlier) {
    taken.add(earlier.villageCode);
    return { code: earlier.villageCode, name: villageLabel((await divisionName(sql, earlier.villageCode)) ?? earlier.villageCode) };
  }
  const candidates = await sql<{ code: string; name: string }[]>`
    select v.code, v.name
    from divisions v
    where v.parent_code = ${townshipCode} and v.level = 'village' and v.name like '%村村民委员会'
      and not exists (
        select 1 from rectification_cases c
        where c.village_code = v.code and c.state not in ('closed', 'relapsed', 'cancelled')
      )
    order by v.code
  `;
  const choice = candidates.find((c) => !taken.has(c.code));
  if (!choice) throw new Error(`No free village left in township ${townshipCode} for demo case ${key}.`);
  taken.add(choice.code);
  return { code: choice.code, name: villageLabel(choice.name) };
}

/** "星光村村民委员会" → "星光村". */
function villageLabel(name: string): string {
  return name.replace(/村民委员会$|居民委员会$/, '');
}

// --- Cases -----------------------------------------------------------------------------------------

type Step = 'plan' | 'report' | 'requestAcceptance' | 'passReview' | 'failReview' | 'cancel';

interface CasePlan {
  key: string;
  /** Index into the two demo townships. */
  township: 0 | 1;
  sponsor: AuthUser;
  reasons: DesignationReason[];
  note: string;
  /** Real-time default policy instead of the compressed demo one (shows a calm, green case). */
  defaultPolicy?: boolean;
  steps: Step[];
  seededAs: string;
}

function casePlans(wang: AuthUser, li: AuthUser): CasePlan[] {
  return [
    {
      key: 'demo-case-1',
      township: 0,
      sponsor: wang,
      reasons: ['leadership_incomplete', 'secretary_vacant_3_months'],
      note: '村党支部书记空缺4个月，班子不健全。',
      steps: [],
      seededAs: 'planning（刚确定，待提交整顿方案）',
    },
    {
      key: 'demo-case-2',
      township: 0,
      sponsor: li,
      reasons: ['rules_not_kept'],
      note: '“三会一课”长期不落实。（按实际期限策略，一年为期）',
      defaultPolicy: true,
      steps: ['plan'],
      seededAs: 'rectifying（已提交整顿方案，默认期限策略）',
    },
    {
      key: 'demo-case-3',
      township: 0,
      sponsor: wang,
      reasons: ['affairs_disorder', 'poor_service'],
      note: '村务财务公开不及时，群众反映强烈。',
      steps: ['plan', 'report'],
      seededAs: 'rectifying（已提交方案和月度报告）',
    },
    {
      key: 'demo-case-4',
      township: 1,
      sponsor: li,
      reasons: ['team_infighting'],
      note: '村“两委”班子不团结，议事决策难。',
      steps: ['plan', 'report', 'requestAcceptance'],
      seededAs: 'acceptance_pending（已申请验收）',
    },
    {
      key: 'demo-case-5',
      township: 1,
      sponsor: wang,
      reasons: ['disorder_hotspot'],
      note: '土地流转纠纷集中，信访突出。',
      steps: ['plan', 'report', 'requestAcceptance', 'passReview'],
      seededAs: 'follow_up（验收85分通过，已销号，回头看）',
    },
    {
      key: 'demo-case-6',
      township: 1,
      sponsor: li,
      reasons: ['last_in_assessment', 'satisfaction_below_60'],
      note: '年度考核排名末位，群众满意度52%。',
      steps: ['plan', 'requestAcceptance', 'failReview'],
      seededAs: 'rectifying（验收68分未通过，继续整顿）',
    },
    {
      key: 'demo-case-7',
      township: 0,
      sponsor: li,
      reasons: ['secretary_unfit'],
      note: '书记年龄偏大、能力不足。',
      steps: ['cancel'],
      seededAs: 'cancelled（村撤并）',
    },
  ];
}

const PAIRED_DEPARTMENTS = ['县财政局', '县农业农村局', '县卫生健康局', '县交通运输局', '县住房城乡建设局', '县教育局', '县自然资源局'];
const SURNAMES = ['陈', '杨', '黄', '罗', '吴', '周', '韦'];

/** A demo person at `divisionCode`: the one an earlier run recorded under this name, else a new one. */
async function demoPerson(sql: postgres.Sql, name: string, divisionCode: string): Promise<string> {
  const [found] = await sql<{ id: string }[]>`select id from people where name = ${name} and division_code = ${divisionCode} limit 1`;
  if (found) return found.id;
  const [row] = await sql<{ id: string }[]>`insert into people (name, division_code, party_member) values (${name}, ${divisionCode}, true) returning id`;
  return row!.id;
}

/**
 * The i-th demo case's team: a township cadre, a first secretary sent by the county and a paired
 * county department with its contact. The second case has no first secretary yet, so the demo shows
 * a vacancy and its reassignment obligation climbing the ladder.
 */
async function demoTeam(sql: postgres.Sql, townshipCode: string, i: number): Promise<SupportPackageAssignment> {
  const county = toFullCode(DEMO_COUNTY);
  const surname = SURNAMES[i % SURNAMES.length]!;
  const department = PAIRED_DEPARTMENTS[i % PAIRED_DEPARTMENTS.length]!;
  return {
    townshipCadrePersonId: await demoPerson(sql, `${surname}包村`, townshipCode),
    firstSecretaryPersonId: i === 1 ? null : await demoPerson(sql, `${surname}第一书记`, county),
    pairedDepartment: { name: department, contactPersonId: await demoPerson(sql, `${department}联络员`, county) },
  };
}

/** Designates the case and runs each step the case has not yet got past. */
async function driveCase(
  cases: CaseService,
  org: AuthUser,
  plan: CasePlan,
  village: { code: string; name: string },
  policyId: string | undefined,
  supportPackage: SupportPackageAssignment,
  logger?: Logger,
): Promise<DemoCase> {
  const designated = await cases.designate(
    org,
    { villageCode: village.code, reasons: plan.reasons, sponsorUserId: plan.sponsor.id, policyId, note: plan.note, supportPackage },
    plan.key,
  );
  const id = designated.id;
  const key = (step: string) => `${plan.key}:${step}`;
  for (const step of plan.steps) {
    const c = await cases.get(org, id);
    switch (step) {
      case 'plan':
        if (c.state === 'designated' || c.state === 'planning') {
          await cases.submitPlan(plan.sponsor, id, { plan: planFor(village.name) }, key(step));
        }
        break;
      case 'report': {
        if (c.state !== 'rectifying' || c.submissions.some((s) => s.kind === 'report')) break;
        const period = c.obligations.find((o) => o.kind === 'monthly_report' && o.status === 'open')?.key;
        if (!period) break;
        await cases.submitReport(
          plan.sponsor,
          id,
          {
            period,
            report: {
              progress: `${village.name}：召开党员大会1次、“两委”联席会议2次；整改问题清单8项，已完成3项。`,
              problems: '部分党员外出务工，组织生活参会率偏低。',
              nextSteps: '开展线上组织生活；下月完成村务公开栏更新。',
            },
          },
          key(step),
        );
        break;
      }
      case 'requestAcceptance':
        if (c.state === 'rectifying' && c.acceptanceAttempts === 0) {
          await cases.requestAcceptance(plan.sponsor, id, { summary: `${village.name}整顿任务已基本完成，申请县委组织部验收。` }, key(step));
        }
        break;
      case 'passReview':
        if (c.state === 'acceptance_pending') {
          await cases.reviewAcceptance(
            org,
            id,
            { score: 85, representativesTotal: 20, representativesDissatisfied: 2, comments: '班子运转正常，群众满意度明显提升，同意销号。' },
            key(step),
          );
        }
        break;
      case 'failReview':
        if (c.state === 'acceptance_pending') {
          await cases.reviewAcceptance(
            org,
            id,
            { score: 68, representativesTotal: 20, representativesDissatisfied: 6, comments: '村务公开仍不规范，后备力量未落实，继续整顿。' },
            key(step),
          );
        }
        break;
      case 'cancel':
        if (isOpenState(c.state)) {
          await cases.cancel(org, id, { reason: `村撤并：${village.name}与相邻村合并，原村党组织撤销。` }, key(step));
        }
        break;
    }
  }
  const final = await cases.get(org, id);
  logger?.debug({ case: plan.key, caseId: id, village: village.name, state: final.state }, 'demo case ready');
  return { key: plan.key, caseId: id, villageCode: village.code, villageName: village.name, seededAs: plan.seededAs };
}

function planFor(villageName: string) {
  return {
    summary: `${villageName}党组织整顿方案（一村一策）`,
    issues: ['党支部书记空缺，班子战斗力不强', '组织生活不正常', '村务财务公开不及时'],
    measures: [
      { measure: '选优配强村党组织书记，县里选派第一书记', owner: '乡镇党委' },
      { measure: '落实“三会一课”和主题党日，每月公示', owner: '村党支部' },
      { measure: '规范村务监督委员会运行，按季公开村务财务', owner: '乡镇党委、村务监督委员会' },
    ],
  };
}

// --- Mentorships and reserves ---------------------------------------------------------------------

/** The first `n` villages (村, by code) of a township: stable across runs. */
async function villagesOf(sql: postgres.Sql, townshipCode: string, n: number): Promise<Array<{ code: string; name: string }>> {
  const rows = await sql<{ code: string; name: string }[]>`
    select code, name from divisions where parent_code = ${townshipCode} and level = 'village' and name like '%村村民委员会' order by code limit ${n}`;
  return rows.map((r) => ({ code: r.code, name: villageLabel(r.name) }));
}

/** A birth date `years` (and a few months) before today. */
function bornYearsAgo(years: number): string {
  const d = new Date();
  d.setUTCFullYear(d.getUTCFullYear() - years, d.getUTCMonth() - 3);
  return d.toISOString().slice(0, 10);
}

const cadre = (
  name: string,
  years: number,
  gender: 'male' | 'female',
  education: 'bachelor' | 'associate' | 'high_school',
  position?: string,
): PersonInput => ({
  name,
  gender,
  birthDate: bornYearsAgo(years),
  ethnicity: gender === 'female' ? '布依族' : '汉族',
  education,
  partyMember: true,
  ...(position ? { position } : {}),
});

/**
 * Three mentorships (awaiting approval; active with a check-in; mentor transferred, post vacant)
 * and seven reserve candidates (nominated with an age warning; qualified; two pooled in one
 * village; one alone in another, which raises a coverage alert; one in training; one placed as a
 * new village secretary, which proposes a mentorship). Every step is keyed and runs only if the
 * object has not got past it, so a re-run converges.
 */
async function seedProcesses(input: {
  mentorships: MentorshipService;
  reserves: ReserveService;
  org: AuthUser;
  offices: readonly [AuthUser, AuthUser];
  villages: Array<Array<{ code: string; name: string }>>;
  policyId: string;
}): Promise<{ mentorships: DemoProcess[]; reserves: DemoProcess[] }> {
  const { mentorships, reserves, org, offices, villages, policyId } = input;
  const v = (t: 0 | 1, i: number) => villages[t]![i % villages[t]!.length]!;

  const mentorship = async (
    key: string,
    t: 0 | 1,
    i: number,
    mentee: PersonInput,
    mentor: PersonInput,
    steps: Array<'approve' | 'checkIn' | 'vacate'>,
    seededAs: string,
  ): Promise<DemoProcess> => {
    const village = v(t, i);
    let m = await mentorships.propose(offices[t], { villageCode: village.code, mentee, mentor, policyId, note: '新任村“两委”成员，开展1+1帮带' }, key);
    for (const step of steps) {
      if (step === 'approve' && m.state === 'proposed') m = await mentorships.approve(org, m.id, { comment: '同意结对' }, `${key}:approve`);
      if (step === 'checkIn' && m.checkIns.length === 0 && m.state === 'active') {
        const period = m.obligations.find((o) => o.kind === 'mentoring_check_in' && o.status === 'open')?.key;
        if (period) {
          m = await mentorships.logCheckIn(
            offices[t],
            m.id,
            {
              period,
              metOn: new Date().toISOString().slice(0, 10),
              handled: '一同走访脱贫户，协调解决灌溉用水纠纷',
              problems: '群众工作方法还需磨练',
              nextSteps: '下月共同筹备党员大会',
            },
            `${key}:check-in`,
          );
        }
      }
      if (step === 'vacate' && m.state === 'active')
        m = await mentorships.changeMentor(org, m.id, { mentor: null, reason: '导师调任县直部门' }, `${key}:vacate`);
    }
    return { key, id: m.id, villageCode: village.code, villageName: village.name, seededAs };
  };

  type Step = 'qualify' | 'inspect' | 'publicize' | 'pooled' | 'train' | 'placeSecretary';
  const reserve = async (
    key: string,
    t: 0 | 1,
    i: number,
    person: PersonInput,
    source: Parameters<ReserveService['nominate']>[1]['source'],
    steps: Step[],
    seededAs: string,
  ): Promise<DemoProcess> => {
    const village = v(t, i);
    let r = await reserves.nominate(offices[t], { villageCode: village.code, person, source, policyId }, key);
    for (const step of steps) {
      if (step === 'qualify' && r.state === 'nominated') r = await reserves.qualify(org, r.id, { passed: true, comment: '符合后备力量条件' }, `${key}:qualify`);
      if (step === 'inspect' && r.state === 'qualification_review')
        r = await reserves.inspect(org, r.id, { passed: true, comment: '群众公认，考察合格' }, `${key}:inspect`);
      if (step === 'publicize' && r.state === 'inspected') r = await reserves.publicize(org, r.id, { note: '村务公开栏和微信群公示' }, `${key}:publicize`);
      // The demo publicity lasts seconds: wait for the pool before the steps that need it.
      if (step === 'pooled')
        r = await waitFor(
          () => reserves.get(org, r.id),
          (x) => x.state !== 'publicized',
          90_000,
        );
      if (step === 'train' && r.state === 'in_pool')
        r = await reserves.startTraining(offices[t], r.id, { arrangement: '跟岗村党支部书记，参与村集体经济管理' }, `${key}:train`);
      if (step === 'placeSecretary' && r.state === 'in_pool') {
        r = await reserves.place(org, r.id, { post: 'secretary', newInPost: true, note: '村党支部书记调整，经乡镇党委研究任命' }, `${key}:place`);
      }
    }
    return { key, id: r.id, villageCode: village.code, villageName: village.name, seededAs };
  };

  const [ms, rs] = await Promise.all([
    Promise.all([
      mentorship(
        'demo-mentorship-1',
        0,
        0,
        cadre('陈某某', 29, 'male', 'associate', '村委会委员'),
        cadre('吴某某', 45, 'male', 'bachelor', '镇党委副书记'),
        [],
        'proposed（待组织部审核）',
      ),
      mentorship(
        'demo-mentorship-2',
        0,
        1,
        cadre('罗某某', 27, 'female', 'bachelor', '村党支部委员'),
        cadre('杨某某', 41, 'female', 'bachelor', '镇组织委员'),
        ['approve', 'checkIn'],
        'active（已填写本月帮带记录）',
      ),
      mentorship(
        'demo-mentorship-3',
        1,
        0,
        cadre('韦某某', 31, 'male', 'high_school', '村委会副主任'),
        cadre('王某某', 48, 'male', 'bachelor', '乡人大主席'),
        ['approve', 'vacate'],
        'mentor_vacant（导师调离，待明确新导师）',
      ),
    ]),
    Promise.all([
      reserve(
        'demo-reserve-1',
        0,
        2,
        cadre('刘某某', 38, 'male', 'high_school', '致富带头人'),
        'local_talent',
        [],
        'nominated（待资格审查；超过35岁，仅提示）',
      ),
      reserve(
        'demo-reserve-2',
        0,
        2,
        cadre('黄某某', 26, 'female', 'bachelor', '返乡大学生'),
        'local_graduate',
        ['qualify'],
        'qualification_review（资格审查通过，待考察）',
      ),
      reserve(
        'demo-reserve-3',
        0,
        3,
        cadre('周某某', 30, 'male', 'associate', '村委会委员'),
        'current_committee',
        ['qualify', 'inspect', 'publicize'],
        'in_pool（公示期满入库）',
      ),
      reserve(
        'demo-reserve-4',
        0,
        3,
        cadre('蒙某某', 28, 'female', 'bachelor', '外出务工返乡'),
        'returnee',
        ['qualify', 'inspect', 'publicize'],
        'in_pool（公示期满入库；该村在库2人）',
      ),
      reserve(
        'demo-reserve-5',
        0,
        4,
        cadre('潘某某', 33, 'male', 'associate'),
        'sent_down_cadre',
        ['qualify', 'inspect', 'publicize'],
        'in_pool（该村在库仅1人：覆盖预警）',
      ),
      reserve(
        'demo-reserve-6',
        1,
        1,
        cadre('班某某', 27, 'male', 'bachelor'),
        'local_graduate',
        ['qualify', 'inspect', 'publicize', 'pooled', 'train'],
        'in_training（跟岗实训）',
      ),
      reserve(
        'demo-reserve-7',
        1,
        2,
        cadre('岑某某', 32, 'female', 'bachelor', '村委会委员'),
        'current_committee',
        ['qualify', 'inspect', 'publicize', 'pooled', 'placeSecretary'],
        'placed（新任村党支部书记，已自动提出1+1帮带）',
      ),
    ]),
  ]);
  return { mentorships: ms, reserves: rs };
}

async function waitFor<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

// --- Tokens file -----------------------------------------------------------------------------------

async function readTokensFile(file: string): Promise<TokensFile | null> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    const parsed = JSON.parse(text) as Partial<TokensFile>;
    if (parsed.version !== 1 || !Array.isArray(parsed.users)) return null;
    return {
      version: 1,
      complete: parsed.complete === true,
      updatedAt: String(parsed.updatedAt),
      users: parsed.users,
      cases: parsed.cases ?? [],
      mentorships: parsed.mentorships,
      reserves: parsed.reserves,
    };
  } catch {
    return null; // unreadable: seed again (users are found again by name)
  }
}

/** Written to a temporary file and renamed, so a crash never leaves half a file; 0600: it holds tokens. */
async function writeTokensFile(file: string, content: TokensFile): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await fs.writeFile(temporary, `${JSON.stringify(content, null, 2)}\n`, { mode: 0o600 });
  await fs.rename(temporary, file);
  await fs.chmod(file, 0o600);
}
