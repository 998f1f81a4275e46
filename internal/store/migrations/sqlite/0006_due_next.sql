-- The "due next" view reads each project's reports in deadline order: a
-- partial index over the running deadlines serves it without a sort.
CREATE INDEX reports_due ON reports (project_id, next_due, id) WHERE next_due IS NOT NULL;
