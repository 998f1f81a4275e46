package main

import (
	"bytes"
	"context"
	"database/sql"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/embargo-cvd/embargo/internal/store/storetest"
)

// lockedBuffer is written by a running command and read by the test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}
func (l *lockedBuffer) String() string { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

type result struct {
	code           int
	stdout, stderr string
}

func runCmd(t *testing.T, envs map[string]string, stdin string, args ...string) result {
	t.Helper()
	var out, errb lockedBuffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errb, func(k string) string { return envs[k] })
	return result{code, out.String(), errb.String()}
}

func walk(c *cobra.Command, f func(*cobra.Command)) {
	f(c)
	for _, sub := range c.Commands() {
		walk(sub, f)
	}
}

func TestHelpOnEveryCommand(t *testing.T) {
	var paths [][]string
	walk(newRoot(&env{}), func(c *cobra.Command) {
		p := strings.Fields(c.CommandPath())[1:]
		paths = append(paths, p)
	})
	want := []string{"serve", "migrate", "policy check", "policy render", "project add", "project list", "version"}
	seen := map[string]bool{}
	for _, p := range paths {
		seen[strings.Join(p, " ")] = true
		r := runCmd(t, nil, "", append(p, "--help")...)
		if r.code != 0 || !strings.Contains(r.stdout, "Usage:") {
			t.Errorf("embargo %s --help: exit %d\n%s%s", strings.Join(p, " "), r.code, r.stdout, r.stderr)
		}
	}
	for _, w := range want {
		if !seen[w] {
			t.Errorf("no command %q", w)
		}
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	for _, args := range [][]string{
		{"serve", "--no-such-flag"},
		{"frobnicate"},
		{"policy", "check"},
		{"policy", "render", "x.yaml"},
		{"policy", "render", "--format", "pdf", "x.yaml"},
		{"policy", "render", "--format", "security-txt", "--now", "tomorrow", "x.yaml"},
		{"project", "add"},
		{"version", "extra"},
	} {
		r := runCmd(t, nil, "", args...)
		if r.code != exitUsage || !strings.Contains(r.stderr, "embargo --help") {
			t.Errorf("embargo %v: exit %d, want 2 with a usage hint\n%s", args, r.code, r.stderr)
		}
	}
}

func TestPolicyCheck(t *testing.T) {
	examples, _ := filepath.Glob("../../examples/policies/*.yaml")
	r := runCmd(t, nil, "", append([]string{"policy", "check"}, examples...)...)
	if r.code != 0 || strings.Count(r.stdout, ": ok") != 5 {
		t.Fatalf("examples: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("version: 1\nproject: {name: M, slug: m}\ncontacts:\n  email: \"[INSERT SECURITY EMAIL]\"\nsla:\n  acknowledge: 48h\n  fix:\n    urgent: 1d\n"), 0o644)
	r = runCmd(t, nil, "", "policy", "check", bad)
	if r.code != exitError {
		t.Fatalf("bad policy: exit %d", r.code)
	}
	for _, want := range []string{bad + ":4:10: contacts.email: placeholder contact", bad + ":8:13: sla.fix.urgent: severity \"urgent\""} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, r.stdout)
		}
	}
	r = runCmd(t, nil, "version: 1\n", "policy", "check", "-")
	if r.code != exitError || !strings.Contains(r.stdout, "-:1:1: policy: missing properties") {
		t.Fatalf("stdin: exit %d\n%s", r.code, r.stdout)
	}
	if r := runCmd(t, nil, "", "policy", "check", "/no/such/file.yaml"); r.code != exitError || !strings.Contains(r.stdout, "no such file") {
		t.Fatalf("missing file: %d %s", r.code, r.stdout)
	}
}

func TestPolicyRenderMatchesGolden(t *testing.T) {
	for _, f := range []struct{ format, golden string }{
		{"security-md", "virtrigaud.SECURITY.md"},
		{"security-txt", "virtrigaud.security.txt"},
	} {
		r := runCmd(t, nil, "", "policy", "render", "--format", f.format, "--base-url", "https://embargo.test",
			"--now", "2026-11-23T12:00:00Z", "../../examples/policies/virtrigaud.yaml")
		want, _ := os.ReadFile(filepath.Join("../../internal/policy/testdata/golden", f.golden))
		if r.code != 0 || r.stdout != string(want) {
			t.Errorf("%s: exit %d, output differs from %s:\n%s%s", f.format, r.code, f.golden, r.stdout, r.stderr)
		}
	}
}

