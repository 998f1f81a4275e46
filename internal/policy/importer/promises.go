package importer

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

var (
	agreeRe      = regexp.MustCompile(`(?i)coordinat\w* (the |a |an )?(public[- ])?disclosure|agree (on|upon) (a|the) (public[- ])?disclosure|disclosure (date|timeline|plan) with (you|the reporter)|coordinate with you on|coordinate (a fix and )?disclosure with you|coordinated[- ]disclosure`)
	creditRe     = regexp.MustCompile(`(?i)\bcredit(ed|ing)?\b|hall of fame|\brecogni[sz](e|ed|ing|tion)\b|acknowledged in (our|the)|thank(ed)? (you )?(publicly|in (our|the) advisor)`)
	anonRe       = regexp.MustCompile(`(?i)anonym`)
	creditWhere  = regexp.MustCompile(`(?i)credit (?:you|reporters|researchers)?\s*(?:in|on) ((?:the |our )?[\w -]{3,60}?)(?: \(|\.|,|;| unless|$)`)
	bountyRe     = regexp.MustCompile(`(?i)bug bounty|bounty program|bounties|monetary reward|paid reward`)
	noBountyRe   = regexp.MustCompile(`(?i)\b(no|not|don't|do not|does not|doesn't|currently do not|cannot|never)\b.{0,40}(bount|reward)|(bounty|reward).{0,30}\b(not (available|offered)|none)\b|\bno longer\b.{0,30}bount`)
	publicCVERe  = regexp.MustCompile(`(?i)CVE.{0,160}\b(open|raise|file|create)\b.{0,20}\bissue|issue.{0,60}\binstead of (writing|emailing|contacting|reporting)`)
	maxEmbRe     = regexp.MustCompile(`(?i)\b(maximum|at most|no longer than|not exceed|at the latest)\b`)
	escalationRe = regexp.MustCompile(`(?i)^\s*if\b[^,.;]{0,100}\b(do|does|did|have|has|had|can)(n't| not)\b|^\s*if (you|the reporter) (receive|get|hear)s? no\b|\bescalat`)
	hedgeRe      = regexp.MustCompile(`(?i)\b(may|might|could|best[- ]effort|in rare cases|if possible)\b`)
	updateRe     = regexp.MustCompile(`(?i)\b(update|inform) you\b|\bstatus update|keep you (informed|updated|posted)`)
)

// promises reads the deadlines and the other promises of one block.
func (x *extractor) promises(b *block) {
	label, _ := splitLabel(b.text)
	if b.kind == kHeading {
		if strings.Contains(strings.ToLower(b.text), "hall of fame") {
			x.other("We keep a hall of fame: "+b.text, b.line)
		}
		return
	}
	labelStage, _ := stageOf(label)
	labelSev := severitiesIn(label)
	if b.kind == kRow {
		x.row(b)
		return
	}
	if x.used[key(b.line, b.text)] {
		return
	}
	for i, sp := range splitSentences(b.text) {
		if i >= maxSentences {
			break
		}
		s := b.text[sp.start:sp.end]
		if len(s) > maxSentence {
			continue // not a sentence a person wrote
		}
		line := b.lineAt(sp.start)
		if x.used[key(line, s)] {
			continue
		}
		if i > 0 {
			// A block's label ("Acknowledgement: …") governs its first
			// sentence only.
			labelStage, labelSev = "", nil
		}
		mapped := x.other(s, line)
		ds := findDurations(s)
		if len(ds) == 0 {
			continue
		}
		if len(ds) > maxDurations {
			ds = ds[:maxDurations]
		}
		if escalationRe.MatchString(s) {
			x.note(Unmapped, "", "", line, s+" (an escalation rule: what to do when a promise is not kept)")
			continue
		}
		// Keep only durations in firm clauses counted from the report.
		cls := clauses(s)
		var firm []durationMatch
		var why string
		for _, d := range ds {
			c := clauseAt(cls, d.start)
			switch {
			case hedgeRe.MatchString(s[c.start:c.end]):
				why = " (hedged: not a firm promise)"
			case anchored(s[d.end:]) || afterFix.MatchString(s[:d.start]):
				why = " (counted from another event than the report)"
			default:
				firm = append(firm, d)
			}
		}
		if len(firm) == 0 {
			x.note(Unmapped, "", "", line, s+why)
			continue
		}
		ds = firm
		body := stripLabel(s, label)
		offset := len(s) - len(body)
		textStages := stagesIn(body)
		groups := map[string][]durationMatch{}
		var order []string
		for _, d := range ds {
			stage := labelStage
			if stage == "" {
				stage = stageFor(textStages, d.start-offset)
			}
			if stage == "" {
				stage = x.contextStage(b, s, body)
			}
			if stage == "" {
				continue
			}
			if _, ok := groups[stage]; !ok {
				order = append(order, stage)
			}
			groups[stage] = append(groups[stage], d)
		}
		if len(order) == 0 {
			if updateRe.MatchString(s) {
				x.note(Unmapped, "", "", line, s+" (a status-update interval has no field in the policy)")
			} else if !mapped {
				x.note(Unmapped, "", "", line, s)
			}
			continue
		}
		for _, stage := range order {
			x.assign(stage, s, groups[stage], labelSev, line)
			if stage == embargo.StageDisclose {
				x.embargo(s, groups[stage], line)
			}
		}
	}
}

