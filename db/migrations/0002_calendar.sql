CREATE TABLE "calendar_days" (
	"version_id" integer NOT NULL,
	"date" date NOT NULL,
	"workday" boolean NOT NULL,
	"name" text,
	CONSTRAINT "calendar_days_version_id_date_pk" PRIMARY KEY("version_id","date")
);
--> statement-breakpoint
CREATE TABLE "calendar_overrides" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"division_code" varchar(12) NOT NULL,
	"date" date NOT NULL,
	"workday" boolean NOT NULL,
	"reason" text NOT NULL,
	"created_by" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"revoked_at" timestamp with time zone,
	"revoked_by" uuid
);
--> statement-breakpoint
CREATE TABLE "calendar_versions" (
	"id" serial PRIMARY KEY NOT NULL,
	"source" text NOT NULL,
	"years" integer[] NOT NULL,
	"note" text,
	"imported_by" uuid,
	"imported_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "obligations" ADD COLUMN "due_date" date;--> statement-breakpoint
ALTER TABLE "obligations" ADD COLUMN "provisional" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "obligations" ADD COLUMN "exempted_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "rectification_cases" ADD COLUMN "suspended_since" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "rectification_cases" ADD COLUMN "suspension_reason" text;--> statement-breakpoint
ALTER TABLE "rectification_cases" ADD COLUMN "clock_requests" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "calendar_days" ADD CONSTRAINT "calendar_days_version_id_calendar_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."calendar_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "calendar_overrides" ADD CONSTRAINT "calendar_overrides_division_code_divisions_code_fk" FOREIGN KEY ("division_code") REFERENCES "public"."divisions"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "calendar_overrides" ADD CONSTRAINT "calendar_overrides_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "calendar_overrides" ADD CONSTRAINT "calendar_overrides_revoked_by_users_id_fk" FOREIGN KEY ("revoked_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "calendar_versions" ADD CONSTRAINT "calendar_versions_imported_by_users_id_fk" FOREIGN KEY ("imported_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "calendar_days_date_idx" ON "calendar_days" USING btree ("date");--> statement-breakpoint
CREATE UNIQUE INDEX "calendar_overrides_active_uq" ON "calendar_overrides" USING btree ("division_code","date") WHERE "calendar_overrides"."revoked_at" is null;--> statement-breakpoint
CREATE INDEX "calendar_overrides_created_by_idx" ON "calendar_overrides" USING btree ("created_by");--> statement-breakpoint
CREATE INDEX "calendar_overrides_revoked_by_idx" ON "calendar_overrides" USING btree ("revoked_by");--> statement-breakpoint
CREATE INDEX "calendar_versions_imported_by_idx" ON "calendar_versions" USING btree ("imported_by");