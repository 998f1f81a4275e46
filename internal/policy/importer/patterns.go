package importer

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

// span is a match inside a sentence.
type span struct{ start, end int }

// durationMatch is a time expression found in a sentence.
type durationMatch struct {
	span
	d embargo.Duration
	// unitless is set for "within 7" with the unit missing (read as days).
	unitless bool
}

var numberWords = map[string]int{
	"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
	"eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fourteen": 14, "fifteen": 15,
	"twenty": 20, "thirty": 30, "forty-five": 45, "sixty": 60, "ninety": 90,
}

var (
	durationRe    = regexp.MustCompile(`(?i)\b(\d{1,4}|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fourteen|fifteen|twenty|thirty|forty-five|sixty|ninety)(?:\s*\(\d{1,4}\))?(?:\s*(?:-|–|to|or)\s*(\d{1,4}))?[\s-]*(business|working|work)?[\s-]*(hours?|hrs?|h|days?|d|bd|weeks?|wks?|months?)\b`)
	nextReleaseRe = regexp.MustCompile(`(?i)\b(?:in|with|by|for|until)\s+(?:the\s+)?next\s+(?:regular\s+|scheduled\s+|minor\s+|patch\s+|planned\s+)?release\b`)
	// unitlessRe catches "within 7" where the unit was left out.
	unitlessRe = regexp.MustCompile(`(?i)\bwithin\s+(\d{1,3})\b(\s*[^\s\d%.:/])`)
)

// anchorRe: a duration counted from some event other than the report
// ("of the mailing list being notified", "from the time the CVE is
// issued", "before release"). Such a duration is not a report deadline.
var (
	anchorRe = regexp.MustCompile(`(?i)^[\s,]*(?:of|after|from|following|since|before|prior to|ahead of)\b\s*(.{0,60})`)
	agoRe    = regexp.MustCompile(`(?i)^\s*ago\b`)
	// afterFix: a sentence that counts from the fix ("Once a fix is
	// available, we publish within 7 days").
	afterFix   = regexp.MustCompile(`(?i)\b(once|after|when)\s+(a |the )?(fix|patch|release|new version)\b`)
	reportLike = regexp.MustCompile(`(?i)^(?:the |your |an? |our )?(?:initial |first |original )?(?:report|receipt|submission|disclosure|notification to us|contact)|^(?:receiving|receipt|reporting|submitting)`)
)

// anchored reports whether the text right after a duration counts it from
// an event other than the report.
func anchored(after string) bool {
	if agoRe.MatchString(after) {
		return true // "released 3 days ago" is the past, not a promise
	}
	m := anchorRe.FindStringSubmatch(after)
	if m == nil {
		return false
	}
	if strings.HasPrefix(strings.ToLower(strings.TrimSpace(after)), "before") || strings.HasPrefix(strings.ToLower(strings.TrimSpace(after)), "prior") || strings.HasPrefix(strings.ToLower(strings.TrimSpace(after)), "ahead") {
		return true
	}
	return !reportLike.MatchString(m[1])
}

// findDurations returns every time expression in s, in order.
func findDurations(s string) []durationMatch {
	if !mayHoldDuration(s) {
		return nil
	}
	var out []durationMatch
	for _, m := range durationRe.FindAllStringSubmatchIndex(s, -1) {
		numTxt := strings.ToLower(s[m[2]:m[3]])
		n, err := strconv.Atoi(numTxt)
		if err != nil {
			n = numberWords[numTxt]
		}
		if m[4] >= 0 { // a range such as 24-48 hours: the promise is the upper bound
			if hi, err := strconv.Atoi(s[m[4]:m[5]]); err == nil && hi > n {
				n = hi
			}
		}
		unit := strings.ToLower(s[m[8]:m[9]])
		business := m[6] >= 0
		if (numTxt == "a" || numTxt == "an") && (unit == "h" || unit == "d") {
			continue // "a d" is not a duration
		}
		if unit == "d" || unit == "h" {
			// "48h" and "5d" only when written together.
			if m[8] != m[3] {
				continue
			}
		}
		var d embargo.Duration
		switch {
		case strings.HasPrefix(unit, "h"):
			d = embargo.Duration{N: n, Unit: embargo.Hours}
		case unit == "bd" || (strings.HasPrefix(unit, "d") && business):
			d = embargo.Duration{N: n, Unit: embargo.BusinessDays}
		case strings.HasPrefix(unit, "d"):
			d = embargo.Duration{N: n, Unit: embargo.Days}
		case strings.HasPrefix(unit, "w"):
			if business {
				d = embargo.Duration{N: 5 * n, Unit: embargo.BusinessDays}
			} else {
				d = embargo.Duration{N: n, Unit: embargo.Weeks}
			}
		case strings.HasPrefix(unit, "m"):
			d = embargo.Duration{N: 30 * n, Unit: embargo.Days}
		}
		if n <= 0 || n > 1000 {
			continue
		}
		out = append(out, durationMatch{span: span{m[0], m[1]}, d: d})
	}
	for _, m := range nextReleaseRe.FindAllStringIndex(s, -1) {
		out = append(out, durationMatch{span: span{m[0], m[1]}, d: embargo.Duration{Unit: embargo.NextRelease}})
	}
	if len(out) == 0 {
		if m := unitlessRe.FindStringSubmatchIndex(s); m != nil {
			if n, err := strconv.Atoi(s[m[2]:m[3]]); err == nil && n > 0 && n <= 90 {
				out = append(out, durationMatch{span: span{m[0], m[3]}, d: embargo.Duration{N: n, Unit: embargo.Days}, unitless: true})
			}
		}
	}
	sortMatches(out)
	return out
}