// contextStage infers a stage a sentence does not name: a severity list
// under a fix or severity heading is about fixes; a firm "within" in a list
// introduced by a stage ("Response times:" items) is about that stage.
// Section headings alone are too general ("Vulnerability Disclosure").
func (x *extractor) contextStage(b *block, s, body string) string {
	secStage, _ := stageOf(b.sectionText())
	if len(severitiesIn(body)) > 0 && (secStage == embargo.StageFix || strings.Contains(b.sectionText(), "severit")) {
		return embargo.StageFix
	}
	labelStage, _ := stageOf(b.label)
	ls := strings.ToLower(s)
	if labelStage != "" && (strings.Contains(ls, "within") || strings.Contains(ls, "next")) && !updateRe.MatchString(s) {
		return labelStage
	}
	return ""
}

func clauseAt(cls []span, at int) span {
	for _, c := range cls {
		if at >= c.start && at < c.end {
			return c
		}
	}
	return cls[len(cls)-1]
}

// Bounds on hostile input: a sentence longer than this is not prose, and
// no real promise names more durations than this.
const (
	maxSentences = 200
	maxSentence  = 2000
	maxDurations = 8
)

// splitLabel separates "Acknowledgment: We will …" into its label and body.
// A label is a short noun phrase ("Initial Assessment"), not a clause
// ("This person will coordinate the fix: …").
var clauseWords = regexp.MustCompile(`(?i)\b(will|we|you|they|is|are|should|must|can)\b`)

func splitLabel(s string) (string, string) {
	i := strings.Index(s, ":")
	if i <= 0 || i > 50 || strings.Contains(s[:i], "http") || len(strings.Fields(s[:i])) > 6 || clauseWords.MatchString(s[:i]) {
		return "", s
	}
	return s[:i], s[i+1:]
}

func stripLabel(s, label string) string {
	if label != "" && strings.HasPrefix(s, label) {
		return s[len(label):]
	}
	return s
}

// assign maps each duration in a sentence to the severities named in its
// clause (or the label's severities, or every severity).
func (x *extractor) assign(stage, s string, ds []durationMatch, labelSev []string, line int) {
	cls := clauses(s)
	for _, d := range ds {
		var sevs []string
		for _, c := range cls {
			if d.start >= c.start && d.start < c.end {
				sevs = severitiesIn(s[c.start:c.end])
			}
		}
		if len(sevs) == 0 {
			sevs = labelSev
		}
		if len(sevs) == 0 && stage == embargo.StageFix && len(ds) == 1 {
			sevs = severitiesIn(s)
		}
		kind, quote := Mapped, s
		if d.unitless {
			kind, quote = Guessed, s+" (no unit given: read as days)"
		}
		x.set(kind, stage, sevs, sourced{d: d.d, line: line, quote: quote})
	}
}

func (x *extractor) set(kind, stage string, sevs []string, v sourced) {
	st := x.d.stages[stage]
	if st == nil {
		st = &stageDraft{bySeverity: map[string]*sourced{}}
		x.d.stages[stage] = st
	}
	put := func(field string, slot **sourced) {
		if *slot != nil {
			if (*slot).d != v.d {
				x.note(Conflict, field, v.d.String(), v.line, v.quote+" (kept "+(*slot).d.String()+" from line "+strconv.Itoa((*slot).line)+")")
			}
			return
		}
		vv := v
		*slot = &vv
		x.note(kind, field, v.d.String(), v.line, v.quote)
	}
	if len(sevs) == 0 {
		put("sla."+stage, &st.all)
		return
	}
	for _, sev := range sevs {
		slot := st.bySeverity[sev]
		put("sla."+stage+"."+sev, &slot)
		st.bySeverity[sev] = slot
	}
}

