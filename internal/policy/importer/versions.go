package importer

import (
	"regexp"
	"strconv"
	"strings"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

var (
	yesMark    = regexp.MustCompile(`(?i)✅|✔|✓|:white_check_mark:|:heavy_check_mark:|\byes\b|\bsupported\b|\bactive\b|\blts\b`)
	noMark     = regexp.MustCompile(`(?i)❌|✗|✘|:x:|:no_entry:|:negative_squared_cross_mark:|\bno\b|not supported|unsupported|\beol\b|end[ -]of[ -]life|deprecated`)
	nAndN1     = regexp.MustCompile(`(?i)\(?\bN\b.{0,80}\bN\s*-\s*1\b|latest two (minor )?(releases|versions)|(current|latest|most recent) (and|&) (the )?previous (minor )?(release|version)`)
	lastKRe    = regexp.MustCompile(`(?i)\b(?:latest|last|most recent|newest)\s+(two|three|four|five|six|[2-6])\s+(?:minor\s+|major\s+|stable\s+|feature\s+)?(?:releases|versions|release lines|branches)`)
	untilRe    = regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}\b`)
	onlyLatest = regexp.MustCompile(`(?i)only the (latest|most recent|newest|current) (minor |major |stable )?(release|version)|(latest|most recent) (minor |stable )?(release|version)[^.]{0,60}\bsupported|support (only )?the (latest|most recent) (minor |stable )?(release|version)|always using the latest version`)
)

func isSupportSection(b *block) bool {
	s := b.sectionText()
	return strings.Contains(s, "supported version") || strings.Contains(s, "version support") ||
		strings.Contains(s, "supported release") || strings.Contains(s, "maintained version")
}

// supportedVersions reads the supported-versions table (a Markdown, RST
// or HTML table; a list; or the lines left when a page's table was copied
// as text), falling back to prose such as "N and N-1".
func (x *extractor) supportedVersions(blocks []*block) {
	for _, b := range blocks {
		if !isSupportSection(b) || b.kind == kHeading {
			continue
		}
		switch b.kind {
		case kRow:
			if len(b.cells) > 0 {
				// "2.x (LTS)": the range is the longest leading part that parses.
				v, rest := leadingRange(b.cells[0])
				x.versionRow(v, strings.TrimSpace(rest+" "+strings.Join(b.cells[1:], " ")), b.line, b.text)
			}
		case kItem:
			x.versionLine(b.text, b.line)
		case kPara:
			for i, p := range b.pieces {
				end := len(b.text)
				if i+1 < len(b.pieces) {
					end = b.pieces[i+1].off
				}
				if p.off < end {
					x.versionLine(strings.TrimSpace(b.text[p.off:end]), p.line)
				}
			}
		}
	}
	if len(x.d.versions) > 0 {
		return
	}
	for _, b := range blocks {
		if b.kind == kHeading || !(isSupportSection(b) || strings.Contains(strings.ToLower(b.text), "support")) {
			continue
		}
		if m := lastKRe.FindStringSubmatch(b.text); m != nil {
			k := numberWords[strings.ToLower(m[1])]
			if k == 0 {
				k, _ = strconv.Atoi(m[1])
			}
			if k >= 2 && k <= 6 {
				x.addVersion("N", true, b.line, b.text, false)
				for i := 1; i < k; i++ {
					x.addVersion("N-"+strconv.Itoa(i), true, b.line, b.text, false)
				}
				x.addVersion("< N-"+strconv.Itoa(k-1), false, b.line, b.text, false)
				return
			}
		}
		switch {
		case nAndN1.MatchString(b.text):
			x.addVersion("N", true, b.line, b.text, false)
			x.addVersion("N-1", true, b.line, b.text, false)
			x.addVersion("< N-1", false, b.line, b.text, false)
			return
		case onlyLatest.MatchString(b.text):
			x.addVersion("latest", true, b.line, b.text, false)
			x.addVersion("< latest", false, b.line, b.text, false)
			return
		}
	}
}

// versionLine reads "1.2.x ✅" or a bare range left from a copied table.
func (x *extractor) versionLine(t string, line int) {
	if t == "" {
		return
	}
	fields := strings.Fields(t)
	if strings.EqualFold(t, "version supported") || len(fields) > 6 {
		return
	}
	if v, rest := leadingRange(t); v != t || rest != "" {
		x.versionRow(v, rest, line, t)
		return
	}
	if _, err := embargo.ParseVersionRange(t); err == nil {
		x.versionRow(t, "", line, t)
	}
}

// leadingRange splits "2.x (LTS)" into the longest leading words that
// read as a version range and the rest. When no prefix parses it returns
// the text unchanged and "".
func leadingRange(t string) (string, string) {
	fields := strings.Fields(t)
	for cut := min(len(fields), 6); cut > 0; cut-- {
		v := strings.Join(fields[:cut], " ")
		if _, err := embargo.ParseVersionRange(strings.Trim(v, "`*")); err == nil {
			return v, strings.Join(fields[cut:], " ")
		}
	}
	return t, ""
}

func (x *extractor) versionRow(versions, mark string, line int, quote string) {
	v := strings.Trim(strings.TrimSpace(versions), "`*")
	lv := strings.ToLower(v)
	if lv == "version" || lv == "versions" || strings.Trim(lv, "-: ") == "" {
		return
	}
	if _, err := embargo.ParseVersionRange(v); err != nil {
		x.note(Unmapped, "", "", line, quote+" (not a version range Embargo reads)")
		return
	}
	until := untilRe.FindString(mark)
	switch {
	case noMark.MatchString(mark):
		x.addVersion(v, false, line, quote, false)
	case yesMark.MatchString(mark):
		x.addVersion(v, true, line, quote, false)
		if until != "" {
			x.d.versions[len(x.d.versions)-1].until = until
		}
	default:
		// No mark survived (icons lost in a copy): ranges open below are
		// the old ones, the rest are supported.
		x.addVersion(v, !strings.HasPrefix(strings.TrimSpace(v), "<"), line, quote, true)
	}
}

func (x *extractor) addVersion(v string, supported bool, line int, quote string, guessed bool) {
	if strings.EqualFold(v, "latest") || strings.EqualFold(v, "< latest") {
		v = strings.ToLower(v)
	}
	r, _ := embargo.ParseVersionRange(v)
	for _, have := range x.d.versions {
		if have.rng.Overlaps(r) {
			return
		}
	}
	x.d.versions = append(x.d.versions, versionRow{versions: v, rng: r, supported: supported})
	kind := Mapped
	if guessed {
		kind = Guessed
		quote += " (no supported/unsupported mark in the source)"
	}
	x.note(kind, "supported_versions", v+map[bool]string{true: " supported", false: " not supported"}[supported], line, quote)
	x.used[key(line, quote)] = true
}
