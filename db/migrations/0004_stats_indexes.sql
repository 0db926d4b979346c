-- Covering indexes for the statistics (GET /api/v1/stats/*): the dashboards read obligations by case
-- and due date, people by id for the structure sheet and the reserve pool, and team members and
-- nominations by division prefix, all as index-only scans.
CREATE INDEX IF NOT EXISTS "obligations_stats_idx" ON "obligations" USING btree ("case_id", "due_at") INCLUDE ("kind", "key", "status", "closed_at", "exempted_at");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "people_stats_idx" ON "people" USING btree ("id") INCLUDE ("gender", "birth_date", "education", "party_member", "ethnicity");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "leadership_team_members_stats_idx" ON "leadership_team_members" USING btree ("division_code" varchar_pattern_ops, "team_kind") INCLUDE ("person_id");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "reserve_nominations_stats_idx" ON "reserve_nominations" USING btree ("village_code" varchar_pattern_ops) INCLUDE ("id", "person_id", "status", "source");
