// Command intake measures report intake through the JSON API, in reports
// per second, on SQLite and (when a URL is given) PostgreSQL, each against
// a baseline measured in the same run on the same database: a bare loop of
// durable single-row INSERT transactions of the same payload size.
//
//	go run ./bench/intake -n 2000 -c 8 -postgres "$EMBARGO_TEST_POSTGRES_URL"
//
// With -plaintext, each round also runs the API on a second database that
// stores content unsealed, and reports sealed/plaintext: what sealing
// costs. Unsealed storage exists only in a build with the embargobench tag:
//
//	go run -tags embargobench ./bench/intake -plaintext
package main

import (
	"bytes"
	"context"
	"database/sql"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/embargo-cvd/embargo/bench/internal/benchutil"
	"github.com/embargo-cvd/embargo/internal/api"
	"github.com/embargo-cvd/embargo/internal/app"
	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/httpx"
	"github.com/embargo-cvd/embargo/internal/server"
	"github.com/embargo-cvd/embargo/internal/store"
	"github.com/embargo-cvd/embargo/internal/web"
)

func main() {
	n := flag.Int("n", 2000, "reports per measurement")
	c := flag.Int("c", 8, "concurrent API clients")
	pg := flag.String("postgres", "", "PostgreSQL URL (a scratch database: the bench creates and drops a schema)")
	profile := flag.String("cpuprofile", "", "write a CPU profile of the run to this file")
	rounds := flag.Int("rounds", 3, "alternate baseline and API this many times; the median ratio is reported")
	plain := flag.Bool("plaintext", false, "also measure the API with unsealed content (build with -tags embargobench)")
	flag.Parse()
	if *profile != "" {
		f, err := os.Create(*profile)
		benchutil.Check(err)
		benchutil.Check(pprof.StartCPUProfile(f))
		defer pprof.StopCPUProfile()
	}
	body := []byte(`{"title":"Stored XSS in the comment preview","description":"` + strings.Repeat("The preview renders raw HTML. ", 40) +
		`","steps":"1. post <img src=x onerror=alert(1)>\n2. open the preview","credit":{"mode":"handle","name":"bench"}}`)
	dir, err := os.MkdirTemp("", "embargo-bench-")
	benchutil.Check(err)
	defer os.RemoveAll(dir)
	fmt.Printf("intake: %d reports, %d clients, %d-byte JSON body\n\n", *n, *c, len(body))
	if *plain {
		fmt.Printf("%-10s %5s %14s %14s %8s %16s %15s\n", "database", "round", "baseline r/s", "API r/s", "ratio", "plaintext API r/s", "sealed/plain")
	} else {
		fmt.Printf("%-10s %5s %14s %14s %8s\n", "database", "round", "baseline r/s", "API r/s", "ratio")
	}
	run("sqlite", filepath.Join(dir, "embargo.db"), filepath.Join(dir, "plaintext.db"), *n, *c, *rounds, *plain, body)
	if *pg != "" {
		run("postgres", *pg, *pg, *n, *c, *rounds, *plain, body)
	}
}

func run(name, dsn, plainDSN string, n, c, rounds int, plain bool, body []byte) {
	ctx := context.Background()
	if name == "postgres" {
		var drop func()
		dsn, drop = benchutil.ScratchSchema(dsn, "bench")
		defer drop()
	}
	api, closeAPI := openAPI(ctx, dsn, c, false)
	defer closeAPI()
	var plainAPI *apiServer
	if plain {
		if name == "postgres" {
			var drop func()
			plainDSN, drop = benchutil.ScratchSchema(plainDSN, "bench")
			defer drop()
		}
		var closePlain func()
		plainAPI, closePlain = openAPI(ctx, plainDSN, c, true)
		defer closePlain()
	}
	// Alternate the measurements, so that drift in the machine's fsync
	// cost during the run (it is large on shared hosts) weighs on all alike.
	var ratios, costs []float64
	for round := 1; round <= rounds; round++ {
		base := baseline(ctx, name, dsn, n, len(body), round)
		rate := api.run(n, c, body)
		ratios = append(ratios, rate/base)
		if plainAPI == nil {
			fmt.Printf("%-10s %5d %14.0f %14.0f %8.2f\n", name, round, base, rate, rate/base)
			continue
		}
		plainRate := plainAPI.run(n, c, body)
		costs = append(costs, rate/plainRate)
		fmt.Printf("%-10s %5d %14.0f %14.0f %8.2f %16.0f %15.2f\n", name, round, base, rate, rate/base, plainRate, rate/plainRate)
	}
	fmt.Printf("%-10s median ratio %.2f", name, benchutil.Median(ratios))
	if costs != nil {
		fmt.Printf(", sealed/plaintext %.2f", benchutil.Median(costs))
	}
	fmt.Println()
}

