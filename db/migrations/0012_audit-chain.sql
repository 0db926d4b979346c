ALTER TABLE "login_events" ADD COLUMN "hash" text;--> statement-breakpoint
ALTER TABLE "login_events" ADD COLUMN "prev_hash" text;--> statement-breakpoint
ALTER TABLE "login_events" ADD COLUMN "hash_alg" text;--> statement-breakpoint
ALTER TABLE "audit_events" ADD COLUMN "hash" text;--> statement-breakpoint
ALTER TABLE "audit_events" ADD COLUMN "prev_hash" text;--> statement-breakpoint
ALTER TABLE "audit_events" ADD COLUMN "hash_alg" text;--> statement-breakpoint
-- Tamper evidence (db/queries/audit-chain.ts): the two logs take only chained rows, refuse UPDATE
-- and TRUNCATE, and refuse DELETE except below a recorded "pruned up to N" checkpoint (an
-- audit_events row, itself chained). The one UPDATE allowed chains a row written before the chain
-- existed (the migrator's backfill) and changes nothing else.
CREATE OR REPLACE FUNCTION rectify_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW.hash IS NULL OR NEW.prev_hash IS NULL OR NEW.hash_alg IS NULL THEN
      RAISE EXCEPTION '% is hash-chained: rows are written only through the chain appender', TG_TABLE_NAME
        USING HINT = 'db/queries/audit-chain.ts appendAuditEvents / appendLoginEvents';
    END IF;
    RETURN NEW;
  ELSIF TG_OP = 'UPDATE' THEN
    IF OLD.hash IS NULL AND NEW.hash IS NOT NULL
       AND (to_jsonb(OLD) - 'hash' - 'prev_hash' - 'hash_alg') = (to_jsonb(NEW) - 'hash' - 'prev_hash' - 'hash_alg') THEN
      RETURN NEW;
    END IF;
    RAISE EXCEPTION '% is append-only: UPDATE of row % refused', TG_TABLE_NAME, OLD.id;
  ELSIF TG_OP = 'DELETE' THEN
    IF EXISTS (
      SELECT 1 FROM audit_events c
      WHERE c.entity_type = 'audit_chain' AND c.entity_id = TG_TABLE_NAME AND c.action = 'pruned'
        AND (c.details->>'prunedUpToId')::bigint >= OLD.id
    ) THEN
      RETURN OLD;
    END IF;
    RAISE EXCEPTION '% is append-only: DELETE of row % refused (retention deletes only below a recorded checkpoint)', TG_TABLE_NAME, OLD.id;
  END IF;
  RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
END
$$;
--> statement-breakpoint
CREATE TRIGGER audit_events_append_only BEFORE INSERT OR UPDATE OR DELETE ON audit_events FOR EACH ROW EXECUTE FUNCTION rectify_append_only();
--> statement-breakpoint
CREATE TRIGGER audit_events_no_truncate BEFORE TRUNCATE ON audit_events FOR EACH STATEMENT EXECUTE FUNCTION rectify_append_only();
--> statement-breakpoint
CREATE TRIGGER login_events_append_only BEFORE INSERT OR UPDATE OR DELETE ON login_events FOR EACH ROW EXECUTE FUNCTION rectify_append_only();
--> statement-breakpoint
CREATE TRIGGER login_events_no_truncate BEFORE TRUNCATE ON login_events FOR EACH STATEMENT EXECUTE FUNCTION rectify_append_only();
