package policy

import "encoding/json"

// rawPolicy mirrors the file layout; the schema has already checked its
// shape when it is decoded. Conversion to embargo.Policy happens in build.
type rawPolicy struct {
	Version int `json:"version"`
	Project struct {
		Name       string `json:"name"`
		Slug       string `json:"slug"`
		Homepage   string `json:"homepage"`
		Repository string `json:"repository"`
	} `json:"project"`
	Intro    string `json:"intro"`
	Contacts struct {
		Email        string `json:"email"`
		EmailSubject string `json:"email_subject"`
		Channels     []struct {
			Type    string `json:"type"`
			URL     string `json:"url"`
			Address string `json:"address"`
			Label   string `json:"label"`
		} `json:"channels"`
		PGP struct {
			Fingerprint string `json:"fingerprint"`
			KeyURL      string `json:"key_url"`
			OnRequest   bool   `json:"on_request"`
		} `json:"pgp"`
	} `json:"contacts"`
	ReportGuidance []string `json:"report_guidance"`
	Scope          struct {
		In    []string `json:"in"`
		Out   []string `json:"out"`
		Notes string   `json:"notes"`
	} `json:"scope"`
	SupportedVersions struct {
		Table []struct {
			Versions  string `json:"versions"`
			Supported bool   `json:"supported"`
			Until     string `json:"until"`
			Note      string `json:"note"`
		} `json:"table"`
		Note string `json:"note"`
	} `json:"supported_versions"`
	Severities []struct {
		Name        string   `json:"name"`
		Description string   `json:"description"`
		CVSSMin     *float64 `json:"cvss_min"`
	} `json:"severities"`
	SLA struct {
		Acknowledge      json.RawMessage `json:"acknowledge"`
		Assess           json.RawMessage `json:"assess"`
		Fix              json.RawMessage `json:"fix"`
		Disclose         json.RawMessage `json:"disclose"`
		PauseOnNeedsInfo *bool           `json:"pause_on_needs_info"`
		Reminders        []string        `json:"reminders"`
		PublicStatistics bool            `json:"public_statistics"`
	} `json:"sla"`
	Calendar struct {
		TimeZone string   `json:"time_zone"`
		Weekend  []string `json:"weekend"`
		Holidays []string `json:"holidays"`
	} `json:"calendar"`
	Disclosure struct {
		DefaultEmbargo    string `json:"default_embargo"`
		MaxEmbargo        string `json:"max_embargo"`
		ReporterMustAgree *bool  `json:"reporter_must_agree"`
		Notes             string `json:"notes"`
		AdvisoryPrefix    string `json:"advisory_prefix"`
	} `json:"disclosure"`
	Credit struct {
		Offered    *bool    `json:"offered"`
		Anonymous  *bool    `json:"anonymous"`
		Where      []string `json:"where"`
		HallOfFame bool     `json:"hall_of_fame"`
	} `json:"credit"`
	BugBounty *struct {
		Offered bool   `json:"offered"`
		Notes   string `json:"notes"`
	} `json:"bug_bounty"`
	Languages   []string `json:"languages"`
	SecurityTxt struct {
		Expires         string   `json:"expires"`
		Canonical       []string `json:"canonical"`
		Policy          string   `json:"policy"`
		Acknowledgments string   `json:"acknowledgments"`
		Hiring          string   `json:"hiring"`
	} `json:"security_txt"`
	Intake struct {
		PublicCVEs *struct {
			Tracker string `json:"tracker"`
			Note    string `json:"note"`
		} `json:"public_cves"`
	} `json:"intake"`
	Sections []struct {
		Title string `json:"title"`
		Body  string `json:"body"`
	} `json:"sections"`
}
