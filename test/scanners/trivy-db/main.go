// Command trivy-db builds a small but real Trivy vulnerability database (trivy.db + metadata.json,
// schema 2) from test/scanners/advisories.json with trivy-db's own packages, and pushes it to a
// registry the way Trivy's database is published: an OCI artifact whose single layer is db.tar.gz
// (media type application/vnd.aquasec.trivy.db.layer.v1.tar+gzip), read by `trivy
// --db-repository`.
//
// The advisories go through trivy-db's build pipeline (vulndb.Build: insert, then the optimize
// step that folds the per-source details into the vulnerability bucket, then cleanup), with a
// source of ours in place of the vuln-list crawlers, which need the network. The build time (the
// DB's UpdatedAt) is set by -age, so tests can serve a fresh and a stale database.
package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	gcrtypes "github.com/google/go-containerregistry/pkg/v1/types"
	bolt "go.etcd.io/bbolt"
	clocktesting "k8s.io/utils/clock/testing"

	"github.com/aquasecurity/trivy-db/pkg/db"
	"github.com/aquasecurity/trivy-db/pkg/types"
	"github.com/aquasecurity/trivy-db/pkg/vulndb"
	"github.com/aquasecurity/trivy-db/pkg/vulnsrc"
	"github.com/aquasecurity/trivy-db/pkg/vulnsrc/bucket"
	"github.com/aquasecurity/trivy-db/pkg/vulnsrc/vulnerability"
)

const (
	layerMediaType  = "application/vnd.aquasec.trivy.db.layer.v1.tar+gzip"
	configMediaType = "application/vnd.aquasec.trivy.config.v1+json"
)

type advisory struct {
	ID            string   `json:"id"`
	Aliases       []string `json:"aliases"`
	Type          string   `json:"type"`
	Package       string   `json:"package"`
	Fixed         string   `json:"fixed"`
	Vulnerable    string   `json:"vulnerable"`
	Severity      string   `json:"severity"`
	GrypeSeverity string   `json:"grypeSeverity"`
	State         string   `json:"state"`
	Only          string   `json:"only"`
	Title         string   `json:"title"`
}

func main() {
	in := flag.String("advisories", "", "advisories.json")
	out := flag.String("out", "", "output directory (trivy.db, metadata.json, db.tar.gz)")
	age := flag.Duration("age", time.Hour, "how long ago the database was built (UpdatedAt)")
	next := flag.Duration("next-update", 6*time.Hour, "NextUpdate, after the build time")
	push := flag.String("push", "", "registry repository:tag to push the OCI artifact to (plain HTTP on loopback)")
	flag.Parse()
	if *in == "" || *out == "" {
		log.Fatal("usage: trivy-db -advisories FILE -out DIR [-age D] [-next-update D] [-push REPO:TAG]")
	}
	advisories, err := readAdvisories(*in)
	if err != nil {
		log.Fatal(err)
	}
	if err := build(advisories, *out, time.Now().UTC().Add(-*age).Truncate(time.Second), *next); err != nil {
		log.Fatal(err)
	}
	archive, err := packageDB(*out)
	if err != nil {
		log.Fatal(err)
	}
	if *push != "" {
		if err := pushArtifact(archive, *push); err != nil {
			log.Fatal(err)
		}
	}
}

