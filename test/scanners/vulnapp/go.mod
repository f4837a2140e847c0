module github.com/image-gate/image-gate/test/scanners/vulnapp

go 1.26

require golang.org/x/text v0.3.7
