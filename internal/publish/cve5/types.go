package cve5

// The record model: the subset of CVE Record Format 5.x Embargo writes,
// in the schema's property order.

type record struct {
	DataType    string     `json:"dataType"`
	DataVersion string     `json:"dataVersion"`
	CVEMetadata metadata   `json:"cveMetadata"`
	Containers  containers `json:"containers"`
}

type metadata struct {
	CVEID         string `json:"cveId"`
	AssignerOrgID string `json:"assignerOrgId"`
	State         string `json:"state"`
	DatePublished string `json:"datePublished,omitempty"`
	DateUpdated   string `json:"dateUpdated,omitempty"`
	DateRejected  string `json:"dateRejected,omitempty"`
}

type containers struct {
	CNA any `json:"cna"`
}

type providerMetadata struct {
	OrgID       string `json:"orgId"`
	DateUpdated string `json:"dateUpdated,omitempty"`
}

// publishedCNA is the CNA container of a PUBLISHED record.
type publishedCNA struct {
	ProviderMetadata providerMetadata `json:"providerMetadata"`
	DatePublic       string           `json:"datePublic,omitempty"`
	Title            string           `json:"title,omitempty"`
	Descriptions     []description    `json:"descriptions"`
	Affected         []product        `json:"affected"`
	ProblemTypes     []problemType    `json:"problemTypes,omitempty"`
	Metrics          []metric         `json:"metrics,omitempty"`
	References       []reference      `json:"references"`
	Credits          []credit         `json:"credits,omitempty"`
	Generator        generator        `json:"x_generator"`
}

// rejectedCNA is the CNA container of a REJECTED record.
type rejectedCNA struct {
	ProviderMetadata providerMetadata `json:"providerMetadata"`
	RejectedReasons  []description    `json:"rejectedReasons"`
	Generator        generator        `json:"x_generator"`
}

type generator struct {
	Engine string `json:"engine"`
}

type description struct {
	Lang            string  `json:"lang"`
	Value           string  `json:"value"`
	SupportingMedia []media `json:"supportingMedia,omitempty"`
}

type media struct {
	Type   string `json:"type"`
	Base64 bool   `json:"base64"`
	Value  string `json:"value"`
}

type product struct {
	Vendor          string    `json:"vendor"`
	Product         string    `json:"product"`
	CollectionURL   string    `json:"collectionURL,omitempty"`
	PackageName     string    `json:"packageName,omitempty"`
	ProgramRoutines []routine `json:"programRoutines,omitempty"`
	Repo            string    `json:"repo,omitempty"`
	DefaultStatus   string    `json:"defaultStatus"`
	Versions        []version `json:"versions,omitempty"`
}

type routine struct {
	Name string `json:"name"`
}

type version struct {
	Version     string `json:"version"`
	Status      string `json:"status"`
	VersionType string `json:"versionType"`
	LessThan    string `json:"lessThan"`
}

type problemType struct {
	Descriptions []problemDescription `json:"descriptions"`
}

type problemDescription struct {
	Lang        string `json:"lang"`
	Description string `json:"description"`
	CWEID       string `json:"cweId,omitempty"`
	Type        string `json:"type"`
}

type metric struct {
	Format    string      `json:"format"`
	Scenarios []scenario  `json:"scenarios"`
	CVSSV4_0  *cvssMetric `json:"cvssV4_0,omitempty"`
	CVSSV3_1  *cvssMetric `json:"cvssV3_1,omitempty"`
	CVSSV3_0  *cvssMetric `json:"cvssV3_0,omitempty"`
}

type scenario struct {
	Lang  string `json:"lang"`
	Value string `json:"value"`
}

type cvssMetric struct {
	Version      string  `json:"version"`
	VectorString string  `json:"vectorString"`
	BaseScore    float64 `json:"baseScore"`
	BaseSeverity string  `json:"baseSeverity"`
}

type reference struct {
	URL  string   `json:"url"`
	Tags []string `json:"tags,omitempty"`
}

type credit struct {
	Lang  string `json:"lang"`
	Value string `json:"value"`
	Type  string `json:"type"`
}
