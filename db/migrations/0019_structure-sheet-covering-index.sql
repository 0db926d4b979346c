-- The structure sheet (GET /api/v1/stats/structure) reads one team kind's summary rows in a code
-- range. The index of migration 0016 leads with the code, so a province's range walks every team kind
-- (Guangdong: 134,057 village-team rows beside its 19,263 township-team rows) and fetches each row
-- from the heap; this one leads with the kind and carries the counts, so the sheet is an index-only
-- scan of its own rows.
CREATE INDEX IF NOT EXISTS "team_structure_counts_sheet_idx" ON "team_structure_counts" USING btree ("team_kind", "division_code" varchar_pattern_ops, "birth_date") INCLUDE ("members", "women", "college", "minority", "party_members");
