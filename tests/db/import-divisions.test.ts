import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, type DbHandle } from '../../db/client.js';
import { divisionExists, getDivisionWithChildren, getVillage } from '../../db/queries/divisions.js';
import { createUser, findUserByToken, getUser, listUsers } from '../../db/queries/users.js';
import {
  DIVISION_DATA_DIR,
  importDivisions,
  normalizeImportPrefix,
  organizationNameFor,
  parseCsvRecord,
  type ImportCounts,
} from '../../db/seed/import-divisions.js';
import type { DivisionLevel } from '../../domain/divisions.js';
import { ValidationError } from '../../domain/errors.js';
import { testDatabaseUrl, type TestDatabase } from '../support/servers.js';

const PREFIX = '522731'; // 惠水县
const FILES: Record<DivisionLevel, string> = {
  province: 'provinces.csv',
  prefecture: 'cities.csv',
  county: 'areas.csv',
  township: 'streets.csv',
  village: 'villages.csv',
};

/**
 * Expected rows per level, straight from the CSV: codes inside the prefix plus the ancestors
 * (codes that are themselves a prefix of it). Only the leading code column is read.
 */
async function expectedCounts(prefix: string): Promise<Record<DivisionLevel, number>> {
  const counts = { province: 0, prefecture: 0, county: 0, township: 0, village: 0 };
  for (const [level, file] of Object.entries(FILES) as [DivisionLevel, string][]) {
    const lines = createInterface({ input: createReadStream(path.join(DIVISION_DATA_DIR, file)), crlfDelay: Infinity });
    let header = true;
    for await (const line of lines) {
      if (header) {
        header = false;
        continue;
      }
      const code = line.slice(0, line.indexOf(','));
      if (code.startsWith(prefix) || prefix.startsWith(code)) counts[level]++;
    }
  }
  return counts;
}

async function tableCounts(handle: DbHandle) {
  const rows = await handle.sql<{ level: DivisionLevel; n: number }[]>`
    select level, count(*)::int as n from divisions group by level`;
  const [orgs] = await handle.sql<{ n: number }[]>`select count(*)::int as n from village_party_organizations`;
  return { ...Object.fromEntries(rows.map((r) => [r.level, r.n])), organizations: orgs!.n };
}

let database: TestDatabase;
let handle: DbHandle;
let expected: Record<DivisionLevel, number>;
let firstImport: ImportCounts;

beforeAll(async () => {
  database = await testDatabaseUrl();
  handle = createDb(database.url);
  expected = await expectedCounts(PREFIX);
}, 120_000);

afterAll(async () => {
  await handle?.close();
  await database?.drop();
});

describe('CSV helpers', () => {
  it('parses quoted fields with commas and doubled quotes', () => {
    expect(parseCsvRecord('522731001001,"凤山社区居民委员会",522731001')).toEqual(['522731001001', '凤山社区居民委员会', '522731001']);
    expect(parseCsvRecord('1,"a, ""b""",,3')).toEqual(['1', 'a, "b"', '', '3']);
  });

  it('names organizations after their village or community', () => {
    expect(organizationNameFor('凤山社区居民委员会')).toBe('凤山社区党总支');
    expect(organizationNameFor('多福巷社区居委会')).toBe('多福巷社区党总支');
    expect(organizationNameFor('新华居委会')).toBe('新华社区党总支');
    expect(organizationNameFor('大坝村村民委员会')).toBe('大坝村党支部');
    expect(organizationNameFor('大坝村委会')).toBe('大坝村党支部');
    expect(organizationNameFor('甲定村')).toBe('甲定村党支部');
  });

  it('normalizes prefixes', () => {
    expect(normalizeImportPrefix('all')).toBe('');
    expect(normalizeImportPrefix('')).toBe('');
    expect(normalizeImportPrefix('5227')).toBe('5227');
    expect(normalizeImportPrefix('522731000000')).toBe('522731');
    expect(() => normalizeImportPrefix('52x')).toThrow(ValidationError);
    expect(() => normalizeImportPrefix('5')).toThrow(ValidationError);
  });
});

