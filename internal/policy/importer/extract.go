package importer

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/embargo-cvd/embargo/internal/embargo"
)

// extractor reads blocks into a draft and writes the review list.
type extractor struct {
	d      draft
	review []Finding
	// used marks sentences already mapped, by "line:text".
	used map[string]bool
}

func (x *extractor) note(kind, field, value string, line int, quote string) {
	x.review = append(x.review, Finding{Kind: kind, Field: field, Value: value, Line: line, Quote: shorten(quote)})
}

func shorten(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 160 {
		cut := 157
		for cut > 0 && s[cut]&0xC0 == 0x80 {
			cut--
		}
		return s[:cut] + "..."
	}
	return s
}

func (x *extractor) run(blocks []*block, raw string) {
	x.used = map[string]bool{}
	x.d.stages = map[string]*stageDraft{}
	x.identity(blocks, raw)
	for _, b := range blocks {
		x.contacts(b)
		x.guidance(b)
		x.scope(b)
	}
	x.supportedVersions(blocks)
	for _, b := range blocks {
		x.promises(b)
	}
	x.githubChannel(blocks)
	x.sections(blocks)
}

// --- identity -------------------------------------------------------------

var (
	titleForRe   = regexp.MustCompile(`(?i)^security policy (?:for|of) (.+?)\s*$`)
	titleLeadRe  = regexp.MustCompile(`(?i)^(.+?)\s+security policy\s*$`)
	securityOfRe = regexp.MustCompile(`(?i)\bsecurity of (\S+(?: \S+){0,3}?) (?:seriously|very seriously|is)`)
	vulnInRe     = regexp.MustCompile(`\bvulnerabilit(?:y|ies) in ((?:[A-Z][\w.-]*)(?: [A-Z][\w.-]*){0,4})`)
	theTeamRe    = regexp.MustCompile(`\b[Tt]he ((?:[A-Z][\w.-]*)(?: [A-Z][\w.-]*){0,3}) (?:team|maintainers|project|developers)\b`)
	slugRe       = regexp.MustCompile(`[^a-z0-9]+`)
)

func (x *extractor) identity(blocks []*block, raw string) {
	if m := securityLine.FindStringSubmatch(raw); m != nil {
		x.d.repository = "https://github.com/" + m[1] + "/" + m[2]
		x.d.slug = slugify(m[2])
	} else if repo := mostCommonRepo(raw); repo != "" {
		x.d.repository = "https://github.com/" + repo
		x.d.slug = slugify(repo[strings.Index(repo, "/")+1:])
	}
	for _, b := range blocks {
		if b.kind != kHeading {
			continue
		}
		if m := titleForRe.FindStringSubmatch(b.text); m != nil {
			x.setName(m[1], b)
			return
		}
		if m := titleLeadRe.FindStringSubmatch(b.text); m != nil && !strings.EqualFold(m[1], "the") {
			x.setName(m[1], b)
			return
		}
	}
	for _, re := range []*regexp.Regexp{securityOfRe, vulnInRe, theTeamRe} {
		for _, b := range blocks {
			if m := re.FindStringSubmatch(b.text); m != nil {
				name := strings.TrimSpace(strings.TrimSuffix(m[1], "."))
				if name != "" && !strings.EqualFold(name, "our") && !strings.EqualFold(name, "this project") {
					x.setName(name, b)
					return
				}
			}
		}
	}
	if x.d.slug != "" {
		x.d.name = x.d.slug
	}
}

func (x *extractor) setName(name string, b *block) {
	x.d.name = name
	if x.d.slug == "" {
		x.d.slug = slugify(name)
	}
	x.note(Mapped, "project.name", name, b.line, b.text)
}

func slugify(s string) string {
	s = strings.Trim(slugRe.ReplaceAllString(strings.ToLower(s), "-"), "-")
	if len(s) > 63 {
		s = strings.Trim(s[:63], "-")
	}
	return s
}

func mostCommonRepo(raw string) string {
	count := map[string]int{}
	for _, m := range githubRepoRe.FindAllStringSubmatch(raw, 200) {
		if m[1] == "orgs" || m[1] == "settings" || m[1] == "features" {
			continue
		}
		count[m[1]+"/"+strings.TrimSuffix(m[2], ".git")]++
	}
	best, n := "", 0
	for k, v := range count {
		if v > n || v == n && k < best {
			best, n = k, v
		}
	}
	return best
}

// --- contacts -------------------------------------------------------------

