-- CVE ids a project has reserved with its CNA, each taken by at most one
-- advisory.
CREATE TABLE cve_pool (
    project_id  BIGINT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    cve         TEXT NOT NULL,
    reserved_at TIMESTAMPTZ NOT NULL,
    advisory_id BIGINT REFERENCES advisories (id) ON DELETE SET NULL,
    PRIMARY KEY (project_id, cve)
);
CREATE UNIQUE INDEX cve_pool_cve ON cve_pool (cve);
