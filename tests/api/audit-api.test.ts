/**
 * The audit trail through the API (issue 15): GET /audit and its export, for the org dept within
 * its jurisdiction (a case's rows by its village, an account's by its jurisdiction), filtered by
 * entity, actor and time, paged; everyone else is refused.
 */
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { FastifyInstance, InjectOptions } from 'fastify';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { startTimeSkippingEnv } from '../support/servers.js';
import { eventually, startHarness, type Harness, type TestUser } from '../support/harness.js';
import { readXlsxRows } from '../../services/excel/xlsx.js';
import { decodeCsv, parseCsv } from '../../services/excel/csv.js';
import { XLSX_MIME } from '../../services/excel/table.js';

let env: TestWorkflowEnvironment;
let h: Harness;
let app: FastifyInstance;
const u: Record<string, TestUser> = {};
const caseIds: Record<'A' | 'B', string> = { A: '', B: '' };

async function call(user: TestUser, options: InjectOptions) {
  const response = await app.inject({ ...options, headers: { authorization: `Bearer ${user.token}`, ...options.headers } });
  const json = response.headers['content-type']?.toString().startsWith('application/json');
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a test reads the answers field by field
  return { status: response.statusCode, body: json ? (JSON.parse(response.body) as any) : null, response };
}

interface Item {
  id: number;
  at: string;
  entityType: string;
  entityId: string;
  action: string;
  actorUserId: string | null;
  hash: string;
  prevHash: string;
  hashAlg: string;
}
const list = async (user: TestUser, query = '') => {
  const res = await call(user, { method: 'GET', url: `/api/v1/audit?limit=200${query}` });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as { total: number; items: Item[] };
};

beforeAll(async () => {
  env = await startTimeSkippingEnv();
  h = await startHarness({ env });
  app = await h.app();
  u.org = await h.addUser('org_dept', '522731', '惠水县委组织部');
  u.otherOrg = await h.addUser('org_dept', '522727', '平塘县委组织部');
  u.prefecture = await h.addUser('org_dept', '5227', '黔南州委组织部');
  u.township = await h.addUser('township_office', '522731001', '某镇党委');
  u.sponsorA = await h.addUser('sponsor', '522731', '包保领导A');
  u.sponsorB = await h.addUser('sponsor', '522727', '包保领导B');
  const [villageA] = await h.villageCodes('522731001');
  const [villageB] = await h.villageCodes('522727001');
  for (const [key, org, village, sponsor] of [
    ['A', u.org, villageA, u.sponsorA],
    ['B', u.otherOrg, villageB, u.sponsorB],
  ] as const) {
    const res = await call(org!, {
      method: 'POST',
      url: '/api/v1/cases',
      payload: { villageCode: village, reasons: ['poor_service'], sponsorUserId: sponsor!.id },
    });
    expect(res.status).toBe(201);
    caseIds[key] = res.body.id;
  }
  // The workflows' projections append their own rows (actor: system or the designating user).
  await eventually('both cases projected', async () => {
    const rows = await h.db.sql<
      { n: number }[]
    >`select count(distinct entity_id)::int as n from audit_events where entity_type = 'case' and action <> 'designated'`;
    return rows[0]!.n === 2;
  });
}, 120_000);

afterAll(async () => {
  await h?.close();
  await env?.teardown();
});

