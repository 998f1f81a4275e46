// Command mail measures report intake by mail, in messages per second from
// the SMTP client's DATA to the stored report (the 250 comes only after
// the commit), plaintext and OpenPGP-encrypted (PGP/MIME, decrypted with
// the project's key), against the baseline of the JSON API intake of the
// same report text on the same database in the same run.
//
//	go run ./bench/mail -n 1000 -c 8 [-postgres URL]
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
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"
	_ "github.com/jackc/pgx/v5/stdlib"

	"github.com/embargo-cvd/embargo/internal/api"
	"github.com/embargo-cvd/embargo/internal/app"
	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/httpx"
	"github.com/embargo-cvd/embargo/internal/mail/smtpd"
	"github.com/embargo-cvd/embargo/internal/pgp"
	"github.com/embargo-cvd/embargo/internal/server"
	"github.com/embargo-cvd/embargo/internal/store"
	"github.com/embargo-cvd/embargo/internal/web"
)

const (
	title = "Stored XSS in the comment preview"
	steps = "1. post <img src=x onerror=alert(1)>\n2. open the preview"
)

var text = strings.Repeat("The preview renders raw HTML. ", 40)

func main() {
	n := flag.Int("n", 1000, "reports per measurement")
	c := flag.Int("c", 8, "concurrent clients")
	rounds := flag.Int("rounds", 3, "alternate the three measurements this many times; medians are reported")
	pg := flag.String("postgres", "", "PostgreSQL URL (a scratch database: the bench creates and drops a schema)")
	flag.Parse()
	dir, err := os.MkdirTemp("", "embargo-mailbench-")
	check(err)
	defer os.RemoveAll(dir)
	fmt.Printf("mail intake: %d reports, %d clients, %d bytes of text\n\n", *n, *c, len(text))
	fmt.Printf("%-10s %5s %10s %12s %8s %14s %8s\n", "database", "round", "API r/s", "SMTP m/s", "ratio", "SMTP+PGP m/s", "ratio")
	run("sqlite", filepath.Join(dir, "embargo.db"), *n, *c, *rounds)
	if *pg != "" {
		dsn, drop := scratchSchema(*pg)
		defer drop()
		run("postgres", dsn, *n, *c, *rounds)
	}
}

func run(name, dsn string, n, c, rounds int) {
	ctx := context.Background()
	st, err := store.Open(ctx, dsn, store.Options{MasterKey: bytes.Repeat([]byte{7}, 32)})
	check(err)
	defer st.Close()
	_, err = st.Migrate(ctx)
	check(err)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := httptest.NewUnstartedServer(nil)
	a := app.New(st, log, app.Options{BaseURL: "http://" + srv.Listener.Addr().String()})
	policy, err := os.ReadFile("examples/policies/virtrigaud.yaml")
	check(err)
	_, err = a.AddProject(ctx, embargo.ActorCLI, "virtrigaud.yaml", policy)
	check(err)
	intake := httpx.NewLimiter(time.Nanosecond, 1<<30)
	w, err := web.New(a, log, web.Options{Intake: intake})
	check(err)
	h, err := server.New(a, w, api.New(a, log, api.Options{Intake: intake}), log, server.Options{MaxBodyBytes: 1 << 20, MaxUploadBytes: 1 << 26}).Handler()
	check(err)
	srv.Config.Handler = h
	srv.Start()
	defer srv.Close()
	listener, err := smtpd.Listen(a, log, smtpd.Options{Addr: "127.0.0.1:0", Workers: c})
	check(err)
	defer listener.Close(ctx)
	key, err := a.PublicPGPKey(ctx, "virtrigaud")
	check(err)
	pub, err := pgp.ParsePublicKey([]byte(key.Armored))
	check(err)
	body := fmt.Appendf(nil, `{"title":%q,"description":%q,"steps":%q}`, title, text, steps)
	plainBody := []byte("Content-Type: text/plain; charset=utf-8\r\n\r\n" + text + "\r\n\r\n" + strings.ReplaceAll(steps, "\n", "\r\n") + "\r\n")
	enc, err := pgp.Encrypt(plainBody, []*pgp.PublicKey{pub}, nil)
	check(err)
	var apiRates, plainRatios, encRatios []float64
	for round := 1; round <= rounds; round++ {
		apiRate := apiRun(srv.URL, n, c, body)
		plain := smtpRun(listener.Addr().String(), n, c, func(id string) []byte {
			return append([]byte(header(id)), plainBody...)
		})
		encrypted := smtpRun(listener.Addr().String(), n, c, func(id string) []byte {
			return []byte(header(id) + "Content-Type: multipart/encrypted; protocol=\"application/pgp-encrypted\"; boundary=b\r\n\r\n" +
				"--b\r\nContent-Type: application/pgp-encrypted\r\n\r\nVersion: 1\r\n\r\n--b\r\nContent-Type: application/octet-stream\r\n\r\n" +
				strings.ReplaceAll(string(enc), "\n", "\r\n") + "\r\n--b--\r\n")
		})
		// Ratios are taken within a round (the three runs back to back), so
		// that drift in the machine's speed weighs on both sides alike.
		apiRates = append(apiRates, apiRate)
		plainRatios, encRatios = append(plainRatios, plain/apiRate), append(encRatios, encrypted/apiRate)
		fmt.Printf("%-10s %5d %10.0f %12.0f %8.2f %14.0f %8.2f\n", name, round, apiRate, plain, plain/apiRate, encrypted, encrypted/apiRate)
	}
	fmt.Printf("%-10s medians: API %.0f r/s; SMTP %.2f of the API; SMTP+PGP %.2f of the API\n", name, median(apiRates), median(plainRatios), median(encRatios))
}