// mayHoldDuration is a cheap gate before the duration patterns: a digit, or
// a unit or "release" word.
func mayHoldDuration(s string) bool {
	if strings.ContainsAny(s, "0123456789") {
		return true
	}
	l := strings.ToLower(s)
	for _, w := range []string{"hour", "day", "week", "month", "release"} {
		if strings.Contains(l, w) {
			return true
		}
	}
	return false
}

func sortMatches(ms []durationMatch) {
	for i := 1; i < len(ms); i++ {
		for j := i; j > 0 && ms[j].start < ms[j-1].start; j-- {
			ms[j], ms[j-1] = ms[j-1], ms[j]
		}
	}
}

// stagePatterns recognise what a promise is about. Order matters only for
// labels that name two stages ("Fix or coordinated disclosure plan"): the
// earliest match in the text wins.
var stagePatterns = []struct {
	stage string
	re    *regexp.Regexp
}{
	{embargo.StageAcknowledge, regexp.MustCompile(`(?i)acknowledg(e|ement|ment|ing|ed)?\b.{0,40}\b(receipt|report|email|message)|\backnowledg(e|ed|es|ement|ment|ing)\b|confirm(ing|ation of)? (the )?receipt|initial (response|reply|contact)|first (response|reply)|\breceive a (response|reply)|\b(we|you) (will |should |can expect to )?(hear back|get a (response|reply))|\b(respond|reply) to (you|your report|reports|all reports|every report)|\bresponds?\s+(within|in)\b|\bresponse within|\breply (from|within)|get back to you`)},
	{embargo.StageAssess, regexp.MustCompile(`(?i)\bassess(ment|ed|ing)?\b|\btriag(e|ed|ing)\b|\bevaluat(e|ion|ed)\b|\binvestigat(e|ion)\b|severity (assignment|rating|classification)|determine (its|the) (severity|impact)|\bconfirm (the|whether) (issue|vulnerability|report|problem|bug)|\bverify (the )?(issue|vulnerability|report)|\bdetailed (response|reply)|next steps`)},
	{embargo.StageFix, regexp.MustCompile(`(?i)\bfix(es|ed|ing)?\b|\bpatch(es|ed|ing)?\b|\bresolv(e|ed|ing)\b|\bresolution\b|\bremediat(e|ion|ed)\b|\bmitigat(e|ion)\b|security (release|update)s? (will be )?(released|published|shipped)`)},
	{embargo.StageDisclose, regexp.MustCompile(`(?i)\bdisclos(e|ure|ed|ing)\b|\bembargo(es|ed)?\b|publish(ed|ing)? (a |an |the )?(security )?advisor(y|ies)|\bpublic(ly)? (disclosure|advisory|announcement)|make (it|the (issue|vulnerability|details)) public|\bgo public\b`)},
}

// stageOf returns the stage the text is about, at the earliest match.
func stageOf(s string) (string, int) {
	best, at := "", -1
	for _, p := range stagePatterns {
		if loc := p.re.FindStringIndex(s); loc != nil && (at < 0 || loc[0] < at) {
			best, at = p.stage, loc[0]
		}
	}
	return best, at
}

