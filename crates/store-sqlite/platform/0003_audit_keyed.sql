-- The keyed audit chain (store::audit): each entry records its actor's node of the
-- organisation tree and that node's division (what an auditor's scope is matched against, in
-- the query), and whether it carries the keyed hash; the anchor records the cut that pruning
-- made and a MAC that only pruning can write. Entries from before are left as they are
-- (unkeyed, no place: province level) and stay verifiable.
ALTER TABLE audit_log ADD COLUMN actor_org INTEGER;
ALTER TABLE audit_log ADD COLUMN actor_region INTEGER;
ALTER TABLE audit_log ADD COLUMN keyed INTEGER NOT NULL DEFAULT 0;
CREATE INDEX audit_region ON audit_log (actor_region, id);
CREATE INDEX audit_org ON audit_log (actor_org, id);
ALTER TABLE audit_anchor ADD COLUMN cut TEXT NOT NULL DEFAULT '';
ALTER TABLE audit_anchor ADD COLUMN mac TEXT NOT NULL DEFAULT '';