describe(`importDivisions('${PREFIX}')`, () => {
  it('imports the county, its ancestors, townships and villages, one organization per village', async () => {
    expect(expected).toMatchObject({ province: 1, prefecture: 1, county: 1 });
    expect(expected.township).toBeGreaterThan(0);
    expect(expected.village).toBeGreaterThan(100);

    const phases: string[] = [];
    firstImport = await importDivisions(handle.sql, PREFIX, (p) => phases.push(p.phase));
    expect(firstImport).toEqual({ ...expected, organizations: expected.village });
    expect(await tableCounts(handle)).toEqual({ ...expected, organizations: expected.village });
    expect(phases[0]).toBe('upper');
    expect(phases.at(-1)).toBe('done');
  }, 60_000);

  it('stores 12-digit codes with parents: 凤山社区 under its township', async () => {
    const village = await getVillage(handle.db, '522731001001');
    expect(village).toMatchObject({
      code: '522731001001',
      name: '凤山社区居民委员会',
      townshipCode: '522731001000',
      countyCode: '522731000000',
      organizationName: '凤山社区党总支',
    });
    expect(village?.organizationId).toMatch(/^[0-9a-f-]{36}$/);

    const county = await getDivisionWithChildren(handle.db, '522731');
    expect(county).toMatchObject({ code: '522731000000', name: '惠水县', level: 'county', parentCode: '522700000000' });
    expect(county?.children).toHaveLength(expected.township);
    expect(county?.children.every((c) => c.level === 'township' && c.code.startsWith(PREFIX))).toBe(true);

    const province = await getDivisionWithChildren(handle.db, '520000000000');
    expect(province).toMatchObject({ name: '贵州省', level: 'province', parentCode: null });
    expect(province?.children.map((c) => c.code)).toEqual(['522700000000']);

    expect(await divisionExists(handle.db, '522731001000')).toBe(true);
    expect(await divisionExists(handle.db, '522730000000')).toBe(false); // 龙里县: not imported
    expect(await getVillage(handle.db, '522731001000')).toBeNull(); // a township, not a village
    expect(await getDivisionWithChildren(handle.db, 'nonsense')).toBeNull();
  });

  it('is idempotent and keeps organizations (and their edits) on a second run', async () => {
    const before = await getVillage(handle.db, '522731001001');
    await handle.sql`update village_party_organizations set name = '中共凤山社区委员会' where village_code = '522731001001'`;

    const second = await importDivisions(handle.sql, PREFIX);
    expect(second).toEqual(firstImport);
    expect(await tableCounts(handle)).toEqual({ ...expected, organizations: expected.village });

    const after = await getVillage(handle.db, '522731001001');
    expect(after?.organizationId).toBe(before?.organizationId);
    expect(after?.organizationName).toBe('中共凤山社区委员会');
  }, 60_000);

  it('rejects a prefix that matches nothing', async () => {
    await expect(importDivisions(handle.sql, '99')).rejects.toMatchObject({ statusCode: 404 });
  });
});

describe('users', () => {
  it('creates a user with a one-time token, stores only its hash, and audits the creation', async () => {
    const { user, token } = await createUser(handle.db, {
      name: '王局长',
      role: 'sponsor',
      jurisdictionCode: PREFIX,
      actor: { actorLabel: 'test' },
    });
    expect(token).toMatch(/^rct_[A-Za-z0-9_-]{43}$/);
    expect(user).toMatchObject({ name: '王局长', role: 'sponsor', jurisdictionCode: '522731000000', personId: null, active: true });
    expect(user).not.toHaveProperty('tokenHash');

    const [stored] = await handle.sql<{ token_hash: string }[]>`select token_hash from users where id = ${user.id}`;
    expect(stored!.token_hash).toBe(createHash('sha256').update(token).digest('hex'));

    const [audit] = await handle.sql<{ entity_type: string; entity_id: string; action: string; actor_label: string; after: { role: string } }[]>`
      select entity_type, entity_id, action, actor_label, after from audit_events where dedupe_key = ${`user:${user.id}:created`}`;
    expect(audit).toMatchObject({ entity_type: 'user', entity_id: user.id, action: 'created', actor_label: 'test', after: { role: 'sponsor' } });

    expect(await findUserByToken(handle.db, token)).toEqual(user);
    expect(await findUserByToken(handle.db, `${token}x`)).toBeNull();
    expect(await findUserByToken(handle.db, 'not-a-token')).toBeNull();
    expect(await getUser(handle.db, user.id)).toEqual(user);
    expect(await getUser(handle.db, 'not-a-uuid')).toBeNull();

    expect((await listUsers(handle.db, '5227')).map((u) => u.id)).toContain(user.id);
    expect(await listUsers(handle.db, '522730')).toEqual([]);

    await handle.sql`update users set active = false where id = ${user.id}`;
    expect(await findUserByToken(handle.db, token)).toBeNull();
  });

  it('records the acting user when there is one', async () => {
    const { user: admin } = await createUser(handle.db, {
      name: '组织部',
      role: 'org_dept',
      jurisdictionCode: '522731000000',
      actor: { actorLabel: 'test' },
    });
    const { user } = await createUser(handle.db, {
      name: '凤山党建办',
      role: 'township_office',
      jurisdictionCode: '522731001',
      actor: { actorUserId: admin.id, actorLabel: admin.name },
    });
    const [audit] = await handle.sql<{ actor_user_id: string }[]>`
      select actor_user_id from audit_events where dedupe_key = ${`user:${user.id}:created`}`;
    expect(audit!.actor_user_id).toBe(admin.id);
  });

  it('rejects a jurisdiction that is not an imported division, naming the field', async () => {
    const countUsers = async () => (await handle.sql<{ n: number }[]>`select count(*)::int as n from users`)[0]!.n;
    const before = await countUsers();
    const attempt = createUser(handle.db, { name: 'x', role: 'sponsor', jurisdictionCode: '522730', actor: { actorLabel: 'test' } });
    await expect(attempt).rejects.toBeInstanceOf(ValidationError);
    await expect(attempt).rejects.toMatchObject({ statusCode: 400, details: { field: 'jurisdictionCode' } });
    await expect(createUser(handle.db, { name: 'x', role: 'sponsor', jurisdictionCode: '52-27', actor: { actorLabel: 'test' } })).rejects.toMatchObject({
      details: { field: 'jurisdictionCode' },
    });
    expect(await countUsers()).toBe(before);
  });
});
