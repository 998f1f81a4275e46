package store

import (
	"context"
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

// SearchScanLimit bounds how many reports one search opens: report text
// is sealed, so a search decrypts and scans the candidates the filter
// selects (docs/security-model.md, "Search"). Beyond the limit the search
// covers the first SearchScanLimit candidates in inbox order and says so.
const SearchScanLimit = 20_000

// SearchResult is one page of the reports a search found.
type SearchResult struct {
	Reports []embargo.Report
	// Total is how many of the scanned reports match.
	Total int
	// Scanned is how many reports were opened and scanned; Capped is true
	// when the filter selected more than SearchScanLimit.
	Scanned int
	Capped  bool
}

// searchChunk is how many candidates are read before they are opened in
// parallel: it bounds the memory a search holds, whatever the reports'
// sizes (and the number of query parameters).
const searchChunk = 256

// SearchReports finds the reports of f whose text matches q, in inbox
// order, by opening each candidate's sealed content (in parallel, one
// worker per CPU) and matching it in memory; nothing of the text is
// indexed or stored.
func (s *Store) SearchReports(ctx context.Context, f ReportFilter, q embargo.Search) (SearchResult, error) {
	var res SearchResult
	cond, args, ok := f.where()
	if !ok {
		return res, nil
	}
	if n := q.Number(); n != 0 {
		args = append(args, n)
		cond += " AND number = $" + strconv.Itoa(len(args))
	}
	var candidates int
	if err := s.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM reports WHERE `+cond, args...).Scan(&candidates); err != nil {
		return res, fmt.Errorf("store.SearchReports: %w", err)
	}
	res.Capped = candidates > SearchScanLimit
	// The candidates' ids in inbox order first (a sort of narrow rows),
	// then their sealed content a chunk at a time by primary key.
	ids, err := s.idsOf(ctx, `SELECT id FROM reports WHERE `+cond+inboxOrder+` LIMIT `+strconv.Itoa(SearchScanLimit), args...)
	if err != nil {
		return res, fmt.Errorf("store.SearchReports: %w", err)
	}
	// Reading the next chunk overlaps with opening this one.
	type read struct {
		chunk []searchCandidate
		err   error
	}
	chunks := make(chan read, 1)
	readCtx, stop := context.WithCancel(ctx)
	defer stop()
	go func() {
		defer close(chunks)
		for len(ids) > 0 {
			n := min(len(ids), searchChunk)
			chunk, err := s.searchCandidates(readCtx, ids[:n])
			select {
			case chunks <- read{chunk, err}:
			case <-readCtx.Done():
				return
			}
			if err != nil {
				return
			}
			ids = ids[n:]
		}
	}()
	var matched []int64
	for c := range chunks {
		if c.err != nil {
			return res, fmt.Errorf("store.SearchReports: %w", c.err)
		}
		found, err := s.matchChunk(ctx, c.chunk, q)
		if err != nil {
			return res, fmt.Errorf("store.SearchReports: %w", err)
		}
		matched = append(matched, found...)
		res.Scanned += len(c.chunk)
	}
	if err := ctx.Err(); err != nil {
		return res, fmt.Errorf("store.SearchReports: %w", err)
	}
	res.Total = len(matched)
	lo := min(f.Offset, len(matched))
	hi := min(lo+f.limit(), len(matched))
	if res.Reports, err = s.reportsByID(ctx, matched[lo:hi]); err != nil {
		return res, fmt.Errorf("store.SearchReports: %w", err)
	}
	return res, nil
}

// idsOf runs a query of one id column (reports, deliveries, advisories).
func (s *Store) idsOf(ctx context.Context, query string, args ...any) ([]int64, error) {
	rows, err := s.r.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// searchCandidates reads the sealed content of the reports ids, in the
// order of ids.
func (s *Store) searchCandidates(ctx context.Context, ids []int64) ([]searchCandidate, error) {
	ph := make([]string, len(ids))
	args := make([]any, len(ids))
	pos := make(map[int64]int, len(ids))
	for i, id := range ids {
		ph[i], args[i], pos[id] = "$"+strconv.Itoa(i+1), id, i
	}
	rows, err := s.r.QueryContext(ctx, `SELECT id, project_id, number, thread_hash, content FROM reports WHERE id IN (`+strings.Join(ph, ", ")+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make([]searchCandidate, len(ids))
	n := 0
	for rows.Next() {
		var c searchCandidate
		if err := rows.Scan(&c.id, &c.projectID, &c.number, &c.threadHash, &c.sealed); err != nil {
			return nil, err
		}
		out[pos[c.id]] = c
		n++
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if n != len(ids) {
		// A report cannot disappear (reports are never deleted), so this
		// is a broken database rather than a race.
		return nil, fmt.Errorf("%d of %d reports missing", len(ids)-n, len(ids))
	}
	return out, nil
}

type searchCandidate struct {
	id, projectID, number int64
	threadHash            string
	sealed                []byte
	match                 bool
}

// matchChunk opens and matches a chunk of candidates in parallel and
// returns the ids of the matching ones, in the chunk's order.
func (s *Store) matchChunk(ctx context.Context, chunk []searchCandidate, q embargo.Search) ([]int64, error) {
	workers := min(runtime.GOMAXPROCS(0), len(chunk))
	var wg sync.WaitGroup
	errs := make([]error, workers)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(chunk); i += workers {
				c := &chunk[i]
				content, err := s.openContent(ctx, c.projectID, c.threadHash, c.sealed)
				if err != nil {
					errs[w] = fmt.Errorf("report %d: content: %w", c.id, err)
					return
				}
				c.match = q.Match(c.number, content)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	var ids []int64
	for _, c := range chunk {
		if c.match {
			ids = append(ids, c.id)
		}
	}
	return ids, nil
}

// reportsByID loads reports in the order of ids.
func (s *Store) reportsByID(ctx context.Context, ids []int64) ([]embargo.Report, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	ph := make([]string, len(ids))
	args := make([]any, len(ids))
	for i, id := range ids {
		ph[i], args[i] = "$"+strconv.Itoa(i+1), id
	}
	rows, err := s.r.QueryContext(ctx, `SELECT `+reportColumns+` FROM reports WHERE id IN (`+strings.Join(ph, ", ")+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	byID := make(map[int64]embargo.Report, len(ids))
	for rows.Next() {
		r, err := s.scanReport(ctx, rows)
		if err != nil {
			return nil, err
		}
		byID[r.ID] = r
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]embargo.Report, 0, len(ids))
	for _, id := range ids {
		if r, ok := byID[id]; ok {
			out = append(out, r)
		}
	}
	return out, nil
}
