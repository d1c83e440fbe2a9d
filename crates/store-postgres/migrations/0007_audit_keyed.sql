-- 0005: the keyed audit chain (store::audit). Each entry records its actor's node of the
-- organisation tree and that node's division (what an auditor's scope is matched against, in
-- the query), and whether it carries the keyed hash; the anchor records the cut that pruning
-- made and a MAC that only pruning can write. Entries from before are left as they are
-- (unkeyed, no place: province level) and stay verifiable. Additive and idempotent.
ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS actor_org bigint;
ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS actor_region bigint;
ALTER TABLE audit_log ADD COLUMN IF NOT EXISTS keyed boolean NOT NULL DEFAULT false;
CREATE INDEX IF NOT EXISTS audit_region ON audit_log (actor_region, id);
CREATE INDEX IF NOT EXISTS audit_org ON audit_log (actor_org, id);
ALTER TABLE audit_anchor ADD COLUMN IF NOT EXISTS cut text COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE audit_anchor ADD COLUMN IF NOT EXISTS mac text NOT NULL DEFAULT '';
