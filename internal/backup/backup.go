// Package backup writes and reads Embargo's backup files: the store's
// logical snapshot (store.Backup), compressed, and encrypted with age
// (filippo.io/age) to recipients the operator names. The file is useless
// without an age identity; the report content inside it stays sealed under
// the master key, which is not in the file either (docs/backup.md).
package backup

import (
	"bufio"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"filippo.io/age"

	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/store"
)

// ParseRecipients parses age recipients given one by one (flags) and in
// files (one per line, # comments), as the age tool reads them.
func ParseRecipients(values []string, files []string) ([]age.Recipient, error) {
	var out []age.Recipient
	for _, v := range values {
		rs, err := age.ParseRecipients(strings.NewReader(v))
		if err != nil || len(rs) != 1 {
			return nil, embargo.Errorf(embargo.KindInvalid, "%q is not an age recipient (age1…): create one with `embargo backup keygen`", v)
		}
		out = append(out, rs...)
	}
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return nil, embargo.Errorf(embargo.KindInvalid, "recipients file: %v", err)
		}
		rs, err := age.ParseRecipients(f)
		f.Close()
		if err != nil {
			return nil, embargo.Errorf(embargo.KindInvalid, "recipients file %s: %v", name, err)
		}
		out = append(out, rs...)
	}
	if len(out) == 0 {
		return nil, embargo.Errorf(embargo.KindInvalid, "name at least one age recipient (--recipient age1… or --recipients-file FILE): a backup is never written unencrypted")
	}
	return out, nil
}

// ParseIdentityFile reads age identities (AGE-SECRET-KEY-…) from a file.
func ParseIdentityFile(name string) ([]age.Identity, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, embargo.Errorf(embargo.KindInvalid, "identity file: %v", err)
	}
	defer f.Close()
	ids, err := age.ParseIdentities(f)
	if err != nil {
		return nil, embargo.Errorf(embargo.KindInvalid, "identity file %s: %v", name, err)
	}
	return ids, nil
}

// Write writes an encrypted backup of st to w.
func Write(ctx context.Context, st *store.Store, w io.Writer, recipients []age.Recipient) (store.BackupInfo, error) {
	aw, err := age.Encrypt(w, recipients...)
	if err != nil {
		return store.BackupInfo{}, fmt.Errorf("backup: %w", err)
	}
	gz := gzip.NewWriter(aw)
	info, err := st.Backup(ctx, gz)
	if err != nil {
		return info, err
	}
	if err := gz.Close(); err != nil {
		return info, fmt.Errorf("backup: %w", err)
	}
	if err := aw.Close(); err != nil {
		return info, fmt.Errorf("backup: %w", err)
	}
	return info, nil
}

// WriteFile writes an encrypted backup to a new file (0600): first to a
// temporary name beside it, synced, then renamed, so that a file with the
// final name is always a whole backup. An existing file is not replaced.
func WriteFile(ctx context.Context, st *store.Store, name string, recipients []age.Recipient) (store.BackupInfo, error) {
	if _, err := os.Stat(name); err == nil {
		return store.BackupInfo{}, embargo.Errorf(embargo.KindConflict, "%s exists: choose a new name (a backup never replaces a file)", name)
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".partial-*")
	if err != nil {
		return store.BackupInfo{}, fmt.Errorf("backup: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return store.BackupInfo{}, fmt.Errorf("backup: %w", err)
	}
	bw := bufio.NewWriterSize(tmp, 1<<16)
	info, err := Write(ctx, st, bw, recipients)
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return info, err
	}
	if err := os.Link(tmp.Name(), name); err != nil {
		if errors.Is(err, os.ErrExist) {
			return info, embargo.Errorf(embargo.KindConflict, "%s exists: choose a new name (a backup never replaces a file)", name)
		}
		return info, fmt.Errorf("backup: %w", err)
	}
	return info, nil
}

// Read decrypts a backup with the identities and restores it into st,
// whose database must be empty.
func Read(ctx context.Context, st *store.Store, r io.Reader, identities []age.Identity) (store.RestoreInfo, error) {
	ar, err := age.Decrypt(r, identities...)
	if err != nil {
		var noMatch *age.NoIdentityMatchError
		if errors.As(err, &noMatch) {
			return store.RestoreInfo{}, embargo.Errorf(embargo.KindInvalid, "none of the identities opens this backup: it was encrypted to other recipients")
		}
		return store.RestoreInfo{}, embargo.Errorf(embargo.KindInvalid, "not an age-encrypted Embargo backup: %v", err)
	}
	gz, err := gzip.NewReader(ar)
	if err != nil {
		return store.RestoreInfo{}, embargo.Errorf(embargo.KindInvalid, "the backup is damaged: %v", err)
	}
	return st.Restore(ctx, gz) // which reads to the end, checking the last chunk, before it commits
}

// ReadFile restores the backup file name.
func ReadFile(ctx context.Context, st *store.Store, name string, identities []age.Identity) (store.RestoreInfo, error) {
	f, err := os.Open(name)
	if err != nil {
		return store.RestoreInfo{}, embargo.Errorf(embargo.KindInvalid, "backup file: %v", err)
	}
	defer f.Close()
	return Read(ctx, st, bufio.NewReaderSize(f, 1<<16), identities)
}

// NewIdentity generates an age X25519 identity and returns its secret
// form (AGE-SECRET-KEY-…) and its recipient (age1…).
func NewIdentity() (secret, recipient string, err error) {
	id, err := age.GenerateX25519Identity()
	if err != nil {
		return "", "", err
	}
	return id.String(), id.Recipient().String(), nil
}
