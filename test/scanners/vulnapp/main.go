// Command vulnapp is the Go binary of the vuln-app test image: it links golang.org/x/text v0.3.7,
// a module version with a known advisory, so the scanners find a Go module in a binary. It is
// never run by the tests.
package main

import (
	"fmt"
	"os"

	"golang.org/x/text/language"
)

func main() {
	tags, _, err := language.ParseAcceptLanguage(os.Getenv("LANG"))
	fmt.Println(tags, err)
}
