/**
 * A property-based fuzzer over the whole OpenAPI document: for every operation and as each role
 * (org dept, township office, sponsor, no token), requests generated from the operation's own
 * schemas — valid-looking values, boundaries and odd values (years 0001/0020/9999, 29 February,
 * huge and negative numbers, empty, unicode, control-character and very long strings, wrong types,
 * extra and missing fields, malformed and mistyped bodies, damaged spreadsheets) — with path
 * parameters and ids drawn from real demo data (seedDemo, as `npm start` makes it) as well as
 * random ones. No answer may be a 5xx, and every request must be answered.
 *
 * fast-check drives the generation with a fixed seed, so CI sends the same requests every run
 * (the demo's compressed deadlines still move in real time, so states can differ slightly).
 * A 5xx is collected, not shrunk (a shrinking re-run would replay commands against changed state):
 * the test reports every one with its method, URL, headers, body and answer. The cases the fuzzer
 * found are pinned down as plain tests above the fuzzing ones.
 */
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { FastifyInstance, InjectOptions } from 'fastify';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { seedDemo, type DemoSeed } from '../../scripts/demo-seed.js';
import { CASE_STATES, DESIGNATION_REASONS } from '../../domain/cases.js';
import { ESCALATION_RUNGS, EXEMPTION_CATEGORIES, OBLIGATION_KINDS, RAG_COLOURS } from '../../domain/escalation.js';
import { MENTORSHIP_REVIEW_OUTCOMES, MENTORSHIP_STATES } from '../../domain/mentorships.js';
import {
  EDUCATION_LABELS,
  EDUCATION_LEVELS,
  GENDERS,
  GENDER_LABELS,
  RESERVE_NOMINATION_STATUS_LABELS,
  RESERVE_SOURCES,
  RESERVE_SOURCE_LABELS,
  TEAM_KIND_LABELS,
} from '../../domain/people.js';
import { ANNUAL_REVIEW_OUTCOMES, PERIODIC_REVIEW_OUTCOMES, PLACEMENT_POSTS, RESERVE_STATES, TRAINING_RECORD_KINDS } from '../../domain/reserves.js';
import { DEMO_POLICY, PREVIEW_KINDS } from '../../domain/policy.js';
import { startTimeSkippingEnv } from '../support/servers.js';
import { startHarness, TEST_PASSWORD_HASH, type Harness } from '../support/harness.js';
import { recordingNotifiers } from '../support/recording-notifier.js';
import { createPasswordHasher } from '../../lib/password-hash.js';

/** Change to explore other requests; keep it fixed in the repository so CI is reproducible. */
const SEED = 20_261_201;
/** Requests per operation for each caller (the anonymous one is stopped at 401 and cheap to cover). */
const RUNS = { org_dept: 120, township_office: 100, sponsor: 60, anonymous: 8 } as const;
type Caller = keyof typeof RUNS;
/** A request still unanswered after this long is reported (a hang is as bad as a 500). */
const ANSWER_TIMEOUT_MS = 15_000;

let env: TestWorkflowEnvironment;
let h: Harness;
let app: FastifyInstance;
let demo: DemoSeed;
let dataDir: string;
let doc: OpenApi;
const tokens: Partial<Record<Caller, string>> = {};

// --- Real ids, by what they name; commands that create something add to them as the fuzzer runs. --

const pools = {
  cases: [] as string[],
  mentorships: [] as string[],
  reserves: [] as string[],
  clockRequests: [] as string[],
  inbox: [] as string[],
  overrides: [] as string[],
  policies: [] as string[],
  people: [] as string[],
  sponsors: [] as string[],
  obligations: [] as string[],
  villages: [] as string[],
  divisions: [] as string[],
  townships: [] as string[],
  periods: [] as string[],
  contactPoints: [] as string[],
  officeChannels: [] as string[],
};
type Pool = keyof typeof pools;

/** A value from a pool as it is when the request is made (pools grow while the fuzzer runs). */
const fromPool = (pool: Pool): fc.Arbitrary<string> =>
  fc.nat().map((i) => {
    const values = pools[pool];
    return values.length ? values[i % values.length]! : '00000000-0000-4000-8000-000000000000';
  });

/** Which pool a field draws from, by its name (body, query or path). */
const POOL_BY_NAME: Record<string, Pool> = {
  sponsorUserId: 'sponsors',
  sponsor: 'sponsors',
  policyId: 'policies',
  personId: 'people',
  obligationId: 'obligations',
  villageCode: 'villages',
  toVillageCode: 'villages',
  divisionCode: 'divisions',
  division: 'divisions',
  code: 'divisions',
  requestId: 'clockRequests',
  period: 'periods',
  userId: 'sponsors',
  officeDivisionCode: 'divisions',
};

/** Path `{id}` by the resource it belongs to. */
function poolForId(route: string): Pool | null {
  if (route.startsWith('/api/v1/cases/')) return 'cases';
  if (route.startsWith('/api/v1/mentorships/')) return 'mentorships';
  if (route.startsWith('/api/v1/reserves/')) return 'reserves';
  if (route.startsWith('/api/v1/inbox/')) return 'inbox';
  if (route.startsWith('/api/v1/calendar/overrides/')) return 'overrides';
  if (route.startsWith('/api/v1/office-channels/')) return 'officeChannels';
  if (route.includes('/contact-points/')) return 'contactPoints';
  return null;
}

// --- Values --------------------------------------------------------------------------------------

const pad = (n: number, width: number) => String(n).padStart(width, '0');
const isoDay = (d: Date) => d.toISOString().slice(0, 10);

/**
 * Two kinds of request: plausible ones (values of the right type and shape, realistic dates) get
 * past validation into the services and workflows; wild ones try the edges and the wrong types.
 */
type Mode = 'plausible' | 'wild';