describe('GET /audit', () => {
  test('the org dept reads the rows of its jurisdiction, newest first, with their chain hashes', async () => {
    const page = await list(u.org!);
    const ofCase = (id: string) => page.items.filter((i) => i.entityType === 'case' && i.entityId === id);
    expect(ofCase(caseIds.A).map((i) => i.action)).toContain('designated');
    expect(ofCase(caseIds.B)).toEqual([]);
    const users = page.items.filter((i) => i.entityType === 'user').map((i) => i.entityId);
    expect(users).toEqual(expect.arrayContaining([u.org!.id, u.township!.id, u.sponsorA!.id]));
    expect(users).not.toContain(u.sponsorB!.id);
    expect(users).not.toContain(u.otherOrg!.id);
    expect(users).not.toContain(u.prefecture!.id);
    expect(page.items.map((i) => i.id)).toEqual([...page.items.map((i) => i.id)].sort((a, b) => b - a));
    expect(page.items.every((i) => /^[0-9a-f]{64}$/.test(i.hash) && i.hashAlg === 'sm3')).toBe(true);
    expect(page.total).toBe(page.items.length);

    const other = await list(u.otherOrg!);
    expect(other.items.some((i) => i.entityId === caseIds.B)).toBe(true);
    expect(other.items.some((i) => i.entityId === caseIds.A)).toBe(false);
    // The prefecture sees both counties.
    const above = await list(u.prefecture!);
    expect(above.items.some((i) => i.entityId === caseIds.A) && above.items.some((i) => i.entityId === caseIds.B)).toBe(true);
  });

  test('filters: entity type or type:id, actor by id or label, from/to, and paging', async () => {
    const byCase = await list(u.org!, `&entity=case:${caseIds.A}`);
    expect(byCase.total).toBeGreaterThanOrEqual(2);
    expect(byCase.items.every((i) => i.entityType === 'case' && i.entityId === caseIds.A)).toBe(true);
    expect((await list(u.org!, `&entity=case:${caseIds.B}`)).total).toBe(0);
    const users = await list(u.org!, '&entity=user');
    expect(users.items.every((i) => i.entityType === 'user')).toBe(true);

    const byActor = await list(u.org!, `&actor=${u.org!.id}`);
    expect(byActor.items.map((i) => `${i.entityType}:${i.action}`)).toContain('case:designated');
    expect(byActor.items.every((i) => i.actorUserId === u.org!.id)).toBe(true);
    const byLabel = await list(u.org!, '&actor=test');
    expect(byLabel.items.length).toBeGreaterThan(0);
    expect(byLabel.items.every((i) => i.entityType === 'user' && i.action === 'created')).toBe(true);

    // Times taken from the rows themselves, not from today.
    const designated = byCase.items.find((i) => i.action === 'designated')!;
    const after = new Date(new Date(designated.at).getTime() + 1).toISOString();
    const later = await list(u.org!, `&entity=case:${caseIds.A}&from=${encodeURIComponent(after)}`);
    expect(later.items.map((i) => i.id)).not.toContain(designated.id);
    const upTo = await list(u.org!, `&entity=case:${caseIds.A}&to=${encodeURIComponent(designated.at)}`);
    expect(upTo.items.map((i) => i.id)).toContain(designated.id);
    expect(upTo.items.every((i) => i.at <= designated.at)).toBe(true);

    const all = await list(u.org!);
    const second = await call(u.org!, { method: 'GET', url: '/api/v1/audit?limit=1&offset=1' });
    expect(second.body.total).toBe(all.total);
    expect(second.body.items.map((i: Item) => i.id)).toEqual([all.items[1]!.id]);
  });

  test('others are refused; bad filters answer 400 naming the field', async () => {
    expect((await call(u.township!, { method: 'GET', url: '/api/v1/audit' })).status).toBe(403);
    expect((await call(u.sponsorA!, { method: 'GET', url: '/api/v1/audit' })).status).toBe(403);
    expect((await call(u.sponsorA!, { method: 'GET', url: '/api/v1/exports/audit' })).status).toBe(403);
    for (const [query, field] of [
      ['entity=Case!', 'query.entity'],
      ['from=yesterday', 'query.from'],
      ['limit=1000', 'query.limit'],
      ['from=2030-01-02T00:00:00Z&to=2030-01-01T00:00:00Z', 'query.from'],
      ['nope=1', 'query'],
    ] as const) {
      const res = await call(u.org!, { method: 'GET', url: `/api/v1/audit?${query}` });
      expect(res.status, query).toBe(400);
      expect(JSON.stringify(res.body.details), query).toContain(field);
    }
  });
});

describe('GET /exports/audit', () => {
  test('an xlsx (and a CSV) of the same rows the list shows', async () => {
    const shown = await list(u.org!, `&entity=case:${caseIds.A}`);
    const res = await call(u.org!, { method: 'GET', url: `/api/v1/exports/audit?entity=case:${caseIds.A}` });
    expect(res.status).toBe(200);
    expect(res.response.headers['content-type']).toBe(XLSX_MIME);
    const rows = (await readXlsxRows(res.response.rawPayload)).map((r) => r.cells);
    const header = rows.findIndex((cells) => cells.includes('记录号'));
    expect(header).toBeGreaterThanOrEqual(0);
    const idColumn = rows[header]!.indexOf('记录号');
    const ids = rows.slice(header + 1).map((cells) => Number(cells[idColumn]));
    expect(ids).toEqual(shown.items.map((i) => i.id));
    expect(rows.slice(header + 1).every((cells) => cells.includes(caseIds.A))).toBe(true);

    const csv = await call(u.org!, { method: 'GET', url: `/api/v1/exports/audit?entity=case:${caseIds.A}&format=csv` });
    expect(csv.status).toBe(200);
    const lines = parseCsv(decodeCsv(csv.response.rawPayload));
    expect(lines[0]).toContain('操作人');
    expect(lines.slice(1).filter((l) => l.length > 1)).toHaveLength(shown.total);

    const foreign = await call(u.org!, { method: 'GET', url: `/api/v1/exports/audit?entity=case:${caseIds.B}&format=csv` });
    expect(
      parseCsv(decodeCsv(foreign.response.rawPayload))
        .slice(1)
        .filter((l) => l.length > 1),
    ).toHaveLength(0);
  });
});
