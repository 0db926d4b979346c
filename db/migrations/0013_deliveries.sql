CREATE TYPE "public"."contact_kind" AS ENUM('sms', 'email');--> statement-breakpoint
CREATE TYPE "public"."delivery_channel" AS ENUM('sms', 'email', 'wecom_robot', 'dingtalk_robot', 'signed_webhook');--> statement-breakpoint
CREATE TYPE "public"."delivery_status" AS ENUM('pending', 'scheduled', 'sending', 'sent', 'delivered', 'failed', 'unknown', 'suppressed', 'digested');--> statement-breakpoint
CREATE TYPE "public"."notification_category" AS ENUM('reminder', 'yellow_card', 'red_card', 'circular', 'coverage_alert', 'event');--> statement-breakpoint
CREATE TYPE "public"."office_channel_kind" AS ENUM('wecom_robot', 'dingtalk_robot', 'signed_webhook');--> statement-breakpoint
CREATE TABLE "contact_points" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"kind" "contact_kind" NOT NULL,
	"address_sealed" text NOT NULL,
	"address_digest" text NOT NULL,
	"address_hint" text NOT NULL,
	"verified_at" timestamp with time zone,
	"verification_digest" text,
	"verification_expires_at" timestamp with time zone,
	"verification_sent_at" timestamp with time zone,
	"verification_attempts" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" uuid,
	"removed_at" timestamp with time zone,
	"removed_by" uuid
);
--> statement-breakpoint
CREATE TABLE "deliveries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"notification_id" uuid NOT NULL,
	"channel" "delivery_channel" NOT NULL,
	"contact_point_id" uuid,
	"office_channel_id" uuid,
	"target_id" uuid NOT NULL,
	"division_code" varchar(12) NOT NULL,
	"category" "notification_category" NOT NULL,
	"status" "delivery_status" DEFAULT 'pending' NOT NULL,
	"not_before" timestamp with time zone,
	"attempts" integer DEFAULT 0 NOT NULL,
	"dispatched_at" timestamp with time zone,
	"claimed_at" timestamp with time zone,
	"sent_at" timestamp with time zone,
	"delivered_at" timestamp with time zone,
	"finished_at" timestamp with time zone,
	"provider_message_id" text,
	"last_error_code" text,
	"digest_of" uuid,
	"resends" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "deliveries_one_target_ck" CHECK (num_nonnulls("deliveries"."contact_point_id", "deliveries"."office_channel_id") = 1)
);
--> statement-breakpoint
CREATE TABLE "notification_preferences" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid,
	"office_role" "role",
	"office_division_code" varchar(12),
	"category" "notification_category" NOT NULL,
	"channel" "delivery_channel" NOT NULL,
	"enabled" boolean NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_by" uuid,
	CONSTRAINT "notification_preferences_owner_ck" CHECK (("notification_preferences"."user_id" is null) <> ("notification_preferences"."office_role" is null and "notification_preferences"."office_division_code" is null))
);
--> statement-breakpoint
CREATE TABLE "office_channels" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"office_role" "role" NOT NULL,
	"office_division_code" varchar(12) NOT NULL,
	"kind" "office_channel_kind" NOT NULL,
	"label" text NOT NULL,
	"url_sealed" text NOT NULL,
	"url_hint" text NOT NULL,
	"secret_sealed" text,
	"enabled" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"created_by" uuid,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_test_at" timestamp with time zone,
	"last_test_result" text
);
--> statement-breakpoint
ALTER TABLE "contact_points" ADD CONSTRAINT "contact_points_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contact_points" ADD CONSTRAINT "contact_points_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "contact_points" ADD CONSTRAINT "contact_points_removed_by_users_id_fk" FOREIGN KEY ("removed_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_notification_id_notifications_id_fk" FOREIGN KEY ("notification_id") REFERENCES "public"."notifications"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_contact_point_id_contact_points_id_fk" FOREIGN KEY ("contact_point_id") REFERENCES "public"."contact_points"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_office_channel_id_office_channels_id_fk" FOREIGN KEY ("office_channel_id") REFERENCES "public"."office_channels"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_digest_of_deliveries_id_fk" FOREIGN KEY ("digest_of") REFERENCES "public"."deliveries"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notification_preferences" ADD CONSTRAINT "notification_preferences_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notification_preferences" ADD CONSTRAINT "notification_preferences_office_division_code_divisions_code_fk" FOREIGN KEY ("office_division_code") REFERENCES "public"."divisions"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notification_preferences" ADD CONSTRAINT "notification_preferences_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "office_channels" ADD CONSTRAINT "office_channels_office_division_code_divisions_code_fk" FOREIGN KEY ("office_division_code") REFERENCES "public"."divisions"("code") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "office_channels" ADD CONSTRAINT "office_channels_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "contact_points_user_id_idx" ON "contact_points" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "contact_points_created_by_idx" ON "contact_points" USING btree ("created_by");--> statement-breakpoint
CREATE INDEX "contact_points_removed_by_idx" ON "contact_points" USING btree ("removed_by");--> statement-breakpoint
CREATE UNIQUE INDEX "contact_points_live_uq" ON "contact_points" USING btree ("user_id","kind","address_digest") WHERE "contact_points"."removed_at" is null;--> statement-breakpoint
CREATE UNIQUE INDEX "deliveries_notification_channel_target_uq" ON "deliveries" USING btree ("notification_id","channel","target_id");--> statement-breakpoint
CREATE INDEX "deliveries_due_idx" ON "deliveries" USING btree ("status","not_before") WHERE "deliveries"."status" in ('pending', 'scheduled', 'sending');--> statement-breakpoint
CREATE INDEX "deliveries_contact_point_id_idx" ON "deliveries" USING btree ("contact_point_id");--> statement-breakpoint
CREATE INDEX "deliveries_office_channel_sent_idx" ON "deliveries" USING btree ("office_channel_id","sent_at");--> statement-breakpoint
CREATE INDEX "deliveries_division_idx" ON "deliveries" USING btree ("division_code" varchar_pattern_ops,"created_at");--> statement-breakpoint
CREATE INDEX "deliveries_digest_of_idx" ON "deliveries" USING btree ("digest_of");--> statement-breakpoint
CREATE UNIQUE INDEX "notification_preferences_user_uq" ON "notification_preferences" USING btree ("user_id","category","channel") WHERE "notification_preferences"."user_id" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "notification_preferences_office_uq" ON "notification_preferences" USING btree ("office_role","office_division_code","category","channel") WHERE "notification_preferences"."office_role" is not null;--> statement-breakpoint
CREATE INDEX "notification_preferences_division_idx" ON "notification_preferences" USING btree ("office_division_code");--> statement-breakpoint
CREATE INDEX "notification_preferences_updated_by_idx" ON "notification_preferences" USING btree ("updated_by");--> statement-breakpoint
CREATE INDEX "office_channels_office_idx" ON "office_channels" USING btree ("office_role","office_division_code");--> statement-breakpoint
CREATE INDEX "office_channels_division_idx" ON "office_channels" USING btree ("office_division_code");--> statement-breakpoint
CREATE INDEX "office_channels_created_by_idx" ON "office_channels" USING btree ("created_by");