func readAdvisories(file string) ([]advisory, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var doc struct {
		Advisories []advisory `json:"advisories"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return doc.Advisories, nil
}

func build(advisories []advisory, out string, builtAt time.Time, next time.Duration) error {
	if err := os.RemoveAll(out); err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Join(out, "db"), 0o755); err != nil {
		return err
	}
	if err := db.Init(filepath.Join(out, "db")); err != nil {
		return fmt.Errorf("db init: %w", err)
	}
	src := source{dbc: db.Config{}, advisories: advisories}
	vdb := vulndb.New("", filepath.Join(out, "db"), next,
		vulndb.WithClock(clocktesting.NewFakeClock(builtAt)),
		vulndb.WithVulnSrcs(map[types.SourceID]vulnsrc.VulnSrc{src.Name(): src}))
	if err := vdb.Build([]string{string(src.Name())}); err != nil {
		return fmt.Errorf("build: %w", err)
	}
	return db.Close()
}

// source stands in for trivy-db's vuln-list crawlers: it stores each advisory the way
// vulnsrc/debian (Debian packages) and vulnsrc/osv for GHSA (npm, Go) store theirs.
type source struct {
	dbc        db.Config
	advisories []advisory
}

func (source) Name() types.SourceID { return "image-gate-test" }

func (s source) Update(string) error {
	return s.dbc.BatchUpdate(func(tx *bolt.Tx) error {
		for _, a := range s.advisories {
			if a.Only != "" && a.Only != "trivy" {
				continue
			}
			var err error
			switch a.Type {
			case "deb":
				err = s.putDebian(tx, a)
			case "npm", "go":
				err = s.putGHSA(tx, a)
			default:
				err = fmt.Errorf("unknown package type %q", a.Type)
			}
			if err != nil {
				return fmt.Errorf("%s: %w", a.ID, err)
			}
		}
		return nil
	})
}

func (s source) putDebian(tx *bolt.Tx, a advisory) error {
	platform := bucket.NewDebian("12").Name()
	detail := types.Advisory{
		FixedVersion: a.Fixed,
		Severity:     severity(a.Severity),
	}
	if a.Fixed == "" {
		detail.Status = types.StatusAffected
		if a.State == "will_not_fix" {
			detail.Status = types.StatusWillNotFix
		}
	}
	// A pointer: types.Advisory's MarshalJSON (which stores Status) has a pointer receiver.
	if err := s.dbc.PutAdvisoryDetail(tx, a.ID, a.Package, []string{platform}, &detail); err != nil {
		return err
	}
	if err := s.dbc.PutVulnerabilityDetail(tx, a.ID, vulnerability.Debian, types.VulnerabilityDetail{
		Title:    a.Title,
		Severity: severity(a.Severity),
	}); err != nil {
		return err
	}
	if err := s.dbc.PutVulnerabilityID(tx, a.ID); err != nil {
		return err
	}
	return s.dbc.PutDataSource(tx, platform, types.DataSource{
		ID:   vulnerability.Debian,
		Name: "Debian Security Tracker",
		URL:  "https://salsa.debian.org/security-tracker-team/security-tracker",
	})
}

// putGHSA stores a GitHub advisory as trivy-db's osv source does: under its CVE when it has one,
// with the GHSA id among the VendorIDs.
func (s source) putGHSA(tx *bolt.Tx, a advisory) error {
	vulnID, vendorIDs := a.ID, []string(nil)
	for _, alias := range a.Aliases {
		if strings.HasPrefix(alias, "CVE-") {
			vulnID, vendorIDs = alias, []string{a.ID}
		}
	}
	var bkt bucket.DataSourceBucket
	var err error
	switch a.Type {
	case "npm":
		bkt, err = bucket.NewNpm(types.DataSource{ID: vulnerability.GHSA, Name: "GitHub Security Advisory npm",
			URL: "https://github.com/advisories?query=type%3Areviewed+ecosystem%3Anpm"})
	case "go":
		bkt, err = bucket.NewGo(types.DataSource{ID: vulnerability.GHSA, Name: "GitHub Security Advisory Go",
			URL: "https://github.com/advisories?query=type%3Areviewed+ecosystem%3Ago"})
	}
	if err != nil {
		return err
	}
	if err := s.dbc.PutDataSource(tx, bkt.Name(), bkt.DataSource()); err != nil {
		return err
	}
	detail := types.Advisory{
		VendorIDs:          vendorIDs,
		VulnerableVersions: []string{a.Vulnerable},
	}
	if a.Fixed != "" {
		detail.PatchedVersions = []string{a.Fixed}
	}
	if err := s.dbc.PutAdvisoryDetail(tx, vulnID, a.Package, []string{bkt.Name()}, &detail); err != nil {
		return err
	}
	if err := s.dbc.PutVulnerabilityDetail(tx, vulnID, vulnerability.GHSA, types.VulnerabilityDetail{
		Title:    a.Title,
		Severity: severity(a.Severity),
	}); err != nil {
		return err
	}
	return s.dbc.PutVulnerabilityID(tx, vulnID)
}

func severity(s string) types.Severity {
	sev, err := types.NewSeverity(strings.ToUpper(s))
	if err != nil {
		return types.SeverityUnknown
	}
	return sev
}

// packageDB writes db.tar.gz with trivy.db and metadata.json at its root, as Trivy expects.
func packageDB(out string) (string, error) {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, f := range []string{"trivy.db", "metadata.json"} {
		b, err := os.ReadFile(filepath.Join(out, "db", f))
		if err != nil {
			return "", err
		}
		if err := tw.WriteHeader(&tar.Header{Name: f, Mode: 0o644, Size: int64(len(b)), ModTime: time.Unix(0, 0)}); err != nil {
			return "", err
		}
		if _, err := tw.Write(b); err != nil {
			return "", err
		}
	}
	if err := tw.Close(); err != nil {
		return "", err
	}
	if err := gz.Close(); err != nil {
		return "", err
	}
	archive := filepath.Join(out, "db.tar.gz")
	return archive, os.WriteFile(archive, buf.Bytes(), 0o644)
}

func pushArtifact(archive, repo string) error {
	b, err := os.ReadFile(archive)
	if err != nil {
		return err
	}
	ref, err := name.ParseReference(repo, name.Insecure)
	if err != nil {
		return err
	}
	layer := static.NewLayer(b, gcrtypes.MediaType(layerMediaType))
	img, err := mutate.Append(empty.Image, mutate.Addendum{
		Layer:       layer,
		Annotations: map[string]string{"org.opencontainers.image.title": "db.tar.gz"},
	})
	if err != nil {
		return err
	}
	img = mutate.MediaType(img, gcrtypes.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, gcrtypes.MediaType(configMediaType))
	if err := remote.Write(ref, img); err != nil {
		return fmt.Errorf("push %s: %w", ref, err)
	}
	digest, err := img.Digest()
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stdout, "%s@%s\n", ref.Context(), digest)
	return nil
}
