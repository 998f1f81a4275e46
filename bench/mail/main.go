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
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/embargo-cvd/embargo/bench/internal/benchutil"
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
	benchutil.Check(err)
	defer os.RemoveAll(dir)
	fmt.Printf("mail intake: %d reports, %d clients, %d bytes of text\n\n", *n, *c, len(text))
	fmt.Printf("%-10s %5s %10s %12s %8s %14s %8s\n", "database", "round", "API r/s", "SMTP m/s", "ratio", "SMTP+PGP m/s", "ratio")
	run("sqlite", filepath.Join(dir, "embargo.db"), *n, *c, *rounds)
	if *pg != "" {
		dsn, drop := benchutil.ScratchSchema(*pg, "mailbench")
		defer drop()
		run("postgres", dsn, *n, *c, *rounds)
	}
}

func run(name, dsn string, n, c, rounds int) {
	ctx := context.Background()
	st, err := store.Open(ctx, dsn, store.Options{MasterKey: bytes.Repeat([]byte{7}, 32)})
	benchutil.Check(err)
	defer st.Close()
	_, err = st.Migrate(ctx)
	benchutil.Check(err)
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
	defer srv.Close()
	listener, err := smtpd.Listen(a, log, smtpd.Options{Addr: "127.0.0.1:0", Workers: c})
	benchutil.Check(err)
	defer listener.Close(ctx)
	key, err := a.PublicPGPKey(ctx, "virtrigaud")
	benchutil.Check(err)
	pub, err := pgp.ParsePublicKey([]byte(key.Armored))
	benchutil.Check(err)
	body := fmt.Appendf(nil, `{"title":%q,"description":%q,"steps":%q}`, title, text, steps)
	plainBody := []byte("Content-Type: text/plain; charset=utf-8\r\n\r\n" + text + "\r\n\r\n" + strings.ReplaceAll(steps, "\n", "\r\n") + "\r\n")
	enc, err := pgp.Encrypt(plainBody, []*pgp.PublicKey{pub}, nil)
	benchutil.Check(err)
	var apiRates, plainRatios, encRatios []float64
	for round := 1; round <= rounds; round++ {
		apiRate := benchutil.PostReports(&http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: c}}, srv.URL+"/api/v1/projects/virtrigaud/reports", n, c, body)
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
	fmt.Printf("%-10s medians: API %.0f r/s; SMTP %.2f of the API; SMTP+PGP %.2f of the API\n", name, benchutil.Median(apiRates), benchutil.Median(plainRatios), benchutil.Median(encRatios))
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
			benchutil.Check(err)
			defer cl.Close()
			for next.Add(1) <= int64(n) {
				benchutil.Check(cl.Mail("bench@example.net", nil))
				benchutil.Check(cl.Rcpt("security@virtrigaud.io", nil))
				wc, err := cl.Data()
				benchutil.Check(err)
				_, err = wc.Write(msg(fmt.Sprint(seq.Add(1))))
				benchutil.Check(err)
				benchutil.Check(wc.Close())
			}
			cl.Quit()
		}()
	}
	wg.Wait()
	return float64(n) / time.Since(start).Seconds()
}