/** Dates as people and programs get them wrong: out of range, not in the calendar, other shapes. */
const ODD_DATES = [
  '0001-01-01',
  '0020-02-29',
  '0099-12-31',
  '1899-12-31',
  '1900-01-01',
  '1969-12-31',
  '1970-01-01',
  '1999-12-31',
  '2000-01-01',
  '2000-02-29',
  '2024-02-29',
  '2023-02-29',
  '2100-02-28',
  '2100-02-29',
  '2100-12-31',
  '2101-01-01',
  '9999-12-31',
  '2025-13-01',
  '2025-00-10',
  '2025-04-31',
  '2025-1-1',
  '20250101',
  '2025/01/01',
  '2025.03',
  '+275760-09-13',
  '-000001-01-01',
];
const nearToday = fc.integer({ min: -800, max: 800 }).map((days) => isoDay(new Date(Date.now() + days * 86_400_000)));
const anyDayInRange = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-12-31T00:00:00Z'), noInvalidDate: true }).map(isoDay);
const dates: Record<Mode, fc.Arbitrary<string>> = {
  plausible: fc.oneof({ weight: 3, arbitrary: nearToday }, { weight: 1, arbitrary: anyDayInRange }),
  wild: fc.oneof(
    { weight: 2, arbitrary: nearToday },
    { weight: 2, arbitrary: anyDayInRange },
    { weight: 4, arbitrary: fc.constantFrom(...ODD_DATES) },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 1, max: 12 }), fc.integer({ min: 1, max: 31 }))
        .map(([y, m, d]) => `${pad(y, 4)}-${pad(m, 2)}-${pad(d, 2)}`),
    },
  ),
};
/** Birth dates: people alive today, or (wild) anything. */
const birthDates: Record<Mode, fc.Arbitrary<string>> = {
  plausible: fc.integer({ min: 18 * 366, max: 70 * 365 }).map((days) => isoDay(new Date(Date.now() - days * 86_400_000))),
  wild: fc.oneof(dates.wild, fc.constantFrom('1899-12-31', '1900-01-01', '1900-02-29', '1904-02-29')),
};
const instants: Record<Mode, fc.Arbitrary<string>> = {
  plausible: fc.oneof(
    nearToday.map((d) => `${d}T08:00:00+08:00`),
    nearToday,
    fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2100-12-31T23:59:59Z'), noInvalidDate: true }).map((d) => d.toISOString()),
  ),
  wild: fc.oneof(
    {
      weight: 3,
      arbitrary: fc
        .tuple(
          dates.wild,
          fc.integer({ min: 0, max: 23 }),
          fc.integer({ min: 0, max: 59 }),
          fc.constantFrom('Z', '+08:00', '-12:00', '+23:59', '.123456789Z', '.5-05:30', ''),
        )
        .map(([d, hh, mm, zone]) => `${d}T${pad(hh, 2)}:${pad(mm, 2)}:00${zone}`),
    },
    { weight: 2, arbitrary: dates.wild },
    {
      weight: 2,
      arbitrary: fc.constantFrom(
        '0020-02-29T00:00:00Z',
        '9999-12-31T23:59:59Z',
        '0001-01-01T00:00:00Z',
        '2100-12-31T23:59:59-05:00',
        '2000-01-01T00:00:00+08:00',
        '1970-01-01T00:00:00Z',
      ),
    },
  ),
};
const months: Record<Mode, fc.Arbitrary<string>> = {
  plausible: fc.oneof(
    nearToday.map((d) => d.slice(0, 7)),
    fc.tuple(fc.integer({ min: 2000, max: 2100 }), fc.integer({ min: 1, max: 12 })).map(([y, m]) => `${y}-${pad(m, 2)}`),
  ),
  wild: fc.oneof(
    { weight: 2, arbitrary: fc.tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 13 })).map(([y, m]) => `${pad(y, 4)}-${pad(m, 2)}`) },
    { weight: 1, arbitrary: fc.constantFrom('0020-02', '9999-12', '2101-01', '1999-12', '2025-1', '202501', '2025-Q1') },
  ),
};
/** Durations for policies: valid ones of each kind, zero, and absurdly long. */
const durationArb = fc.constantFrom(
  '15WD',
  '5WD',
  '1WD',
  '0WD',
  '-3WD',
  '99999WD',
  'P15D',
  'P3M',
  'P12M',
  'P0D',
  'P9999Y',
  'P100000M',
  'PT30S',
  'PT72H',
  'PT0S',
  'PT99999999H',
  '-P3D',
  '-PT30S',
  'calendar',
  'P1W',
  'P1Y2M3DT4H',
  '',
);
const timeZoneArb = fc.constantFrom('Asia/Shanghai', 'UTC', 'Pacific/Kiritimati', 'Etc/GMT+12', 'America/St_Johns', 'Mars/Olympus');

/** Strings that break things: control characters, lone surrogates, injection, huge. */
const ODD_STRINGS = [
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\u001b[31m',
  '\t',
  '\n',
  'null',
  'undefined',
  'NaN',
  'Infinity',
  '-1',
  '0',
  '1e309',
  '9'.repeat(40),
  '../../etc/passwd',
  '%00',
  '%',
  '<script>alert(1)</script>',
  "' or 1=1 --",
  '😀',
  '\uD800',
  '\uDFFF',
  '٣',
  '𝟙',
  'İ',
  '\u202e',
  'ℌ',
  '0020-02-29',
  '9999-12-31T23:59:59Z',
  '{}',
  '[]',
];
const oddString: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom(...ODD_STRINGS) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 20 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 20 }) },
  { weight: 1, arbitrary: fc.constantFrom('長'.repeat(5_000), 'x'.repeat(70_000)) },
);
const oddNumber: fc.Arbitrary<number> = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true }),
  fc.constantFrom(-1, 0, -0, 0.5, 1e21, -1e21, Number.MAX_SAFE_INTEGER + 2, Number.MIN_SAFE_INTEGER - 2, 2 ** 31, 1e308, Number.MIN_VALUE),
);
/** A value of the wrong kind: any type, any shape. */
const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: oddString },
  { weight: 2, arbitrary: oddNumber },
  { weight: 1, arbitrary: fc.boolean() },
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 1, arbitrary: fc.anything({ maxDepth: 2, maxKeys: 3 }) },
);

// --- From JSON Schema to generators --------------------------------------------------------------

interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  allOf?: JsonSchema[];
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  default?: unknown;
}
interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema: JsonSchema;
}
interface Operation {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: JsonSchema }> };
}
interface OpenApi {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, JsonSchema> };
}

const resolve = (s: JsonSchema): JsonSchema => (s.$ref ? resolve(doc.components.schemas[s.$ref.replace('#/components/schemas/', '')]!) : s);

/** A value of the schema's type (often a valid one); when wild, sometimes anything at all. */
function valueOf(schema: JsonSchema, name: string, mode: Mode, depth = 0): fc.Arbitrary<unknown> {
  const own = typed(resolve(schema), name, mode, depth);
  return mode === 'plausible' ? own : fc.oneof({ weight: 5, arbitrary: own }, { weight: 1, arbitrary: oddValue });
}

function typed(s: JsonSchema, name: string, mode: Mode, depth: number): fc.Arbitrary<unknown> {
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives) return fc.oneof(...alternatives.map((a) => typed(resolve(a), name, mode, depth)));
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  const types = Array.isArray(s.type) ? s.type : s.type ? [s.type] : [];
  if (types.length > 1) return fc.oneof(...types.map((t) => typed({ ...s, type: t }, name, mode, depth)));
  switch (types[0]) {
    case 'string':
      return stringOf(s, name, mode);
    case 'integer':
      return numberOf(s, true, mode);
    case 'number':
      return numberOf(s, false, mode);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return arrayOf(s, name, mode, depth);
    case 'object':
      return objectOf(s, mode, depth);
    default:
      return depth > 2 ? oddValue : fc.anything({ maxDepth: 2, maxKeys: 4 });
  }
}

function stringOf(s: JsonSchema, name: string, mode: Mode): fc.Arbitrary<string> {
  const pool = POOL_BY_NAME[name];
  const patterns = [s.pattern, ...(s.allOf ?? []).map((a) => a.pattern)].filter((p): p is string => !!p);
  let own: fc.Arbitrary<string>;
  if (name === 'birthDate') own = birthDates[mode];
  else if (s.format === 'date' || name === 'metOn' || name === 'newDueDate' || name === 'dueDate') own = dates[mode];
  else if (s.format === 'date-time') own = instants[mode];
  else if (s.format === 'uuid') own = fc.uuid();
  else if (name in POLICY_FIELDS) own = POLICY_FIELDS[name]!;
  else if (patterns.some((p) => p.includes('(0[1-9]|1[0-2])'))) own = months[mode];
  else if (patterns.length) {
    // Strings the pattern accepts (zod's own patterns are anchored); cut, so a \d+ stays short.
    own = fc.oneof(...patterns.map((p) => fc.stringMatching(new RegExp(p)).map((v) => v.slice(0, 300))));
  } else {
    const max = Math.min(s.maxLength ?? 40, 40);
    const plausible = fc.string({ minLength: Math.min(s.minLength ?? 1, max) || 1, maxLength: max }).filter((v) => v.trim().length > 0);
    const lengths = [s.maxLength, s.maxLength === undefined ? undefined : s.maxLength + 1].filter((n): n is number => n !== undefined && n < 100_000);
    own =
      mode === 'plausible'
        ? fc.oneof(plausible, fc.constantFrom('整顿', '按计划推进', '村党支部'))
        : fc.oneof(
            { weight: 4, arbitrary: fc.string({ minLength: Math.min(s.minLength ?? 0, max), maxLength: max }) },
            { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }) },
            ...(lengths.length ? [{ weight: 1, arbitrary: fc.constantFrom(...lengths).map((n) => '字'.repeat(n)) }] : []),
          );
  }
  if (!pool) return own;
  // A pooled value where the schema would take it (a YYYY-MM period is no training quarter).
  const fits = patterns.map((p) => new RegExp(p));
  const pooled = fc.tuple(fromPool(pool), own).map(([v, fallback]) => (fits.every((re) => re.test(v)) ? v : fallback));
  return fc.oneof({ weight: mode === 'plausible' ? 8 : 4, arbitrary: pooled }, { weight: 2, arbitrary: own });
}

