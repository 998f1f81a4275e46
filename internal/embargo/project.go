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
	// Token limits a user acting through an API token: nil for a session.
	Token *TokenScope
}

// TokenScope is what an API token allows its user: a role at most, on one
// project or (ProjectID 0) on each project the user belongs to.
type TokenScope struct {
	ID        int64
	ProjectID int64
	Role      Role
}

// Actor names who did something, for the audit log and timelines:
// "user:12", "cli", "system".
type Actor string

// Actors that are not users.
const (
	ActorCLI    Actor = "cli"
	ActorSystem Actor = "system"
)
