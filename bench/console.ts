/**
 * The console in a real browser (Debian's Chromium through playwright-core), served by the API on
 * loopback, cold cache (a new browser context per measurement):
 *   - JavaScript the first route (登录) loads, gzip;
 *   - 登录 page: navigation start → the form on screen;
 *   - 工作台 after login: the click on 登录 → the workbench's cards on screen with their data (my
 *     to-do across processes, 督办 per rung, cases per light: seven API calls at once)
 *     (production hash cost, so the login's ~0.5 s of scrypt is inside the figure);
 *   - 整顿台账 with 1,000 cases: navigation → the first page of rows on screen, and a change of
 *     sort → the re-sorted rows;
 *   - 案件详情: navigation → the obligations and ladders on screen.
 * Cases are written straight into the tables (bench data; no workflow runs), the pages read them
 * through the real API.
 *
 *   npm run bench:console [-- --iterations=10 --cases=1000]
 */
import { gzipSync } from 'node:zlib';
import { performance } from 'node:perf_hooks';
import { buildApp, passwordHashSettingsFromConfig } from '../api/app.js';
import { CONSOLE_DIR } from '../api/plugins/console.js';
import { createDb } from '../db/client.js';
import { importDivisions } from '../db/seed/import-divisions.js';
import { createUser } from '../db/queries/users.js';
import { insertDesignatedCase } from '../db/queries/cases.js';
import { DEFAULT_POLICY } from '../domain/policy.js';
import { townshipOf, countyOf } from '../domain/divisions.js';
import { createPasswordHasher } from '../lib/password-hash.js';
import { authSettingsFromConfig } from '../services/auth.js';
import { ensureConsoleBuilt } from '../scripts/console-build.js';
import { launchBrowser } from '../tests/support/browser.js';
import { detachedTemporalHandle } from '../temporal/client.js';
import { config, createDatabase, freePort, machineInfo, runBench, startPostgres } from './support/env.js';
import { args, intArg, log, ms, printTable, saveResult, summary, type Row } from './support/report.js';
import { randomBytes } from 'node:crypto';
import { createSecretBox } from '../lib/secret-box.js';

const a = args();
const ITERATIONS = intArg(a, 'iterations', 10);
const CASES = intArg(a, 'cases', 1000);
const PASSWORD = 'Bench-console-2031';