var (
	reportingContext = regexp.MustCompile(`(?i)report|vulnerab|security|disclos|contact|email|e-mail`)
	// notReporting: addresses of the press desk or of those Embargo's
	// project notifies downstream are not reporting channels.
	// reportingSentence: the sentence around an address says it is for
	// reports ("send your report to", "email security@…").
	reportingSentence = regexp.MustCompile(`(?i)report|vulnerab|security (issue|bug|problem|team|contact)|\bsend\b|e-?mail (us|to|the)\b|by e-?mail|^\s*e-?mail\b|e-?mail:?\s+<?[^\s@]+@|private(ly)?\b`)
	notReporting      = regexp.MustCompile(`(?i)\b(press|media|journalist|legal|commercial)\b|\bnotif(y|ied|ication)\b|downstream|packager|distributor|\bdistros\b|vendors? list`)
	subjectRe         = regexp.MustCompile(`(?i)\bsubject(?: line)?\b[^"“'\n]{0,30}["“']([^"”'\n]{3,80})["”']`)
)

// mayHoldContact is a cheap gate before the contact patterns.
func mayHoldContact(b *block) bool {
	if len(b.urls) > 0 || strings.ContainsAny(b.text, "@[:/") {
		return true
	}
	l := strings.ToLower(b.text)
	for _, w := range []string{"pgp", "gpg", "encrypt", "subject", "fingerprint"} {
		if strings.Contains(l, w) {
			return true
		}
	}
	return false
}

var githubAdvisories = regexp.MustCompile(`(?i)^https://github\.com/([A-Za-z0-9-]+/[A-Za-z0-9._-]+)/security/advisories(?:/new)?/?$`)

// maxEmails bounds the addresses read from one block.
const maxEmails = 20

// sentenceAround returns the sentence of text that holds offset at.
func sentenceAround(text string, at int) string {
	for _, sp := range splitSentences(text) {
		if at >= sp.start && at < sp.end {
			return text[sp.start:sp.end]
		}
	}
	return text
}

// keyContext says a hex string near it is an OpenPGP fingerprint.
var keyContext = regexp.MustCompile(`(?i)pgp|gpg|fingerprint|key`)

// templateText is GitHub's default SECURITY.md, left unfilled.
var templateText = regexp.MustCompile(`(?i)use this section to tell people|tell them where to go, how often`)

func (x *extractor) contacts(b *block) {
	ctx := b.sectionText() + " " + b.label + " " + b.text
	if templateText.MatchString(b.text) {
		x.note(Placeholder, "the policy", "GitHub's template text", b.line, b.text)
	}
	if !mayHoldContact(b) {
		return // nothing here can be a contact, a key or a placeholder
	}
	if m := placeholderRe.FindString(b.text); m != "" && x.d.placeholder == "" {
		x.d.placeholder = m
		x.note(Placeholder, "contacts.email", m, b.line, b.text)
	}
	if !reportingContext.MatchString(ctx) {
		return
	}
	// Addresses only behind a link ("[email us](mailto:…)") count too.
	for _, u := range b.urls {
		if a, ok := strings.CutPrefix(u, "mailto:"); ok && !strings.Contains(b.text, a) {
			if a, _, _ = strings.Cut(a, "?"); emailRe.MatchString(a) && reportingSentence.MatchString(b.text) && x.d.email == "" {
				x.d.email = a
				x.note(Mapped, "contacts.email", a, b.line, b.text)
			}
		}
	}
	for _, loc := range emailRe.FindAllStringIndex(b.text, maxEmails) {
		e := strings.TrimSuffix(b.text[loc[0]:loc[1]], ".")
		sentence := sentenceAround(b.text, loc[0])
		if notReporting.MatchString(sentence+" "+b.sectionText()) || strings.Contains(strings.ToLower(e), "noreply") {
			continue
		}
		switch {
		case !escalationRe.MatchString(sentence) && !reportingSentence.MatchString(sentence):
			// An address mentioned for something else (permission to test).
		case escalationRe.MatchString(sentence):
			// An escalation address is a channel, never the security address.
			if !strings.EqualFold(e, x.d.email) {
				x.addChannel(channel{typ: embargo.ChannelEmail, address: e}, b)
			}
		case x.d.email == "":
			x.d.email = e
			x.note(Mapped, "contacts.email", e, b.line, b.text)
		case strings.EqualFold(x.d.email, e):
		case !strings.Contains(strings.ToLower(x.d.email), "security") && strings.Contains(strings.ToLower(e), "security"):
			x.addChannel(channel{typ: embargo.ChannelEmail, address: x.d.email}, b)
			x.d.email = e
			x.note(Mapped, "contacts.email", e, b.line, b.text)
		default:
			x.addChannel(channel{typ: embargo.ChannelEmail, address: e}, b)
		}
	}
	if m := subjectRe.FindStringSubmatch(b.text); m != nil && x.d.emailSubject == "" && !notReporting.MatchString(b.sectionText()+" "+b.text) {
		x.d.emailSubject = m[1]
		x.note(Mapped, "contacts.email_subject", m[1], b.line, b.text)
	}
	for _, u := range append(b.urls, urlRe.FindAllString(b.text, -1)...) {
		x.url(u, b)
	}
	if m := fingerprintRe.FindString(b.text); m != "" && x.d.pgpFingerprint == "" && keyContext.MatchString(ctx) {
		x.d.pgpFingerprint = strings.ToUpper(strings.Join(strings.Fields(m), ""))
		x.note(Mapped, "contacts.pgp.fingerprint", x.d.pgpFingerprint, b.line, b.text)
	}
	lt := strings.ToLower(b.text)
	if strings.Contains(lt, "begin pgp public key block") {
		x.note(Unmapped, "", "", b.line, "an inline OpenPGP key: publish it and set contacts.pgp.key_url and fingerprint")
	}
	if (strings.Contains(lt, "pgp") || strings.Contains(lt, "gpg") || strings.Contains(lt, "encrypt")) &&
		(strings.Contains(lt, "request") || strings.Contains(lt, "if available") || strings.Contains(lt, "ask")) &&
		x.d.pgpKeyURL == "" && x.d.pgpFingerprint == "" && !x.d.pgpOnRequest {
		x.d.pgpOnRequest = true
		x.note(Mapped, "contacts.pgp.on_request", "true", b.line, b.text)
	}
}

