CREATE TYPE "public"."screening_proposal" AS ENUM('list', 'do_not_list', 'watch');--> statement-breakpoint
CREATE TYPE "public"."screening_state" AS ENUM('open', 'screening', 'judging', 'approved', 'designated');--> statement-breakpoint
ALTER TYPE "public"."obligation_kind" ADD VALUE 'screening_sheet';--> statement-breakpoint
ALTER TYPE "public"."obligation_kind" ADD VALUE 'screening_judgment';--> statement-breakpoint
CREATE TABLE "annual_assessments" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"year" integer NOT NULL,
	"village_code" varchar(12) NOT NULL,
	"rank" integer NOT NULL,
	"rank_of" integer NOT NULL,
	"satisfaction" numeric(5, 2),
	"imported_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "annual_assessments_year_village_uq" UNIQUE("year","village_code")
);
--> statement-breakpoint
CREATE TABLE "screening_campaigns" (
	"id" uuid PRIMARY KEY NOT NULL,
	"county_code" varchar(12) NOT NULL,
	"year" integer NOT NULL,
	"criteria" text[] NOT NULL,
	"approving_body" text NOT NULL,
	"state" "screening_state" NOT NULL,
	"rag" "rag" DEFAULT 'green' NOT NULL,
	"policy_id" uuid,
	"policy" jsonb NOT NULL,
	"opened_at" timestamp with time zone NOT NULL,
	"screening_closed_at" timestamp with time zone,
	"judged_at" timestamp with time zone,
	"decisions" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"list" text[] DEFAULT '{}' NOT NULL,
	"approval_date" date,
	"approval_meeting" text,
	"approval_document_number" text,
	"approved_at" timestamp with time zone,
	"amendments" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"designations" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"designated_at" timestamp with time zone,
	"projection_seq" integer DEFAULT 0 NOT NULL,
	"created_by" uuid NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "screening_campaigns_county_year_uq" UNIQUE("county_code","year")
);
--> statement-breakpoint
CREATE TABLE "screening_entries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"campaign_id" uuid NOT NULL,
	"sheet_id" uuid NOT NULL,
	"village_code" varchar(12) NOT NULL,
	"findings" jsonb NOT NULL,
	"proposal" "screening_proposal" NOT NULL,
	"note" text,
	"updated_by" uuid,
	"updated_at" timestamp with time zone NOT NULL,
	CONSTRAINT "screening_entries_campaign_village_uq" UNIQUE("campaign_id","village_code")
);
--> statement-breakpoint
CREATE TABLE "screening_sheets" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"campaign_id" uuid NOT NULL,
	"township_code" varchar(12) NOT NULL,
	"submitted_at" timestamp with time zone,
	"submitted_by" uuid,
	"late" text,
	CONSTRAINT "screening_sheets_campaign_township_uq" UNIQUE("campaign_id","township_code")
);
--> statement-breakpoint
CREATE TABLE "screening_triggers" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"campaign_id" uuid NOT NULL,
	"village_code" varchar(12) NOT NULL,
	"trigger" text NOT NULL,
	"facts" jsonb NOT NULL,
	"answer" text,
	"answer_reason" text,
	"answered_by" uuid,
	"answered_at" timestamp with time zone,
	CONSTRAINT "screening_triggers_uq" UNIQUE("campaign_id","village_code","trigger")
);
--> statement-breakpoint
ALTER TABLE "escalations" DROP CONSTRAINT "escalations_one_owner_ck";--> statement-breakpoint
ALTER TABLE "obligations" DROP CONSTRAINT "obligations_one_owner_ck";--> statement-breakpoint
ALTER TABLE "notifications" DROP CONSTRAINT "notifications_at_most_one_subject_ck";--> statement-breakpoint
ALTER TABLE "village_party_organizations" ADD COLUMN "secretary_vacant_since" date;--> statement-breakpoint
ALTER TABLE "escalations" ADD COLUMN "screening_campaign_id" uuid;--> statement-breakpoint
ALTER TABLE "obligations" ADD COLUMN "screening_campaign_id" uuid;--> statement-breakpoint
ALTER TABLE "notifications" ADD COLUMN "screening_campaign_id" uuid;--> statement-breakpoint
ALTER TABLE "annual_assessments" ADD CONSTRAINT "annual_assessments_village_code_divisions_code_fk" FOREIGN KEY ("village_code") REFERENCES "public"."divisions"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "screening_campaigns" ADD CONSTRAINT "screening_campaigns_county_code_divisions_code_fk" FOREIGN KEY ("county_code") REFERENCES "public"."divisions"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "screening_campaigns" ADD CONSTRAINT "screening_campaigns_policy_id_policies_id_fk" FOREIGN KEY ("policy_id") REFERENCES "public"."policies"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "screening_campaigns" ADD CONSTRAINT "screening_campaigns_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "screening_entries" ADD CONSTRAINT "screening_entries_campaign_id_screening_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."screening_campaigns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "screening_entries" ADD CONSTRAINT "screening_entries_sheet_id_screening_sheets_id_fk" FOREIGN KEY ("sheet_id") REFERENCES "public"."screening_sheets"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "screening_entries" ADD CONSTRAINT "screening_entries_village_code_divisions_code_fk" FOREIGN KEY ("village_code") REFERENCES "public"."divisions"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "screening_entries" ADD CONSTRAINT "screening_entries_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "screening_sheets" ADD CONSTRAINT "screening_sheets_campaign_id_screening_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."screening_campaigns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "screening_sheets" ADD CONSTRAINT "screening_sheets_township_code_divisions_code_fk" FOREIGN KEY ("township_code") REFERENCES "public"."divisions"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "screening_sheets" ADD CONSTRAINT "screening_sheets_submitted_by_users_id_fk" FOREIGN KEY ("submitted_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "screening_triggers" ADD CONSTRAINT "screening_triggers_campaign_id_screening_campaigns_id_fk" FOREIGN KEY ("campaign_id") REFERENCES "public"."screening_campaigns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "screening_triggers" ADD CONSTRAINT "screening_triggers_village_code_divisions_code_fk" FOREIGN KEY ("village_code") REFERENCES "public"."divisions"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "screening_triggers" ADD CONSTRAINT "screening_triggers_answered_by_users_id_fk" FOREIGN KEY ("answered_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "annual_assessments_village_code_idx" ON "annual_assessments" USING btree ("village_code");--> statement-breakpoint
CREATE INDEX "screening_campaigns_policy_id_idx" ON "screening_campaigns" USING btree ("policy_id");--> statement-breakpoint
CREATE INDEX "screening_campaigns_created_by_idx" ON "screening_campaigns" USING btree ("created_by");--> statement-breakpoint
CREATE INDEX "screening_entries_sheet_id_idx" ON "screening_entries" USING btree ("sheet_id");--> statement-breakpoint
CREATE INDEX "screening_entries_village_code_idx" ON "screening_entries" USING btree ("village_code");--> statement-breakpoint
CREATE INDEX "screening_entries_updated_by_idx" ON "screening_entries" USING btree ("updated_by");--> statement-breakpoint
CREATE INDEX "screening_sheets_township_code_idx" ON "screening_sheets" USING btree ("township_code");--> statement-breakpoint
CREATE INDEX "screening_sheets_submitted_by_idx" ON "screening_sheets" USING btree ("submitted_by");--> statement-breakpoint
CREATE INDEX "screening_triggers_village_code_idx" ON "screening_triggers" USING btree ("village_code");--> statement-breakpoint
CREATE INDEX "screening_triggers_answered_by_idx" ON "screening_triggers" USING btree ("answered_by");--> statement-breakpoint
ALTER TABLE "escalations" ADD CONSTRAINT "escalations_screening_campaign_id_screening_campaigns_id_fk" FOREIGN KEY ("screening_campaign_id") REFERENCES "public"."screening_campaigns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "obligations" ADD CONSTRAINT "obligations_screening_campaign_id_screening_campaigns_id_fk" FOREIGN KEY ("screening_campaign_id") REFERENCES "public"."screening_campaigns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_screening_campaign_id_screening_campaigns_id_fk" FOREIGN KEY ("screening_campaign_id") REFERENCES "public"."screening_campaigns"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "escalations_screening_campaign_id_idx" ON "escalations" USING btree ("screening_campaign_id");--> statement-breakpoint
CREATE INDEX "obligations_screening_campaign_id_idx" ON "obligations" USING btree ("screening_campaign_id");--> statement-breakpoint
CREATE INDEX "notifications_screening_campaign_id_idx" ON "notifications" USING btree ("screening_campaign_id");--> statement-breakpoint
ALTER TABLE "escalations" ADD CONSTRAINT "escalations_one_owner_ck" CHECK (num_nonnulls("escalations"."case_id", "escalations"."mentorship_id", "escalations"."reserve_candidate_id", "escalations"."screening_campaign_id") = 1);--> statement-breakpoint
ALTER TABLE "obligations" ADD CONSTRAINT "obligations_one_owner_ck" CHECK (num_nonnulls("obligations"."case_id", "obligations"."mentorship_id", "obligations"."reserve_candidate_id", "obligations"."screening_campaign_id") = 1);--> statement-breakpoint
ALTER TABLE "notifications" ADD CONSTRAINT "notifications_at_most_one_subject_ck" CHECK (num_nonnulls("notifications"."case_id", "notifications"."mentorship_id", "notifications"."reserve_candidate_id", "notifications"."screening_campaign_id") <= 1);