function numberOf(s: JsonSchema, integer: boolean, mode: Mode): fc.Arbitrary<number> {
  const min = s.minimum ?? s.exclusiveMinimum ?? -1e6;
  const max = s.maximum ?? s.exclusiveMaximum ?? 1e6;
  const inRange = integer ? fc.integer({ min: Math.ceil(min), max: Math.floor(max) }) : fc.double({ min, max, noNaN: true });
  if (mode === 'plausible') return fc.oneof({ weight: 4, arbitrary: inRange }, { weight: 1, arbitrary: fc.constantFrom(min, max) });
  const edges = [min, max, min - 1, max + 1, 0, -1, integer ? 1.5 : 1e-9, 2 ** 53, -(2 ** 53), 1e21];
  return fc.oneof({ weight: 3, arbitrary: inRange }, { weight: 2, arbitrary: fc.constantFrom(...edges) });
}

function arrayOf(s: JsonSchema, name: string, mode: Mode, depth: number): fc.Arbitrary<unknown[]> {
  const item = valueOf(s.items ?? {}, name, mode, depth + 1);
  const min = s.minItems ?? 0;
  const max = Math.max(min, Math.min(s.maxItems ?? 4, 4));
  const usual = fc.array(item, { minLength: Math.min(min, max), maxLength: max });
  if (mode === 'plausible') return usual;
  const lengths = [0, min, s.maxItems, s.maxItems === undefined ? undefined : s.maxItems + 1].filter((n): n is number => n !== undefined && n <= 201);
  return fc.oneof(
    { weight: 4, arbitrary: usual },
    { weight: 1, arbitrary: fc.constantFrom(...lengths).chain((n) => fc.array(item, { minLength: n, maxLength: n })) },
  );
}

function objectOf(s: JsonSchema, mode: Mode, depth: number): fc.Arbitrary<Record<string, unknown>> {
  const properties = s.properties ?? {};
  const keys = Object.keys(properties);
  if (!keys.length) return mode === 'plausible' ? fc.constant({}) : fc.dictionary(fc.string({ maxLength: 10 }), oddValue, { maxKeys: 3 });
  const required = (s.required ?? []).filter((k) => keys.includes(k));
  const record = fc.record(Object.fromEntries(keys.map((k) => [k, valueOf(properties[k]!, k, mode, depth + 1)])), { requiredKeys: required });
  if (mode === 'plausible') return record;
  const variants: Array<fc.WeightedArbitrary<Record<string, unknown>>> = [
    { weight: 6, arbitrary: record },
    // An unknown field next to the real ones.
    { weight: 1, arbitrary: fc.tuple(record, fc.constantFrom('extra', '__proto__', 'constructor', 'id', ''), oddValue).map(([o, k, v]) => ({ ...o, [k]: v })) },
  ];
  if (required.length) {
    // A required field left out.
    variants.push({
      weight: 1,
      arbitrary: fc.tuple(record, fc.constantFrom(...required)).map(([o, k]) => Object.fromEntries(Object.entries(o).filter(([key]) => key !== k))),
    });
  }
  return fc.oneof(...variants);
}

/** Policy fields are plain strings in the schema (refined in code): give them values of their kind. */
const POLICY_FIELDS: Record<string, fc.Arbitrary<string>> = {
  timeZone: timeZoneArb,
  officeHour: fc.constantFrom('09:00', '00:00', '23:59', '24:00', '9:00'),
  offset: durationArb,
  ...Object.fromEntries(
    [
      ...[
        'planDue',
        'reportPeriod',
        'reportDue',
        'rectificationDue',
        'retryRectificationDue',
        'acceptanceReviewDue',
        'followUpLength',
        'sponsorReassignmentDue',
      ],
      ...['approvalDue', 'mentorAssignmentDue', 'midReviewAfter', 'finalReviewAfter', 'extensionLength', 'reviewDue', 'checkInPeriod', 'checkInDue'],
      ...['qualificationReviewDue', 'inspectionDue', 'publicityDue', 'publicityLength', 'trainingPeriod', 'trainingRecordDue', 'periodicReviewEvery'],
      ...['periodicReviewDue', 'annualReviewAfter', 'annualReviewDue'],
    ].map((k) => [k, durationArb]),
  ),
};

// --- Requests ------------------------------------------------------------------------------------

interface FuzzRequest {
  mode: Mode;
  method: string;
  url: string;
  headers: Record<string, string>;
  /** What was sent, for the report. */
  body?: string | Buffer;
}

/** A query value as a URL carries it; arrays become repeated keys. */
function queryPairs(name: string, value: unknown): Array<[string, string]> {
  if (value === undefined) return [];
  if (Array.isArray(value)) return value.flatMap((v) => queryPairs(name, v));
  if (typeof value === 'string') return [[name, value]];
  return [[name, typeof value === 'object' ? JSON.stringify(value) : String(value)]];
}

