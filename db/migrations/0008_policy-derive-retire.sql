ALTER TABLE "policies" ADD COLUMN "based_on" text;--> statement-breakpoint
ALTER TABLE "policies" ADD COLUMN "retired_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "policies" ADD COLUMN "retired_by" uuid;--> statement-breakpoint
ALTER TABLE "policies" ADD COLUMN "retired_reason" text;--> statement-breakpoint
ALTER TABLE "policies" ADD CONSTRAINT "policies_retired_by_users_id_fk" FOREIGN KEY ("retired_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;