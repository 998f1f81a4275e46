package app

import (
	"context"

	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/store"
)

// KeyStatus reports a project's data keys and re-sealing progress.
func (a *App) KeyStatus(ctx context.Context, slug string) (store.KeyStatus, error) {
	p, err := a.store.ProjectBySlug(ctx, slug)
	if err != nil {
		return store.KeyStatus{}, err
	}
	return a.store.KeyStatus(ctx, p.ID)
}

// RotateKeys gives a project's keyset a new primary key, re-seals every
// cell under it in batches (reads keep working throughout; progress is
// called after each batch), then retires the old keys.
func (a *App) RotateKeys(ctx context.Context, actor embargo.Actor, slug string, batch int, progress func(store.KeyStatus)) (int, error) {
	p, err := a.store.ProjectBySlug(ctx, slug)
	if err != nil {
		return 0, err
	}
	if err := a.store.RotateProjectKey(ctx, actor, p.ID); err != nil {
		return 0, err
	}
	for {
		n, err := a.store.ResealBatch(ctx, p.ID, batch)
		if err != nil {
			return 0, err
		}
		if progress != nil {
			if st, err := a.store.KeyStatus(ctx, p.ID); err == nil {
				progress(st)
			}
		}
		if n == 0 {
			break
		}
	}
	return a.store.RetireOldKeys(ctx, actor, p.ID)
}