/** encodeURIComponent, except that a lone surrogate goes out as the (invalid) UTF-8 bytes of its code unit. */
function encode(value: string): string {
  let out = '';
  for (const ch of value) {
    try {
      out += encodeURIComponent(ch);
    } catch {
      const c = ch.charCodeAt(0);
      out += [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    }
  }
  return out;
}

const asciiKey = fc.string({ unit: fc.integer({ min: 0x21, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 1, maxLength: 60 });

/** Keys as clients make them (the API takes 1–200 of letters, digits and _-:.). */
const idempotencyKey = fc.oneof(fc.uuid(), fc.stringMatching(/^[A-Za-z0-9_:.-]{1,40}$/));

/**
 * Comma-separated filters are plain strings in the schema (split in code): give them lists of
 * their values, by route and name.
 */
function csvListOf(route: string, name: string): fc.Arbitrary<string> | null {
  const values: readonly string[] | undefined = {
    state: route.includes('/mentorships') ? MENTORSHIP_STATES : route.includes('/reserves') ? RESERVE_STATES : CASE_STATES,
    rag: RAG_COLOURS,
    source: RESERVE_SOURCES,
    kind: route.includes('/inbox') ? undefined : OBLIGATION_KINDS,
    rung: ESCALATION_RUNGS,
    dryRun: ['true', 'false'],
  }[name];
  if (!values) return null;
  return fc.subarray([...values], { minLength: 1, maxLength: name === 'dryRun' ? 1 : values.length }).map((v) => v.join(','));
}

const MALFORMED_JSON = [
  '{',
  '{"reason":',
  'nul',
  '[1,2',
  '{"reason": "x"}}',
  '{"reason": "x",}',
  "{'reason': 'x'}",
  '\u0000',
  '',
  ' ',
  '"\\ud800"',
  '{"a":'.repeat(2000),
];

/** A spreadsheet upload: CSV with the real headers and plausible (or odd) cells, random bytes, or a broken xlsx. */
function uploadArb(kind: 'people' | 'reserve_nominations', mode: Mode): fc.Arbitrary<{ contentType: string; body: Buffer }> {
  const header = kind === 'people' ? PEOPLE_HEADER : RESERVE_HEADER;
  const quote = (v: string) => (/[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const csvOf = (rows: fc.Arbitrary<string[][]>) =>
    rows.map((r) => Buffer.from(['\ufeff' + header.join(','), ...r.map((cells) => cells.map(quote).join(','))].join('\r\n')));
  const label = <T extends string>(labels: Record<T, string>) => fc.constantFrom(...Object.values<string>(labels));
  const who = fc.tuple(
    fc.constantFrom('张某', '李某', '王某', '韦某'),
    label(GENDER_LABELS),
    birthDates[mode],
    fc.constantFrom('汉族', '布依族', '苗族'),
    label(EDUCATION_LABELS),
    fc.constantFrom('是', '否'),
  );
  const plausibleRow: fc.Arbitrary<string[]> =
    kind === 'people'
      ? fc
          .tuple(
            who,
            fc.constantFrom('村党支部书记', '镇长'),
            fc.oneof(
              fc.tuple(fc.constant(TEAM_KIND_LABELS.township_leadership), fromPool('townships')),
              fc.tuple(fc.constant(TEAM_KIND_LABELS.village_committee), fromPool('villages')),
            ),
          )
          .map(([p, post, [team, code]]) => [...p, post, team, code, ''])
      : fc
          .tuple(
            who,
            fc.constantFrom('致富带头人', ''),
            fromPool('villages'),
            label(RESERVE_SOURCE_LABELS),
            dates.plausible,
            label(RESERVE_NOMINATION_STATUS_LABELS),
          )
          .map(([p, position, village, source, on, status]) => [...p, position, village, '', source, on, status, '']);
  const plausible = csvOf(fc.array(plausibleRow, { minLength: 1, maxLength: 4 })).map((body) => ({ contentType: 'text/csv', body }));
  if (mode === 'plausible') return plausible;

  const cell = fc.oneof(
    {
      weight: 3,
      arbitrary: fc.constantFrom(
        '张三',
        '男',
        '女',
        '汉族',
        '本科',
        '大专',
        '是',
        '否',
        '村党支部书记',
        TEAM_KIND_LABELS.township_leadership,
        TEAM_KIND_LABELS.village_committee,
        '致富带头人',
        '提名',
        '在库',
        '1985.03',
      ),
    },
    { weight: 3, arbitrary: dates.wild },
    { weight: 2, arbitrary: fromPool('villages') },
    { weight: 2, arbitrary: oddString.map((v) => v.slice(0, 2000)) },
  );
  const oddRows = csvOf(fc.array(fc.array(cell, { minLength: header.length - 2, maxLength: header.length + 1 }), { minLength: 0, maxLength: 6 }));
  // A plausible row with one cell replaced.
  const oneOddCell = fc.tuple(plausibleRow, fc.nat(), cell).map(([row, at, v]) => row.map((c, i) => (i === at % row.length ? v : c)));
  return fc.oneof(
    { weight: 3, arbitrary: plausible },
    { weight: 3, arbitrary: csvOf(fc.array(oneOddCell, { minLength: 1, maxLength: 3 })).map((body) => ({ contentType: 'text/csv', body })) },
    { weight: 2, arbitrary: oddRows.map((body) => ({ contentType: 'text/csv', body })) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.constantFrom('text/csv', XLSX_MIME, 'application/octet-stream'), fc.uint8Array({ maxLength: 400 }))
        .map(([contentType, b]) => ({ contentType, body: Buffer.from(b) })),
    },
    // A zip that is not a workbook, an empty one, and a real template truncated or with bytes flipped.
    {
      weight: 1,
      arbitrary: fc
        .constantFrom(Buffer.from('PK\u0003\u0004garbage'), Buffer.from('PK\u0005\u0006' + '\u0000'.repeat(18)))
        .map((body) => ({ contentType: XLSX_MIME, body })),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(fc.constantFrom(...templates), fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { minLength: 0, maxLength: 8 }), fc.boolean())
        .map(([template, flips, truncate]) => {
          const body = Buffer.from(truncate ? template.subarray(0, Math.floor(template.length / 2)) : template);
          for (const [at, byte] of flips) body[at % body.length] = byte;
          return { contentType: XLSX_MIME, body };
        }),
    },
    { weight: 1, arbitrary: fc.constant({ contentType: 'text/csv', body: Buffer.from('姓名\r\n' + '甲\r\n'.repeat(20_000)) }) },
  );
}
const PEOPLE_HEADER = ['姓名', '性别', '出生日期', '民族', '学历', '是否中共党员', '职务', '班子类型', '区划代码', '区划名称'];
const RESERVE_HEADER = [
  '姓名',
  '性别',
  '出生日期',
  '民族',
  '学历',
  '是否中共党员',
  '现任职务',
  '村区划代码',
  '村名称',
  '来源（五个一批）',
  '提名日期',
  '状态',
  '备注',
];
const XLSX_MIME = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const templates: Buffer[] = [];

/** Every request this operation may get, as a fast-check generator. */
function requestArb(route: string, method: string, op: Operation): fc.Arbitrary<FuzzRequest> {
  return fc.oneof(requestOf(route, method, op, 'plausible'), requestOf(route, method, op, 'wild'));
}

function requestOf(route: string, method: string, op: Operation, mode: Mode): fc.Arbitrary<FuzzRequest> {
  const wild = mode === 'wild';
  const params = op.parameters ?? [];
  const pathParams = params.filter((p) => p.in === 'path');
  const queryParams = params.filter((p) => p.in === 'query');
  const idPool = poolForId(route);

  const pathArb = fc.tuple(
    ...pathParams.map((p) => {
      const pool = p.name === 'id' ? idPool : POOL_BY_NAME[p.name];
      const own = typed(resolve(p.schema), p.name, mode, 0).map(String);
      const variants: Array<fc.WeightedArbitrary<string>> = [{ weight: 2, arbitrary: own.map(encode) }];
      if (pool) variants.push({ weight: 7, arbitrary: fromPool(pool).map(encode) });
      if (wild) {
        variants.push(
          { weight: 2, arbitrary: oddString.map((v) => encode(v.slice(0, 300))) },
          // Raw, unencoded: a lone '%', spaces, slashes.
          { weight: 1, arbitrary: fc.constantFrom('%', '%zz', '..', 'a b', '%2F', '%00', ';', '?', '#') },
        );
      }
      return fc.oneof(...variants);
    }),
  );
  const queryArb = fc.tuple(
    ...queryParams.map((p) => {
      const list = csvListOf(route, p.name);
      const own = list
        ? fc.oneof({ weight: 3, arbitrary: list }, { weight: 1, arbitrary: typed(resolve(p.schema), p.name, mode, 0) })
        : typed(resolve(p.schema), p.name, mode, 0);
      const value = wild
        ? fc.oneof(
            { weight: 4, arbitrary: own },
            { weight: 1, arbitrary: oddValue },
            { weight: 1, arbitrary: poisoned(own) },
            // The same key twice.
            { weight: 1, arbitrary: fc.tuple(own, own) },
          )
        : own;
      return fc.option(value, { freq: p.required ? 10 : 2 });
    }),
  );
  const extraQuery = wild
    ? fc.option(
        fc.tuple(
          fc.constantFrom('extra', 'limit', '__proto__', 'a[b]', ''),
          oddString.map((v) => v.slice(0, 200)),
        ),
        { freq: 6 },
      )
    : fc.constant(null);

  type Body = { contentType?: string; payload?: string | Buffer };
  let bodyArb: fc.Arbitrary<Body> = fc.constant({});
  const content = op.requestBody?.content ?? {};
  const known = VALID_BODIES[op.operationId];
  if (content['application/json']) {
    const schema = content['application/json'].schema;
    const json = fc.oneof(
      { weight: 3, arbitrary: valueOf(schema, '', mode, 0) },
      ...(wild ? [{ weight: 3, arbitrary: poisoned(valueOf(schema, '', 'plausible', 0)) }] : []),
      // Known-good bodies (wild: with one field swapped for anything, or dropped).
      ...(known ? [{ weight: 2, arbitrary: wild ? mutated(known(mode)) : known(mode) }] : []),
    );
    const asJson = json.map((v) => ({ contentType: 'application/json', payload: JSON.stringify(v) ?? 'null' }));
    bodyArb = wild
      ? fc.oneof(
          { weight: 12, arbitrary: asJson },
          { weight: 1, arbitrary: fc.constantFrom(...MALFORMED_JSON).map((payload) => ({ contentType: 'application/json', payload })) },
          { weight: 1, arbitrary: fc.constant({}) },
          {
            weight: 1,
            arbitrary: fc
              .constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1', 'multipart/form-data; boundary=x')
              .map((contentType) => ({ contentType, payload: 'reason=x' })),
          },
        )
      : asJson;
  } else if (route.startsWith('/api/v1/imports/') && method === 'post') {
    const upload = uploadArb(route.endsWith('/people') ? 'people' : 'reserve_nominations', mode).map(({ contentType, body }) => ({
      contentType,
      payload: body,
    }));
    bodyArb = wild
      ? fc.oneof(
          { weight: 8, arbitrary: upload },
          { weight: 1, arbitrary: fc.constant({ contentType: 'application/json', payload: '{"rows": []}' }) },
          { weight: 1, arbitrary: fc.constant({}) },
        )
      : upload;
  } else if (method === 'post' && wild) {
    // Body-less commands still get a body now and then.
    bodyArb = fc.oneof(
      { weight: 4, arbitrary: fc.constant({}) },
      { weight: 1, arbitrary: fc.constant({ contentType: 'application/json', payload: '{"x":1}' }) },
    );
  }

  const keyArb = fc.option(wild ? fc.oneof(asciiKey, fc.constant('fuzz-reused-key'), fc.constant('k'.repeat(2_000))) : idempotencyKey, { freq: 3 });

  return fc.tuple(pathArb, queryArb, extraQuery, bodyArb, keyArb).map(([pathValues, queryValues, extra, body, key]) => {
    let i = 0;
    const urlPath = route.replace(/\{[^}]+\}/g, () => pathValues[i++]!);
    const pairs = queryParams.flatMap((p, j) => (queryValues[j] === null ? [] : queryPairs(p.name, queryValues[j])));
    if (extra) pairs.push(extra);
    const qs = pairs.map(([k, v]) => `${encode(k)}=${encode(v)}`).join('&');
    const headers: Record<string, string> = {};
    if (body.contentType) headers['content-type'] = body.contentType;
    if (key) headers['idempotency-key'] = key;
    return { mode, method: method.toUpperCase(), url: qs ? `${urlPath}?${qs}` : urlPath, headers, body: body.payload };
  });
}

/** Characters a database or a spreadsheet may refuse, put into an otherwise plausible string. */
const POISON = ['\u0000', '\u0007', '\u001f', '\uD800', '\uFFFE', '\u200B', '\u3000', '\r\n', '\\', "'", '"', '%s', '=cmd|', '\u202E'];

/** Every path to a string inside a value. */
function stringPaths(value: unknown, at: Array<string | number> = []): Array<Array<string | number>> {
  if (typeof value === 'string') return [at];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringPaths(v, [...at, i]));
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => stringPaths(v, [...at, k]));
  return [];
}
function withStringAt(value: unknown, at: Array<string | number>, replace: (s: string) => string): unknown {
  if (!at.length) return typeof value === 'string' ? replace(value) : value;
  const [head, ...rest] = at;
  if (Array.isArray(value)) return value.map((v, i) => (i === head ? withStringAt(v, rest, replace) : v));
  return { ...(value as Record<string, unknown>), [head!]: withStringAt((value as Record<string, unknown>)[head!], rest, replace) };
}
/** A plausible value with one of its strings poisoned (before, inside or after its text). */
function poisoned(value: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return value.chain((v) => {
    const paths = stringPaths(v);
    if (!paths.length) return fc.constant(v);
    return fc
      .tuple(fc.constantFrom(...paths), fc.constantFrom(...POISON), fc.constantFrom('before', 'inside', 'after', 'only'))
      .map(([at, bad, where]) =>
        withStringAt(v, at, (s) => (where === 'only' ? bad : where === 'before' ? bad + s : where === 'after' ? s + bad : s.slice(0, 1) + bad + s.slice(1))),
      );
  });
}

