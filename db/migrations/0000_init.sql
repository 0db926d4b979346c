CREATE TYPE "public"."case_state" AS ENUM('designated', 'planning', 'rectifying', 'acceptance_pending', 'delisted', 'follow_up', 'closed', 'relapsed', 'cancelled');--> statement-breakpoint
CREATE TYPE "public"."division_level" AS ENUM('province', 'prefecture', 'county', 'township', 'village');--> statement-breakpoint
CREATE TYPE "public"."obligation_kind" AS ENUM('plan', 'monthly_report', 'rectification', 'acceptance_review', 'sponsor_reassignment');--> statement-breakpoint
CREATE TYPE "public"."obligation_status" AS ENUM('open', 'satisfied', 'cancelled');--> statement-breakpoint
CREATE TYPE "public"."rag" AS ENUM('green', 'yellow', 'red');--> statement-breakpoint
CREATE TYPE "public"."responsible_party" AS ENUM('sponsor', 'township_office', 'org_dept');--> statement-breakpoint
CREATE TYPE "public"."role" AS ENUM('sponsor', 'township_office', 'org_dept');--> statement-breakpoint
CREATE TYPE "public"."escalation_rung" AS ENUM('reminder', 'township_office', 'org_dept', 'standing_committee');--> statement-breakpoint
CREATE TABLE "divisions" (
	"code" varchar(12) PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"level" "division_level" NOT NULL,
	"parent_code" varchar(12)
);
--> statement-breakpoint
CREATE TABLE "people" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"gender" text,
	"birth_date" date,
	"ethnicity" text,
	"education" text,
	"party_member" boolean,
	"position" text,
	"division_code" varchar(12),
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "village_party_organizations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"village_code" varchar(12) NOT NULL,
	"name" text NOT NULL,
	"secretary_person_id" uuid,
	CONSTRAINT "village_party_organizations_village_code_unique" UNIQUE("village_code")
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"role" "role" NOT NULL,
	"jurisdiction_code" varchar(12) NOT NULL,
	"person_id" uuid,
	"token_hash" text NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