await runBench(async (registerCleanup) => {
  await ensureConsoleBuilt(log);
  const pg = await startPostgres();
  registerCleanup(() => pg.stop());
  const database = await createDatabase(pg.adminUrl, 'rectify_bench_console');
  registerCleanup(() => database.drop());
  const db = createDb(database.url, { max: 10 });
  registerCleanup(() => db.close());
  await importDivisions(db.sql, '5227');

  const hashSettings = passwordHashSettingsFromConfig(config);
  const hash = await createPasswordHasher(hashSettings).hash(PASSWORD);
  const { user: org } = await createUser(db.db, {
    username: 'bench-org',
    name: '州委组织部',
    role: 'org_dept',
    jurisdictionCode: '5227',
    passwordHash: hash,
    mustChangePassword: false,
    issueToken: false,
    actor: { actorLabel: 'bench' },
  });
  const { user: sponsor } = await createUser(db.db, {
    username: 'bench-sponsor',
    name: '包保领导',
    role: 'sponsor',
    jurisdictionCode: '5227',
    issueToken: false,
    actor: { actorLabel: 'bench' },
  });

  log(`writing ${CASES} cases`);
  // One open case per village: the prefecture's villages (黔南州 has ~1,900), a prefecture org dept to see them.
  const villages = (await db.sql<{ code: string }[]>`select code from divisions where level = 'village' and code like '5227%' order by code`).map(
    (r) => r.code,
  );
  if (villages.length < CASES) throw new Error(`only ${villages.length} villages for ${CASES} cases`);
  const started = Date.now();
  let firstCase = '';
  for (let i = 0; i < CASES; i++) {
    const village = villages[i % villages.length]!;
    const { row } = await insertDesignatedCase(db.db, {
      villageCode: village,
      townshipCode: townshipOf(village),
      countyCode: countyOf(village),
      organizationId: null,
      sponsorUserId: sponsor.id,
      reasons: ['poor_service'],
      note: null,
      policyId: null,
      policy: DEFAULT_POLICY,
      parentCaseId: null,
      designatedAt: new Date(started - i * 60_000),
      createdBy: org.id,
      createdByLabel: 'bench',
      designationKey: `bench-${i}`,
    });
    firstCase ||= row.id;
  }

  // What the workflows would have projected: every case owes its plan; the first one has lived a
  // year (the plan and 12 monthly reports filed, 40 rungs on its ladders, the issue's detail case).
  await db.sql`
    insert into obligations (id, case_id, kind, key, responsible, due_at, due_date, provisional, status, rungs)
    select c.id || ':plan', c.id, 'plan'::obligation_kind, 'plan', 'sponsor'::responsible_party, c.designated_at + interval '15 days', (c.designated_at + interval '15 days')::date, false,
           (case when c.id = ${firstCase} then 'satisfied' else 'open' end)::obligation_status,
           jsonb_build_array(
             jsonb_build_object('rung', 'reminder', 'at', c.designated_at + interval '12 days', 'rag', 'yellow', 'provisional', false),
             jsonb_build_object('rung', 'township_office', 'at', c.designated_at + interval '16 days', 'rag', 'yellow', 'provisional', false),
             jsonb_build_object('rung', 'org_dept', 'at', c.designated_at + interval '20 days', 'rag', 'red', 'provisional', false),
             jsonb_build_object('rung', 'standing_committee', 'at', c.designated_at + interval '25 days', 'rag', 'red', 'provisional', false))
    from rectification_cases c`;
  await db.sql`
    insert into obligations (id, case_id, kind, key, responsible, due_at, due_date, provisional, status, rungs)
    select ${firstCase} || ':report:' || m, ${firstCase}::uuid, 'monthly_report'::obligation_kind, to_char(now() - (12 - m) * interval '1 month', 'YYYY-MM'), 'sponsor'::responsible_party,
           now() - (12 - m) * interval '1 month', (now() - (12 - m) * interval '1 month')::date, false, (case when m < 12 then 'satisfied' else 'open' end)::obligation_status,
           jsonb_build_array(
             jsonb_build_object('rung', 'reminder', 'at', now() - (12 - m) * interval '1 month' - interval '3 days', 'rag', 'yellow', 'provisional', false,
                                'firedAt', now() - (12 - m) * interval '1 month' - interval '3 days'),
             jsonb_build_object('rung', 'township_office', 'at', now() - (12 - m) * interval '1 month' + interval '1 day', 'rag', 'yellow', 'provisional', false),
             jsonb_build_object('rung', 'org_dept', 'at', now() - (12 - m) * interval '1 month' + interval '5 days', 'rag', 'red', 'provisional', false))
    from generate_series(1, 12) m`;

  const temporal = detachedTemporalHandle();
  const auth = { ...authSettingsFromConfig(config), loginLimitPerIp: 1_000_000, loginLimitPerUsername: 1_000_000 };
  const app = await buildApp({
    db: db.db,
    temporal,
    secretBox: createSecretBox(randomBytes(32).toString('base64')),
    notifiers: {},
    logger: false,
    auth,
    passwordHash: hashSettings,
    consoleDir: CONSOLE_DIR,
  });
  registerCleanup(() => app.close());
  const port = await freePort();
  await app.listen({ host: '127.0.0.1', port });
  const base = `http://127.0.0.1:${port}`;
  const browser = await launchBrowser();
  registerCleanup(() => browser.close());

  const loginPage: number[] = [];
  const workbench: number[] = [];
  const casesPage: number[] = [];
  const resort: number[] = [];
  const detail: number[] = [];
  let firstRouteJs = 0;
  for (let i = 0; i < ITERATIONS + 1; i++) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } }); // cold cache
    const page = await context.newPage();
    let js = 0;
    page.on('response', (response) => {
      if (response.request().resourceType() === 'script')
        void response.body().then(
          (body) => (js += gzipSync(body).length),
          () => {},
        );
    });
    let t0 = performance.now();
    await page.goto(`${base}/login`);
    await page.waitForSelector('[data-test=login-submit]');
    const loginMs = performance.now() - t0;
    await page.waitForLoadState('networkidle');
    const jsAtLogin = js;

    await page.fill('input[name=username]', 'bench-org');
    await page.fill('input[name=password]', PASSWORD);
    t0 = performance.now();
    await page.click('[data-test=login-submit]');
    // The workbench's cards with their data: the lights counted (every bench case is open).
    await page.waitForFunction(
      () =>
        Number(document.querySelector('[data-test=light-count-green] .count')?.textContent ?? 0) +
          Number(document.querySelector('[data-test=light-count-red] .count')?.textContent ?? 0) >
        0,
    );
    const workbenchMs = performance.now() - t0;

    t0 = performance.now();
    await page.goto(`${base}/cases`);
    await page.waitForSelector('[data-test=cases-table] .el-table__row');
    const casesMs = performance.now() - t0;
    const firstRow = await page.textContent('[data-test=cases-table] .el-table__row');
    t0 = performance.now();
    await page.click('[data-test=sort]');
    await page.click('.el-select-dropdown__item:visible:has-text("最近变动")');
    await page.waitForFunction(
      (before) => document.querySelector('[data-test=cases-table] .el-table__row')?.textContent !== before || !document.querySelector('.el-loading-mask'),
      firstRow,
    );
    await page.waitForSelector('[data-test=cases-table] .el-loading-mask', { state: 'detached' }).catch(() => {});
    const resortMs = performance.now() - t0;

    t0 = performance.now();
    await page.goto(`${base}/cases/${firstCase}`);
    await page.waitForSelector('[data-test=ladder] li');
    const detailMs = performance.now() - t0;
    await context.close();
    if (i === 0) continue; // warm-up: the server's first queries
    firstRouteJs = Math.max(firstRouteJs, jsAtLogin);
    loginPage.push(loginMs);
    workbench.push(workbenchMs);
    casesPage.push(casesMs);
    resort.push(resortMs);
    detail.push(detailMs);
    log(`run ${i}: login page ${ms(loginMs)}, workbench ${ms(workbenchMs)}, cases ${ms(casesMs)}, re-sort ${ms(resortMs)}, detail ${ms(detailMs)}`);
  }

  const s = (v: number[]) => summary(v);
  const rows: Row[] = [
    {
      figure: 'JavaScript for the first route (登录), gzip',
      value: `${Math.round(firstRouteJs / 1024)} KB`,
      ambition: '≤ 400 KB',
      met: firstRouteJs <= 400 * 1024,
    },
    { figure: '登录 page on screen, cold cache (p50 / max)', value: `${ms(s(loginPage).p50)} / ${ms(s(loginPage).max)}` },
    {
      figure: '工作台 after login, cold cache (p50 / max)',
      value: `${ms(s(workbench).p50)} / ${ms(s(workbench).max)}`,
      ambition: '≤ 1 s',
      met: s(workbench).max <= 1000,
      note: 'includes the login itself (scrypt ~0.5 s)',
    },
    {
      figure: `整顿台账, ${CASES} cases, first page on screen (p50 / max)`,
      value: `${ms(s(casesPage).p50)} / ${ms(s(casesPage).max)}`,
      ambition: '≤ 1 s',
      met: s(casesPage).max <= 1000,
    },
    { figure: '整顿台账, change of sort (p50 / max)', value: `${ms(s(resort).p50)} / ${ms(s(resort).max)}`, ambition: '≤ 1 s', met: s(resort).max <= 1000 },
    {
      figure: '案件详情 on screen (p50 / max)',
      value: `${ms(s(detail).p50)} / ${ms(s(detail).max)}`,
      ambition: '≤ 500 ms',
      met: s(detail).max <= 500,
      note: 'the plan and 12 monthly reports, 40 rungs',
    },
  ];
  const context = { iterations: ITERATIONS, cases: CASES, scrypt: `ln=${hashSettings.logN}` };
  printTable('The console in Chromium (loopback, cold cache per run)', rows, context);
  await saveResult('console', { title: 'The console', rows, context, machine: await machineInfo(pg.adminUrl).catch(() => ({})) });
});
