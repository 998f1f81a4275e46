package csaf

// The CSAF 2.0 document model, as much of it as Embargo writes. Fields are
// declared in alphabetical order of their JSON names, so documents come out
// with sorted keys (CSAF 2.0 optional test 6.2.13).

type csafDocument struct {
	Document        document        `json:"document"`
	ProductTree     productTree     `json:"product_tree"`
	Vulnerabilities []vulnerability `json:"vulnerabilities"`
}

type document struct {
	AggregateSeverity *aggregateSeverity `json:"aggregate_severity,omitempty"`
	Category          string             `json:"category"`
	CSAFVersion       string             `json:"csaf_version"`
	Distribution      docDistribution    `json:"distribution"`
	Lang              string             `json:"lang"`
	Notes             []note             `json:"notes"`
	Publisher         publisher          `json:"publisher"`
	References        []reference        `json:"references"`
	Title             string             `json:"title"`
	Tracking          tracking           `json:"tracking"`
}

type aggregateSeverity struct {
	Namespace string `json:"namespace,omitempty"`
	Text      string `json:"text"`
}

type docDistribution struct {
	TLP tlp `json:"tlp"`
}

type tlp struct {
	Label string `json:"label"`
}

type note struct {
	Category string `json:"category"`
	Text     string `json:"text"`
	Title    string `json:"title,omitempty"`
}

type publisher struct {
	Category       string `json:"category"`
	ContactDetails string `json:"contact_details,omitempty"`
	Name           string `json:"name"`
	Namespace      string `json:"namespace"`
}

type reference struct {
	Category string `json:"category"`
	Summary  string `json:"summary"`
	URL      string `json:"url"`
}

type tracking struct {
	CurrentReleaseDate string     `json:"current_release_date"`
	Generator          generator  `json:"generator"`
	ID                 string     `json:"id"`
	InitialReleaseDate string     `json:"initial_release_date"`
	RevisionHistory    []revision `json:"revision_history"`
	Status             string     `json:"status"`
	Version            string     `json:"version"`
}

type generator struct {
	Engine engine `json:"engine"`
}

type engine struct {
	Name string `json:"name"`
}

type revision struct {
	Date    string `json:"date"`
	Number  string `json:"number"`
	Summary string `json:"summary"`
}

type productTree struct {
	Branches []branch `json:"branches"`
}

type branch struct {
	Branches []branch `json:"branches,omitempty"`
	Category string   `json:"category"`
	Name     string   `json:"name"`
	Product  *product `json:"product,omitempty"`
}

type product struct {
	Name                        string                       `json:"name"`
	ProductID                   string                       `json:"product_id"`
	ProductIdentificationHelper *productIdentificationHelper `json:"product_identification_helper,omitempty"`
}

type productIdentificationHelper struct {
	PURL string `json:"purl"`
}

type vulnerability struct {
	Acknowledgments []acknowledgment `json:"acknowledgments,omitempty"`
	CVE             string           `json:"cve,omitempty"`
	CWE             *cweRef          `json:"cwe,omitempty"`
	IDs             []vulnID         `json:"ids,omitempty"`
	Notes           []note           `json:"notes"`
	ProductStatus   productStatus    `json:"product_status"`
	Remediations    []remediation    `json:"remediations,omitempty"`
	Scores          []score          `json:"scores,omitempty"`
	Title           string           `json:"title"`
}

type acknowledgment struct {
	Names   []string `json:"names"`
	Summary string   `json:"summary,omitempty"`
	URLs    []string `json:"urls,omitempty"`
}

type cweRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type vulnID struct {
	SystemName string `json:"system_name"`
	Text       string `json:"text"`
}

type productStatus struct {
	Fixed         []string `json:"fixed,omitempty"`
	KnownAffected []string `json:"known_affected,omitempty"`
}

type remediation struct {
	Category   string   `json:"category"`
	Details    string   `json:"details"`
	ProductIDs []string `json:"product_ids"`
	URL        string   `json:"url,omitempty"`
}

type score struct {
	CVSSV3   *cvssV3  `json:"cvss_v3"`
	Products []string `json:"products"`
}

// cvssV3 is a CVSS v3.0 or v3.1 base score in FIRST's JSON form.
type cvssV3 struct {
	AttackComplexity      string  `json:"attackComplexity"`
	AttackVector          string  `json:"attackVector"`
	AvailabilityImpact    string  `json:"availabilityImpact"`
	BaseScore             float64 `json:"baseScore"`
	BaseSeverity          string  `json:"baseSeverity"`
	ConfidentialityImpact string  `json:"confidentialityImpact"`
	IntegrityImpact       string  `json:"integrityImpact"`
	PrivilegesRequired    string  `json:"privilegesRequired"`
	Scope                 string  `json:"scope"`
	UserInteraction       string  `json:"userInteraction"`
	VectorString          string  `json:"vectorString"`
	Version               string  `json:"version"`
}
