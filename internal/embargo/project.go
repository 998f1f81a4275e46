package embargo

import "time"

// Project is a project whose security policy Embargo runs.
type Project struct {
	ID   int64
	Slug string
	Name string
	// PolicyRevision is the revision of the policy in force.
	PolicyRevision int
	CreatedAt      time.Time
}

// PolicyRevision is one stored version of a project's policy file.
type PolicyRevision struct {
	ProjectID int64
	Revision  int
	// Source is the policy file exactly as submitted.
	Source    []byte
	SHA256    string
	CreatedAt time.Time
	CreatedBy string
}

// User is a maintainer account.
type User struct {
	ID           int64
	Email        string
	Name         string
	PasswordHash string
	IsAdmin      bool
	CreatedAt    time.Time
}

// Actor names who did something, for the audit log and timelines:
// "user:12", "cli", "system".
type Actor string

// Actors that are not users.
const (
	ActorCLI    Actor = "cli"
	ActorSystem Actor = "system"
)