/** A valid body with one top-level field replaced by anything (or dropped), or one of its strings poisoned. */
function mutated(body: fc.Arbitrary<Record<string, unknown>>): fc.Arbitrary<unknown> {
  return body.chain((b) => {
    const keys = Object.keys(b);
    if (!keys.length)
      return fc.oneof(
        fc.constant(b),
        oddValue.map((v) => ({ extra: v })),
      );
    return fc.oneof(
      { weight: 1, arbitrary: fc.constant(b) },
      { weight: 3, arbitrary: poisoned(fc.constant(b)) },
      { weight: 3, arbitrary: fc.tuple(fc.constantFrom(...keys), oddValue).map(([k, v]) => ({ ...b, [k]: v })) },
      { weight: 1, arbitrary: fc.constantFrom(...keys).map((k) => Object.fromEntries(Object.entries(b).filter(([key]) => key !== k))) },
    );
  });
}

const words = fc.constantFrom('按计划推进', '材料已报送乡镇党委', '群众反映问题已解决');
const person = (mode: Mode) =>
  fc.record(
    {
      name: fc.constantFrom('张某', '李某', '王某'),
      gender: fc.constantFrom(...GENDERS),
      birthDate: birthDates[mode],
      ethnicity: fc.constantFrom('汉族', '布依族'),
      education: fc.constantFrom(...EDUCATION_LEVELS),
      partyMember: fc.boolean(),
    },
    { requiredKeys: ['name'] },
  );
const personRef = (mode: Mode) => fc.oneof(person(mode), fc.record({ personId: fromPool('people') }));
const clockRequestBody = (mode: Mode) =>
  fc.oneof(
    fc.record({ kind: fc.constant('extension'), obligationId: fromPool('obligations'), reason: words, newDueDate: dates[mode] }),
    fc.record({ kind: fc.constant('exemption'), obligationId: fromPool('obligations'), reason: words, category: fc.constantFrom(...EXEMPTION_CATEGORIES) }),
  );
const decision = () => fc.record({ approved: fc.boolean(), comment: words }, { requiredKeys: ['approved'] });
const review = () => fc.record({ passed: fc.boolean(), comment: words });

