CREATE TYPE "public"."support_post" AS ENUM('township_cadre', 'first_secretary', 'work_team', 'paired_department');--> statement-breakpoint
ALTER TYPE "public"."obligation_kind" ADD VALUE 'support_reassignment' BEFORE 'mentorship_approval';--> statement-breakpoint
ALTER TYPE "public"."obligation_kind" ADD VALUE 'support_measures_report' BEFORE 'mentorship_approval';--> statement-breakpoint
ALTER TYPE "public"."obligation_kind" ADD VALUE 'follow_up_visit' BEFORE 'mentorship_approval';--> statement-breakpoint
ALTER TYPE "public"."responsible_party" ADD VALUE 'first_secretary';--> statement-breakpoint
ALTER TYPE "public"."responsible_party" ADD VALUE 'paired_department';--> statement-breakpoint
CREATE TABLE "case_support_assignments" (
	"id" text PRIMARY KEY NOT NULL,
	"case_id" uuid NOT NULL,
	"post" "support_post" NOT NULL,
	"person_id" uuid,
	"department_name" text,
	"started_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone,
	"reason" text,
	"assigned_by" uuid,
	"assigned_by_label" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "case_support_assignments" ADD CONSTRAINT "case_support_assignments_case_id_rectification_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."rectification_cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_support_assignments" ADD CONSTRAINT "case_support_assignments_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_support_assignments" ADD CONSTRAINT "case_support_assignments_assigned_by_users_id_fk" FOREIGN KEY ("assigned_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "case_support_case_id_idx" ON "case_support_assignments" USING btree ("case_id","post");--> statement-breakpoint
CREATE INDEX "case_support_person_id_idx" ON "case_support_assignments" USING btree ("person_id");--> statement-breakpoint
CREATE INDEX "case_support_assigned_by_idx" ON "case_support_assignments" USING btree ("assigned_by");--> statement-breakpoint
CREATE UNIQUE INDEX "case_support_one_current_uq" ON "case_support_assignments" USING btree ("case_id","post") WHERE "case_support_assignments"."ended_at" is null and "case_support_assignments"."post" <> 'work_team';--> statement-breakpoint
CREATE UNIQUE INDEX "case_support_team_member_uq" ON "case_support_assignments" USING btree ("case_id","person_id") WHERE "case_support_assignments"."ended_at" is null and "case_support_assignments"."post" = 'work_team';