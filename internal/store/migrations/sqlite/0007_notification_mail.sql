-- Notifications also go out by mail through the operator's relay: when each
-- was sent, how many attempts failed, and the last error.
ALTER TABLE notifications ADD COLUMN emailed_at TIMESTAMP;
ALTER TABLE notifications ADD COLUMN email_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE notifications ADD COLUMN email_error TEXT NOT NULL DEFAULT '';
CREATE INDEX notifications_unsent ON notifications (created_at) WHERE emailed_at IS NULL;
