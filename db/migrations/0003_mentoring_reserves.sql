CREATE TYPE "public"."mentorship_state" AS ENUM('proposed', 'active', 'mid_review', 'final_review', 'extended', 'mentor_vacant', 'completed', 'terminated');--> statement-breakpoint
CREATE TYPE "public"."placement_post" AS ENUM('secretary', 'committee_member');--> statement-breakpoint
CREATE TYPE "public"."reserve_state" AS ENUM('nominated', 'qualification_review', 'inspected', 'publicized', 'in_pool', 'in_training', 'annual_review', 'placed', 'exited', 'transferred');--> statement-breakpoint
ALTER TYPE "public"."obligation_kind" ADD VALUE 'mentorship_approval';--> statement-breakpoint
ALTER TYPE "public"."obligation_kind" ADD VALUE 'mentor_assignment';--> statement-breakpoint
ALTER TYPE "public"."obligation_kind" ADD VALUE 'mentoring_check_in';--> statement-breakpoint
ALTER TYPE "public"."obligation_kind" ADD VALUE 'mid_review';--> statement-breakpoint
ALTER TYPE "public"."obligation_kind" ADD VALUE 'final_review';--> statement-breakpoint
ALTER TYPE "public"."obligation_kind" ADD VALUE 'qualification_review';--> statement-breakpoint
ALTER TYPE "public"."obligation_kind" ADD VALUE 'inspection';--> statement-breakpoint
ALTER TYPE "public"."obligation_kind" ADD VALUE 'publicity';--> statement-breakpoint
ALTER TYPE "public"."obligation_kind" ADD VALUE 'training_report';--> statement-breakpoint
ALTER TYPE "public"."obligation_kind" ADD VALUE 'training_talk';--> statement-breakpoint
ALTER TYPE "public"."obligation_kind" ADD VALUE 'periodic_review';--> statement-breakpoint
ALTER TYPE "public"."obligation_kind" ADD VALUE 'annual_review';--> statement-breakpoint
ALTER TYPE "public"."responsible_party" ADD VALUE 'mentor';--> statement-breakpoint
ALTER TYPE "public"."responsible_party" ADD VALUE 'candidate';--> statement-breakpoint
CREATE TABLE "mentorship_check_ins" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"mentorship_id" uuid NOT NULL,
	"period" text NOT NULL,
	"met_on" date NOT NULL,
	"handled" text NOT NULL,
	"problems" text,
	"next_steps" text,
	"mentor_person_id" uuid,
	"late" boolean DEFAULT false NOT NULL,
	"logged_by" uuid,
	"logged_at" timestamp with time zone NOT NULL,
	CONSTRAINT "mentorship_check_ins_uq" UNIQUE("mentorship_id","period")
);
--> statement-breakpoint
CREATE TABLE "mentorships" (
	"id" uuid PRIMARY KEY NOT NULL,
	"mentee_person_id" uuid NOT NULL,
	"mentor_person_id" uuid,
	"mentor_user_id" uuid,
	"village_code" varchar(12) NOT NULL,
	"township_code" varchar(12) NOT NULL,
	"county_code" varchar(12) NOT NULL,
	"state" "mentorship_state" NOT NULL,
	"rag" "rag" DEFAULT 'green' NOT NULL,
	"vacant_from" "mentorship_state",
	"note" text,
	"policy_id" uuid,
	"policy" jsonb NOT NULL,
	"source_reserve_candidate_id" uuid,
	"proposed_at" timestamp with time zone NOT NULL,
	"started_at" timestamp with time zone,
	"mid_review_at" timestamp with time zone,
	"final_review_at" timestamp with time zone,
	"closed_at" timestamp with time zone,
	"outcome" text,
	"extensions" integer DEFAULT 0 NOT NULL,
	"mentor_history" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"projection_seq" integer DEFAULT 0 NOT NULL,
	"created_by" uuid NOT NULL,
	"proposal_key" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "mentorships_proposal_key_uq" UNIQUE("created_by","proposal_key")
);
--> statement-breakpoint
CREATE TABLE "reserve_candidates" (
	"id" uuid PRIMARY KEY NOT NULL,
	"person_id" uuid NOT NULL,
	"village_code" varchar(12) NOT NULL,
	"township_code" varchar(12) NOT NULL,
	"county_code" varchar(12) NOT NULL,
	"source" "reserve_source" NOT NULL,
	"nomination_id" uuid,
	"state" "reserve_state" NOT NULL,
	"rag" "rag" DEFAULT 'green' NOT NULL,
	"age_at_nomination" integer,
	"age_warning" boolean DEFAULT false NOT NULL,
	"note" text,
	"policy_id" uuid,
	"policy" jsonb NOT NULL,
	"nominated_at" timestamp with time zone NOT NULL,
	"qualified_at" timestamp with time zone,
	"inspected_at" timestamp with time zone,
	"publicity_ends_at" timestamp with time zone,
	"pooled_at" timestamp with time zone,
	"training_started_at" timestamp with time zone,
	"closed_at" timestamp with time zone,
	"placed_post" "placement_post",
	"new_in_post" boolean,
	"transferred_to" varchar(12),
	"exit_reason" text,
	"projection_seq" integer DEFAULT 0 NOT NULL,
	"created_by" uuid NOT NULL,
	"nomination_key" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "reserve_candidates_nomination_key_uq" UNIQUE("created_by","nomination_key")
);
--> statement-breakpoint
CREATE TABLE "reserve_coverage_alerts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"village_code" varchar(12) NOT NULL,
	"township_code" varchar(12) NOT NULL,
	"in_pool_at_raise" integer NOT NULL,
	"raised_at" timestamp with time zone NOT NULL,
	"in_pool_at_clear" integer,
	"cleared_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "reserve_records" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"candidate_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"key" text NOT NULL,
	"content" jsonb NOT NULL,
	"late" boolean DEFAULT false NOT NULL,
	"submitted_by" uuid,
	"submitted_at" timestamp with time zone NOT NULL,
	CONSTRAINT "reserve_records_uq" UNIQUE("candidate_id","kind","key")
);
--> statement-breakpoint
ALTER TABLE "escalations" ALTER COLUMN "case_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "obligations" ALTER COLUMN "case_id" DROP NOT NULL;--> statement-breakpoint
ALTER TABLE "escalations" ADD COLUMN "mentorship_id" uuid;--> statement-breakpoint
ALTER TABLE "escalations" ADD COLUMN "reserve_candidate_id" uuid;--> statement-breakpoint
ALTER TABLE "obligations" ADD COLUMN "mentorship_id" uuid;--> statement-breakpoint
ALTER TABLE "obligations" ADD COLUMN "reserve_candidate_id" uuid;--> statement-breakpoint
ALTER TABLE "notifications" ADD COLUMN "mentorship_id" uuid;--> statement-breakpoint
ALTER TABLE "notifications" ADD COLUMN "reserve_candidate_id" uuid;--> statement-breakpoint
ALTER TABLE "mentorship_check_ins" ADD CONSTRAINT "mentorship_check_ins_mentorship_id_mentorships_id_fk" FOREIGN KEY ("mentorship_id") REFERENCES "public"."mentorships"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mentorship_check_ins" ADD CONSTRAINT "mentorship_check_ins_mentor_person_id_people_id_fk" FOREIGN KEY ("mentor_person_id") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mentorship_check_ins" ADD CONSTRAINT "mentorship_check_ins_logged_by_users_id_fk" FOREIGN KEY ("logged_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mentorships" ADD CONSTRAINT "mentorships_mentee_person_id_people_id_fk" FOREIGN KEY ("mentee_person_id") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mentorships" ADD CONSTRAINT "mentorships_mentor_person_id_people_id_fk" FOREIGN KEY ("mentor_person_id") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mentorships" ADD CONSTRAINT "mentorships_mentor_user_id_users_id_fk" FOREIGN KEY ("mentor_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mentorships" ADD CONSTRAINT "mentorships_village_code_divisions_code_fk" FOREIGN KEY ("village_code") REFERENCES "public"."divisions"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mentorships" ADD CONSTRAINT "mentorships_policy_id_policies_id_fk" FOREIGN KEY ("policy_id") REFERENCES "public"."policies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mentorships" ADD CONSTRAINT "mentorships_source_reserve_candidate_id_reserve_candidates_id_fk" FOREIGN KEY ("source_reserve_candidate_id") REFERENCES "public"."reserve_candidates"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mentorships" ADD CONSTRAINT "mentorships_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reserve_candidates" ADD CONSTRAINT "reserve_candidates_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reserve_candidates" ADD CONSTRAINT "reserve_candidates_village_code_divisions_code_fk" FOREIGN KEY ("village_code") REFERENCES "public"."divisions"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reserve_candidates" ADD CONSTRAINT "reserve_candidates_nomination_id_reserve_nominations_id_fk" FOREIGN KEY ("nomination_id") REFERENCES "public"."reserve_nominations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reserve_candidates" ADD CONSTRAINT "reserve_candidates_policy_id_policies_id_fk" FOREIGN KEY ("policy_id") REFERENCES "public"."policies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reserve_candidates" ADD CONSTRAINT "reserve_candidates_transferred_to_divisions_code_fk" FOREIGN KEY ("transferred_to") REFERENCES "public"."divisions"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reserve_candidates" ADD CONSTRAINT "reserve_candidates_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reserve_coverage_alerts" ADD CONSTRAINT "reserve_coverage_alerts_village_code_divisions_code_fk" FOREIGN KEY ("village_code") REFERENCES "public"."divisions"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reserve_records" ADD CONSTRAINT "reserve_records_candidate_id_reserve_candidates_id_fk" FOREIGN KEY ("candidate_id") REFERENCES "public"."reserve_candidates"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reserve_records" ADD CONSTRAINT "reserve_records_submitted_by_users_id_fk" FOREIGN KEY ("submitted_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "mentorship_check_ins_mentor_person_id_idx" ON "mentorship_check_ins" USING btree ("mentor_person_id");--> statement-breakpoint
CREATE INDEX "mentorship_check_ins_logged_by_idx" ON "mentorship_check_ins" USING btree ("logged_by");--> statement-breakpoint
CREATE UNIQUE INDEX "mentorships_source_candidate_uq" ON "mentorships" USING btree ("source_reserve_candidate_id");--> statement-breakpoint
CREATE UNIQUE INDEX "mentorships_one_open_per_mentee_uq" ON "mentorships" USING btree ("mentee_person_id") WHERE "mentorships"."state" not in ('completed', 'terminated');--> statement-breakpoint
CREATE INDEX "mentorships_village_code_idx" ON "mentorships" USING btree ("village_code" varchar_pattern_ops);--> statement-breakpoint
CREATE INDEX "mentorships_mentor_person_id_idx" ON "mentorships" USING btree ("mentor_person_id");--> statement-breakpoint
CREATE INDEX "mentorships_mentor_user_id_idx" ON "mentorships" USING btree ("mentor_user_id");--> statement-breakpoint
CREATE INDEX "mentorships_policy_id_idx" ON "mentorships" USING btree ("policy_id");--> statement-breakpoint
CREATE INDEX "mentorships_created_by_idx" ON "mentorships" USING btree ("created_by");--> statement-breakpoint
CREATE INDEX "mentorships_state_rag_idx" ON "mentorships" USING btree ("state","rag");--> statement-breakpoint
CREATE UNIQUE INDEX "reserve_candidates_one_open_per_person_uq" ON "reserve_candidates" USING btree ("person_id") WHERE "reserve_candidates"."state" not in ('placed', 'exited', 'transferred');--> statement-breakpoint
CREATE INDEX "reserve_candidates_village_code_idx" ON "reserve_candidates" USING btree ("village_code" varchar_pattern_ops,"state");--> statement-breakpoint
CREATE INDEX "reserve_candidates_nomination_id_idx" ON "reserve_candidates" USING btree ("nomination_id");--> statement-breakpoint
CREATE INDEX "reserve_candidates_policy_id_idx" ON "reserve_candidates" USING btree ("policy_id");--> statement-breakpoint
CREATE INDEX "reserve_candidates_created_by_idx" ON "reserve_candidates" USING btree ("created_by");--> statement-breakpoint
CREATE INDEX "reserve_candidates_transferred_to_idx" ON "reserve_candidates" USING btree ("transferred_to");--> statement-breakpoint
CREATE UNIQUE INDEX "reserve_coverage_alerts_open_uq" ON "reserve_coverage_alerts" USING btree ("village_code") WHERE "reserve_coverage_alerts"."cleared_at" is null;--> statement-breakpoint
CREATE INDEX "reserve_coverage_alerts_village_idx" ON "reserve_coverage_alerts" USING btree ("village_code" varchar_pattern_ops,"raised_at");--> statement-breakpoint
CREATE INDEX "reserve_records_submitted_by_idx" ON "reserve_records" USING btree ("submitted_by");--> statement-breakpoint
ALTER TABLE "escalations" ADD CONSTRAINT "escalations_mentorship_id_mentorships_id_fk" FOREIGN KEY ("mentorship_id") REFERENCES "public"."mentorships"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "escalations" ADD CONSTRAINT "escalations_reserve_candidate_id_reserve_candidates_id_fk" FOREIGN KEY ("reserve_candidate_id") REFERENCES "public"."reserve_candidates"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "obligations" ADD CONSTRAINT "obligations_mentorship_id_mentorships_id_fk" FOREIGN KEY ("mentorship_id") REFERENCES "public"."mentorships"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "obligations" ADD CONSTRAINT "obligations_reserve_candidate_id_reserve_candidates_id_fk" FOREIGN KEY ("reserve_candidate_id") REFERENCES "public"."reserve_candidates"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_mentorship_id_mentorships_id_fk" FOREIGN KEY ("mentorship_id") REFERENCES "public"."mentorships"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_reserve_candidate_id_reserve_candidates_id_fk" FOREIGN KEY ("reserve_candidate_id") REFERENCES "public"."reserve_candidates"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "escalations_mentorship_id_idx" ON "escalations" USING btree ("mentorship_id");--> statement-breakpoint
CREATE INDEX "escalations_reserve_candidate_id_idx" ON "escalations" USING btree ("reserve_candidate_id");--> statement-breakpoint
CREATE INDEX "obligations_mentorship_id_idx" ON "obligations" USING btree ("mentorship_id");--> statement-breakpoint
CREATE INDEX "obligations_reserve_candidate_id_idx" ON "obligations" USING btree ("reserve_candidate_id");--> statement-breakpoint
CREATE INDEX "notifications_mentorship_id_idx" ON "notifications" USING btree ("mentorship_id");--> statement-breakpoint
CREATE INDEX "notifications_reserve_candidate_id_idx" ON "notifications" USING btree ("reserve_candidate_id");--> statement-breakpoint
ALTER TABLE "escalations" ADD CONSTRAINT "escalations_one_owner_ck" CHECK (num_nonnulls("escalations"."case_id", "escalations"."mentorship_id", "escalations"."reserve_candidate_id") = 1);--> statement-breakpoint
ALTER TABLE "obligations" ADD CONSTRAINT "obligations_one_owner_ck" CHECK (num_nonnulls("obligations"."case_id", "obligations"."mentorship_id", "obligations"."reserve_candidate_id") = 1);--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_at_most_one_subject_ck" CHECK (num_nonnulls("notifications"."case_id", "notifications"."mentorship_id", "notifications"."reserve_candidate_id") <= 1);