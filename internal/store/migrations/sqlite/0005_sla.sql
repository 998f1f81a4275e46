-- SLA engine: the next instant a report's promises need an action (a
-- reminder before a deadline, the escalation at it), the actions already
-- taken (so that none fires twice, across restarts and replicas), and the
-- maintainers' in-app notifications (which hold no text: they point at an
-- event of the report's timeline).
ALTER TABLE reports ADD COLUMN next_action_at TIMESTAMP;
ALTER TABLE reports ADD COLUMN sla_done TEXT NOT NULL DEFAULT '[]';
CREATE INDEX reports_next_action ON reports (next_action_at) WHERE next_action_at IS NOT NULL;

CREATE TABLE notifications (
    id         INTEGER PRIMARY KEY,
    user_id    INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    report_id  INTEGER NOT NULL REFERENCES reports (id),
    event_id   INTEGER NOT NULL REFERENCES report_events (id),
    kind       TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    read_at    TIMESTAMP
);
CREATE INDEX notifications_user ON notifications (user_id, id);
