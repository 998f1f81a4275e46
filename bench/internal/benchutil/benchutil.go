// Package benchutil holds what the load scripts in bench/ share: a scratch
// PostgreSQL schema, the JSON API intake loop, and medians.
package benchutil

import (
	"bytes"
	"database/sql"
	"fmt"
	"io"
	"net/http"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the pgx driver for database/sql
)

// ScratchSchema returns dsn with a fresh schema on its search path, and a
// function that drops the schema.
func ScratchSchema(dsn, prefix string) (string, func()) {
	db, err := sql.Open("pgx", dsn)
	Check(err)
	schema := fmt.Sprintf("%s_%d", prefix, time.Now().UnixNano())
	_, err = db.Exec(`CREATE SCHEMA ` + schema)
	Check(err)
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + "search_path=" + schema, func() {
		db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		db.Close()
	}
}

// PostReports posts n reports to url with c concurrent clients and
// returns reports per second; any status but 201 stops the bench.
func PostReports(client *http.Client, url string, n, c int, body []byte) float64 {
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				res, err := client.Post(url, "application/json", bytes.NewReader(body))
				Check(err)
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusCreated {
					Check(fmt.Errorf("status %d", res.StatusCode))
				}
			}
		}()
	}
	wg.Wait()
	return float64(n) / time.Since(start).Seconds()
}

// Median returns the median of xs (xs is not changed).
func Median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[len(s)/2]
}

// Check stops the bench on an error.
func Check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}