/** Bodies the services accept when the state allows: they get the fuzzer past validation. */
const contactPointBody = fc.oneof(
  fc.record({ kind: fc.constant('sms'), address: fc.constantFrom('13800138000', '+86 139-1234-5678', '15000000000') }),
  fc.record({ kind: fc.constant('email'), address: fc.constantFrom('zhang@example.gov.cn', 'Li.Si@Example.gov.cn') }),
);
const VALID_BODIES: Record<string, (mode: Mode) => fc.Arbitrary<Record<string, unknown>>> = {
  addMyContactPoint: () => contactPointBody,
  addAccountContactPoint: () => fc.tuple(contactPointBody, fc.boolean()).map(([body, verified]) => ({ ...body, verified })),
  verifyMyContactPoint: () => fc.record({ code: fc.stringMatching(/^\d{6}$/) }),
  createOfficeChannel: () =>
    fc.oneof(
      fc.record({ kind: fc.constant('wecom_robot'), url: fc.constant('https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=fuzz'), label: words }),
      fc.record({
        kind: fc.constant('dingtalk_robot'),
        url: fc.constant('https://oapi.dingtalk.com/robot/send?access_token=fuzz'),
        secret: words,
        label: words,
      }),
      fc.record({
        kind: fc.constant('signed_webhook'),
        url: fc.constant('http://127.0.0.1:9/hook'),
        secret: words,
        label: words,
        officeDivisionCode: fromPool('townships'),
      }),
    ),
  designateCase: () =>
    fc.record(
      {
        villageCode: fromPool('villages'),
        reasons: fc.subarray([...DESIGNATION_REASONS], { minLength: 1 }),
        sponsorUserId: fromPool('sponsors'),
        policyId: fromPool('policies'),
      },
      { requiredKeys: ['villageCode', 'reasons', 'sponsorUserId'] },
    ),
  submitPlan: (mode) =>
    fc.record({
      summary: words,
      issues: fc.constant(['组织生活不正常']),
      measures: fc.array(fc.record({ measure: words, owner: fc.constant('村党支部'), dueDate: dates[mode] }, { requiredKeys: ['measure', 'owner'] }), {
        minLength: 1,
        maxLength: 3,
      }),
    }),
  submitReport: (mode) => fc.record({ period: fc.oneof(fromPool('periods'), months[mode]), progress: words }),
  requestAcceptance: () => fc.record({ summary: words }),
  reviewAcceptance: () =>
    fc.record({
      score: fc.integer({ min: 0, max: 100 }),
      representativesTotal: fc.integer({ min: 1, max: 50 }),
      representativesDissatisfied: fc.integer({ min: 0, max: 60 }),
    }),
  changeSponsor: () => fc.record({ sponsorUserId: fc.oneof(fromPool('sponsors'), fc.constant(null)), reason: words }),
  cancelCase: () => fc.record({ reason: words }),
  reportRelapse: () => fc.record({ reasons: fc.constant(['poor_service']), note: words }),
  requestClockChange: clockRequestBody,
  requestMentorshipClockChange: clockRequestBody,
  requestReserveClockChange: clockRequestBody,
  decideClockChange: decision,
  decideMentorshipClockChange: decision,
  decideReserveClockChange: decision,
  suspendClock: () => fc.record({ reason: words }),
  resumeClock: () => fc.record({ reason: words }),
  interruptClock: () => fc.record({ reason: words, obligationId: fromPool('obligations') }, { requiredKeys: ['reason'] }),
  changeCasePolicy: () => fc.record({ policyId: fromPool('policies') }),
  createPolicyVersion: () =>
    fc.record({
      name: fc.constantFrom('default', 'fuzz'),
      body: fc
        .tuple(fc.constantFrom(...(Object.keys(DEMO_POLICY) as Array<keyof typeof DEMO_POLICY>)), durationArb)
        .map(([k, v]) => (typeof DEMO_POLICY[k] === 'string' ? { ...DEMO_POLICY, [k]: v } : DEMO_POLICY)),
    }),
  previewPolicy: (mode) =>
    fc.record(
      {
        basedOn: fc.oneof(fc.constant('defaults'), fromPool('policies')),
        kind: fc.constantFrom(...PREVIEW_KINDS),
        from: dates[mode],
        division: fc.oneof(fromPool('villages'), fromPool('divisions')),
      },
      { requiredKeys: ['basedOn', 'kind', 'from'] },
    ),
  createCalendarOverride: (mode) =>
    fc.record({ divisionCode: fc.oneof(fromPool('villages'), fromPool('divisions')), date: dates[mode], workday: fc.boolean(), reason: words }),
  proposeMentorship: (mode) =>
    fc.record(
      { villageCode: fromPool('villages'), mentee: personRef(mode), mentor: personRef(mode), policyId: fromPool('policies') },
      { requiredKeys: ['villageCode', 'mentee'] },
    ),
  approveMentorship: () => fc.record({ comment: words }, { requiredKeys: [] }),
  changeMentor: (mode) => fc.record({ mentor: fc.oneof(personRef(mode), fc.constant(null)), reason: words }),
  logCheckIn: (mode) => fc.record({ period: fc.oneof(fromPool('periods'), months[mode]), metOn: dates[mode], handled: words }),
  reviewMentorship: () => fc.record({ outcome: fc.constantFrom(...MENTORSHIP_REVIEW_OUTCOMES), comment: words }, { requiredKeys: ['outcome'] }),
  terminateMentorship: () => fc.record({ reason: words }),
  nominateReserve: (mode) =>
    fc.record(
      { villageCode: fromPool('villages'), person: personRef(mode), source: fc.constantFrom(...RESERVE_SOURCES), policyId: fromPool('policies') },
      { requiredKeys: ['villageCode', 'person', 'source'] },
    ),
  qualifyReserve: review,
  inspectReserve: review,
  publicizeReserve: () => fc.record({ note: words }, { requiredKeys: [] }),
  startReserveTraining: () => fc.record({ arrangement: words }),
  fileTrainingRecord: () =>
    fc.record(
      { kind: fc.constantFrom(...TRAINING_RECORD_KINDS), period: fc.constantFrom('Q1', 'Q2', 'Q999'), summary: words, talkedWith: words },
      { requiredKeys: ['kind', 'period', 'summary'] },
    ),
  periodicReviewReserve: () => fc.record({ outcome: fc.constantFrom(...PERIODIC_REVIEW_OUTCOMES), comment: words }),
  annualReviewReserve: () =>
    fc.record({ outcome: fc.constantFrom(...ANNUAL_REVIEW_OUTCOMES), satisfaction: fc.double({ min: 0, max: 1, noNaN: true }), comment: words }),
  placeReserve: () => fc.record({ post: fc.constantFrom(...PLACEMENT_POSTS), newInPost: fc.boolean() }),
  exitReserve: () => fc.record({ reason: words }),
  transferReserve: () => fc.record({ toVillageCode: fromPool('villages'), reason: words }),
};

// --- Running -------------------------------------------------------------------------------------

interface Failure {
  operationId: string;
  caller: Caller;
  request: FuzzRequest;
  status: number;
  response: string;
}
const failures: Failure[] = [];
let requests = 0;

async function send(caller: Caller, req: FuzzRequest): Promise<{ status: number; body: string; json: unknown }> {
  const headers = { ...req.headers };
  const token = tokens[caller];
  if (token) headers.authorization = `Bearer ${token}`;
  else if (requests % 3 === 1) headers.authorization = ['Bearer ', 'Bearer x', `Basic ${'a'.repeat(20)}`, 'Bearer ' + 'z'.repeat(500)][requests % 4]!;
  requests++;
  const answer = app.inject({ method: req.method as InjectOptions['method'], url: req.url, headers, ...(req.body !== undefined ? { payload: req.body } : {}) });
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), ANSWER_TIMEOUT_MS)));
  const res = await Promise.race([answer, timeout]).finally(() => clearTimeout(timer));
  // No answer at all is as bad as a 500: reported as status 0.
  if (!res) return { status: 0, body: `no answer within ${ANSWER_TIMEOUT_MS / 1000} s`, json: null };
  let json: unknown = null;
  if (String(res.headers['content-type'] ?? '').startsWith('application/json')) {
    try {
      json = JSON.parse(res.body);
    } catch {
      json = null;
    }
  }
  return { status: res.statusCode, body: res.body, json };
}

/** What a successful answer created, so later requests can use it. */
function harvest(json: unknown): void {
  if (!json || typeof json !== 'object') return;
  const o = json as Record<string, unknown>;
  const add = (pool: Pool, v: unknown) => typeof v === 'string' && !pools[pool].includes(v) && pools[pool].push(v);
  if (Array.isArray(o.obligations))
    for (const ob of o.obligations as Array<{ id: string; key: string; kind: string }>) {
      add('obligations', ob.id);
      if (/^\d{4}-\d{2}$/.test(ob.key)) add('periods', ob.key);
    }
  if (Array.isArray(o.clockRequests)) for (const r of o.clockRequests as Array<{ id: string }>) add('clockRequests', r.id);
  const contactPoint = o.contactPoint as { id?: string } | undefined;
  if (contactPoint?.id) add('contactPoints', contactPoint.id);
  if (typeof o.urlHint === 'string') add('officeChannels', o.id);
  for (const k of ['mentee', 'mentor', 'person'] as const) {
    const p = o[k] as { id?: string } | null | undefined;
    if (p?.id) add('people', p.id);
  }
}

