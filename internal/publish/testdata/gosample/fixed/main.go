// Command gosample calls vulnlib.Parse, the symbol the test advisory names.
package main

import (
	"fmt"

	"example.com/vulnlib"
)

func main() { fmt.Println(vulnlib.Parse("sample")) }