func TestProjectAddRefusesBadPolicyAndDuplicates(t *testing.T) {
	envs := map[string]string{"EMBARGO_DATA_DIR": t.TempDir()}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("version: 1\nproject: {name: M, slug: m}\ncontacts: {email: \"[INSERT SECURITY EMAIL]\"}\nsla: {acknowledge: 48h}\n"), 0o644)
	if r := runCmd(t, envs, "", "project", "add", "--policy", bad); r.code != exitError || !strings.Contains(r.stderr, bad+":3:19: contacts.email: placeholder") {
		t.Fatalf("bad policy: exit %d\n%s", r.code, r.stderr)
	}
	if r := runCmd(t, envs, "", "project", "list"); !strings.Contains(r.stdout, "No projects") {
		t.Fatalf("a refused policy left a project behind:\n%s", r.stdout)
	}
	good := "../../examples/policies/aeraki.yaml"
	if r := runCmd(t, envs, "", "project", "add", "--policy", good); r.code != 0 || !strings.Contains(r.stdout, `Created project "aeraki"`) {
		t.Fatalf("add: %d %s %s", r.code, r.stdout, r.stderr)
	}
	if r := runCmd(t, envs, "", "project", "add", "--policy", good); r.code != exitError || !strings.Contains(r.stderr, "already exists") {
		t.Fatalf("duplicate: %d %s", r.code, r.stderr)
	}
	if r := runCmd(t, envs, "", "project", "list"); !strings.Contains(r.stdout, "aeraki") || !strings.Contains(r.stdout, "Aeraki") {
		t.Fatalf("list: %s", r.stdout)
	}
	if r := runCmd(t, envs, "", "migrate"); r.code != 0 || !strings.Contains(r.stdout, "up to date") {
		t.Fatalf("migrate: %d %s", r.code, r.stdout)
	}
}

var (
	servingRe = regexp.MustCompile(`serving on (http://[0-9.:]+)`)
	linkRe    = regexp.MustCompile(`http://[0-9.:]+/setup/[A-Za-z0-9_-]{43}`)
)

// startServe runs `embargo serve` until the test ends and returns its base
// URL and the setup link it printed.
func startServe(t *testing.T, envs map[string]string) (base, link string, stop func()) {
	t.Helper()
	envs["EMBARGO_LISTEN"] = "127.0.0.1:0"
	ctx, cancel := context.WithCancel(context.Background())
	var out, errb lockedBuffer
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, strings.NewReader(""), &out, &errb, func(k string) string { return envs[k] })
	}()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if m := servingRe.FindStringSubmatch(out.String()); m != nil {
			base = m[1]
			break
		}
		select {
		case code := <-done:
			t.Fatalf("serve exited %d:\n%s%s", code, out.String(), errb.String())
		case <-time.After(20 * time.Millisecond):
		}
	}
	if base == "" {
		t.Fatalf("serve did not start:\n%s%s", out.String(), errb.String())
	}
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if code := <-done; code != 0 {
				t.Errorf("serve exited %d:\n%s", code, errb.String())
			}
			if l := linkRe.FindString(out.String()); l != "" && strings.Contains(errb.String(), l[strings.LastIndex(l, "/")+1:]) {
				t.Error("the setup token reached the log")
			}
		})
	}
	t.Cleanup(stop)
	return base, linkRe.FindString(out.String()), stop
}

func getOK(t *testing.T, u string) string {
	t.Helper()
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var b bytes.Buffer
	b.ReadFrom(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", u, res.StatusCode, b.String())
	}
	return b.String()
}

