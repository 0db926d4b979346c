CREATE TABLE "reserve_village_counts" (
	"village_code" varchar(12) NOT NULL,
	"source" "reserve_source" NOT NULL,
	"birth_date" date,
	"on_record" integer NOT NULL,
	"in_pool" integer NOT NULL,
	"college" integer NOT NULL,
	"female" integer NOT NULL,
	"party_members" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "team_structure_counts" (
	"division_code" varchar(12) NOT NULL,
	"team_kind" "team_kind" NOT NULL,
	"birth_date" date,
	"members" integer NOT NULL,
	"women" integer NOT NULL,
	"college" integer NOT NULL,
	"minority" integer NOT NULL,
	"party_members" integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX "reserve_village_counts_village_idx" ON "reserve_village_counts" USING btree ("village_code" varchar_pattern_ops,"source","birth_date");--> statement-breakpoint
CREATE INDEX "team_structure_counts_division_idx" ON "team_structure_counts" USING btree ("division_code" varchar_pattern_ops,"team_kind","birth_date");--> statement-breakpoint
-- The summaries are kept exact by statement-level triggers on every table they derive from, in the
-- writing transaction: no writer (the people import, the reserve projection, nominations started as
-- candidates, transfers, fixtures and scripts writing SQL) can forget them. A trigger recounts the
-- villages (teams) its statement touched from the source rows: simpler to keep right than deltas,
-- and a few index probes per village. Past 100,000 of them (bulk loads) it recounts everything.
-- Rows go in in code order, so a recount leaves a division's rows side by side on disk: a
-- prefecture's are a few pages, not a page each.
-- The constants below are domain/ constants (POOL_STATES, TERMINAL_RESERVE_STATES, COLLEGE_LEVELS,
-- MAJORITY_ETHNIC_GROUP); tests/stats/summaries.test.ts checks the summaries against the
-- from-scratch counts over every state and education level.
--
-- Writers of one village serialise on an advisory lock held to commit, so the second recounts with
-- the first's rows in view (read committed: each statement below takes a new snapshot). Past 1,000
-- villages a statement takes one lock for the whole summary rather than filling the lock table.
CREATE OR REPLACE FUNCTION stats_lock_summary(summary text, codes text[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  c text;
BEGIN
  IF codes IS NULL OR cardinality(codes) > 1000 THEN
    PERFORM pg_advisory_xact_lock(hashtext(summary), 0);
  ELSE
    PERFORM pg_advisory_xact_lock_shared(hashtext(summary), 0);
    FOREACH c IN ARRAY (SELECT array_agg(DISTINCT x ORDER BY x) FROM unnest(codes) x) LOOP
      PERFORM pg_advisory_xact_lock(hashtext(summary), hashtext(c));
    END LOOP;
  END IF;
END
$$;
--> statement-breakpoint
-- Recounts reserve_village_counts for some villages (null: all of them). The reserves on record are
-- the candidates not placed, exited or transferred, and the nominations no candidate was started
-- from (a candidate stands for its nomination: started in the nomination's village, and a transfer
-- leaves the first candidate there, so "no candidate at all" is "none in the scope").
CREATE OR REPLACE FUNCTION stats_refresh_reserve_counts(codes text[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  nominations text := 'true';
  candidates text := 'true';
BEGIN
  IF codes IS NOT NULL AND cardinality(codes) = 0 THEN
    RETURN;
  END IF;
  IF codes IS NOT NULL AND cardinality(codes) > 100000 THEN
    codes := NULL;
  END IF;
  PERFORM stats_lock_summary('reserve_village_counts', codes);
  IF codes IS NULL THEN
    TRUNCATE reserve_village_counts;
  ELSE
    DELETE FROM reserve_village_counts WHERE village_code = ANY (codes);
    nominations := 'n.village_code = ANY ($1)';
    candidates := 'c.village_code = ANY ($1)';
  END IF;
  EXECUTE format($q$
    INSERT INTO reserve_village_counts (village_code, source, birth_date, on_record, in_pool, college, female, party_members)
    SELECT r.village_code, r.source, p.birth_date, count(*), count(*) FILTER (WHERE r.in_pool),
      count(*) FILTER (WHERE r.in_pool AND p.education IN ('postgraduate', 'bachelor', 'associate')),
      count(*) FILTER (WHERE r.in_pool AND p.gender = 'female'),
      count(*) FILTER (WHERE r.in_pool AND p.party_member)
    FROM (
      SELECT n.village_code, n.source, n.person_id, n.status = 'in_pool' AS in_pool
      FROM reserve_nominations n
      WHERE %s AND NOT EXISTS (SELECT 1 FROM reserve_candidates rc WHERE rc.nomination_id = n.id)
      UNION ALL
      SELECT c.village_code, c.source, c.person_id, c.state IN ('in_pool', 'in_training', 'annual_review')
      FROM reserve_candidates c
      WHERE %s AND c.state NOT IN ('placed', 'exited', 'transferred')
    ) r
    LEFT JOIN people p ON r.in_pool AND p.id = r.person_id
    GROUP BY 1, 2, 3
    ORDER BY 1, 2, 3$q$, nominations, candidates) USING codes;
END
$$;
--> statement-breakpoint
-- Recounts team_structure_counts for the teams at some division codes (null: all of them).
CREATE OR REPLACE FUNCTION stats_refresh_team_counts(codes text[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
  members text := 'true';
BEGIN
  IF codes IS NOT NULL AND cardinality(codes) = 0 THEN
    RETURN;
  END IF;
  IF codes IS NOT NULL AND cardinality(codes) > 100000 THEN
    codes := NULL;
  END IF;
  PERFORM stats_lock_summary('team_structure_counts', codes);
  IF codes IS NULL THEN
    TRUNCATE team_structure_counts;
  ELSE
    DELETE FROM team_structure_counts WHERE division_code = ANY (codes);
    members := 'm.division_code = ANY ($1)';
  END IF;
  EXECUTE format($q$
    INSERT INTO team_structure_counts (division_code, team_kind, birth_date, members, women, college, minority, party_members)
    SELECT m.division_code, m.team_kind, p.birth_date, count(*),
      count(*) FILTER (WHERE p.gender = 'female'),
      count(*) FILTER (WHERE p.education IN ('postgraduate', 'bachelor', 'associate')),
      count(*) FILTER (WHERE p.ethnicity IS NOT NULL AND p.ethnicity <> '汉族'),
      count(*) FILTER (WHERE p.party_member)
    FROM leadership_team_members m JOIN people p ON p.id = m.person_id
    WHERE %s
    GROUP BY 1, 2, 3
    ORDER BY 1, 2, 3$q$, members) USING codes;
END
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION stats_rebuild_summaries() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
  PERFORM stats_refresh_reserve_counts(NULL);
  PERFORM stats_refresh_team_counts(NULL);
END
$$;
--> statement-breakpoint
-- One function for the triggers of the four source tables (transition tables new_rows / old_rows).
CREATE OR REPLACE FUNCTION stats_summaries_changed() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  codes text[];
  ids uuid[];
BEGIN
  IF TG_OP = 'TRUNCATE' THEN
    IF TG_TABLE_NAME = 'leadership_team_members' THEN
      PERFORM stats_refresh_team_counts(NULL);
    ELSE
      PERFORM stats_refresh_reserve_counts(NULL);
    END IF;
    RETURN NULL;
  END IF;
  IF TG_TABLE_NAME = 'people' THEN
    -- Only what a statistic reads of a person; only people on a team or on record as a reserve.
    SELECT array_agg(n.id) INTO ids FROM new_rows n JOIN old_rows o ON o.id = n.id
    WHERE (n.birth_date, n.gender, n.education, n.ethnicity, n.party_member) IS DISTINCT FROM (o.birth_date, o.gender, o.education, o.ethnicity, o.party_member);
    IF ids IS NULL THEN
      RETURN NULL;
    END IF;
    SELECT array_agg(DISTINCT v) INTO codes FROM (
      SELECT r.village_code AS v FROM reserve_nominations r WHERE r.person_id = ANY (ids)
      UNION ALL
      SELECT c.village_code FROM reserve_candidates c WHERE c.person_id = ANY (ids)) s;
    PERFORM stats_refresh_reserve_counts(coalesce(codes, '{}'));
    SELECT array_agg(DISTINCT m.division_code) INTO codes FROM leadership_team_members m WHERE m.person_id = ANY (ids);
    PERFORM stats_refresh_team_counts(coalesce(codes, '{}'));
    RETURN NULL;
  END IF;
  IF TG_TABLE_NAME = 'leadership_team_members' THEN
    IF TG_OP = 'INSERT' THEN
      SELECT array_agg(DISTINCT division_code) INTO codes FROM new_rows;
    ELSIF TG_OP = 'UPDATE' THEN
      SELECT array_agg(DISTINCT division_code) INTO codes FROM (SELECT division_code FROM new_rows UNION ALL SELECT division_code FROM old_rows) s;
    ELSE
      SELECT array_agg(DISTINCT division_code) INTO codes FROM old_rows;
    END IF;
    PERFORM stats_refresh_team_counts(coalesce(codes, '{}'));
    RETURN NULL;
  END IF;
  -- reserve_nominations, reserve_candidates: the rows' villages, and for candidates the villages of
  -- the nominations they stand for.
  IF TG_TABLE_NAME = 'reserve_nominations' THEN
    IF TG_OP = 'INSERT' THEN
      SELECT array_agg(DISTINCT village_code) INTO codes FROM new_rows;
    ELSIF TG_OP = 'UPDATE' THEN
      SELECT array_agg(DISTINCT village_code) INTO codes FROM (SELECT village_code FROM new_rows UNION ALL SELECT village_code FROM old_rows) s;
    ELSE
      SELECT array_agg(DISTINCT village_code) INTO codes FROM old_rows;
    END IF;
  ELSE
    IF TG_OP = 'INSERT' THEN
      SELECT array_agg(DISTINCT v) INTO codes FROM (
        SELECT village_code AS v FROM new_rows
        UNION ALL SELECT n.village_code FROM reserve_nominations n WHERE n.id IN (SELECT nomination_id FROM new_rows)) s;
    ELSIF TG_OP = 'UPDATE' THEN
      SELECT array_agg(DISTINCT v) INTO codes FROM (
        SELECT village_code AS v FROM new_rows
        UNION ALL SELECT village_code FROM old_rows
        UNION ALL SELECT n.village_code FROM reserve_nominations n
          WHERE n.id IN (SELECT nomination_id FROM new_rows UNION ALL SELECT nomination_id FROM old_rows)) s;
    ELSE
      SELECT array_agg(DISTINCT v) INTO codes FROM (
        SELECT village_code AS v FROM old_rows
        UNION ALL SELECT n.village_code FROM reserve_nominations n WHERE n.id IN (SELECT nomination_id FROM old_rows)) s;
    END IF;
  END IF;
  PERFORM stats_refresh_reserve_counts(coalesce(codes, '{}'));
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER reserve_nominations_stats_insert AFTER INSERT ON reserve_nominations REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION stats_summaries_changed();
--> statement-breakpoint
CREATE TRIGGER reserve_nominations_stats_update AFTER UPDATE ON reserve_nominations REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION stats_summaries_changed();
--> statement-breakpoint
CREATE TRIGGER reserve_nominations_stats_delete AFTER DELETE ON reserve_nominations REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION stats_summaries_changed();
--> statement-breakpoint
CREATE TRIGGER reserve_nominations_stats_truncate AFTER TRUNCATE ON reserve_nominations FOR EACH STATEMENT EXECUTE FUNCTION stats_summaries_changed();
--> statement-breakpoint
CREATE TRIGGER reserve_candidates_stats_insert AFTER INSERT ON reserve_candidates REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION stats_summaries_changed();
--> statement-breakpoint
CREATE TRIGGER reserve_candidates_stats_update AFTER UPDATE ON reserve_candidates REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION stats_summaries_changed();
--> statement-breakpoint
CREATE TRIGGER reserve_candidates_stats_delete AFTER DELETE ON reserve_candidates REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION stats_summaries_changed();
--> statement-breakpoint
CREATE TRIGGER reserve_candidates_stats_truncate AFTER TRUNCATE ON reserve_candidates FOR EACH STATEMENT EXECUTE FUNCTION stats_summaries_changed();
--> statement-breakpoint
CREATE TRIGGER leadership_team_members_stats_insert AFTER INSERT ON leadership_team_members REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION stats_summaries_changed();
--> statement-breakpoint
CREATE TRIGGER leadership_team_members_stats_update AFTER UPDATE ON leadership_team_members REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION stats_summaries_changed();
--> statement-breakpoint
CREATE TRIGGER leadership_team_members_stats_delete AFTER DELETE ON leadership_team_members REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION stats_summaries_changed();
--> statement-breakpoint
CREATE TRIGGER leadership_team_members_stats_truncate AFTER TRUNCATE ON leadership_team_members FOR EACH STATEMENT EXECUTE FUNCTION stats_summaries_changed();
--> statement-breakpoint
CREATE TRIGGER people_stats_update AFTER UPDATE ON people REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION stats_summaries_changed();
--> statement-breakpoint
-- Backfill: the summaries of the data already there (and their statistics for the planner).
SELECT stats_rebuild_summaries();
--> statement-breakpoint
ANALYZE reserve_village_counts;
--> statement-breakpoint
ANALYZE team_structure_counts;
