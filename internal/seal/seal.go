package seal

import (
	"bytes"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/aead/subtle"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// Keys seals and opens report content with envelope encryption: each
// project has a Tink AEAD keyset (AES-256-GCM), stored in the database
// wrapped by the master key, which never enters the database. Every
// ciphertext carries associated data naming its table, column and row, so
// a ciphertext moved to another row or column does not open.
type Keys struct {
	master tink.AEAD
	mu     sync.RWMutex
	cache  map[int64]cached
}

// cached is a project's opened keyset; it is read again after CacheTTL so
// that a rotation by another process (or replica) reaches this one.
type cached struct {
	aead tink.AEAD
	at   time.Time
}

// CacheTTL is how long an opened project keyset is used before it is read
// from the database again.
const CacheTTL = time.Minute

// NewKeys returns Keys under a 256-bit master key.
func NewKeys(masterKey []byte) (*Keys, error) {
	if len(masterKey) != MasterKeySize {
		return nil, fmt.Errorf("seal: the master key must be %d bytes", MasterKeySize)
	}
	m, err := subtle.NewAESGCM(masterKey)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	return &Keys{master: m, cache: map[int64]cached{}}, nil
}

func keysetAD(projectID int64) []byte {
	return []byte("embargo/project-keyset/" + strconv.FormatInt(projectID, 10))
}

// NewProjectKeyset generates a project's data keyset and returns it
// wrapped by the master key, ready to store.
func (k *Keys) NewProjectKeyset(projectID int64) ([]byte, error) {
	h, err := keyset.NewHandle(aead.AES256GCMKeyTemplate())
	if err != nil {
		return nil, fmt.Errorf("seal: new keyset: %w", err)
	}
	var buf bytes.Buffer
	if err := h.WriteWithAssociatedData(keyset.NewBinaryWriter(&buf), k.master, keysetAD(projectID)); err != nil {
		return nil, fmt.Errorf("seal: wrap keyset: %w", err)
	}
	return buf.Bytes(), nil
}

// Project returns the AEAD of a project from its wrapped keyset, caching
// it. It fails when the keyset was wrapped by another master key or
// belongs to another project.
func (k *Keys) Project(projectID int64, wrapped []byte) (tink.AEAD, error) {
	h, err := k.read(projectID, wrapped)
	if err != nil {
		return nil, err
	}
	a, err := aead.New(h)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	k.mu.Lock()
	k.cache[projectID] = cached{aead: a, at: time.Now()}
	k.mu.Unlock()
	return a, nil
}

// Cached returns a project's AEAD when it was opened less than CacheTTL ago.
func (k *Keys) Cached(projectID int64) (tink.AEAD, bool) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	c, ok := k.cache[projectID]
	if !ok || time.Since(c.at) > CacheTTL {
		return nil, false
	}
	return c.aead, true
}

// AD is the associated data of one sealed cell: table, column and the
// row's key.
func AD(table, column, row string) []byte {
	return []byte("embargo/" + table + "/" + column + "/" + row)
}
