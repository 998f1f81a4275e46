-- Incremental publishing. projects.public_serial counts the changes to the
-- project's public advisories; advisories.public_rev is the serial of the
-- advisory's last public change. A published tree that reflects serial S
-- brings itself up to date with the advisories whose public_rev is above S.
ALTER TABLE projects ADD COLUMN public_serial INTEGER NOT NULL DEFAULT 0;
ALTER TABLE advisories ADD COLUMN public_rev INTEGER NOT NULL DEFAULT 0;
UPDATE advisories SET public_rev = 1 WHERE public IS NOT NULL;
UPDATE projects SET public_serial = 1
    WHERE EXISTS (SELECT 1 FROM advisories WHERE advisories.project_id = projects.id AND advisories.public IS NOT NULL);
CREATE INDEX advisories_public_rev ON advisories (project_id, public_rev);
