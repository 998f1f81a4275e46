-- The "due next" view across projects reads reports in deadline order: a
-- partial index over the running deadlines serves it without a sort.
CREATE INDEX reports_due ON reports (next_due, id) WHERE next_due IS NOT NULL;
