// Command grype-db builds a small but real Grype vulnerability database (schema v6, the one grype
// 0.121 reads) from test/scanners/advisories.json with grype's own v6 writer, packages it with
// grype's archiver (vulnerability-db_v6….tar.zst plus the latest.json listing that points at it),
// and writes both into a directory served over HTTP as Grype's update URL
// (GRYPE_DB_UPDATE_URL=http://127.0.0.1:PORT/<dir>/latest.json, or …/<dir> and grype appends
// v6/latest.json: we write both places).
//
// Rows are built as grype's own transformers build them from vunnel's feeds (os transformer for
// Debian, github transformer for GHSA): the transformers' input types are internal to grype, so
// the handles are written here directly. The build time (DB metadata and listing) is set by -age.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/anchore/grype/grype/db/data"
	"github.com/anchore/grype/grype/db/provider"
	v6 "github.com/anchore/grype/grype/db/v6"
	build "github.com/anchore/grype/grype/db/v6/build"
	"github.com/anchore/grype/grype/db/v6/build/transformers"
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
	out := flag.String("out", "", "output directory: latest.json, v6/latest.json and the archive")
	age := flag.Duration("age", time.Hour, "how long ago the database was built")
	flag.Parse()
	if *in == "" || *out == "" {
		log.Fatal("usage: grype-db -advisories FILE -out DIR [-age D]")
	}
	advisories, err := readAdvisories(*in)
	if err != nil {
		log.Fatal(err)
	}
	builtAt := time.Now().UTC().Add(-*age).Round(time.Second)
	if err := run(advisories, *out, builtAt); err != nil {
		log.Fatal(err)
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

func run(advisories []advisory, out string, builtAt time.Time) error {
	work := filepath.Join(out, "build")
	if err := os.RemoveAll(out); err != nil {
		return err
	}
	if err := os.MkdirAll(work, 0o755); err != nil {
		return err
	}
	states := provider.States{
		{Provider: "debian", Version: 1, Processor: "image-gate-test", Timestamp: builtAt},
		{Provider: "github", Version: 1, Processor: "image-gate-test", Timestamp: builtAt},
		{Provider: "nvd", Version: 1, Processor: "image-gate-test", Timestamp: builtAt},
	}
	w, err := build.NewWriter(work, states, false, 0)
	if err != nil {
		return err
	}
	for _, a := range advisories {
		if a.Only != "" && a.Only != "grype" {
			continue
		}
		entries, err := entriesOf(a, states)
		if err != nil {
			return fmt.Errorf("%s: %w", a.ID, err)
		}
		if err := w.Write(entries...); err != nil {
			return fmt.Errorf("%s: %w", a.ID, err)
		}
	}
	if err := w.Close(); err != nil {
		return err
	}
	if err := setBuildTime(work, builtAt); err != nil {
		return err
	}
	// gzip rather than grype's default zstd: grype reads both, and gzip needs no external
	// compressor command.
	if err := build.CreateArchive(work, "tar.gz", nil); err != nil {
		return err
	}
	return publish(work, out)
}

func entriesOf(a advisory, states provider.States) ([]data.Entry, error) {
	sev := a.Severity
	if a.GrypeSeverity != "" {
		sev = a.GrypeSeverity
	}
	switch a.Type {
	case "deb":
		return debian(a, sev, states[0]), nil
	case "npm", "go":
		return github(a, sev, states[1], states[2]), nil
	}
	return nil, fmt.Errorf("unknown package type %q", a.Type)
}

// debian is what grype's os transformer makes of a vunnel debian:12 record.
func debian(a advisory, sev string, state provider.State) []data.Entry {
	fix := &v6.Fix{State: v6.NotFixedStatus}
	constraint := ""
	if a.Fixed != "" {
		fix = &v6.Fix{Version: a.Fixed, State: v6.FixedStatus}
		constraint = "< " + a.Fixed
	} else if a.State == "will_not_fix" {
		fix = &v6.Fix{State: v6.WontFixStatus}
	}
	vuln := v6.VulnerabilityHandle{
		Name:       a.ID,
		ProviderID: state.Provider,
		Provider:   provider.Model(state),
		Status:     v6.VulnerabilityActive,
		BlobValue: &v6.VulnerabilityBlob{
			ID:          a.ID,
			Description: a.Title,
			References:  []v6.Reference{{URL: "https://security-tracker.debian.org/tracker/" + a.ID}},
			Severities:  severities(sev, v6.SeveritySchemeCHMLN),
		},
	}
	pkg := v6.AffectedPackageHandle{
		OperatingSystem: &v6.OperatingSystem{Name: "debian", ReleaseID: "debian", MajorVersion: "12", Codename: "bookworm"},
		Package:         &v6.Package{Ecosystem: "deb", Name: a.Package},
		BlobValue: &v6.PackageBlob{
			CVEs:   []string{a.ID},
			Ranges: []v6.Range{{Version: v6.Version{Type: "dpkg", Constraint: constraint}, Fix: fix}},
		},
	}
	return transformers.NewEntries(vuln, pkg)
}

// github is what grype's github transformer makes of a GHSA record; a CVE it aliases also gets
// the NVD record grype's feeds would carry, so grype can relate the two.
func github(a advisory, sev string, state, nvd provider.State) []data.Entry {
	ecosystem, format := "npm", "semver"
	if a.Type == "go" {
		ecosystem, format = "go-module", "go"
	}
	fix := &v6.Fix{State: v6.NotFixedStatus}
	if a.Fixed != "" {
		fix = &v6.Fix{Version: a.Fixed, State: v6.FixedStatus}
	}
	vuln := v6.VulnerabilityHandle{
		Name:       a.ID,
		ProviderID: state.Provider,
		Provider:   provider.Model(state),
		Status:     v6.VulnerabilityActive,
		BlobValue: &v6.VulnerabilityBlob{
			ID:          a.ID,
			Description: a.Title,
			References:  []v6.Reference{{URL: "https://github.com/advisories/" + a.ID}},
			Aliases:     a.Aliases,
			Severities:  severities(sev, v6.SeveritySchemeCHML),
		},
	}
	pkg := v6.AffectedPackageHandle{
		Package: &v6.Package{Ecosystem: ecosystem, Name: a.Package},
		BlobValue: &v6.PackageBlob{
			CVEs:   a.Aliases,
			Ranges: []v6.Range{{Version: v6.Version{Type: format, Constraint: a.Vulnerable}, Fix: fix}},
		},
	}
	entries := transformers.NewEntries(vuln, pkg)
	for _, alias := range a.Aliases {
		if !strings.HasPrefix(alias, "CVE-") {
			continue
		}
		entries = append(entries, transformers.NewEntries(v6.VulnerabilityHandle{
			Name:       alias,
			ProviderID: nvd.Provider,
			Provider:   provider.Model(nvd),
			Status:     v6.VulnerabilityActive,
			BlobValue: &v6.VulnerabilityBlob{
				ID:          alias,
				Description: a.Title,
				References:  []v6.Reference{{URL: "https://nvd.nist.gov/vuln/detail/" + alias}},
				Severities:  severities(sev, v6.SeveritySchemeCHMLN),
			},
		})...)
	}
	return entries
}

func severities(sev string, scheme v6.SeverityScheme) []v6.Severity {
	if sev == "" || sev == "unknown" {
		return nil // grype reports "Unknown" when a record carries no severity
	}
	return []v6.Severity{{Scheme: scheme, Value: sev, Rank: 1}}
}

// setBuildTime back-dates the DB: the writer stamps it with the current time, and grype's age
// check and update check both read this one row.
func setBuildTime(dir string, builtAt time.Time) error {
	gdb, err := v6.NewLowLevelDB(filepath.Join(dir, v6.VulnerabilityDBFileName), false, true, false)
	if err != nil {
		return err
	}
	if err := gdb.Model(&v6.DBMetadata{}).Where("true").Update("build_timestamp", builtAt).Error; err != nil {
		return err
	}
	sqlDB, err := gdb.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// publish lays the listing and archive out as grype's update URL serves them.
func publish(work, out string) error {
	matches, err := filepath.Glob(filepath.Join(work, "vulnerability-db_*.tar.gz"))
	if err != nil || len(matches) != 1 {
		return fmt.Errorf("expected one archive in %s, found %v (%v)", work, matches, err)
	}
	archive := filepath.Base(matches[0])
	latest, err := os.ReadFile(filepath.Join(work, "latest.json"))
	if err != nil {
		return err
	}
	for _, dir := range []string{out, filepath.Join(out, "v6")} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		if err := os.Link(matches[0], filepath.Join(dir, archive)); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, "latest.json"), latest, 0o644); err != nil {
			return err
		}
	}
	fmt.Println(archive)
	return os.RemoveAll(work)
}
