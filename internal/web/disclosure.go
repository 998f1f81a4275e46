package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/embargo-cvd/embargo/internal/app"
	"github.com/embargo-cvd/embargo/internal/embargo"
	"github.com/embargo-cvd/embargo/internal/httpx"
)

// parseWhen reads a proposed disclosure instant from a date, a time of
// day and an IANA time zone (the policy's calendar zone when empty).
func parseWhen(date, clock, zone, fallback string) (time.Time, error) {
	zone = strings.TrimSpace(zone)
	if zone == "" {
		zone = fallback
	}
	if zone == "" {
		zone = "UTC"
	}
	loc, err := time.LoadLocation(zone)
	if err != nil {
		return time.Time{}, embargo.FieldErrors{{Field: "zone", Message: "unknown time zone " + zone + " (use a name such as Europe/Berlin or UTC)"}}
	}
	if strings.TrimSpace(clock) == "" {
		clock = "12:00"
	}
	t, err := time.ParseInLocation("2006-01-02 15:04", strings.TrimSpace(date)+" "+strings.TrimSpace(clock), loc)
	if err != nil {
		return time.Time{}, embargo.FieldErrors{{Field: "date", Message: "give the date as YYYY-MM-DD and the time as HH:MM"}}
	}
	return t.UTC(), nil
}

func zoneOf(pol *embargo.Policy) string {
	if pol == nil || pol.Calendar.Location == nil {
		return ""
	}
	return pol.Calendar.Location.String()
}

// ThreadDisclosure serves POST /t/{token}/disclosure: the reporter accepts
// the project's proposed date (action=accept) or proposes one (date, time,
// zone, reason).
func (w *Web) ThreadDisclosure(rw http.ResponseWriter, r *http.Request) error {
	if err := parseForm(r); err != nil {
		return err
	}
	token := r.PathValue("token")
	var err error
	if r.PostFormValue("action") == "accept" {
		err = w.app.ReporterAcceptDisclosure(r.Context(), token, seenAt(r.PostFormValue("at")))
	} else {
		th, terr := w.app.Thread(r.Context(), token)
		if terr != nil {
			return terr
		}
		var at time.Time
		if at, err = parseWhen(r.PostFormValue("date"), r.PostFormValue("time"), r.PostFormValue("zone"), zoneOf(th.Policy)); err == nil {
			err = w.app.ReporterProposeDisclosure(r.Context(), token, at, r.PostFormValue("reason"))
		}
	}
	if err != nil {
		if k := embargo.KindOf(err); k == embargo.KindInvalid || k == embargo.KindConflict {
			return w.thread(rw, r, httpx.StatusOf(err), "", httpx.PublicMessage(err), "")
		}
		return err
	}
	http.Redirect(rw, r, "/t/"+token+"?done=disclosure", http.StatusSeeOther)
	return nil
}

// CaseDisclosure serves POST /m/{slug}/reports/{n}/disclosure: a
// maintainer accepts the reporter's proposed date or proposes one.
func (w *Web) CaseDisclosure(rw http.ResponseWriter, r *http.Request) error {
	return w.caseAction(rw, r, "disclosure", func(u embargo.User, slug string, n int64, f formValues, _ []app.Upload) error {
		if f.Get("action") == "accept" {
			return w.app.AcceptDisclosure(r.Context(), u, slug, n, seenAt(f.Get("at")))
		}
		_, pol, _, err := w.app.ProjectPolicy(r.Context(), slug)
		if err != nil {
			return err
		}
		at, err := parseWhen(f.Get("date"), f.Get("time"), f.Get("zone"), zoneOf(pol))
		if err != nil {
			return err
		}
		return w.app.ProposeDisclosure(r.Context(), u, slug, n, at, f.Get("reason"))
	})
}

// seenAt reads the proposed instant an accept form showed (zero when
// absent or malformed: then whatever is pending is accepted).
func seenAt(v string) time.Time {
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}
	}
	return t
}
