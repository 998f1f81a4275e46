-- The "due next" view reads each project's open reports in deadline order
-- through the inbox index (project_id, state, next_due), one open state at
-- a time; the SLA sweep reads reports_next_action. No index is added here:
-- every index costs each intake commit a page (docs/BENCHMARKS.md). The
-- running deadlines of closed reports are NULL, so they never show.
SELECT 1;