/** Read-only first, then commands, the ones that end a process last (so others still find it open). */
function operations(): Array<{ route: string; method: string; op: Operation }> {
  const all = Object.entries(doc.paths).flatMap(([route, item]) => Object.entries(item).map(([method, op]) => ({ route, method, op })));
  const rank = ({ route, method }: { route: string; method: string }) =>
    method === 'get' ? 0 : /\/(cancel|terminate|exit|transfer|relapse|revoke|placement)$/.test(route) ? 2 : 1;
  return all.sort((a, b) => rank(a) - rank(b));
}

beforeAll(async () => {
  env = await startTimeSkippingEnv();
  // The demo county whole (its townships and villages), and a township of another county.
  // Recording notifiers: contact points and channel tests get past "not configured" to the sends.
  h = await startHarness({ env }, { divisions: ['522731', '522727001'], notifiers: recordingNotifiers() });
  app = await h.app();
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'rectify-fuzz-'));
  demo = await seedDemo({ db: h.db.db, sql: h.db.sql, cases: h.cases, temporal: h.temporal, dataDir, hasher: createPasswordHasher(TEST_PASSWORD_HASH) });
  const token = (key: string) => demo.users.find((x) => x.key === key)!.token;
  tokens.org_dept = token('org_county');
  tokens.township_office = token('township_1');
  tokens.sponsor = token('sponsor_wang');

  pools.cases.push(...demo.cases.map((c) => c.caseId));
  pools.mentorships.push(...demo.mentorships.map((m) => m.id));
  pools.reserves.push(...demo.reserves.map((r) => r.id));
  pools.sponsors.push(...demo.users.filter((x) => x.role === 'sponsor').map((x) => x.id));
  pools.villages.push(...(await h.villageCodes('522731')).slice(0, 40), ...(await h.villageCodes('522727001')).slice(0, 3));
  const townships = await h.db.sql<{ code: string }[]>`select code from divisions where level = 'township' order by code`;
  pools.townships.push(...townships.map((t) => t.code));
  pools.divisions.push('522731000000', '522731', '5227', '52', '522727001000', '522731001', ...pools.townships, ...pools.villages.slice(0, 5));

  const org = { authorization: `Bearer ${tokens.org_dept}` };
  const get = async (url: string, auth = org) => JSON.parse((await app.inject({ method: 'GET', url, headers: auth })).body);
  for (const id of pools.cases) harvest(await get(`/api/v1/cases/${id}`));
  for (const id of pools.mentorships) harvest(await get(`/api/v1/mentorships/${id}`));
  for (const id of pools.reserves) harvest(await get(`/api/v1/reserves/${id}`));
  pools.policies.push(...(await get('/api/v1/policies')).items.map((p: { id: string }) => p.id));
  for (const key of ['org_county', 'township_1', 'sponsor_wang']) {
    pools.inbox.push(...(await get('/api/v1/inbox?limit=20', { authorization: `Bearer ${token(key)}` })).items.map((i: { id: string }) => i.id));
  }
  // A 延期 request on a case, so the decision routes have a real request to decide.
  const planning = demo.cases.find((c) => c.key === 'demo-case-1')!;
  const detail = await get(`/api/v1/cases/${planning.caseId}`);
  const plan = detail.obligations.find((o: { kind: string; status: string }) => o.kind === 'plan' && o.status === 'open');
  if (plan) {
    const res = await app.inject({
      method: 'POST',
      url: `/api/v1/cases/${planning.caseId}/clock-requests`,
      headers: { authorization: `Bearer ${token(demo.users.find((x) => x.id === detail.sponsorUserId)!.key)}` },
      payload: { kind: 'extension', obligationId: plan.id, reason: '汛期抢险', newDueDate: isoDay(new Date(Date.now() + 60 * 86_400_000)) },
    });
    harvest(JSON.parse(res.body));
  }
  const override = await app.inject({
    method: 'POST',
    url: '/api/v1/calendar/overrides',
    headers: org,
    payload: { divisionCode: pools.villages[0], date: '2030-06-03', workday: false, reason: '台风停工' },
  });
  if (override.statusCode === 201) pools.overrides.push(JSON.parse(override.body).id);
  for (const kind of ['people', 'reserve-nominations'])
    templates.push((await app.inject({ method: 'GET', url: `/api/v1/imports/templates/${kind}`, headers: org })).rawPayload);

  doc = (await app.inject({ method: 'GET', url: '/openapi.json' })).json();
}, 300_000);

afterAll(async () => {
  await h?.close();
  await env?.teardown();
  if (dataDir) await fs.rm(dataDir, { recursive: true, force: true });
});

