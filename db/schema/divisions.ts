import { index, pgTable, varchar, text, type AnyPgColumn } from 'drizzle-orm/pg-core';
import { divisionLevelEnum } from './enums.js';

/** 统计用区划代码: always 12 digits; a jurisdiction is a prefix of it. */
export const divisions = pgTable(
  'divisions',
  {
    code: varchar('code', { length: 12 }).primaryKey(),
    name: text('name').notNull(),
    level: divisionLevelEnum('level').notNull(),
    parentCode: varchar('parent_code', { length: 12 }).references((): AnyPgColumn => divisions.code),
  },
  (t) => [
    index('divisions_parent_code_idx').on(t.parentCode),
    // Prefix searches (code LIKE '522731%') use this with text_pattern_ops.
    index('divisions_code_pattern_idx').on(t.code.op('varchar_pattern_ops')),
    // "The townships (villages, prefectures) inside a division": the statistics' scopes and groups.
    // Read from the index alone instead of every division of the range (a province: 28,000 rows
    // for its 1,800 townships or 21 prefectures).
    index('divisions_level_code_idx').on(t.level, t.code.op('varchar_pattern_ops')),
  ],
);
