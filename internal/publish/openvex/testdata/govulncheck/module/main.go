// Command vexsample is the module the openvex tests scan with govulncheck
// against an empty vulnerability database: it has no dependency, so the
// scan needs no network and reports nothing.
package main

import "fmt"

func main() { fmt.Println("vexsample") }