var seq atomic.Int64

func header(id string) string {
	return "From: Bench Reporter <bench@example.net>\r\nTo: security@virtrigaud.io\r\nSubject: " + title + "\r\nMessage-ID: <" + id +
		"@bench.example.net>\r\nMIME-Version: 1.0\r\n"
}

// smtpRun sends n messages with c clients, each over its own SMTP
// connection reused for its messages, and returns messages/s.
func smtpRun(addr string, n, c int, msg func(id string) []byte) float64 {
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl, err := smtp.Dial(addr)
			check(err)
			defer cl.Close()
			for next.Add(1) <= int64(n) {
				check(cl.Mail("bench@example.net", nil))
				check(cl.Rcpt("security@virtrigaud.io", nil))
				wc, err := cl.Data()
				check(err)
				_, err = wc.Write(msg(fmt.Sprint(seq.Add(1))))
				check(err)
				check(wc.Close())
			}
			cl.Quit()
		}()
	}
	wg.Wait()
	return float64(n) / time.Since(start).Seconds()
}

// apiRun posts n reports with c concurrent clients and returns reports/s.
func apiRun(base string, n, c int, body []byte) float64 {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: c}}
	url := base + "/api/v1/projects/virtrigaud/reports"
	var next atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for range c {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(n) {
				res, err := client.Post(url, "application/json", bytes.NewReader(body))
				check(err)
				io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusCreated {
					check(fmt.Errorf("status %d", res.StatusCode))
				}
			}
		}()
	}
	wg.Wait()
	return float64(n) / time.Since(start).Seconds()
}

func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	return s[len(s)/2]
}

// scratchSchema returns dsn with a fresh schema on its search path, and a
// function that drops the schema.
func scratchSchema(dsn string) (string, func()) {
	db, err := sql.Open("pgx", dsn)
	check(err)
	schema := fmt.Sprintf("mailbench_%d", time.Now().UnixNano())
	_, err = db.Exec(`CREATE SCHEMA ` + schema)
	check(err)
	sep := "?"
	if strings.Contains(dsn, "?") {
		sep = "&"
	}
	return dsn + sep + "search_path=" + schema, func() {
		db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		db.Close()
	}
}

func check(err error) {
	if err != nil {
		fmt.Fprintln(os.Stderr, "mail bench:", err)
		os.Exit(1)
	}
}