func (x *extractor) url(u string, b *block) {
	lu := strings.ToLower(u)
	switch {
	case githubAdvisories.MatchString(u):
		// The advisories page or its /new form: private reporting either way.
		m := githubAdvisories.FindStringSubmatch(u)
		x.addChannel(channel{typ: embargo.ChannelGitHub, url: "https://github.com/" + m[1] + "/security/advisories/new"}, b)
	case strings.HasSuffix(lu, ".asc") || strings.HasSuffix(lu, ".gpg") || strings.Contains(lu, "keys.openpgp.org") || strings.Contains(lu, "keybase.io") || strings.Contains(lu, "/pgp") || strings.Contains(lu, "pgp-key"):
		if x.d.pgpKeyURL == "" {
			x.d.pgpKeyURL = u
			x.d.pgpOnRequest = false
			x.note(Mapped, "contacts.pgp.key_url", u, b.line, b.text)
		}
	default:
		for _, h := range platformHosts {
			if !strings.Contains(lu, h) {
				continue
			}
			path := strings.Trim(lu[strings.Index(lu, h)+len(h):], "/")
			switch {
			case strings.Contains(path, "thanks") || strings.Contains(path, "hall") || strings.Contains(path, "hacktivity"):
				if x.d.ackURL == "" && strings.HasPrefix(lu, "https://") {
					x.d.ackURL = u
					x.note(Mapped, "security_txt.acknowledgments", u, b.line, b.text)
				}
			case !strings.Contains(path, "/") || strings.Contains(path, "report") || strings.Contains(path, "submit"):
				// A program page (hackerone.com/nodejs) or its report form.
				x.addChannel(channel{typ: embargo.ChannelPlatform, url: u}, b)
			}
			return
		}
	}
}

func (x *extractor) addChannel(c channel, b *block) {
	for _, have := range x.d.channels {
		if have.typ == c.typ && have.url == c.url && have.address == c.address {
			return
		}
	}
	x.d.channels = append(x.d.channels, c)
	v := c.url
	if v == "" {
		v = c.address
	}
	x.note(Mapped, "contacts.channels ("+c.typ+")", v, b.line, b.text)
}

var githubPVR = regexp.MustCompile(`(?i)(github('s)? )?private vulnerability report|report a vulnerability" (button|tab)|security advisories? (tab|page).{0,40}report|privately report.{0,40}github|github.{0,40}privately report`)

