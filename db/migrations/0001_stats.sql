CREATE TYPE "public"."reserve_nomination_status" AS ENUM('nominated', 'in_pool');--> statement-breakpoint
CREATE TYPE "public"."reserve_source" AS ENUM('current_committee', 'local_talent', 'local_graduate', 'returnee', 'sent_down_cadre');--> statement-breakpoint
CREATE TYPE "public"."team_kind" AS ENUM('township_leadership', 'village_committee');--> statement-breakpoint
CREATE TABLE "leadership_team_members" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"person_id" uuid NOT NULL,
	"team_kind" "team_kind" NOT NULL,
	"division_code" varchar(12) NOT NULL,
	"post" text NOT NULL,
	"import_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "leadership_team_members_uq" UNIQUE("team_kind","division_code","person_id")
);
--> statement-breakpoint
CREATE TABLE "people_imports" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" text NOT NULL,
	"file_name" text,
	"file_sha256" text NOT NULL,
	"rows" integer NOT NULL,
	"created_by" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "reserve_nominations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"person_id" uuid NOT NULL,
	"village_code" varchar(12) NOT NULL,
	"source" "reserve_source" NOT NULL,
	"status" "reserve_nomination_status" DEFAULT 'nominated' NOT NULL,
	"nominated_on" date NOT NULL,
	"note" text,
	"import_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "reserve_nominations_uq" UNIQUE("village_code","person_id")
);
--> statement-breakpoint
ALTER TABLE "leadership_team_members" ADD CONSTRAINT "leadership_team_members_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "leadership_team_members" ADD CONSTRAINT "leadership_team_members_division_code_divisions_code_fk" FOREIGN KEY ("division_code") REFERENCES "public"."divisions"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "leadership_team_members" ADD CONSTRAINT "leadership_team_members_import_id_people_imports_id_fk" FOREIGN KEY ("import_id") REFERENCES "public"."people_imports"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "people_imports" ADD CONSTRAINT "people_imports_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reserve_nominations" ADD CONSTRAINT "reserve_nominations_person_id_people_id_fk" FOREIGN KEY ("person_id") REFERENCES "public"."people"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reserve_nominations" ADD CONSTRAINT "reserve_nominations_village_code_divisions_code_fk" FOREIGN KEY ("village_code") REFERENCES "public"."divisions"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "reserve_nominations" ADD CONSTRAINT "reserve_nominations_import_id_people_imports_id_fk" FOREIGN KEY ("import_id") REFERENCES "public"."people_imports"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "leadership_team_members_division_idx" ON "leadership_team_members" USING btree ("division_code" varchar_pattern_ops,"team_kind");--> statement-breakpoint
CREATE INDEX "leadership_team_members_person_id_idx" ON "leadership_team_members" USING btree ("person_id");--> statement-breakpoint
CREATE INDEX "leadership_team_members_import_id_idx" ON "leadership_team_members" USING btree ("import_id");--> statement-breakpoint
CREATE INDEX "people_imports_created_by_idx" ON "people_imports" USING btree ("created_by");--> statement-breakpoint
CREATE INDEX "reserve_nominations_village_idx" ON "reserve_nominations" USING btree ("village_code" varchar_pattern_ops);--> statement-breakpoint
CREATE INDEX "reserve_nominations_person_id_idx" ON "reserve_nominations" USING btree ("person_id");--> statement-breakpoint
CREATE INDEX "reserve_nominations_import_id_idx" ON "reserve_nominations" USING btree ("import_id");