func (x *extractor) embargo(s string, ds []durationMatch, line int) {
	for _, d := range ds {
		if d.d.Unit == embargo.NextRelease {
			continue
		}
		v := sourced{d: d.d, line: line, quote: s}
		if maxEmbRe.MatchString(s) {
			if x.d.maxEmbargo == nil {
				x.d.maxEmbargo = &v
				x.note(Mapped, "disclosure.max_embargo", v.d.String(), line, s)
			}
			continue
		}
		if x.d.defaultEmbargo == nil {
			x.d.defaultEmbargo = &v
			x.note(Mapped, "disclosure.default_embargo", v.d.String(), line, s)
		}
	}
}

// row reads a table row: a severity and a deadline in cells, with the
// stage from the header or the section.
func (x *extractor) row(b *block) {
	if strings.Contains(b.sectionText(), "support") {
		return // the supported-versions reader owns these rows
	}
	ds := findDurations(b.text)
	sevs := severitiesIn(strings.Join(b.cells[:min(1, len(b.cells))], " "))
	if len(ds) == 0 {
		return
	}
	// A response table: each column with a duration takes its header's
	// stage ("| Severity | First response | Fix |").
	if len(b.header) == len(b.cells) && len(b.cells) > 2 {
		mappedCols := 0
		for i := 1; i < len(b.cells); i++ {
			cds := findDurations(b.cells[i])
			st, _ := stageOf(b.header[i])
			if len(cds) == 0 || st == "" {
				continue
			}
			x.set(Mapped, st, sevs, sourced{d: cds[0].d, line: b.line, quote: b.header[i] + ": " + b.text})
			mappedCols++
		}
		if mappedCols > 0 {
			return
		}
	}
	stage, _ := stageOf(strings.Join(b.header, " ") + " " + b.text)
	if stage == "" {
		stage, _ = stageOf(b.sectionText())
	}
	if stage == "" && len(sevs) > 0 {
		stage = embargo.StageFix
	}
	if stage == "" {
		x.note(Unmapped, "", "", b.line, b.text)
		return
	}
	x.set(Mapped, stage, sevs, sourced{d: ds[0].d, line: b.line, quote: b.text})
}

// other maps the promises that carry no deadline: disclosure agreement,
// credit, bug bounty, the public-CVE rule. It reports whether it mapped
// anything.
func (x *extractor) other(s string, line int) bool {
	mapped := false
	// Cheap keyword gates keep the broad patterns off most sentences.
	ls := strings.ToLower(s)
	has := func(words ...string) bool {
		for _, w := range words {
			if strings.Contains(ls, w) {
				return true
			}
		}
		return false
	}
	if has("disclos", "coordinat") && agreeRe.MatchString(s) && !x.d.reporterMustAgree {
		x.d.reporterMustAgree = true
		x.note(Mapped, "disclosure.reporter_must_agree", "true", line, s)
		mapped = true
	}
	if has("credit", "hall of fame", "recogni", "acknowledged in", "thank") && creditRe.MatchString(s) && !strings.Contains(ls, "credit card") {
		if !x.d.creditOffered {
			x.d.creditOffered = true
			x.note(Mapped, "credit.offered", "true", line, s)
		}
		if anonRe.MatchString(s) && !x.d.creditAnonymous {
			x.d.creditAnonymous = true
			x.note(Mapped, "credit.anonymous", "true", line, s)
		}
		if strings.Contains(strings.ToLower(s), "hall of fame") && !x.d.hallOfFame {
			x.d.hallOfFame = true
			x.note(Mapped, "credit.hall_of_fame", "true", line, s)
		}
		if m := creditWhere.FindStringSubmatch(s); m != nil && len(x.d.creditWhere) == 0 {
			for _, w := range strings.Split(m[1], " and ") {
				if w = strings.TrimSpace(w); w != "" {
					x.d.creditWhere = append(x.d.creditWhere, w)
				}
			}
		}
		mapped = true
	}
	if has("bount", "reward") && bountyRe.MatchString(s) && x.d.bugBounty == nil {
		v := !noBountyRe.MatchString(s)
		x.d.bugBounty = &v
		x.note(Mapped, "bug_bounty.offered", map[bool]string{true: "true", false: "false"}[v], line, s)
		mapped = true
	}
	if has("cve", "issue") && publicCVERe.MatchString(s) && x.d.publicCVETracker == "" {
		x.d.publicCVETracker = "[ISSUE TRACKER URL]"
		if x.d.repository != "" {
			x.d.publicCVETracker = x.d.repository + "/issues"
		}
		x.note(Mapped, "intake.public_cves.tracker", x.d.publicCVETracker, line, s)
		mapped = true
	}
	return mapped
}