// stageMatch is a stage keyword's position in a sentence.
type stageMatch struct {
	stage   string
	at, end int
}

// stagesIn returns every stage keyword in s, in order of position.
func stagesIn(s string) []stageMatch {
	var out []stageMatch
	for _, p := range stagePatterns {
		for _, loc := range p.re.FindAllStringIndex(s, 8) {
			out = append(out, stageMatch{p.stage, loc[0], loc[1]})
		}
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].at < out[j-1].at; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	// A keyword inside another's match ("response" in "detailed response")
	// does not count on its own.
	kept := out[:0]
	for _, m := range out {
		if n := len(kept); n > 0 && m.at < kept[n-1].end {
			continue
		}
		kept = append(kept, m)
	}
	return kept
}

// stageFor picks the stage a duration at position at belongs to: the
// nearest keyword before it, else the first after it.
func stageFor(ms []stageMatch, at int) string {
	best := ""
	for _, m := range ms {
		if m.at <= at {
			best = m.stage
		} else if best == "" {
			return m.stage
		}
	}
	return best
}

// severityWords are the common level names, mapped to the default scale.
var severityRe = regexp.MustCompile(`(?i)\b(critical|high|medium|moderate|low)\b`)

func severitiesIn(s string) []string {
	var out []string
	seen := map[string]bool{}
	for _, m := range severityRe.FindAllString(s, -1) {
		name := strings.ToLower(m)
		if name == "moderate" {
			name = "medium"
		}
		if !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	return out
}

var (
	emailRe       = regexp.MustCompile(`[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}`)
	placeholderRe = regexp.MustCompile(`(?i)\[[^\]\n]{0,80}(e-?mail|address|insert|contact|update)[^\]\n]{0,80}\]`)
	urlRe         = regexp.MustCompile(`https?://[^\s<>()"'\]\[]+[^\s<>()"'\]\[.,;:!?]`)
	fingerprintRe = regexp.MustCompile(`\b(?:[0-9A-Fa-f]{4}\s{0,2}){10}\b`)
	githubRepoRe  = regexp.MustCompile(`(?i)https?://github\.com/([A-Za-z0-9-]+)/([A-Za-z0-9._-]+)`)
	securityLine  = regexp.MustCompile(`(?m)^\s*Security:\s*([A-Za-z0-9-]+)/([A-Za-z0-9._-]+)\s*$`)
)

// platformHosts are vulnerability disclosure platforms.
var platformHosts = []string{"hackerone.com", "bugcrowd.com", "intigriti.com", "yeswehack.com", "huntr.dev", "huntr.com", "immunefi.com", "openbugbounty.org", "hackenproof.com"}

// splitSentences cuts a block's text into sentences, keeping offsets, and
// never cuts inside "e.g.", "i.e.", version numbers or URLs.
func splitSentences(s string) []span {
	var out []span
	start := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '.' && c != '!' && c != '?' && c != ';' {
			continue
		}
		if c == '.' && (i+1 < len(s) && s[i+1] != ' ' || abbreviationBefore(s, i)) {
			continue
		}
		end := i + 1
		if t := strings.TrimSpace(s[start:end]); t != "" {
			out = append(out, trimSpan(s, start, end))
		}
		start = end
	}
	if strings.TrimSpace(s[start:]) != "" {
		out = append(out, trimSpan(s, start, len(s)))
	}
	return out
}

func trimSpan(s string, a, b int) span {
	for a < b && (s[a] == ' ' || s[a] == '\t') {
		a++
	}
	for b > a && (s[b-1] == ' ' || s[b-1] == '\t') {
		b--
	}
	return span{a, b}
}

func abbreviationBefore(s string, i int) bool {
	lo := strings.ToLower(s[max(0, i-4) : i+1])
	for _, a := range []string{"e.g.", "i.e.", "etc.", "vs.", "cf."} {
		if strings.HasSuffix(lo, a) {
			return true
		}
	}
	return false
}

// clauses splits a sentence at commas and semicolons.
func clauses(s string) []span {
	var out []span
	start := 0
	for i := 0; i < len(s); i++ {
		if s[i] == ',' || s[i] == ';' {
			out = append(out, span{start, i})
			start = i + 1
		}
	}
	return append(out, span{start, len(s)})
}