// openAPI opens and migrates a store and serves the API over it.
func openAPI(ctx context.Context, dsn string, c int, plaintext bool) (*apiServer, func()) {
	st, err := store.Open(ctx, dsn, store.Options{MasterKey: bytes.Repeat([]byte{7}, 32), PlaintextForBenchmark: plaintext})
	benchutil.Check(err)
	_, err = st.Migrate(ctx)
	benchutil.Check(err)
	api := newAPI(ctx, st, c)
	return api, func() { api.close(); st.Close() }
}

// baseline inserts n rows of size bytes, one durable transaction each, on
// its own connection with the store's settings.
func baseline(ctx context.Context, name, dsn string, n, size, round int) float64 {
	var db *sql.DB
	var err error
	if name == "sqlite" {
		db, err = sql.Open("sqlite", "file:"+dsn+"?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)&_pragma=synchronous(FULL)&_txlock=immediate")
		db.SetMaxOpenConns(1)
	} else {
		db, err = sql.Open("pgx", dsn)
	}
	benchutil.Check(err)
	defer db.Close()
	table := fmt.Sprintf("bench_baseline_%d", round)
	_, err = db.ExecContext(ctx, `CREATE TABLE `+table+` (id BIGINT PRIMARY KEY, payload BYTEA NOT NULL)`)
	if err != nil && name == "sqlite" {
		_, err = db.ExecContext(ctx, `CREATE TABLE `+table+` (id INTEGER PRIMARY KEY, payload BLOB NOT NULL)`)
	}
	benchutil.Check(err)
	payload := bytes.Repeat([]byte("x"), size)
	start := time.Now()
	for i := range n {
		tx, err := db.BeginTx(ctx, nil)
		benchutil.Check(err)
		_, err = tx.ExecContext(ctx, `INSERT INTO `+table+` (id, payload) VALUES ($1, $2)`, i+1, payload)
		benchutil.Check(err)
		benchutil.Check(tx.Commit())
	}
	return float64(n) / time.Since(start).Seconds()
}

// apiServer is the whole stack behind a real HTTP server on loopback.
type apiServer struct {
	srv    *httptest.Server
	client *http.Client
}

func newAPI(ctx context.Context, st *store.Store, c int) *apiServer {
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := httptest.NewUnstartedServer(nil)
	a := app.New(st, log, app.Options{BaseURL: "http://" + srv.Listener.Addr().String()})
	policy, err := os.ReadFile("examples/policies/virtrigaud.yaml")
	benchutil.Check(err)
	_, err = a.AddProject(ctx, embargo.ActorCLI, "virtrigaud.yaml", policy)
	benchutil.Check(err)
	intake := httpx.NewLimiter(time.Nanosecond, 1<<30)
	w, err := web.New(a, log, web.Options{Intake: intake})
	benchutil.Check(err)
	h, err := server.New(a, w, api.New(a, log, api.Options{Intake: intake}), log, server.Options{MaxBodyBytes: 1 << 20, MaxUploadBytes: 1 << 26}).Handler()
	benchutil.Check(err)
	srv.Config.Handler = h
	srv.Start()
	return &apiServer{srv: srv, client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: c}}}
}

func (s *apiServer) close() { s.srv.Close() }

// run posts n reports with c concurrent clients and returns reports/s.
func (s *apiServer) run(n, c int, body []byte) float64 {
	return benchutil.PostReports(s.client, s.srv.URL+"/api/v1/projects/virtrigaud/reports", n, c, body)
}