func TestServeOnEmptyDataDirThenAgain(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "embargo-data")
	envs := map[string]string{"EMBARGO_DATA_DIR": dir}
	base, link, stop := startServe(t, envs)
	if link == "" {
		t.Fatal("no setup link printed")
	}
	if !strings.Contains(getOK(t, base+"/readyz"), `"dialect":"sqlite"`) {
		t.Fatal("not ready on SQLite")
	}
	getOK(t, link)
	for path, mode := range map[string]os.FileMode{dir: 0o700, filepath.Join(dir, "master.key"): 0o600, filepath.Join(dir, "embargo.db"): 0o600} {
		fi, err := os.Stat(path)
		if err != nil || fi.Mode().Perm() != mode {
			t.Errorf("%s: mode %v, %v; want %v", path, fi.Mode().Perm(), err, mode)
		}
	}
	key1, _ := os.ReadFile(filepath.Join(dir, "master.key"))
	stop()

	base2, link2, _ := startServe(t, envs)
	key2, _ := os.ReadFile(filepath.Join(dir, "master.key"))
	if !bytes.Equal(key1, key2) {
		t.Fatal("second start replaced the master key")
	}
	if link2 == "" || link2 == link {
		t.Fatal("second start without an admin must print a fresh setup link")
	}
	// The first start's link keeps working until it expires or an admin exists.
	getOK(t, strings.Replace(link, base, base2, 1))
}

func TestServeOnPostgres(t *testing.T) {
	dbURL := storetest.PostgresURL(t)
	envs := map[string]string{"EMBARGO_DATA_DIR": t.TempDir(), "EMBARGO_DATABASE_URL": dbURL}
	if r := runCmd(t, envs, "", "project", "add", "--policy", "../../examples/policies/bpfcompat.yaml"); r.code != 0 {
		t.Fatalf("project add on PostgreSQL: %s", r.stderr)
	}
	srv, link, _ := startServe(t, envs)
	if !strings.Contains(getOK(t, srv+"/readyz"), `"dialect":"postgres"`) {
		t.Fatal("not ready on PostgreSQL")
	}
	if link == "" {
		t.Fatal("no setup link on PostgreSQL")
	}
	if txt := getOK(t, srv+"/.well-known/security.txt"); !strings.Contains(txt, "Contact: https://github.com/Kernel-Guard/bpfcompat/security/advisories/new") {
		t.Fatalf("security.txt on PostgreSQL:\n%s", txt)
	}
}