CREATE TABLE "policies" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"jurisdiction_code" varchar(12) NOT NULL,
	"name" text NOT NULL,
	"version" integer NOT NULL,
	"body" jsonb NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "policies_jurisdiction_name_version_uq" UNIQUE("jurisdiction_code","name","version")
);
--> statement-breakpoint
CREATE TABLE "case_submissions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"case_id" uuid NOT NULL,
	"kind" text NOT NULL,
	"key" text NOT NULL,
	"content" jsonb NOT NULL,
	"late" boolean DEFAULT false NOT NULL,
	"submitted_by" uuid,
	"submitted_at" timestamp with time zone NOT NULL,
	CONSTRAINT "case_submissions_uq" UNIQUE("case_id","kind","key")
);
--> statement-breakpoint
CREATE TABLE "escalations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"obligation_id" text NOT NULL,
	"case_id" uuid NOT NULL,
	"rung" "escalation_rung" NOT NULL,
	"target_role" "role" NOT NULL,
	"target_division_code" varchar(12) NOT NULL,
	"target_user_id" uuid,
	"scheduled_at" timestamp with time zone NOT NULL,
	"raised_at" timestamp with time zone NOT NULL,
	"committed_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resolved_at" timestamp with time zone,
	CONSTRAINT "escalations_obligation_rung_uq" UNIQUE("obligation_id","rung")
);
--> statement-breakpoint
CREATE TABLE "obligations" (
	"id" text PRIMARY KEY NOT NULL,
	"case_id" uuid NOT NULL,
	"kind" "obligation_kind" NOT NULL,
	"key" text NOT NULL,
	"responsible" "responsible_party" NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"status" "obligation_status" NOT NULL,
	"closed_at" timestamp with time zone,
	"rungs" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "rectification_cases" (
	"id" uuid PRIMARY KEY NOT NULL,
	"village_code" varchar(12) NOT NULL,
	"township_code" varchar(12) NOT NULL,
	"county_code" varchar(12) NOT NULL,
	"organization_id" uuid,
	"sponsor_user_id" uuid,
	"state" "case_state" NOT NULL,
	"rag" "rag" DEFAULT 'green' NOT NULL,
	"reasons" text[] NOT NULL,
	"note" text,
	"policy_id" uuid,
	"policy" jsonb NOT NULL,
	"parent_case_id" uuid,
	"designated_at" timestamp with time zone NOT NULL,
	"delisted_at" timestamp with time zone,
	"follow_up_ends_at" timestamp with time zone,
	"closed_at" timestamp with time zone,
	"cancel_reason" text,
	"acceptance_attempts" integer DEFAULT 0 NOT NULL,
	"projection_seq" integer DEFAULT 0 NOT NULL,
	"created_by" uuid NOT NULL,
	"designation_key" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "cases_designation_key_uq" UNIQUE("created_by","designation_key")
);
--> statement-breakpoint
CREATE TABLE "notifications" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"dedupe_key" text NOT NULL,
	"recipient_user_id" uuid,
	"recipient_role" "role" NOT NULL,
	"recipient_division_code" varchar(12) NOT NULL,
	"case_id" uuid,
	"escalation_id" uuid,
	"kind" text NOT NULL,
	"title" text NOT NULL,
	"body" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"acked_at" timestamp with time zone,
	"acked_by" uuid,
	CONSTRAINT "notifications_dedupe_key_unique" UNIQUE("dedupe_key")
);
--> statement-breakpoint
CREATE TABLE "audit_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"dedupe_key" text NOT NULL,
	"entity_type" text NOT NULL,
	"entity_id" text NOT NULL,
	"action" text NOT NULL,
	"actor_user_id" uuid,
	"actor_label" text NOT NULL,
	"at" timestamp with time zone NOT NULL,
	"before" jsonb,
	"after" jsonb,
	"details" jsonb,
	CONSTRAINT "audit_events_dedupe_key_unique" UNIQUE("dedupe_key")
);
--> statement-breakpoint
CREATE TABLE "idempotency_keys" (
	"user_id" uuid NOT NULL,
	"key" text NOT NULL,
	"method" text NOT NULL,
	"path" text NOT NULL,
	"request_hash" text NOT NULL,
	"status_code" integer NOT NULL,
	"response" jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "idempotency_keys_user_id_key_pk" PRIMARY KEY("user_id","key")
);
--> statement-breakpoint
ALTER TABLE "divisions" ADD CONSTRAINT "divisions_parent_code_divisions_code_fk" FOREIGN KEY ("parent_code") REFERENCES "public"."divisions"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "people" ADD CONSTRAINT "people_division_code_divisions_code_fk" FOREIGN KEY ("division_code") REFERENCES "public"."divisions"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "village_party_organizations" ADD CONSTRAINT "village_party_organizations_village_code_divisions_code_fk" FOREIGN KEY ("village_code") REFERENCES "public"."divisions"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "village_party_organizations" ADD CONSTRAINT "village_party_organizations_secretary_person_id_people_id_fk" FOREIGN KEY ("secretary_person_id") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_jurisdiction_code_divisions_code_fk" FOREIGN KEY ("jurisdiction_code") REFERENCES "public"."divisions"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "policies" ADD CONSTRAINT "policies_jurisdiction_code_divisions_code_fk" FOREIGN KEY ("jurisdiction_code") REFERENCES "public"."divisions"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "policies" ADD CONSTRAINT "policies_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_submissions" ADD CONSTRAINT "case_submissions_case_id_rectification_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."rectification_cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "case_submissions" ADD CONSTRAINT "case_submissions_submitted_by_users_id_fk" FOREIGN KEY ("submitted_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "escalations" ADD CONSTRAINT "escalations_obligation_id_obligations_id_fk" FOREIGN KEY ("obligation_id") REFERENCES "public"."obligations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "escalations" ADD CONSTRAINT "escalations_case_id_rectification_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."rectification_cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "escalations" ADD CONSTRAINT "escalations_target_user_id_users_id_fk" FOREIGN KEY ("target_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "obligations" ADD CONSTRAINT "obligations_case_id_rectification_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."rectification_cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rectification_cases" ADD CONSTRAINT "rectification_cases_village_code_divisions_code_fk" FOREIGN KEY ("village_code") REFERENCES "public"."divisions"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rectification_cases" ADD CONSTRAINT "rectification_cases_organization_id_village_party_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."village_party_organizations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rectification_cases" ADD CONSTRAINT "rectification_cases_sponsor_user_id_users_id_fk" FOREIGN KEY ("sponsor_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rectification_cases" ADD CONSTRAINT "rectification_cases_policy_id_policies_id_fk" FOREIGN KEY ("policy_id") REFERENCES "public"."policies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rectification_cases" ADD CONSTRAINT "rectification_cases_parent_case_id_rectification_cases_id_fk" FOREIGN KEY ("parent_case_id") REFERENCES "public"."rectification_cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rectification_cases" ADD CONSTRAINT "rectification_cases_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_recipient_user_id_users_id_fk" FOREIGN KEY ("recipient_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_case_id_rectification_cases_id_fk" FOREIGN KEY ("case_id") REFERENCES "public"."rectification_cases"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_escalation_id_escalations_id_fk" FOREIGN KEY ("escalation_id") REFERENCES "public"."escalations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_acked_by_users_id_fk" FOREIGN KEY ("acked_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "audit_events" ADD CONSTRAINT "audit_events_actor_user_id_users_id_fk" FOREIGN KEY ("actor_user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "idempotency_keys" ADD CONSTRAINT "idempotency_keys_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "divisions_parent_code_idx" ON "divisions" USING btree ("parent_code");--> statement-breakpoint
CREATE INDEX "divisions_code_pattern_idx" ON "divisions" USING btree ("code" varchar_pattern_ops);--> statement-breakpoint
CREATE INDEX "people_division_code_idx" ON "people" USING btree ("division_code");--> statement-breakpoint
CREATE INDEX "vpo_secretary_person_id_idx" ON "village_party_organizations" USING btree ("secretary_person_id");--> statement-breakpoint
CREATE INDEX "users_jurisdiction_code_idx" ON "users" USING btree ("jurisdiction_code");--> statement-breakpoint
CREATE INDEX "users_person_id_idx" ON "users" USING btree ("person_id");--> statement-breakpoint
CREATE INDEX "policies_created_by_idx" ON "policies" USING btree ("created_by");--> statement-breakpoint
CREATE INDEX "case_submissions_submitted_by_idx" ON "case_submissions" USING btree ("submitted_by");--> statement-breakpoint
CREATE INDEX "escalations_case_id_idx" ON "escalations" USING btree ("case_id");--> statement-breakpoint
CREATE INDEX "escalations_target_user_id_idx" ON "escalations" USING btree ("target_user_id");--> statement-breakpoint
CREATE INDEX "escalations_open_idx" ON "escalations" USING btree ("target_division_code") WHERE "escalations"."resolved_at" is null;--> statement-breakpoint
CREATE INDEX "obligations_case_id_idx" ON "obligations" USING btree ("case_id");--> statement-breakpoint
CREATE INDEX "obligations_status_due_idx" ON "obligations" USING btree ("status","due_at");--> statement-breakpoint
CREATE UNIQUE INDEX "cases_one_open_per_village_uq" ON "rectification_cases" USING btree ("village_code") WHERE "rectification_cases"."state" not in ('closed', 'relapsed', 'cancelled');--> statement-breakpoint
CREATE INDEX "cases_village_code_idx" ON "rectification_cases" USING btree ("village_code");--> statement-breakpoint
CREATE INDEX "cases_township_code_idx" ON "rectification_cases" USING btree ("township_code");--> statement-breakpoint
CREATE INDEX "cases_organization_id_idx" ON "rectification_cases" USING btree ("organization_id");--> statement-breakpoint
CREATE INDEX "cases_sponsor_user_id_idx" ON "rectification_cases" USING btree ("sponsor_user_id");--> statement-breakpoint
CREATE INDEX "cases_policy_id_idx" ON "rectification_cases" USING btree ("policy_id");--> statement-breakpoint
CREATE INDEX "cases_parent_case_id_idx" ON "rectification_cases" USING btree ("parent_case_id");--> statement-breakpoint
CREATE INDEX "cases_created_by_idx" ON "rectification_cases" USING btree ("created_by");--> statement-breakpoint
CREATE INDEX "cases_state_rag_idx" ON "rectification_cases" USING btree ("state","rag");--> statement-breakpoint
CREATE INDEX "notifications_recipient_user_idx" ON "notifications" USING btree ("recipient_user_id","created_at");--> statement-breakpoint
CREATE INDEX "notifications_office_idx" ON "notifications" USING btree ("recipient_role","recipient_division_code","created_at");--> statement-breakpoint
CREATE INDEX "notifications_case_id_idx" ON "notifications" USING btree ("case_id");--> statement-breakpoint
CREATE INDEX "notifications_escalation_id_idx" ON "notifications" USING btree ("escalation_id");--> statement-breakpoint
CREATE INDEX "notifications_acked_by_idx" ON "notifications" USING btree ("acked_by");--> statement-breakpoint
CREATE INDEX "audit_events_entity_idx" ON "audit_events" USING btree ("entity_type","entity_id","at");--> statement-breakpoint
CREATE INDEX "audit_events_actor_user_id_idx" ON "audit_events" USING btree ("actor_user_id");