// githubChannel adds GitHub private vulnerability reporting when the text
// names it, with the repository's URL when known.
func (x *extractor) githubChannel(blocks []*block) {
	for _, c := range x.d.channels {
		if c.typ == embargo.ChannelGitHub {
			return
		}
	}
	for _, b := range blocks {
		lt := strings.ToLower(b.text)
		if !strings.Contains(lt, "github") && !strings.Contains(lt, "report a vulnerability") && !strings.Contains(lt, "security advisor") || !githubPVR.MatchString(b.text) {
			continue
		}
		u := "https://github.com/[OWNER]/[REPOSITORY]/security/advisories/new"
		if x.d.repository != "" {
			u = x.d.repository + "/security/advisories/new"
		}
		x.d.channels = append([]channel{{typ: embargo.ChannelGitHub, url: u}}, x.d.channels...)
		x.note(Mapped, "contacts.channels (github)", u, b.line, b.text)
		return
	}
}

// --- guidance and scope --------------------------------------------------

var (
	guidanceLabel = regexp.MustCompile(`(?i)(include|contain|provide)( the following)?( information| details)?:\s*$|following (information|details)|\bwith:\s*$|details? such as`)
	reportSection = regexp.MustCompile(`(?i)report|vulnerab|how to|disclos|contact|submit`)
)

func (x *extractor) guidance(b *block) {
	if b.kind != kItem || !reportSection.MatchString(b.sectionText()+" "+b.label) {
		return
	}
	if guidanceLabel.MatchString(b.label) || strings.Contains(b.sectionText(), "what to include") {
		x.d.guidance = append(x.d.guidance, b.text)
		x.used[key(b.line, b.text)] = true
		x.note(Mapped, "report_guidance", b.text, b.line, b.text)
	}
}

var (
	outOfScope = regexp.MustCompile(`(?i)out[ -]of[ -]scope|not in scope|non-qualifying|not eligible|excluded`)
	inScope    = regexp.MustCompile(`(?i)\bin[ -]scope\b|qualifying vulnerabilit|eligible`)
)

func (x *extractor) scope(b *block) {
	if b.kind != kItem {
		return
	}
	ctx := b.label
	if ctx == "" && len(b.section) > 0 {
		ctx = b.section[len(b.section)-1]
	}
	field := "scope.in"
	switch {
	case outOfScope.MatchString(ctx):
		x.d.scopeOut = append(x.d.scopeOut, b.text)
		field = "scope.out"
	case inScope.MatchString(ctx):
		x.d.scopeIn = append(x.d.scopeIn, b.text)
	default:
		return
	}
	x.used[key(b.line, b.text)] = true
	x.note(Mapped, field, b.text, b.line, b.text)
}

func key(line int, text string) string { return fmt.Sprintf("%d:%s", line, text) }

// --- sections carried verbatim -------------------------------------------

var coreSection = regexp.MustCompile(`(?i)report|vulnerab|disclos|support|version|scope|credit|acknowledg|hall of fame|bount|contact|expect|response|timeline|severity|recognition|security polic|embargo|process|preface|scanner|skip to content|questions|reward`)

// sections carries the headed sections that are not about the policy's
// promises (hardening guidance, best practices) into the draft verbatim.
func (x *extractor) sections(blocks []*block) {
	top := 7
	for i, b := range blocks {
		if b.kind == kHeading && i > 0 && b.level < top {
			top = b.level
		}
	}
	for i := 0; i < len(blocks); i++ {
		b := blocks[i]
		if b.kind != kHeading || b.level != top || coreSection.MatchString(b.text) {
			continue
		}
		var body []string
		j := i + 1
		for ; j < len(blocks) && !(blocks[j].kind == kHeading && blocks[j].level <= top); j++ {
			body = append(body, render(blocks[j]))
		}
		text := strings.TrimSpace(strings.Join(body, "\n"))
		if text != "" {
			x.d.sections = append(x.d.sections, section{title: b.text, body: text})
			x.note(Mapped, "sections", b.text, b.line, "carried verbatim")
		}
		i = j - 1
	}
}

// render writes a block back as Markdown for a carried section.
func render(b *block) string {
	switch b.kind {
	case kHeading:
		return "\n" + strings.Repeat("#", min(b.level+1, 6)) + " " + b.text + "\n"
	case kItem:
		return strings.Repeat("  ", max(0, b.depth-1)) + "- " + b.text
	case kRow:
		return "| " + strings.Join(b.cells, " | ") + " |"
	}
	return "\n" + b.text + "\n"
}

// sortedStages lists stage names in policy order.
func sortedKeys(m map[string]*sourced) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return ks
}