func TestPolicyImport(t *testing.T) {
	seed := "../../internal/policy/importer/testdata/seeds/001_ffdb41f7b163b172.txt"
	r := runCmd(t, nil, "", "policy", "import", seed)
	if r.code != 0 || !strings.Contains(r.stdout, `name: "metricsd"`) || !strings.Contains(r.stdout, "acknowledge: 48h") {
		t.Fatalf("import: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	for _, want := range []string{"Read " + seed + " as markdown", "mapped: sla.acknowledge = 48h (line 35)", "placeholder, not used: [INSERT SECURITY EMAIL] (line 23)"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("review lacks %q:\n%s", want, r.stderr)
		}
	}
	// The draft fails the check until its placeholder is filled, then passes.
	draft := filepath.Join(t.TempDir(), "metricsd.yaml")
	if r := runCmd(t, nil, "", "policy", "import", "--out", draft, seed); r.code != 0 || r.stdout != "" {
		t.Fatalf("--out: %d %q", r.code, r.stdout)
	}
	if r := runCmd(t, nil, "", "policy", "check", draft); r.code != exitError || !strings.Contains(r.stdout, "placeholder contact") {
		t.Fatalf("unfilled draft: %d\n%s", r.code, r.stdout)
	}
	data, _ := os.ReadFile(draft)
	os.WriteFile(draft, []byte(strings.Replace(string(data), "[FILL IN THE SECURITY EMAIL ADDRESS]", "security@metricsd.dev", 1)), 0o644)
	if r := runCmd(t, nil, "", "policy", "check", draft); r.code != 0 {
		t.Fatalf("filled draft: %d\n%s", r.code, r.stdout)
	}
	if r := runCmd(t, nil, "# Security\n\nWe reply within 3 days.\n", "policy", "import", "--name", "Demo", "-"); r.code != 0 || !strings.Contains(r.stdout, `name: "Demo"`) || !strings.Contains(r.stdout, "acknowledge: 3d") {
		t.Fatalf("stdin: %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if r := runCmd(t, nil, "", "policy", "import", "/no/such/SECURITY.md"); r.code != exitError {
		t.Fatalf("missing file: %d", r.code)
	}
}

func TestUserAddRoleAndInvite(t *testing.T) {
	envs := map[string]string{"EMBARGO_DATA_DIR": t.TempDir(), "EMBARGO_BASE_URL": "https://embargo.example.org"}
	if r := runCmd(t, envs, "", "project", "add", "--policy", "../../examples/policies/virtrigaud.yaml"); r.code != 0 {
		t.Fatalf("project add: %s", r.stderr)
	}
	if r := runCmd(t, envs, "", "user", "add", "--email", "ada@example.org", "--name", "Ada"); r.code != exitUsage || !strings.Contains(r.stderr, "standard input") {
		t.Fatalf("no password: %d %s", r.code, r.stderr)
	}
	if r := runCmd(t, envs, "short\n", "user", "add", "--email", "ada@example.org", "--name", "Ada"); r.code != exitError || !strings.Contains(r.stderr, "at least 12") {
		t.Fatalf("short password: %d %s", r.code, r.stderr)
	}
	if r := runCmd(t, envs, "correct horse battery staple\n", "user", "add", "--email", "ada@example.org", "--name", "Ada"); r.code != 0 || !strings.Contains(r.stdout, "Created ada@example.org") {
		t.Fatalf("user add: %d %s %s", r.code, r.stdout, r.stderr)
	}
	if r := runCmd(t, envs, "", "user", "role", "--email", "ada@example.org", "--project", "virtrigaud", "--role", "boss"); r.code != exitUsage || !strings.Contains(r.stderr, "unknown role") {
		t.Fatalf("bad role: %d %s", r.code, r.stderr)
	}
	if r := runCmd(t, envs, "", "user", "role", "--email", "nobody@example.org", "--project", "virtrigaud", "--role", "owner"); r.code != exitError || !strings.Contains(r.stderr, "no account") {
		t.Fatalf("unknown user: %d %s", r.code, r.stderr)
	}
	if r := runCmd(t, envs, "", "user", "role", "--email", "ada@example.org", "--project", "virtrigaud", "--role", "owner"); r.code != 0 || !strings.Contains(r.stdout, "now owner on virtrigaud") {
		t.Fatalf("role: %d %s %s", r.code, r.stdout, r.stderr)
	}
	r := runCmd(t, envs, "", "user", "invite", "--email", "grace@example.org", "--project", "virtrigaud", "--role", "triager")
	if r.code != 0 || !regexp.MustCompile(`https://embargo\.example\.org/invite/[A-Za-z0-9_-]{43}`).MatchString(r.stdout) {
		t.Fatalf("invite: %d %s %s", r.code, r.stdout, r.stderr)
	}
	if r := runCmd(t, envs, "", "user", "invite", "--email", "ada@example.org", "--admin"); r.code != exitError || !strings.Contains(r.stderr, "already has an account") {
		t.Fatalf("invite existing: %d %s", r.code, r.stderr)
	}
}

func TestAuditVerifyFindsTampering(t *testing.T) {
	dir := t.TempDir()
	envs := map[string]string{"EMBARGO_DATA_DIR": dir}
	if r := runCmd(t, envs, "", "project", "add", "--policy", "../../examples/policies/virtrigaud.yaml"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	runCmd(t, envs, "correct horse battery staple\n", "user", "add", "--email", "ada@example.org", "--name", "Ada")
	runCmd(t, envs, "", "user", "role", "--email", "ada@example.org", "--project", "virtrigaud", "--role", "owner")
	if r := runCmd(t, envs, "", "audit", "checkpoint"); r.code != 0 || !strings.Contains(r.stdout, "Checkpoint signed") {
		t.Fatalf("checkpoint: %d %s %s", r.code, r.stdout, r.stderr)
	}
	if r := runCmd(t, envs, "", "audit", "checkpoint"); r.code != 0 || !strings.Contains(r.stdout, "already checkpointed") {
		t.Fatalf("second checkpoint: %d %s %s", r.code, r.stdout, r.stderr)
	}
	if r := runCmd(t, envs, "", "audit", "verify"); r.code != 0 || !strings.Contains(r.stdout, "Audit log intact: 4 entries") || !strings.Contains(r.stdout, "1 signed checkpoints valid") {
		t.Fatalf("verify: %d %s %s", r.code, r.stdout, r.stderr)
	}
	db, err := sql.Open("sqlite", filepath.Join(dir, "embargo.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, tt := range []struct{ tamper, undo, want string }{
		{`UPDATE audit_log SET actor = 'user:99' WHERE seq = 2`, `UPDATE audit_log SET actor = 'cli' WHERE seq = 2`, "broken at entry 2: content does not match its hash"},
		{`UPDATE audit_log SET seq = 9 WHERE seq = 2`, `UPDATE audit_log SET seq = 2 WHERE seq = 9`, "broken at entry 3: expected entry 2 here"},
		{`UPDATE audit_checkpoints SET hash = 'f00d' WHERE seq = 4`, `UPDATE audit_checkpoints SET hash = (SELECT hash FROM audit_log WHERE seq = 4) WHERE seq = 4`, "broken at entry 4: checkpoint signature is not valid"},
		{`DELETE FROM audit_log WHERE seq = 4`, `UPDATE audit_head SET seq = 3, hash = (SELECT hash FROM audit_log WHERE seq = 3)`, "broken at entry 4: the log ends at entry 3 but its head records entry 4"},
		// Cutting the tail and fixing the head too: the signed checkpoint still tells.
		{`SELECT 1`, ``, "a signed checkpoint vouches for entry 4, but the log has 3 entries"},
	} {
		if _, err := db.Exec(tt.tamper); err != nil {
			t.Fatal(err)
		}
		if r := runCmd(t, envs, "", "audit", "verify"); r.code != exitError || !strings.Contains(r.stderr, tt.want) {
			t.Fatalf("%s: %d %s", tt.tamper, r.code, r.stderr)
		}
		if tt.undo != "" {
			db.Exec(tt.undo)
		}
	}
}

func TestKeysRotateAndStatus(t *testing.T) {
	envs := map[string]string{"EMBARGO_DATA_DIR": t.TempDir()}
	if r := runCmd(t, envs, "", "project", "add", "--policy", "../../examples/policies/virtrigaud.yaml"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	if r := runCmd(t, envs, "", "keys", "status"); r.code != 0 || !strings.Contains(r.stdout, "virtrigaud  1") {
		t.Fatalf("status: %d %s %s", r.code, r.stdout, r.stderr)
	}
	if r := runCmd(t, envs, "", "keys", "rotate"); r.code != exitUsage {
		t.Fatalf("rotate without project: %d", r.code)
	}
	if r := runCmd(t, envs, "", "keys", "rotate", "--project", "nope"); r.code != exitError || !strings.Contains(r.stderr, "not found") {
		t.Fatalf("rotate unknown: %d %s", r.code, r.stderr)
	}
	r := runCmd(t, envs, "", "keys", "rotate", "--project", "virtrigaud")
	if r.code != 0 || !strings.Contains(r.stdout, "1 old key(s) retired") {
		t.Fatalf("rotate: %d %s %s", r.code, r.stdout, r.stderr)
	}
	if r := runCmd(t, envs, "", "audit", "verify"); r.code != 0 {
		t.Fatalf("audit after rotation: %s", r.stderr)
	}
}

func TestKeysRotateMaster(t *testing.T) {
	dir := t.TempDir()
	envs := map[string]string{"EMBARGO_DATA_DIR": dir}
	if r := runCmd(t, envs, "", "project", "add", "--policy", "../../examples/policies/virtrigaud.yaml"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	newKey := filepath.Join(t.TempDir(), "master.key.new")
	if r := runCmd(t, envs, "", "keys", "rotate-master", "--new-key-file", newKey); r.code != 0 || !strings.Contains(r.stdout, "Wrapped 1 project keyset") {
		t.Fatalf("rotate-master: %d %s %s", r.code, r.stdout, r.stderr)
	}
	if r := runCmd(t, envs, "", "keys", "rotate-master", "--new-key-file", newKey); r.code != exitUsage {
		t.Fatalf("existing new key file: %d", r.code)
	}
	// The old key no longer opens the keysets; the new one does.
	if r := runCmd(t, envs, "", "keys", "status"); r.code != exitError || !strings.Contains(r.stderr, "does not open with this master key") {
		t.Fatalf("status with the old key: %d %s", r.code, r.stderr)
	}
	envs["EMBARGO_MASTER_KEY_FILE"] = newKey
	if r := runCmd(t, envs, "", "keys", "status"); r.code != 0 || !strings.Contains(r.stdout, "virtrigaud") {
		t.Fatalf("status with the new key: %d %s %s", r.code, r.stdout, r.stderr)
	}
}

// TestBackupAndRestoreCommands: keygen, a backup of a SQLite instance, a
// restore into a new data directory and into PostgreSQL with the same
// master key; and the refusals a new user will meet.
func TestBackupAndRestoreCommands(t *testing.T) {
	dir := t.TempDir()
	envs := map[string]string{"EMBARGO_DATA_DIR": dir}
	if r := runCmd(t, envs, "", "project", "add", "--policy", "../../examples/policies/virtrigaud.yaml"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	secrets := t.TempDir()
	identity := filepath.Join(secrets, "identity.txt")
	r := runCmd(t, nil, "", "backup", "keygen", "--out", identity)
	recipient := regexp.MustCompile(`age1[0-9a-z]+`).FindString(r.stdout)
	if r.code != 0 || recipient == "" {
		t.Fatalf("keygen: %d %s %s", r.code, r.stdout, r.stderr)
	}
	if fi, err := os.Stat(identity); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("identity file: %v %v", fi, err)
	}
	if r := runCmd(t, nil, "", "backup", "keygen", "--out", identity); r.code == 0 {
		t.Fatal("keygen replaced an identity file")
	}
	if r := runCmd(t, envs, "", "backup", "--out", filepath.Join(dir, "x.backup")); r.code != exitUsage || !strings.Contains(r.stderr, "never written unencrypted") {
		t.Fatalf("backup without recipient: %d %s", r.code, r.stderr)
	}
	file := filepath.Join(t.TempDir(), "embargo.backup")
	r = runCmd(t, envs, "", "backup", "--out", file, "--recipient", recipient)
	if r.code != 0 || !strings.Contains(r.stdout, "1 projects") {
		t.Fatalf("backup: %d %s %s", r.code, r.stdout, r.stderr)
	}
	if r := runCmd(t, envs, "", "backup", "--out", file, "--recipient", recipient); r.code != exitError || !strings.Contains(r.stderr, "exists") {
		t.Fatalf("backup over a file: %d %s", r.code, r.stderr)
	}
	// A new machine without the master key is refused, and creates none.
	fresh := t.TempDir()
	r = runCmd(t, map[string]string{"EMBARGO_DATA_DIR": fresh}, "", "restore", "--in", file, "--identity", identity)
	if r.code != exitError || !strings.Contains(r.stderr, "no master key") {
		t.Fatalf("restore without the master key: %d %s", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(fresh, "master.key")); err == nil {
		t.Fatal("restore created a master key")
	}
	key := filepath.Join(dir, "master.key")
	for name, target := range map[string]map[string]string{
		"sqlite":   {"EMBARGO_DATA_DIR": fresh, "EMBARGO_MASTER_KEY_FILE": key},
		"postgres": {"EMBARGO_DATA_DIR": t.TempDir(), "EMBARGO_MASTER_KEY_FILE": key},
	} {
		t.Run(name, func(t *testing.T) {
			if name == "postgres" {
				target["EMBARGO_DATABASE_URL"] = storetest.PostgresURL(t)
			}
			r := runCmd(t, target, "", "restore", "--in", file, "--identity", identity)
			if r.code != 0 || !strings.Contains(r.stdout, "1 projects") {
				t.Fatalf("restore: %d %s %s", r.code, r.stdout, r.stderr)
			}
			if r := runCmd(t, target, "", "project", "list"); r.code != 0 || !strings.Contains(r.stdout, "virtrigaud") {
				t.Fatalf("project list after restore: %d %s %s", r.code, r.stdout, r.stderr)
			}
			if r := runCmd(t, target, "", "audit", "verify"); r.code != 0 {
				t.Fatalf("audit verify after restore: %s", r.stderr)
			}
			if r := runCmd(t, target, "", "restore", "--in", file, "--identity", identity); r.code != exitError || !strings.Contains(r.stderr, "not empty") {
				t.Fatalf("second restore: %d %s", r.code, r.stderr)
			}
		})
	}
}

// TestProjectUpdateAndReapply: a new policy revision from the command
// line, the same file again refused, and a reapply with nothing to move.
func TestProjectUpdateAndReapply(t *testing.T) {
	envs := map[string]string{"EMBARGO_DATA_DIR": t.TempDir()}
	if r := runCmd(t, envs, "", "project", "add", "--policy", "../../examples/policies/virtrigaud.yaml"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	src, err := os.ReadFile("../../examples/policies/virtrigaud.yaml")
	if err != nil {
		t.Fatal(err)
	}
	newer := strings.Replace(string(src), "acknowledge: 48h", "acknowledge: 24h", 1)
	if r := runCmd(t, envs, newer, "project", "update", "--policy", "-"); r.code != 0 || !strings.Contains(r.stdout, "Stored policy revision 2") {
		t.Fatalf("update: %d %s %s", r.code, r.stdout, r.stderr)
	}
	if r := runCmd(t, envs, newer, "project", "update", "--policy", "-"); r.code != exitError || !strings.Contains(r.stderr, "already revision 2") {
		t.Fatalf("same again: %d %s", r.code, r.stderr)
	}
	if r := runCmd(t, envs, "version: 1\n", "project", "update", "--policy", "-"); r.code != exitError {
		t.Fatalf("broken policy: %d %s", r.code, r.stderr)
	}
	if r := runCmd(t, envs, "", "policy", "reapply"); r.code != exitUsage {
		t.Fatalf("reapply without project: %d", r.code)
	}
	if r := runCmd(t, envs, "", "policy", "reapply", "--project", "virtrigaud", "--apply"); r.code != 0 || !strings.Contains(r.stdout, "already under policy revision 2") {
		t.Fatalf("reapply: %d %s %s", r.code, r.stdout, r.stderr)
	}
	if r := runCmd(t, envs, "", "audit", "verify"); r.code != 0 {
		t.Fatalf("audit: %s", r.stderr)
	}
}

func TestPublishWritesTheSite(t *testing.T) {
	dir := t.TempDir()
	envs := map[string]string{"EMBARGO_DATA_DIR": dir}
	if r := runCmd(t, envs, "", "project", "add", "--policy", "../../examples/policies/virtrigaud.yaml"); r.code != 0 {
		t.Fatal(r.stderr)
	}
	if r := runCmd(t, envs, "", "publish"); r.code != exitUsage || !strings.Contains(r.stderr, "--out") {
		t.Fatalf("no --out: %d %s", r.code, r.stderr)
	}
	if r := runCmd(t, envs, "", "publish", "--out", dir, "--base-url", "ftp://x"); r.code != exitUsage || !strings.Contains(r.stderr, "base-url") {
		t.Fatalf("bad base URL: %d %s", r.code, r.stderr)
	}
	out := filepath.Join(dir, "site")
	r := runCmd(t, envs, "", "publish", "--project", "virtrigaud", "--out", out, "--base-url", "https://security.virtrigaud.io")
	if r.code != 0 || !strings.Contains(r.stdout, "files for \"virtrigaud\"") {
		t.Fatalf("publish: %d %s %s", r.code, r.stdout, r.stderr)
	}
	index, err := os.ReadFile(filepath.Join(out, "index.html"))
	if err != nil || !strings.Contains(string(index), "No advisories published yet.") {
		t.Fatalf("index.html: %v", err)
	}
	feed, err := os.ReadFile(filepath.Join(out, "feed.atom"))
	if err != nil || !strings.Contains(string(feed), "https://security.virtrigaud.io/feed.atom") {
		t.Fatalf("feed.atom: %v %s", err, feed)
	}
	if r := runCmd(t, envs, "", "publish", "--project", "nope", "--out", out); r.code == 0 || !strings.Contains(r.stderr, "not found") {
		t.Fatalf("unknown project: %d %s", r.code, r.stderr)
	}
}
