package web

import (
	"net/http"
	"time"

	"github.com/embargo-cvd/embargo/internal/app"
	"github.com/embargo-cvd/embargo/internal/httpx"
)

// StatsPage shows a project's response statistics.
type StatsPage struct {
	Base
	Title string
	Perf  app.Performance
	// Public is the anonymous page; Published says the project publishes
	// its statistics (shown to members).
	Public, Published bool
}

// Performance serves GET /m/{slug}/performance.
func (w *Web) Performance(rw http.ResponseWriter, r *http.Request) error {
	u, _ := httpx.UserFrom(r.Context())
	perf, err := w.app.ProjectPerformance(r.Context(), u, r.PathValue("slug"))
	if err != nil {
		return err
	}
	_, perr := w.app.PublicPerformance(r.Context(), perf.Project.Slug)
	return w.render(rw, http.StatusOK, "stats", StatsPage{Base: baseOf(r), Title: perf.Project.Name + " performance", Perf: perf, Published: perr == nil})
}

// PublicStats serves GET /p/{slug}/stats, for projects that publish it.
func (w *Web) PublicStats(rw http.ResponseWriter, r *http.Request) error {
	perf, err := w.app.PublicPerformance(r.Context(), r.PathValue("slug"))
	if err != nil {
		return err
	}
	return w.render(rw, http.StatusOK, "stats", StatsPage{Base: baseOf(r), Title: perf.Project.Name + " response statistics", Perf: perf, Public: true})
}

// DuePage is the due-next view.
type DuePage struct {
	Base
	Title string
	Items []app.DueItem
	Now   time.Time
}

// DueNext serves GET /due.
func (w *Web) DueNext(rw http.ResponseWriter, r *http.Request) error {
	u, _ := httpx.UserFrom(r.Context())
	items, err := w.app.DueNext(r.Context(), u)
	if err != nil {
		return err
	}
	return w.render(rw, http.StatusOK, "due", DuePage{Base: baseOf(r), Title: "Due next", Items: items, Now: w.app.Now()})
}