describe('dates out of range answer 400 naming the field (issue 9: each of these used to be a 500)', () => {
  test.each([
    ['/api/v1/stats/conversion?asOf=0020-02-29T00:00:00Z', 'query.asOf'],
    ['/api/v1/stats/time-to-delisting?asOf=0020-02-29T00:00:00Z', 'query.asOf'],
    ['/api/v1/stats/overdue?from=0020-02-29', 'query.from'],
    ['/api/v1/stats/report-timeliness?from=0020-02-29', 'query.from'],
    ['/api/v1/exports/stats?from=0020-02-29', 'query.from'],
    ['/api/v1/stats/time-to-delisting?asOf=9999-12-31T23:59:59Z', 'query.asOf'],
    ['/api/v1/stats/structure?asOf=2101-01-01', 'query.asOf'],
    ['/api/v1/stats/overdue?to=6193-02-18', 'query.to'],
    ['/api/v1/calendar/nth-working-day?month=1999-12&n=1', 'query.month'],
  ])('GET %s', async (url, field) => {
    const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${tokens.org_dept}` } });
    expect(res.statusCode).toBe(400);
    const body = res.json();
    expect(body.details.issues.map((i: { field: string }) => i.field)).toEqual([field]);
    expect(body.message).toContain('2000–2100');
  });

  test('a century of months (found by the fuzzer: a 500) is 400 naming the range', async () => {
    for (const url of ['/api/v1/stats/overdue?asOf=2100-12-30&from=2000-01-01', '/api/v1/stats/report-timeliness?from=2000-01-01&to=2100-12-31']) {
      const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${tokens.township_office}` } });
      expect([url, res.statusCode, res.json().details?.issues?.[0]?.field]).toEqual([url, 400, 'query.from']);
    }
  });

  test('the years just inside the range are answered', async () => {
    for (const url of [
      '/api/v1/stats/conversion?asOf=2000-01-01T00:00:00Z',
      '/api/v1/stats/overdue?from=2100-01-01&to=2100-12-31',
      '/api/v1/stats/report-timeliness?from=2000-02-29&to=2000-03-31',
    ]) {
      const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${tokens.org_dept}` } });
      expect([url, res.statusCode]).toEqual([url, 200]);
    }
  });

  test('a birth date before 1900 or in the future, and a check-in month out of range, name their fields', async () => {
    const township = { authorization: `Bearer ${tokens.township_office}` };
    const village = pools.villages[0];
    const born = (birthDate: string) =>
      app.inject({
        method: 'POST',
        url: '/api/v1/reserves',
        headers: township,
        payload: { villageCode: village, source: 'returnee', person: { name: '某某', birthDate } },
      });
    for (const birthDate of ['1899-12-31', isoDay(new Date(Date.now() + 3 * 86_400_000))]) {
      const res = await born(birthDate);
      expect([birthDate, res.statusCode]).toEqual([birthDate, 400]);
      expect(res.json().details.issues.map((i: { field: string }) => i.field)).toContain('body.person.birthDate');
    }
    const checkIn = await app.inject({
      method: 'POST',
      url: `/api/v1/mentorships/${pools.mentorships[0]}/check-ins`,
      headers: township,
      payload: { period: '0020-02', metOn: '0020-02-29', handled: '走访' },
    });
    expect(checkIn.statusCode).toBe(400);
    expect(
      checkIn
        .json()
        .details.issues.map((i: { field: string }) => i.field)
        .sort(),
    ).toEqual(['body.metOn', 'body.period']);
  });
});

describe('control characters answer 400 naming the field (a NUL used to be a 500, or a command that never answered)', () => {
  const org = () => ({ authorization: `Bearer ${tokens.org_dept}` });
  test.each([
    [
      'designation note',
      () => ({
        url: '/api/v1/cases',
        payload: { villageCode: pools.villages.at(-5), reasons: ['poor_service'], sponsorUserId: pools.sponsors[0], note: '村\u0000务' },
      }),
      'body.note',
    ],
    [
      'plan summary',
      () => ({
        url: `/api/v1/cases/${demo.cases.find((c) => c.key === 'demo-case-1')!.caseId}/plan`,
        payload: { summary: '方案\u0000', issues: ['x'], measures: [{ measure: 'm', owner: 'o' }] },
      }),
      'body.summary',
    ],
    [
      'calendar override reason',
      () => ({ url: '/api/v1/calendar/overrides', payload: { divisionCode: pools.villages[1], date: '2031-05-06', workday: false, reason: '台风\u0007' } }),
      'body.reason',
    ],
    ['policy name', () => ({ url: '/api/v1/policies', payload: { name: 'p\u0000', body: DEMO_POLICY } }), 'body.name'],
    ['an unpaired surrogate in a reason', () => ({ url: `/api/v1/cases/${pools.cases[0]}/cancel`, payload: { reason: '撤并\uD800' } }), 'body.reason'],
    [
      'an obligation id',
      () => ({ url: `/api/v1/cases/${pools.cases[0]}/interrupt`, payload: { reason: 'x', obligationId: 'plan\u0000' } }),
      'body.obligationId',
    ],
  ])('%s', async (_what, request, field) => {
    const { url, payload } = request();
    const res = await app.inject({ method: 'POST', url, headers: org(), payload });
    expect(res.statusCode).toBe(400);
    expect(res.json().details.issues.map((i: { field: string }) => i.field)).toContain(field);
  });

  test('a spreadsheet cell with one is a problem of its row, not a 500', async () => {
    const village = pools.villages[2]!;
    const csv = [PEOPLE_HEADER.join(','), `张\u0000某,男,1980-01-01,汉族,本科,是,村党支部书记,${TEAM_KIND_LABELS.village_committee},${village},`].join('\n');
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/imports/people',
      headers: { authorization: `Bearer ${tokens.township_office}`, 'content-type': 'text/csv' },
      payload: csv,
    });
    expect(res.statusCode).toBe(422);
    expect(res.json().details.report.errors).toEqual([expect.objectContaining({ row: 2, column: '姓名' })]);
  });

  test('with an Idempotency-Key too: the answer echoing it is stored (jsonb holds no U+0000) and replayed', async () => {
    const village = pools.villages[2]!;
    const csv = [PEOPLE_HEADER.join(','), `李\u0000某,男,1980-01-01,汉族,本科,是,村党支部书记,${TEAM_KIND_LABELS.village_committee},${village},`].join('\n');
    const headers = { authorization: `Bearer ${tokens.township_office}`, 'content-type': 'text/csv', 'idempotency-key': 'nul-in-a-cell' };
    const first = await app.inject({ method: 'POST', url: '/api/v1/imports/people?dryRun=true', headers, payload: csv });
    expect(first.statusCode, first.body).toBe(422);
    const again = await app.inject({ method: 'POST', url: '/api/v1/imports/people?dryRun=true', headers, payload: csv });
    expect(again.statusCode).toBe(422);
    expect(again.json().details.report.errors).toEqual(
      first.json().details.report.errors.map((e: { value?: string }) => ({ ...e, ...(e.value ? { value: e.value.replaceAll('\u0000', '\ufffd') } : {}) })),
    );
  });
});

describe('a damaged workbook is a 422, and is answered', () => {
  test('a local header whose size disagrees with the zip directory (the streaming reader used to wait for ever)', async () => {
    const bytes = Buffer.from(templates[0]!);
    const name = Buffer.from('xl/worksheets/sheet1.xml');
    let at = -1;
    for (let i = 0; i + 4 < bytes.length && at < 0; i++)
      if (bytes.readUInt32LE(i) === 0x04034b50 && bytes.subarray(i + 30, i + 30 + name.length).equals(name)) at = i;
    bytes.writeUInt32LE(bytes.readUInt32LE(at + 18) - 1, at + 18); // compressed size, one short
    const res = await send('township_office', {
      mode: 'wild',
      method: 'POST',
      url: '/api/v1/imports/people',
      headers: { 'content-type': XLSX_MIME },
      body: bytes,
    });
    expect(res.status).toBe(422);
    expect((res.json as { details: { report: { errors: Array<{ row: number }> } } }).details.report.errors).toEqual([
      expect.objectContaining({ row: 1, column: null }),
    ]);
  });
});

describe('fuzzing every operation of the OpenAPI document', () => {
  test('the demo data gives the fuzzer real ids to reach past the 404s', () => {
    for (const pool of [
      'cases',
      'mentorships',
      'reserves',
      'clockRequests',
      'inbox',
      'overrides',
      'policies',
      'people',
      'sponsors',
      'obligations',
      'villages',
      'periods',
    ] as const) {
      expect([pool, pools[pool].length > 0]).toEqual([pool, true]);
    }
    expect(operations().length).toBeGreaterThanOrEqual(70);
  });

  const callers: Caller[] = ['anonymous', 'sponsor', 'township_office', 'org_dept'];
  test.each(callers)(
    'no request answers 5xx, as %s',
    async (caller) => {
      const started = Date.now();
      const before = requests;
      const statuses = new Map<number, number>();
      for (const [index, { route, method, op }] of operations().entries()) {
        await fc.assert(
          fc.asyncProperty(requestArb(route, method, op), async (req) => {
            const res = await send(caller, req);
            statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
            if (res.status < 300) harvest(res.json);
            if ((res.status >= 500 || res.status === 0) && failures.filter((f) => f.operationId === op.operationId && f.caller === caller).length < 3) {
              failures.push({ operationId: op.operationId, caller, request: req, status: res.status, response: res.body.slice(0, 2_000) });
            }
            return true;
          }),
          { seed: SEED + 1_000 * callers.indexOf(caller) + index, numRuns: RUNS[caller] },
        );
      }
      const mine = failures.filter((f) => f.caller === caller);
      const report = mine
        .map((f) => {
          const body =
            f.request.body === undefined ? '' : Buffer.isBuffer(f.request.body) ? `<${f.request.body.length} bytes>` : f.request.body.slice(0, 1_000);
          const headers = Object.fromEntries(Object.entries(f.request.headers).map(([k, v]) => [k, v.length > 80 ? `${v.slice(0, 80)}…(${v.length})` : v]));
          return `${f.operationId}: ${f.request.method} ${f.request.url.slice(0, 2_000)}\n  headers: ${JSON.stringify(headers)}\n  body: ${body}\n  → ${f.status} ${f.response}`;
        })
        .join('\n\n');
      console.log(
        `fuzz ${caller}: ${requests - before} requests in ${((Date.now() - started) / 1000).toFixed(1)} s; statuses ${JSON.stringify(Object.fromEntries([...statuses].sort(([a], [b]) => a - b)))}`,
      );
      expect(mine.length, `5xx answers as ${caller}:\n\n${report}\n`).toBe(0);
    },
    600_000,
  );
});
